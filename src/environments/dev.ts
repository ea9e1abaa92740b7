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
  agentsNamespace: 'shop-dev-node-agents',
  logShipper: { expectedNodes: 1 },
});
