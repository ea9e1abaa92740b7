export * from './environment';
export * from './namespace-baseline';
export * from './architecture-diagram';
