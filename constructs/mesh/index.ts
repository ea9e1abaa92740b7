export * from './istio-api-version';
export * from './mesh-enrolment';
export * from './mesh-references';
