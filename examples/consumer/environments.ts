// The environments of the orders platform. Each is a plain object: what every environment has
// (EnvironmentIdentity: name, namespace, cluster domain) and what this platform varies.
import { Size } from 'cdk8s';
import { ConfigError, Cpu, EnvironmentIdentity, describeValue } from 'cdk8s-nats-mesh';

export interface OrdersEnvironment extends EnvironmentIdentity {
  /** Replicas of the order and payment services. */
  readonly replicas: number;
  /** CPU and memory of each service replica (requests = limits). */
  readonly serviceCpu: Cpu;
  readonly serviceMemory: Size;
  /** JetStream file storage of each NATS server. */
  readonly jetStreamStorage: Size;
  /** Image tag of the order service (staging runs the release candidate). */
  readonly orderTag: string;
}

export const staging: OrdersEnvironment = {
  name: 'staging',
  namespace: 'orders-staging',
  clusterDomain: 'cluster.local',
  replicas: 1,
  serviceCpu: Cpu.millis(100),
  serviceMemory: Size.mebibytes(128),
  jetStreamStorage: Size.gibibytes(5),
  orderTag: '3.2.0-rc.1',
};

export const prod: OrdersEnvironment = {
  name: 'prod',
  namespace: 'orders',
  clusterDomain: 'cluster.local',
  replicas: 3,
  serviceCpu: Cpu.millis(500),
  serviceMemory: Size.mebibytes(512),
  jetStreamStorage: Size.gibibytes(50),
  orderTag: '3.1.4',
};

export const ENVIRONMENTS: readonly OrdersEnvironment[] = [staging, prod];

/** This platform's own rules for a configuration, checked before anything is built. */
export function validateEnvironment(env: OrdersEnvironment): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(env.replicas) || env.replicas < 1 || env.replicas > 20) {
    problems.push(new ConfigError({
      environment: env.name, path: 'environments.ts', field: 'replicas', received: describeValue(env.replicas), allowed: 'an integer from 1 to 20',
    }).message);
  }
  return problems;
}
