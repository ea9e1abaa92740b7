export * from './environment';
export * from './namespace-baseline';
