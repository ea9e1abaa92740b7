export * from './istio-api-version';
export * from './mesh-enrolment';
