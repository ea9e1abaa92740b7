import { App, Chart, Testing } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  MeshGateway, Microservice, MicroserviceProps, NamespaceBaseline, NamespaceBaselineProps, NatsCluster, PortProtocol, ServiceRoute, Workload,
  WorkloadPort, declareGatewayExposure, markEnvironment,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, one, setup, synth, validationErrors } from '../workloads/helpers';

// NamespaceBaseline (constructs/platform/namespace-baseline.ts): NetworkPolicies derived from the
// service graph (calls, NATS logins, gateway-bound routes), created at synth.

const HTTP: WorkloadPort = { name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP };
const GRPC: WorkloadPort = { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC };
const METRICS: WorkloadPort = { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false };
const TCP: WorkloadPort = { name: 'tcp', port: 5432, protocol: PortProtocol.TCP };

const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: 'TCP' }));
const pods = (labels: { [key: string]: string }) => ({ podSelector: { matchLabels: labels } });
const inNamespace = (ns: string, labels: { [key: string]: string }) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, ...pods(labels),
});

function service(chart: Chart, name: string, props: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, { image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props });
}

/**
 * Namespace shop with its baseline: order (http 8080, grpc 9090, metrics 9100 not exposed), its
 * canary order-canary (same ports and admin 8081), payment (http 8080, tcp 5432), web (http).
 */
function shop(props: NamespaceBaselineProps = {}) {
  const f = setup();
  const ns = new NamespaceBaseline(f.chart, 'ns', props);
  const order = service(f.chart, 'order', { ports: [HTTP, GRPC, METRICS] });
  const canary = service(f.chart, 'order-canary', {
    app: 'order', version: '2.0.0', ports: [HTTP, GRPC, METRICS, { name: 'admin', port: 8081, protocol: PortProtocol.HTTP }],
  });
  const payment = service(f.chart, 'payment', { ports: [HTTP, TCP] });
  const web = service(f.chart, 'web');
  return { ...f, ns, order, canary, payment, web };
}

function policies(chart: Chart): any[] {
  return allOfKind(synth(chart), 'NetworkPolicy');
}

function names(chart: Chart): string[] {
  return policies(chart).map((p) => p.metadata.name);
}

function policy(chart: Chart, name: string): any {
  return one(synth(chart), 'NetworkPolicy', name);
}

describe('NamespaceBaseline: no blanket policy by default', () => {
  test('without a graph: default deny and DNS only; allowWithinNamespace is false', () => {
    const f = shop();
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns']);
    expect(f.ns.allowWithinNamespace).toBe(false);
    expect(f.ns.graphPolicies()).toEqual([]);
  });

  test('allowWithinNamespace: true still writes allow-within-namespace (and the derived policies beside it)', () => {
    const f = shop({ allowWithinNamespace: true });
    declareGatewayExposure(f.chart, { workloads: [f.web], gateways: [MeshGateway.fromAttributes(f.chart, 'gw', { gatewayName: 'public', gatewayNamespace: 'istio-ingress', hosts: ['shop.example.com'] })] });
    expect(f.ns.allowWithinNamespace).toBe(true);
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-within-namespace', 'allow-gateway-to-web']);
    expect(policy(f.chart, 'allow-within-namespace').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
  });
});

describe('NamespaceBaseline: policies derived from calls', () => {
  test('allow-to-<app>: one rule per caller application, edges of its versions merged, ports united and sorted', () => {
    const f = shop();
    f.web.calls(f.payment); // every port of payment
    f.canary.calls(f.payment, { ports: [8080] });
    f.order.calls(f.payment, { ports: [5432] });
    expect(policy(f.chart, 'allow-to-payment')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-to-payment', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'payment' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [pods({ app: 'order' })], ports: tcp(5432, 8080) },
          { from: [pods({ app: 'web' })], ports: tcp(5432, 8080) },
        ],
      },
    });
  });

  test('allow-from-<app>: one egress rule per target application, sorted by target', () => {
    const f = shop();
    f.order.calls(f.web, { ports: [8080] });
    f.canary.calls(f.payment, { ports: [5432] });
    f.order.calls(f.payment, { ports: [8080] });
    expect(policy(f.chart, 'allow-from-order').spec).toEqual({
      podSelector: { matchLabels: { app: 'order' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [pods({ app: 'payment' })], ports: tcp(5432, 8080) },
        { to: [pods({ app: 'web' })], ports: tcp(8080) },
      ],
    });
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-to-payment', 'allow-to-web', 'allow-from-order']);
  });

  test('a call to the canary holds for the app: every version is selected, on every port of every version', () => {
    const f = shop();
    f.payment.calls(f.canary);
    expect(policy(f.chart, 'allow-to-order').spec).toEqual({
      podSelector: { matchLabels: { app: 'order' } },
      policyTypes: ['Ingress'],
      // order's 8080, 9090, 9100 and the canary's admin port 8081.
      ingress: [{ from: [pods({ app: 'payment' })], ports: tcp(8080, 8081, 9090, 9100) }],
    });
    expect(policy(f.chart, 'allow-from-payment').spec.egress).toEqual([{ to: [pods({ app: 'order' })], ports: tcp(8080, 8081, 9090, 9100) }]);
    // The selector matches the pods of both versions.
    const template = (name: string) => one(synth(f.chart), 'Deployment', name).spec.template.metadata.labels;
    expect([template('order').app, template('order-canary').app]).toEqual(['order', 'order']);
  });

  test('a call from the canary opens its app\'s egress and the target\'s ingress from the app', () => {
    const f = shop();
    f.canary.calls(f.web, { ports: [8080] });
    expect(policy(f.chart, 'allow-to-web').spec.ingress).toEqual([{ from: [pods({ app: 'order' })], ports: tcp(8080) }]);
    expect(policy(f.chart, 'allow-from-order').spec.podSelector).toEqual({ matchLabels: { app: 'order' } });
  });

  test('a caller in another namespace, defined elsewhere: its namespace and pod labels; no policy for its namespace', () => {
    const f = shop();
    const nack = Workload.fromAttributes(f.chart, 'nack', { name: 'nack', namespace: 'ops', podLabels: { 'app.kubernetes.io/name': 'nack' } });
    const cron = Workload.fromAttributes(f.chart, 'cron', { name: 'cron', namespace: 'ops' });
    nack.calls(f.payment, { ports: [5432] });
    cron.calls(f.payment, { ports: [8080] });
    expect(validationErrors(f.chart)).toEqual([]);
    expect(policy(f.chart, 'allow-to-payment').spec.ingress).toEqual([
      { from: [inNamespace('ops', { app: 'cron' })], ports: tcp(8080) },
      { from: [inNamespace('ops', { 'app.kubernetes.io/name': 'nack' })], ports: tcp(5432) },
    ]);
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-to-payment']);
  });

  test('a workload of this namespace defined elsewhere: selected by its pod labels on both ends', () => {
    const f = shop();
    const job = Workload.fromAttributes(f.chart, 'job', { name: 'job', namespace: 'shop', podLabels: { 'job-name': 'migrate' }, ports: [TCP] });
    job.calls(f.payment, { ports: [5432] });
    f.order.calls(job);
    const m = synth(f.chart);
    expect(one(m, 'NetworkPolicy', 'allow-from-job').spec).toEqual({
      podSelector: { matchLabels: { 'job-name': 'migrate' } },
      policyTypes: ['Egress'],
      egress: [{ to: [pods({ app: 'payment' })], ports: tcp(5432) }],
    });
    expect(one(m, 'NetworkPolicy', 'allow-to-job').spec).toEqual({
      podSelector: { matchLabels: { 'job-name': 'migrate' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [pods({ app: 'order' })], ports: tcp(5432) }],
    });
  });

  test('across namespaces: the target\'s baseline writes the ingress, the caller\'s the egress', () => {
    const f = shop();
    const billing = new Chart(f.app, 'billing', { namespace: 'billing' });
    new NamespaceBaseline(billing, 'ns');
    const ledger = service(billing, 'ledger');
    f.order.calls(ledger, { ports: [8080] });
    expect(policy(f.chart, 'allow-from-order').spec).toEqual({
      podSelector: { matchLabels: { app: 'order' } },
      policyTypes: ['Egress'],
      egress: [{ to: [inNamespace('billing', { app: 'ledger' })], ports: tcp(8080) }],
    });
    expect(one(synth(billing), 'NetworkPolicy', 'allow-to-ledger')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-to-ledger', namespace: 'billing' },
      spec: {
        podSelector: { matchLabels: { app: 'ledger' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [inNamespace('shop', { app: 'order' })], ports: tcp(8080) }],
      },
    });
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-from-order']);
    expect(names(billing)).toEqual(['default-deny', 'allow-dns', 'allow-to-ledger']);
  });

  test('a NATS login is a call to the servers on the client port', () => {
    const f = shop();
    const messaging = new Chart(f.app, 'messaging', { namespace: 'messaging' });
    new NamespaceBaseline(messaging, 'ns');
    const nats = new NatsCluster(messaging, 'nats', { replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    f.order.connectsToNats(nats, { user: 'order' });
    expect(policy(f.chart, 'allow-from-order').spec.egress).toEqual([{ to: [inNamespace('messaging', { app: 'nats' })], ports: tcp(4222) }]);
    // (Besides the servers' own rule, when the cluster declares its routes between servers.)
    expect(one(synth(messaging), 'NetworkPolicy', 'allow-to-nats').spec.ingress).toContainEqual({ from: [inNamespace('shop', { app: 'order' })], ports: tcp(4222) });
  });
});

describe('NamespaceBaseline: gateway-bound routes', () => {
  const gatewayOf = (chart: Chart, id = 'public', selector?: { [key: string]: string }) =>
    MeshGateway.fromAttributes(chart, id, { gatewayName: id, gatewayNamespace: 'istio-ingress', hosts: [`${id}.example.com`], workloadSelector: selector });

  test('a route opens its versions (canary included) to the gateway\'s pods on the route\'s port, without `exposed`', () => {
    const f = shop({ ingressNamespaces: ['istio-ingress'] });
    new ServiceRoute(f.chart, 'route', {
      service: f.order, gateways: [gatewayOf(f.chart)], port: 'http',
      versions: [{ workload: f.order, weight: 90 }, { workload: f.canary, weight: 10 }],
    });
    expect(policy(f.chart, 'allow-gateway-to-order').spec).toEqual({
      podSelector: { matchLabels: { app: 'order' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [inNamespace('istio-ingress', { istio: 'ingressgateway' })], ports: tcp(8080) }],
    });
    // No workload has exposed: true: the label-based policy is not written.
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-gateway-to-order']);
  });

  test('an exposure without ports opens every exposed port of the routed versions (not those with expose: false)', () => {
    const f = shop();
    declareGatewayExposure(f.chart, { workloads: [f.order, f.canary], gateways: [gatewayOf(f.chart)] });
    expect(policy(f.chart, 'allow-gateway-to-order').spec.ingress).toEqual([
      { from: [inNamespace('istio-ingress', { istio: 'ingressgateway' })], ports: tcp(8080, 8081, 9090) },
    ]);
  });

  test('one rule per gateway workload, sorted by its pods; two Gateways of the same gateway pods share a rule', () => {
    const f = shop();
    const internal = gatewayOf(f.chart, 'internal', { istio: 'internal-gateway' });
    declareGatewayExposure(f.chart, { workloads: [f.payment], gateways: [internal, gatewayOf(f.chart, 'public')] });
    // public and partners: Gateways of the same gateway pods (istio: ingressgateway).
    new ServiceRoute(f.chart, 'http-route', { service: f.order, gateways: [gatewayOf(f.chart, 'public-order')], port: 'http', meshTraffic: false });
    new ServiceRoute(f.chart, 'grpc-route', { service: f.order, gateways: [gatewayOf(f.chart, 'partners')], port: 'grpc', meshTraffic: false });
    expect(validationErrors(f.chart)).toEqual([]);
    expect(policy(f.chart, 'allow-gateway-to-payment').spec.ingress).toEqual([
      { from: [inNamespace('istio-ingress', { istio: 'ingressgateway' })], ports: tcp(5432, 8080) },
      { from: [inNamespace('istio-ingress', { istio: 'internal-gateway' })], ports: tcp(5432, 8080) },
    ]);
    expect(policy(f.chart, 'allow-gateway-to-order').spec.ingress).toEqual([
      { from: [inNamespace('istio-ingress', { istio: 'ingressgateway' })], ports: tcp(8080, 9090) },
    ]);
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-gateway-to-order', 'allow-gateway-to-payment']);
    expect(f.ns.graphPolicies().map((p) => p.description)).toEqual([
      'gateway-bound routes to app order (from gateway pods istio=ingressgateway in istio-ingress)',
      'gateway-bound routes to app payment (from gateway pods istio=ingressgateway in istio-ingress, gateway pods istio=internal-gateway in istio-ingress)',
    ]);
  });

  test('a route to another namespace writes nothing here', () => {
    const f = shop();
    const billing = new Chart(f.app, 'billing', { namespace: 'billing' });
    const ledger = service(billing, 'ledger');
    declareGatewayExposure(f.chart, { workloads: [ledger], gateways: [gatewayOf(f.chart)] });
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns']);
  });

  test('exposed: true with ingressNamespaces still writes allow-from-ingress', () => {
    const f = shop({ ingressNamespaces: ['istio-ingress'] });
    service(f.chart, 'legacy', { exposed: true, ports: [HTTP, METRICS] });
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-from-ingress']);
    expect(policy(f.chart, 'allow-from-ingress').spec).toEqual({
      podSelector: { matchLabels: { 'nats-mesh.io/exposed': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } }], ports: tcp(8080) }],
    });
  });
});

describe('NamespaceBaseline: derived policies are created at synth, once, in a stable order', () => {
  /** The same app, with its calls declared in the given order. */
  function build(order: 'forward' | 'reverse') {
    const app = Testing.app();
    markEnvironment(app, 'test');
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    new NamespaceBaseline(chart, 'ns');
    const [a, b, c] = ['alpha', 'beta', 'gamma'].map((n) => service(chart, n, { ports: [HTTP, GRPC] }));
    const calls: Array<() => void> = [
      () => a.calls(c, { ports: [9090] }),
      () => b.calls(c, { ports: [8080] }),
      () => c.calls(a, { ports: [8080] }),
      () => a.calls(c, { ports: [8080] }),
      () => b.calls(a, { ports: [9090] }),
    ];
    (order === 'forward' ? calls : [...calls].reverse()).forEach((call) => call());
    return { app, chart };
  }

  test('the order of declaration does not change the output', () => {
    const forward = synth(build('forward').chart);
    const reverse = synth(build('reverse').chart);
    expect(reverse).toEqual(forward);
    expect(allOfKind(forward, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual([
      'default-deny', 'allow-dns', 'allow-to-alpha', 'allow-to-gamma', 'allow-from-alpha', 'allow-from-beta', 'allow-from-gamma',
    ]);
    expect(one(forward, 'NetworkPolicy', 'allow-to-gamma').spec.ingress).toEqual([
      { from: [pods({ app: 'alpha' })], ports: tcp(8080, 9090) },
      { from: [pods({ app: 'beta' })], ports: tcp(8080) },
    ]);
  });

  test('two synths give the same output, and each policy exists once', () => {
    const { app, chart } = build('forward');
    const first = synth(chart);
    const created = chart.node.findChild('ns').node.findChild('GraphPolicies').node.children;
    expect(created.map((c) => c.node.id)).toEqual(['allow-to-alpha', 'allow-to-gamma', 'allow-from-alpha', 'allow-from-beta', 'allow-from-gamma']);
    const yaml = app.synthYaml();
    expect(synth(chart)).toEqual(first);
    expect(app.synthYaml()).toBe(yaml);
    // Validated again and again, the graph unchanged: the objects are those created first.
    const after = chart.node.findChild('ns').node.findChild('GraphPolicies').node.children;
    expect(after.length).toBe(created.length);
    after.forEach((c, i) => expect(c).toBe(created[i]));
    const objectNames = allOfKind(first, 'NetworkPolicy').map((p) => p.metadata.name);
    expect(new Set(objectNames).size).toBe(objectNames.length);
    expect(yaml.split('\nkind: NetworkPolicy\n').length - 1).toBe(objectNames.length);
  });

  test('app.synth() writes the derived policies of a chart synthesized after the one that declares the calls', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-graph-')) });
    markEnvironment(app, 'test');
    // The baseline's chart comes right after the namespace's own: its policies are created while the app is validated.
    const first = new Chart(app, 'first', { namespace: 'shop' });
    new NamespaceBaseline(first, 'ns');
    const second = new Chart(app, 'second', { namespace: 'shop' });
    const a = service(second, 'alpha');
    service(second, 'beta').calls(a, { ports: [8080] });
    try {
      app.synth();
      const written = fs.readFileSync(path.join(app.outdir, '0001-first.k8s.yaml'), 'utf8');
      expect(written.match(/name: allow-[a-z-]+/g)).toEqual(['name: allow-dns', 'name: allow-to-alpha', 'name: allow-from-beta']);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });

  test('a graph declared after the baseline, and changed between two synths', () => {
    const f = setup();
    const ns = new NamespaceBaseline(f.chart, 'ns');
    expect(ns.graphPolicies()).toEqual([]);
    const a = service(f.chart, 'alpha');
    const b = service(f.chart, 'beta');
    b.calls(a, { ports: [8080] });
    expect(ns.graphPolicies().map((p) => p.name)).toEqual(['allow-to-alpha', 'allow-from-beta']);
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-to-alpha', 'allow-from-beta']);
    a.calls(b, { ports: [8080] });
    expect(names(f.chart)).toEqual(['default-deny', 'allow-dns', 'allow-to-alpha', 'allow-to-beta', 'allow-from-alpha', 'allow-from-beta']);
  });
});

test('every derived policy validates strictly against Kubernetes 1.27', () => {
  const f = shop({ ingressNamespaces: ['istio-ingress'] });
  const ops = Workload.fromAttributes(f.chart, 'nack', { name: 'nack', namespace: 'ops' });
  ops.calls(f.payment, { ports: [5432] });
  f.canary.calls(f.payment);
  f.web.calls(f.order, { ports: [9090] });
  service(f.chart, 'legacy', { exposed: true });
  declareGatewayExposure(f.chart, { workloads: [f.web], gateways: [MeshGateway.fromAttributes(f.chart, 'gw', { gatewayName: 'public', gatewayNamespace: 'istio-ingress', hosts: ['shop.example.com'] })] });
  const derived = policies(f.chart).filter((p) => !['default-deny', 'allow-dns'].includes(p.metadata.name));
  expect(derived.map((p) => p.metadata.name)).toEqual(['allow-to-order', 'allow-to-payment', 'allow-from-order', 'allow-from-web', 'allow-gateway-to-web', 'allow-from-ingress']);
  const validator = loadSchemaValidator();
  expect(derived.flatMap((p) => validator.validate(p))).toEqual([]);
});

describe('NamespaceBaseline: what the derived policies refuse', () => {
  test('a derived policy taking the name of one the baseline writes from its props', () => {
    const f = shop({ monitoringNamespaces: ['monitoring'] });
    service(f.chart, 'monitoring').calls(f.web, { ports: [8080] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/ns: networkPolicies: received two NetworkPolicies named allow-from-monitoring: the baseline\'s AllowMonitoring policy (from its props), and calls from app monitoring (to web); allowed: distinct names (rename the application, its `app`, whose derived policy takes a name the baseline already writes)',
    ]);
  });

  test('two derived policies with the same name', () => {
    const f = shop({ ingressNamespaces: ['istio-ingress'] });
    service(f.chart, 'exposed', { exposed: true });
    service(f.chart, 'ingress').calls(f.web, { ports: [8080] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/ns: networkPolicies: received two NetworkPolicies named allow-from-ingress: calls from app ingress (to web), and the namespaces istio-ingress (ingressNamespaces) to the workloads with exposed: true; allowed: distinct names (rename the application, its `app`, whose derived policy takes a name the baseline already writes)',
    ]);
  });

  test('ingressNamespaces are namespace names', () => {
    expect(() => shop({ ingressNamespaces: ['istio-ingress', 'Istio Ingress'] }))
      .toThrow('[test] c/ns: ingressNamespaces[1]: received "Istio Ingress"; allowed: a namespace name');
  });
});
