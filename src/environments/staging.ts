import { TopologySpread } from '../../constructs';
import { defineEnvironment } from './base';

/** Pre-production: two replicas spread over nodes, production sizes for the busy services. */
export const staging = defineEnvironment({ name: 'staging', namespace: 'shop-staging' }, {
  services: {
    user: { replicas: 2, imageTag: '1.9.0-rc.1' },
    product: { replicas: 2, imageTag: '2.4.0-rc.2' },
    order: { replicas: 2, imageTag: '3.2.0-rc.1' },
    inventory: { replicas: 2 },
    payment: { replicas: 2 },
  },
  mesh: {
    hosts: ['shop.staging.example.com'],
    tlsCredential: 'shop-staging-tls',
    orderCanary: { imageTag: '3.2.0-rc.2', weight: 50, replicas: 1 },
  },
  agentsNamespace: 'shop-staging-node-agents',
  spread: TopologySpread.NODES,
});
