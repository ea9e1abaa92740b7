export * from './core';
export * from './mesh';
export * from './nats';
export * from './platform';
export * from './workloads';
