export * from './container';
export * from './cpu';
export { ExternalWorkload } from './external-workload';
export type { WorkloadAttributes } from './external-workload';
export * from './image';
export * from './microservice';
export * from './node-agent';
export * from './port';
export * from './probe';
export * from '../core/quantity';
// The checks of resources props (RESOURCES, RESOURCE_AMOUNTS) stay inside the library.
export { QosClass, ResourceTotals, Resources, podQosClass } from './resources';
export type { ResourceAmounts, ResourcesProps } from './resources';
export * from './stateful-service';
export * from './volume';
export * from './workload';
