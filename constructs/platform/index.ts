export * from './environment';
export * from './namespace-baseline';
export * from './architecture-diagram';
export * from './synth';
