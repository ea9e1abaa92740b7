export * from './nats-auth';
export * from './nats-cluster';
export * from './nats-tls';
export * from './nats-version';
export { StreamStorage } from './jetstream-storage';
export * from './jetstream-stream';
export * from './jetstream-consumer';
export * from './key-value-store';
export * from './object-store';
