import { Size } from 'cdk8s';
import { Cpu, TopologySpread } from '../../constructs';
import { BASE, defineEnvironment } from './base';

/** Production: replicated across zones, autoscaled storefront, larger sizes, a hard budget. */
export const prod = defineEnvironment({ name: 'prod', namespace: 'shop' }, {
  sizes: {
    // Production's medium gets more memory for the order and payment services' caches.
    medium: BASE.sizes.large,
  },
  services: {
    user: { replicas: 3, size: 'medium' },
    product: { replicas: 3, size: 'medium', autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 } },
    order: { replicas: 3, size: 'large', autoscaling: { minReplicas: 3, maxReplicas: 12, targetCpuUtilization: 65 } },
    inventory: { replicas: 3, size: 'medium' },
    payment: { replicas: 3, size: 'large', logLevel: 'warn' },
  },
  ledger: { size: 'large', storage: Size.gibibytes(100), storageClassName: 'ssd-retain' },
  nats: {
    cpu: Cpu.cores(2), memory: Size.gibibytes(4), fileStorage: Size.gibibytes(50), memoryStorage: Size.gibibytes(1),
    storageClassName: 'ssd-retain', ordersMaxBytes: Size.gibibytes(10), tlsIssuer: 'shop-internal-ca', natsBox: false,
  },
  logShipper: { size: 'small', expectedNodes: 12 },
  // Production's control plane is upgraded by revision; 10% of checkout traffic tries the canary.
  mesh: {
    revision: '1-23',
    hosts: ['shop.example.com', 'www.shop.example.com'],
    orderCanary: { imageTag: '3.2.0-rc.1', weight: 10, replicas: 2 },
  },
  spread: TopologySpread.ZONES_AND_NODES,
  budget: { cpu: Cpu.cores(128), memory: Size.gibibytes(64), pods: 80, storage: Size.gibibytes(400) },
});
