import { Size } from 'cdk8s';
import { Cpu, GatewayInstall, IstioApiVersion, MtlsMode, NatsMeshMode, Resources, TopologySpread } from '../../constructs';
import { EnvironmentOverrides, PlatformEnvironment } from './types';

const sized = (cpuRequest: number, cpuLimit: number, memoryMi: number) => Resources.of({
  requests: { cpu: Cpu.millis(cpuRequest), memory: Size.mebibytes(memoryMi), ephemeralStorage: Size.mebibytes(64) },
  limits: { cpu: Cpu.millis(cpuLimit), memory: Size.mebibytes(memoryMi), ephemeralStorage: Size.mebibytes(256) },
});

/** What every environment shares. */
export const BASE: Omit<PlatformEnvironment, 'name' | 'namespace'> = {
  clusterDomain: 'cluster.local',
  imageRegistry: 'ghcr.io/acme-shop',
  sizes: {
    xsmall: sized(50, 200, 64),
    small: sized(100, 500, 128),
    medium: sized(250, 1000, 256),
    large: sized(500, 2000, 512),
    xlarge: sized(1000, 4000, 1024),
  },
  services: {
    user: { replicas: 1, size: 'small', imageTag: '1.8.2', logLevel: 'info' },
    product: { replicas: 1, size: 'small', imageTag: '2.3.0', logLevel: 'info' },
    order: { replicas: 1, size: 'medium', imageTag: '3.1.4', logLevel: 'info' },
    inventory: { replicas: 1, size: 'small', imageTag: '1.12.0', logLevel: 'info' },
    payment: { replicas: 1, size: 'medium', imageTag: '2.0.7', logLevel: 'info' },
  },
  ledger: { replicas: 1, size: 'medium', imageTag: '16.4-alpine3.20', storage: Size.gibibytes(5) },
  nats: {
    replicas: 3,
    imageTag: '2.10.22-alpine',
    cpu: Cpu.millis(500),
    memory: Size.gibibytes(1),
    fileStorage: Size.gibibytes(10),
    memoryStorage: Size.mebibytes(256),
    streamReplicas: 3,
    ordersMaxBytes: Size.gibibytes(2),
    mesh: NatsMeshMode.INSIDE,
    natsBox: true,
  },
  logShipper: {
    size: 'xsmall',
    imageTag: '3.1.9',
    sink: { host: 'logs.observability.example.internal', cidr: '10.40.0.0/16', port: 24224 },
    expectedNodes: 3,
  },
  mesh: {
    apiVersion: IstioApiVersion.V1,
    // Every cluster runs Istio CNI (istioctl install --set components.cni.enabled=true): the
    // restricted platform namespace cannot admit the istio-init container injected without it.
    cni: true,
    mtls: MtlsMode.STRICT,
    defaultDeny: true,
    hosts: ['shop.example.com'],
    tlsCredential: 'shop-tls',
    sidecar: Resources.of({
      requests: { cpu: Cpu.millis(50), memory: Size.mebibytes(96) },
      limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(256) },
    }),
    jwt: { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/.well-known/jwks.json', audiences: ['shop-api'] },
  },
  agentsNamespace: 'shop-node-agents',
  // A documentation address range (RFC 5737) standing for the provider's published ranges.
  paymentProvider: { host: 'api.payments.example.com', port: 443, cidr: '203.0.113.0/24' },
  // Istio's gateway Helm chart, release istio-ingressgateway in istio-ingress.
  ingressGateway: GatewayInstall.helmGatewayChart('istio-ingressgateway', 'istio-ingress'),
  monitoringNamespace: 'monitoring',
  // The NACK chart's defaults; the controller runs with --control-loop, with a sidecar.
  nack: { namespace: 'nats-system', serviceAccount: 'jetstream-controller' },
  spread: TopologySpread.NONE,
  quotaHeadroomPercent: 20,
};

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * Deep merge of plain objects; class instances (sizes, CPU, resources) and arrays are replaced
 * whole; `null` removes an optional setting of the base.
 */
function merge<T>(base: T, overrides: unknown): T {
  if (overrides === null) return undefined as T;
  if (!isPlainObject(base) || !isPlainObject(overrides)) return (overrides === undefined ? base : overrides) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    out[k] = k in base ? merge((base as Record<string, unknown>)[k], v) : v;
  }
  return out as T;
}

/** An environment: the base with its own overrides. */
export function defineEnvironment(
  identity: { readonly name: string; readonly namespace: string },
  overrides: EnvironmentOverrides = {},
): PlatformEnvironment {
  return merge({ ...BASE, ...identity } as PlatformEnvironment, overrides);
}
