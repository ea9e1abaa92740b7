import { Size } from 'cdk8s';
import { Cpu, Resources, TopologySpread } from '../../constructs';
import {
  BASE, ENVIRONMENTS, PlatformEnvironment, defineEnvironment, validateEnvironment,
} from '../../src/environments';

const source = 'src/environments/test.ts';
const names = ENVIRONMENTS.map((e) => e.name);
const byName = (name: string): PlatformEnvironment => {
  const env = ENVIRONMENTS.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name} in ENVIRONMENTS (${names.join(', ')})`);
  return env;
};
const valid = (): PlatformEnvironment => defineEnvironment({ name: 'qa', namespace: 'shop-qa' }, { agentsNamespace: 'shop-qa-agents' });
/** The problems of a copy of `valid()` changed by `change`. */
const problems = (change: (e: any) => void): string[] => {
  const env = copyEnv(valid());
  change(env);
  return validateEnvironment(env, source);
};
function copyEnv(e: PlatformEnvironment): any {
  // Resources, Size and Cpu are immutable value objects: copying the plain structure is enough.
  return {
    ...e,
    sizes: { ...e.sizes },
    services: Object.fromEntries(Object.entries(e.services).map(([k, v]) => [k, { ...v }])),
    ledger: { ...e.ledger },
    logShipper: { ...e.logShipper, sink: { ...e.logShipper.sink } },
    nats: { ...e.nats },
    nack: { ...e.nack },
    paymentProvider: { ...e.paymentProvider },
    mesh: { ...e.mesh, jwt: e.mesh.jwt ? { ...e.mesh.jwt } : undefined, orderCanary: e.mesh.orderCanary ? { ...e.mesh.orderCanary } : undefined },
  };
}

describe('environments', () => {
  test('every environment is valid and has a name of its own', () => {
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
    for (const env of ENVIRONMENTS) expect(validateEnvironment(env, source)).toEqual([]);
  });

  test('environments override only what differs from the base', () => {
    const [dev, staging, prod] = [byName('dev'), byName('staging'), byName('prod')];
    expect(dev.services.user.replicas).toBe(1);
    expect(staging.services.user.replicas).toBe(2);
    expect(prod.services.user.replicas).toBe(3);
    // Not overridden in prod: inherited from the base.
    expect(prod.clusterDomain).toBe(BASE.clusterDomain);
    expect(prod.services.inventory.imageTag).toBe(BASE.services.inventory.imageTag);
    expect(prod.sizes.small).toBe(BASE.sizes.small);
    // Overridden: prod's medium is the base's large.
    expect(prod.sizes.medium).toBe(BASE.sizes.large);
    expect(prod.spread).toBe(TopologySpread.ZONES_AND_NODES);
    expect(dev.spread).toBe(TopologySpread.NONE);
    // A deep override keeps the sibling fields of the base.
    expect(dev.services.user.size).toBe('xsmall');
    expect(dev.services.user.replicas).toBe(BASE.services.user.replicas);
  });
});

describe('environment validation rules', () => {
  const one = (change: (e: any) => void) => {
    const errors = problems(change);
    expect(errors).toHaveLength(1);
    return errors[0];
  };

  test('name', () => {
    expect(one((e) => { e.name = 'Prod'; })).toBe(
      '[Prod] src/environments/test.ts: name: received "Prod"; allowed: lower-case letters, digits and "-", starting with a letter, at most 31 characters');
  });
  test('namespace', () => {
    expect(one((e) => { e.namespace = 'Shop_QA'; })).toBe(
      '[qa] src/environments/test.ts: namespace: received "Shop_QA"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
  });
  test('agents namespace must differ from the platform namespace', () => {
    expect(one((e) => { e.agentsNamespace = 'shop-qa'; })).toBe(
      '[qa] src/environments/test.ts: agentsNamespace: received "shop-qa"; allowed: a namespace other than the platform namespace (node agents need host paths, which restricted pod security refuses)');
  });
  test('monitoring namespace', () => {
    expect(one((e) => { e.monitoringNamespace = 'Monitoring'; })).toBe(
      '[qa] src/environments/test.ts: monitoringNamespace: received "Monitoring"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
  });
  test('cluster domain', () => {
    expect(one((e) => { e.clusterDomain = 'cluster..local'; })).toBe(
      '[qa] src/environments/test.ts: clusterDomain: received "cluster..local"; allowed: a DNS domain such as cluster.local');
  });
  test('image registry', () => {
    expect(one((e) => { e.imageRegistry = 'GHCR.io/Acme'; })).toBe(
      '[qa] src/environments/test.ts: imageRegistry: received "GHCR.io/Acme"; allowed: a lower-case registry and path such as ghcr.io/acme-shop');
  });
  test('spread', () => {
    expect(one((e) => { e.spread = 'racks'; })).toBe(
      '[qa] src/environments/test.ts: spread: received "racks"; allowed: one of none, zones, zones-and-nodes, nodes');
  });
  test('quota headroom', () => {
    expect(one((e) => { e.quotaHeadroomPercent = -5; })).toBe(
      '[qa] src/environments/test.ts: quotaHeadroomPercent: received -5; allowed: an integer from 0 to 500');
  });
  test('a named size must be Resources', () => {
    expect(one((e) => { e.sizes.small = { cpu: '100m' }; })).toBe(
      '[qa] src/environments/test.ts: sizes.small: received {"cpu":"100m"}; allowed: Resources.of(...) or Resources.guaranteed(...)');
  });
  test('a named size with requests above limits', () => {
    expect(one((e) => {
      e.sizes.large = Resources.of({
        requests: { cpu: Cpu.millis(500), memory: Size.mebibytes(1024) },
        limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(512) },
      });
    })).toBe('[qa] src/environments/test.ts: sizes.large.requests.memory: received 1Gi (limit 512Mi); allowed: a request no larger than the limit');
  });
  test('unknown service', () => {
    expect(one((e) => { e.services.cart = { ...e.services.user }; })).toBe(
      '[qa] src/environments/test.ts: services.cart: received "cart"; allowed: settings for the platform\'s services only: user, product, order, inventory, payment');
  });
  test('replicas', () => {
    expect(one((e) => { e.services.order.replicas = 0; })).toBe(
      '[qa] src/environments/test.ts: services.order.replicas: received 0; allowed: an integer >= 1');
  });
  test('size name', () => {
    expect(one((e) => { e.services.order.size = 'huge'; })).toBe(
      '[qa] src/environments/test.ts: services.order.size: received "huge"; allowed: one of the named sizes xsmall, small, medium, large, xlarge');
  });
  test('image tag', () => {
    expect(one((e) => { e.services.payment.imageTag = 'latest'; })).toBe(
      '[qa] src/environments/test.ts: services.payment.imageTag: received "latest"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
  });
  test('image tag: a moving tag without a version is refused, any versioned tag is accepted', () => {
    expect(one((e) => { e.services.user.imageTag = 'main'; })).toBe(
      '[qa] src/environments/test.ts: services.user.imageTag: received "main"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
    expect(one((e) => { e.services.user.imageTag = 'stable'; })).toBe(
      '[qa] src/environments/test.ts: services.user.imageTag: received "stable"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
    expect(problems((e) => { e.services.user.imageTag = 'v2'; e.ledger.imageTag = '16.4-alpine3.20'; })).toEqual([]);
  });
  test('log level', () => {
    expect(one((e) => { e.services.user.logLevel = 'trace'; })).toBe(
      '[qa] src/environments/test.ts: services.user.logLevel: received "trace"; allowed: debug, info or warn');
  });
  test('autoscaling bounds', () => {
    expect(one((e) => { e.services.product.autoscaling = { minReplicas: 4, maxReplicas: 2, targetCpuUtilization: 70 }; })).toBe(
      '[qa] src/environments/test.ts: services.product.autoscaling.maxReplicas: received 2; allowed: at least minReplicas (4)');
    expect(one((e) => { e.services.product.autoscaling = { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 150 }; })).toBe(
      '[qa] src/environments/test.ts: services.product.autoscaling.targetCpuUtilization: received 150; allowed: an integer from 1 to 100');
  });
  test('ledger storage', () => {
    expect(one((e) => { e.ledger.storage = Size.mebibytes(512); })).toBe(
      '[qa] src/environments/test.ts: ledger.storage: received 512Mi; allowed: a Size of at least 1Gi');
  });
  test('log sink', () => {
    expect(one((e) => { e.logShipper.sink.port = 70000; })).toBe(
      '[qa] src/environments/test.ts: logShipper.sink.port: received 70000; allowed: an integer from 1 to 65535');
    expect(one((e) => { e.logShipper.sink.cidr = '10.40.0.0'; })).toBe(
      '[qa] src/environments/test.ts: logShipper.sink.cidr: received "10.40.0.0"; allowed: an IPv4 CIDR such as 10.40.0.0/16');
    expect(one((e) => { e.paymentProvider.host = 'https://api.payments.example.com'; })).toBe(
      '[qa] src/environments/test.ts: paymentProvider.host: received "https://api.payments.example.com"; allowed: a fully qualified DNS name such as api.payments.example.com');
    expect(one((e) => { e.paymentProvider.cidr = '203.0.113.0'; })).toBe(
      '[qa] src/environments/test.ts: paymentProvider.cidr: received "203.0.113.0"; allowed: an IPv4 CIDR such as 203.0.113.0/24');
    expect(one((e) => { e.paymentProvider.port = 0; })).toMatch(/paymentProvider\.port: received 0; allowed: /);
  });
  test('budget', () => {
    expect(one((e) => { e.budget = { cpu: Cpu.millis(0), memory: Size.gibibytes(1), pods: 10, storage: Size.gibibytes(1) }; })).toBe(
      '[qa] src/environments/test.ts: budget.cpu: received 0; allowed: a Cpu above zero');
    expect(one((e) => { e.budget = { cpu: Cpu.parse('128 cores'), memory: Size.gibibytes(1), pods: 10, storage: Size.gibibytes(1) }; })).toBe(
      '[qa] src/environments/test.ts: budget.cpu: received "128 cores"; allowed: a Cpu above zero');
  });
  test('NATS servers and stream replicas', () => {
    expect(one((e) => { e.nats.replicas = 0; })).toBe(
      '[qa] src/environments/test.ts: nats.replicas: received 0; allowed: an integer >= 1');
    expect(one((e) => { e.nats.replicas = 3; e.nats.streamReplicas = 4; })).toBe(
      '[qa] src/environments/test.ts: nats.streamReplicas: received 4; allowed: an integer from 1 to 3');
  });
  test('NATS image tag, sizes, issuer and mesh mode', () => {
    expect(one((e) => { e.nats.imageTag = 'latest'; })).toBe(
      '[qa] src/environments/test.ts: nats.imageTag: received "latest"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
    expect(one((e) => { e.nats.cpu = Cpu.millis(50); })).toBe(
      '[qa] src/environments/test.ts: nats.cpu: received 50m; allowed: a Cpu of at least 100m');
    expect(one((e) => { e.nats.cpu = Cpu.parse('250mi'); })).toBe(
      '[qa] src/environments/test.ts: nats.cpu: received "250mi"; allowed: a Cpu of at least 100m');
    expect(one((e) => { e.nats.memory = Size.mebibytes(128); })).toBe(
      '[qa] src/environments/test.ts: nats.memory: received 128Mi; allowed: a Size of at least 256Mi');
    expect(one((e) => { e.nats.fileStorage = Size.mebibytes(512); })).toBe(
      '[qa] src/environments/test.ts: nats.fileStorage: received 512Mi; allowed: a Size of at least 1Gi');
    expect(one((e) => { e.nats.memoryStorage = '64Mi'; })).toBe(
      '[qa] src/environments/test.ts: nats.memoryStorage: received "64Mi"; allowed: a Size');
    expect(one((e) => { e.nats.ordersMaxBytes = 1024; })).toBe(
      '[qa] src/environments/test.ts: nats.ordersMaxBytes: received 1024; allowed: a Size');
    expect(one((e) => { e.nats.storageClassName = 'SSD'; })).toBe(
      '[qa] src/environments/test.ts: nats.storageClassName: received "SSD"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
    expect(one((e) => { e.nats.tlsIssuer = 'Internal CA'; })).toBe(
      '[qa] src/environments/test.ts: nats.tlsIssuer: received "Internal CA"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
    expect(one((e) => { e.nats.mesh = 'sidecar'; })).toBe(
      '[qa] src/environments/test.ts: nats.mesh: received "sidecar"; allowed: one of none, inside, outside');
    expect(one((e) => { e.nats.natsBox = 'yes'; })).toBe(
      '[qa] src/environments/test.ts: nats.natsBox: received "yes"; allowed: true or false');
  });
  test('mesh: API version, revision, mTLS mode, default deny', () => {
    expect(one((e) => { e.mesh.apiVersion = 'v1alpha3'; })).toBe(
      '[qa] src/environments/test.ts: mesh.apiVersion: received "v1alpha3"; allowed: one of v1, v1beta1');
    expect(one((e) => { e.mesh.revision = '1.23'; })).toBe(
      '[qa] src/environments/test.ts: mesh.revision: received "1.23"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
    expect(one((e) => { e.mesh.mtls = 'MUTUAL'; })).toBe(
      '[qa] src/environments/test.ts: mesh.mtls: received "MUTUAL"; allowed: one of STRICT, PERMISSIVE, DISABLE');
    expect(one((e) => { e.mesh.defaultDeny = 'yes'; })).toBe(
      '[qa] src/environments/test.ts: mesh.defaultDeny: received "yes"; allowed: true or false');
  });
  test('mesh: hosts, TLS credential, sidecar size', () => {
    expect(one((e) => { e.mesh.hosts = []; })).toBe(
      '[qa] src/environments/test.ts: mesh.hosts: received []; allowed: at least one host name such as shop.example.com');
    expect(one((e) => { e.mesh.hosts = ['Shop.Example.com']; })).toBe(
      '[qa] src/environments/test.ts: mesh.hosts[0]: received "Shop.Example.com"; allowed: a lower-case DNS name such as shop.example.com');
    expect(one((e) => { e.mesh.tlsCredential = 'Shop TLS'; })).toBe(
      '[qa] src/environments/test.ts: mesh.tlsCredential: received "Shop TLS"; allowed: the name of a TLS Secret in the ingress gateway\'s namespace');
    expect(one((e) => {
      e.mesh.sidecar = Resources.of({ requests: { cpu: Cpu.millis(600), memory: Size.mebibytes(64) }, limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(64) } });
    })).toBe('[qa] src/environments/test.ts: mesh.sidecar.requests.cpu: received 600m (limit 500m); allowed: a request no larger than the limit');
  });
  test('mesh: JWT issuer keys over https', () => {
    expect(one((e) => { e.mesh.jwt = { issuer: 'https://login.example.com/', jwksUri: 'http://login.example.com/keys', audiences: [] }; })).toBe(
      '[qa] src/environments/test.ts: mesh.jwt.jwksUri: received "http://login.example.com/keys"; allowed: an https:// URL of the issuer\'s keys');
  });
  test('mesh: order canary weight and version', () => {
    expect(one((e) => { e.mesh.orderCanary = { imageTag: '9.9.9', weight: 100, replicas: 1 }; })).toBe(
      '[qa] src/environments/test.ts: mesh.orderCanary.weight: received 100; allowed: an integer from 1 to 99');
    expect(one((e) => { e.mesh.orderCanary = { imageTag: e.services.order.imageTag, weight: 10, replicas: 1 }; })).toBe(
      '[qa] src/environments/test.ts: mesh.orderCanary.imageTag: received "3.1.4"; allowed: a version other than the stable order service\'s (3.1.4)');
  });
  test('a name that is not a string: the message names no environment', () => {
    expect(one((e) => { e.name = 42; })).toBe(
      'src/environments/test.ts: name: received 42; allowed: lower-case letters, digits and "-", starting with a letter, at most 31 characters');
  });
  test('agents namespace is a DNS label', () => {
    expect(one((e) => { e.agentsNamespace = 'Shop-QA-Agents'; })).toBe(
      '[qa] src/environments/test.ts: agentsNamespace: received "Shop-QA-Agents"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
  });
  test('ingress namespace', () => {
    expect(one((e) => { e.ingressGateway = { namespace: 'istio-ingress' }; })).toBe(
      '[qa] src/environments/test.ts: ingressGateway: received {"namespace":"istio-ingress"}; allowed: a GatewayInstall: helmGatewayChart(release, namespace), ISTIOCTL_DEFAULT or custom(...)');
  });
  test('every service has settings', () => {
    expect(one((e) => { delete e.services.inventory; })).toBe(
      '[qa] src/environments/test.ts: services.inventory: received nothing; allowed: settings for every service');
  });
  test('autoscaling replica counts are integers of at least 1', () => {
    expect(one((e) => { e.services.product.autoscaling = { minReplicas: 0, maxReplicas: 3, targetCpuUtilization: 70 }; })).toBe(
      '[qa] src/environments/test.ts: services.product.autoscaling.minReplicas: received 0; allowed: an integer >= 1');
    expect(one((e) => { e.services.user.autoscaling = { minReplicas: 2, maxReplicas: 2.5, targetCpuUtilization: 70 }; })).toBe(
      '[qa] src/environments/test.ts: services.user.autoscaling.maxReplicas: received 2.5; allowed: an integer >= 1');
  });
  test('ledger replicas, size, image tag and storage class', () => {
    expect(one((e) => { e.ledger.replicas = 0; })).toBe(
      '[qa] src/environments/test.ts: ledger.replicas: received 0; allowed: an integer >= 1');
    expect(one((e) => { e.ledger.size = 'tiny'; })).toBe(
      '[qa] src/environments/test.ts: ledger.size: received "tiny"; allowed: one of the named sizes xsmall, small, medium, large, xlarge');
    expect(one((e) => { e.ledger.imageTag = 'latest'; })).toBe(
      '[qa] src/environments/test.ts: ledger.imageTag: received "latest"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
    expect(one((e) => { e.ledger.storageClassName = 'Fast SSD'; })).toBe(
      '[qa] src/environments/test.ts: ledger.storageClassName: received "Fast SSD"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
  });
  test('log shipper size, image tag and expected nodes', () => {
    expect(one((e) => { e.logShipper.size = 'XS'; })).toBe(
      '[qa] src/environments/test.ts: logShipper.size: received "XS"; allowed: one of the named sizes xsmall, small, medium, large, xlarge');
    expect(one((e) => { e.logShipper.imageTag = '3.1.9 debug'; })).toBe(
      '[qa] src/environments/test.ts: logShipper.imageTag: received "3.1.9 debug"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
    expect(one((e) => { e.logShipper.expectedNodes = 0; })).toBe(
      '[qa] src/environments/test.ts: logShipper.expectedNodes: received 0; allowed: an integer >= 1');
  });
  test('mesh: JWT issuer', () => {
    expect(one((e) => { e.mesh.jwt = { issuer: '  ', jwksUri: 'https://login.example.com/keys', audiences: ['shop-api'] }; })).toBe(
      '[qa] src/environments/test.ts: mesh.jwt.issuer: received "  "; allowed: the issuer of the tokens');
  });
  test('mesh: order canary replicas and pinned image tag', () => {
    expect(one((e) => { e.mesh.orderCanary = { imageTag: '9.9.9', weight: 10, replicas: 0 }; })).toBe(
      '[qa] src/environments/test.ts: mesh.orderCanary.replicas: received 0; allowed: an integer >= 1');
    expect(one((e) => { e.mesh.orderCanary = { imageTag: 'latest', weight: 10, replicas: 1 }; })).toBe(
      '[qa] src/environments/test.ts: mesh.orderCanary.imageTag: received "latest"; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)');
  });
  test('budget memory and pods', () => {
    const budget = { cpu: Cpu.millis(4000), memory: Size.gibibytes(8), pods: 20, storage: Size.gibibytes(50) };
    expect(problems((e) => { e.budget = budget; })).toEqual([]);
    expect(one((e) => { e.budget = { ...budget, memory: Size.mebibytes(0) }; })).toBe(
      '[qa] src/environments/test.ts: budget.memory: received 0; allowed: a Size above zero');
    expect(one((e) => { e.budget = { ...budget, memory: '8Gi' }; })).toBe(
      '[qa] src/environments/test.ts: budget.memory: received "8Gi"; allowed: a Size above zero');
    expect(one((e) => { e.budget = { ...budget, pods: 0 }; })).toBe(
      '[qa] src/environments/test.ts: budget.pods: received 0; allowed: an integer >= 1');
  });
  test('a null override removes an optional setting of the base', () => {
    expect(BASE.mesh.jwt).toBeDefined();
    expect(byName('dev').mesh.jwt).toBeUndefined();
    expect(byName('prod').mesh.jwt).toEqual(BASE.mesh.jwt);
  });
  test('mesh: JWT audiences', () => {
    expect(one((e) => { e.mesh.jwt = { ...BASE.mesh.jwt!, audiences: ['shop api'] }; })).toBe(
      '[qa] src/environments/test.ts: mesh.jwt.audiences: received ["shop api"]; allowed: a list of audiences without spaces (empty: any audience)');
  });
  test('NACK namespace and service account', () => {
    expect(one((e) => { e.nack.namespace = 'NATS'; })).toBe(
      '[qa] src/environments/test.ts: nack.namespace: received "NATS"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
    expect(one((e) => { e.nack.serviceAccount = 'jetstream controller'; })).toBe(
      '[qa] src/environments/test.ts: nack.serviceAccount: received "jetstream controller"; allowed: a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
  });
  test('budget storage', () => {
    expect(one((e) => { e.budget = { cpu: Cpu.cores(8), memory: Size.gibibytes(8), pods: 10, storage: '10Gi' }; })).toBe(
      '[qa] src/environments/test.ts: budget.storage: received "10Gi"; allowed: a Size above zero');
  });
  test('every problem is reported, not only the first', () => {
    const errors = problems((e) => { e.services.user.replicas = -1; e.services.order.imageTag = ''; });
    expect(errors).toEqual([
      '[qa] src/environments/test.ts: services.user.replicas: received -1; allowed: an integer >= 1',
      '[qa] src/environments/test.ts: services.order.imageTag: received ""; allowed: a pinned image tag with a version (not "latest", "main" or another moving tag)',
    ]);
  });
});
