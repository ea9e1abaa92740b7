import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DefaultDeny, declareGatewayExposure, GatewayExposure, IMeshGateway, IstioApiVersion, Microservice, NamespaceBaseline,
  PortProtocol, ServiceAuthorization,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// DefaultDeny (constructs/mesh/default-deny.ts): the namespace's "allow nothing" policy and the
// traffic it would silently drop; one test per rule with its full message.

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };
const METRICS = { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false };

/** An ingress gateway (what MeshGateway provides). */
class FakeGateway extends Construct implements IMeshGateway {
  public readonly gatewayName = 'public';
  public readonly reference: string;
  public readonly hosts = ['shop.example.com'];
  public readonly workloadSelector = { istio: 'ingressgateway' };
  public readonly principal: string;
  constructor(scope: Construct, id: string, public readonly gatewayNamespace = 'istio-ingress', public readonly workloadNamespace = gatewayNamespace) {
    super(scope, id);
    this.reference = `${gatewayNamespace}/public`;
    this.principal = `cluster.local/ns/${workloadNamespace}/sa/ingressgateway`;
  }
}

/** What a gateway-bound route declares (ServiceRoute sets the same symbol). */
class FakeRoute extends Construct {
  constructor(scope: Construct, id: string, exposure: GatewayExposure) {
    super(scope, id);
    declareGatewayExposure(this, exposure);
  }
}

function shop() {
  const f = setup();
  new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
  const web = new Microservice(f.chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP, METRICS], exposed: true });
  return { ...f, web };
}

describe('DefaultDeny: the policies', () => {
  test('deny-all: an AuthorizationPolicy with an empty spec in the chart namespace', () => {
    const { chart } = setup();
    const deny = new DefaultDeny(chart, 'deny');
    expect(allOfKind(synth(chart), 'AuthorizationPolicy')).toEqual([{
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'deny-all', namespace: 'shop' },
      spec: {},
    }]);
    expect([deny.namespaceName, deny.apiVersion, deny.metricsPorts, deny.metricsPolicy]).toEqual(['shop', IstioApiVersion.V1, [], undefined]);
  });

  test('namespace prop and apiVersion V1BETA1', () => {
    const { chart } = setup(null);
    new DefaultDeny(chart, 'deny', { namespace: 'billing', apiVersion: IstioApiVersion.V1BETA1 });
    const p = one(synth(chart), 'AuthorizationPolicy', 'deny-all');
    expect([p.apiVersion, p.metadata.namespace, p.spec]).toEqual(['security.istio.io/v1beta1', 'billing', {}]);
  });

  test('metricsPorts: allow-metrics lets any source reach those ports only', () => {
    const { chart } = setup();
    const deny = new DefaultDeny(chart, 'deny', { metricsPorts: [9100, 7777] });
    const m = synth(chart);
    expect(allOfKind(m, 'AuthorizationPolicy').map((p) => p.metadata.name)).toEqual(['deny-all', 'allow-metrics']);
    expect(one(m, 'AuthorizationPolicy', 'allow-metrics')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'allow-metrics', namespace: 'shop' },
      spec: { action: 'ALLOW', rules: [{ to: [{ operation: { ports: ['7777', '9100'] } }] }] },
    });
    expect(deny.metricsPorts).toEqual([7777, 9100]);
  });

  test('with a ServiceAuthorization that lists the gateway, the exposed workload passes', () => {
    const { chart, web } = shop();
    const gateway = new FakeGateway(chart, 'gw');
    new FakeRoute(chart, 'route', { workloads: [web], gateways: [gateway] });
    new DefaultDeny(chart, 'deny');
    new ServiceAuthorization(chart, 'authz', { target: web, callers: [{ gateway, ports: [8080] }] });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('exposed workloads of other namespaces and without a sidecar are not its business', () => {
    const { app, chart } = shop();
    const gateway = new FakeGateway(chart, 'gw');
    const other = new Microservice(new Chart(app, 'other', { namespace: 'billing' }), 'ledger', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
    const plain = new Microservice(chart, 'plain', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], podLabels: { 'sidecar.istio.io/inject': 'false' } });
    new FakeRoute(chart, 'route', { workloads: [other, plain], gateways: [gateway] });
    new DefaultDeny(chart, 'deny');
    expect(validationErrors(chart)).toEqual([]);
  });
});

describe('DefaultDeny: schema', () => {
  const validator = loadSchemaValidator();

  test('the shared schemas are present', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every object validates against both Istio bundles (%s)', (apiVersion) => {
    const { chart } = setup();
    new DefaultDeny(chart, 'deny', { apiVersion, metricsPorts: [7777] });
    const m = synth(chart);
    expect(allOfKind(m, 'AuthorizationPolicy')).toHaveLength(2);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
  });
});

describe('DefaultDeny: rules', () => {
  test('the namespace is known', () => {
    const { chart } = setup(null);
    expectConfigError(() => new DefaultDeny(chart, 'deny'),
      '[test] c/deny: namespace: received nothing; allowed: a namespace name (the namespace prop, or a chart with a namespace)');
  });

  test('apiVersion is an IstioApiVersion', () => {
    const { chart } = setup();
    expectConfigError(() => new DefaultDeny(chart, 'deny', { apiVersion: 'v1alpha1' as IstioApiVersion }),
      '[test] c/deny: apiVersion: received "v1alpha1"; allowed: one of v1, v1beta1 (IstioApiVersion)');
  });

  test('metricsPorts, when given, are not empty (an empty list would match every port)', () => {
    const { chart } = setup();
    expectConfigError(() => new DefaultDeny(chart, 'deny', { metricsPorts: [] }),
      '[test] c/deny: metricsPorts: received []; allowed: at least one port, or no metricsPorts prop (an empty port list would match every port)');
  });

  test('a metrics port is a container port outside the sidecar\'s range', () => {
    const { chart } = setup();
    expectConfigError(() => new DefaultDeny(chart, 'deny', { metricsPorts: [9100, 15020] }),
      '[test] c/deny: metricsPorts[1]: received 15020; allowed: a container port from 1 to 65535 outside 15000-15090 (the sidecar\'s own)');
  });

  test('each metrics port once', () => {
    const { chart } = setup();
    expectConfigError(() => new DefaultDeny(chart, 'deny', { metricsPorts: [9100, 9100] }),
      '[test] c/deny: metricsPorts[1]: received 9100; allowed: each port once');
  });

  test('one DefaultDeny per namespace', () => {
    const { app, chart } = setup();
    new DefaultDeny(chart, 'deny');
    new DefaultDeny(new Chart(app, 'more', { namespace: 'shop' }), 'deny');
    expect(validationErrors(chart)).toEqual([
      '[test] more/deny: namespace: received a second policy for namespace shop (c/deny already writes deny-all); allowed: one DefaultDeny per namespace',
    ]);
  });

  test('not in the namespace of a gateway\'s pods', () => {
    const { app, chart, web } = shop();
    const ingress = new Chart(app, 'ingress', { namespace: 'istio-ingress' });
    const gateway = new FakeGateway(ingress, 'gw');
    new FakeRoute(chart, 'route', { workloads: [web], gateways: [gateway] });
    new ServiceAuthorization(chart, 'authz', { target: web, callers: [{ gateway }] });
    new DefaultDeny(ingress, 'deny');
    expect(validationErrors(chart)).toEqual([
      '[test] ingress/deny: namespace: received istio-ingress, where the pods of gateway istio-ingress/public run; allowed: a namespace without gateway pods: deny-all would refuse every request at the gateway (keep gateways in a namespace of their own)',
    ]);
  });

  test('a workload a gateway routes to has a ServiceAuthorization', () => {
    const { chart, web } = shop();
    const gateway = new FakeGateway(chart, 'gw');
    new FakeRoute(chart, 'route', { workloads: [web], gateways: [gateway] });
    new FakeRoute(chart, 'again', { workloads: [web], gateways: [gateway] });
    new DefaultDeny(chart, 'deny', { metricsPorts: [9100] });
    expect(validationErrors(chart)).toEqual([
      '[test] c/deny: namespace: received web, routed from gateway istio-ingress/public, without a ServiceAuthorization; allowed: a ServiceAuthorization for web with the gateway among its callers: deny-all refuses the gateway\'s requests',
    ]);
  });
});
