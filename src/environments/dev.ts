import { Size } from 'cdk8s';
import { Cpu, MtlsMode, NatsMeshMode } from '../../constructs';
import { defineEnvironment } from './base';

/** Developers' cluster: one replica of everything, small sizes, verbose logs. */
export const dev = defineEnvironment({ name: 'dev', namespace: 'shop-dev' }, {
  services: {
    user: { size: 'xsmall', logLevel: 'debug', imageTag: '1.9.0-rc.1' },
    product: { size: 'xsmall', logLevel: 'debug', imageTag: '2.4.0-rc.2' },
    order: { size: 'small', logLevel: 'debug', imageTag: '3.2.0-rc.1' },
    inventory: { size: 'xsmall', logLevel: 'debug' },
    payment: { size: 'small', logLevel: 'debug' },
  },
  ledger: { size: 'small' },
  // A single server with small JetStream storage; outside the mesh.
  nats: {
    replicas: 1, cpu: Cpu.millis(250), memory: Size.mebibytes(512), fileStorage: Size.gibibytes(1),
    memoryStorage: Size.mebibytes(64), streamReplicas: 1, ordersMaxBytes: Size.mebibytes(256), mesh: NatsMeshMode.OUTSIDE,
  },
  // In the mesh, but permissive (plain-text connections are accepted while clients move in);
  // the services' authorization policies still apply. No token required.
  mesh: { mtls: MtlsMode.PERMISSIVE, defaultDeny: false, hosts: ['shop.dev.example.com'], tlsCredential: 'shop-dev-tls', jwt: null },
  agentsNamespace: 'shop-dev-node-agents',
  logShipper: { expectedNodes: 1 },
});
