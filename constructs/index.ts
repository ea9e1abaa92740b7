export * from './platform';
export * from './workloads';
