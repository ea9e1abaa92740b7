import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  declareGatewayExposure, GatewayExposure, HttpMethod, IMeshGateway, IstioApiVersion, MeshTls, Microservice, MicroserviceProps,
  MtlsMode, NamespaceBaseline, NatsCluster, NatsMeshMode, PortProtocol, ServiceAuthorization, ServiceAuthorizationProps,
  StatefulService, Workload,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// ServiceAuthorization (constructs/mesh/service-authorization.ts): one ALLOW AuthorizationPolicy
// per target from its declared callers; one test per rule with its full message.

const HTTP = { name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP };
const GRPC = { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC };
const TCP = { name: 'tcp', port: 4222, protocol: PortProtocol.TCP };
const TLS = { name: 'tls', port: 8443, protocol: PortProtocol.HTTPS };

/** An ingress gateway defined elsewhere (what MeshGateway and MeshGateway.fromAttributes provide). */
class FakeGateway extends Construct implements IMeshGateway {
  public readonly gatewayNamespace = 'istio-ingress';
  public readonly reference: string;
  public readonly hosts = ['shop.example.com'];
  public readonly workloadNamespace = 'istio-ingress';
  public readonly workloadSelector = { istio: 'ingressgateway' };
  constructor(scope: Construct, id: string, public readonly gatewayName: string,
    public readonly principal = 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway') {
    super(scope, id);
    this.reference = `istio-ingress/${gatewayName}`;
  }
}

/** What a gateway-bound route declares (ServiceRoute sets the same symbol). */
class FakeRoute extends Construct {
  constructor(scope: Construct, id: string, exposure: GatewayExposure) {
    super(scope, id);
    declareGatewayExposure(this, exposure);
  }
}

function service(chart: Chart, name: string, props: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, { image: IMAGE, resources: GUARANTEED, ports: [HTTP, GRPC, TCP, TLS], ...props });
}

/** Namespace `shop` enrolled in the mesh with `orders` (target) and `web`, `worker` (callers). */
function shop() {
  const f = setup();
  new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
  const orders = service(f.chart, 'orders');
  const web = service(f.chart, 'web');
  const worker = service(f.chart, 'worker', { serviceAccountName: 'worker-identity' });
  return { ...f, orders, web, worker };
}

function authorize(chart: Chart, props: ServiceAuthorizationProps): ServiceAuthorization {
  return new ServiceAuthorization(chart, 'authz', props);
}

describe('ServiceAuthorization: the policy', () => {
  test('one ALLOW rule per caller, its own principal with its paths, methods and ports in the same rule', () => {
    const { chart, orders, web, worker } = shop();
    const gateway = new FakeGateway(chart, 'gw', 'public');
    const a = authorize(chart, {
      target: orders,
      callers: [
        { workload: web, paths: ['/api/orders', '/api/orders/*'], methods: [HttpMethod.GET, HttpMethod.POST], ports: [8080] },
        { workload: worker, ports: [4222, 9090] },
        { gateway, paths: ['/api/*'] },
        { principal: 'cluster.local/ns/reports/sa/exporter', methods: [HttpMethod.GET] },
      ],
    });
    const policy = one(synth(chart), 'AuthorizationPolicy');
    expect(policy).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'allow-orders', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }],
            to: [{ operation: { paths: ['/api/orders', '/api/orders/*'], methods: ['GET', 'POST'], ports: ['8080'] } }],
          },
          {
            from: [{ source: { principals: ['cluster.local/ns/shop/sa/worker-identity'] } }],
            to: [{ operation: { ports: ['4222', '9090'] } }],
          },
          {
            from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] } }],
            to: [{ operation: { paths: ['/api/*'] } }],
          },
          {
            from: [{ source: { principals: ['cluster.local/ns/reports/sa/exporter'] } }],
            to: [{ operation: { methods: ['GET'] } }],
          },
        ],
      },
    });
    expect(a.rules).toEqual([
      { caller: 'workload shop/web', principals: ['cluster.local/ns/shop/sa/web'], paths: ['/api/orders', '/api/orders/*'], methods: [HttpMethod.GET, HttpMethod.POST], ports: [8080] },
      { caller: 'workload shop/worker', principals: ['cluster.local/ns/shop/sa/worker-identity'], paths: undefined, methods: undefined, ports: [4222, 9090] },
      { caller: 'gateway istio-ingress/public', principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'], paths: ['/api/*'], methods: undefined, ports: undefined },
      { caller: 'principal cluster.local/ns/reports/sa/exporter', principals: ['cluster.local/ns/reports/sa/exporter'], paths: undefined, methods: [HttpMethod.GET], ports: undefined },
    ]);
    expect([a.policyName, a.namespaceName, a.trustDomain, a.apiVersion, a.allowPeers, a.target]).toEqual(['allow-orders', 'shop', 'cluster.local', IstioApiVersion.V1, false, orders]);
    expect(validationErrors(chart)).toEqual([]);
  });

  test('a caller without paths, methods or ports gets a rule without `to` (every port)', () => {
    const { chart, orders, web } = shop();
    authorize(chart, { target: orders, callers: [{ workload: web }] });
    expect(one(synth(chart), 'AuthorizationPolicy').spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }]);
  });

  test('a caller in another namespace is named by its own namespace; the policy lives in the target\'s', () => {
    const { app, chart, orders } = shop();
    const jobs = new Chart(app, 'jobs', { namespace: 'jobs' });
    new NamespaceBaseline(jobs, 'ns', { mesh: { cni: true } });
    const nightly = service(jobs, 'nightly');
    authorize(jobs, { target: orders, callers: [{ workload: nightly, ports: [9090] }] });
    const policy = one(synth(jobs), 'AuthorizationPolicy');
    expect(policy.metadata).toEqual({ name: 'allow-orders', namespace: 'shop' });
    expect(policy.spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/jobs/sa/nightly'] } }]);
    expect(validationErrors(chart)).toEqual([]);
  });

  test('ports are sorted; paths and methods keep their order', () => {
    const { chart, orders, web } = shop();
    const a = authorize(chart, { target: orders, callers: [{ workload: web, ports: [9090, 8080], methods: [HttpMethod.PUT, HttpMethod.DELETE], paths: ['*.json', '*'] }] });
    expect(a.rules[0]).toEqual({ caller: 'workload shop/web', principals: ['cluster.local/ns/shop/sa/web'], paths: ['*.json', '*'], methods: [HttpMethod.PUT, HttpMethod.DELETE], ports: [8080, 9090] });
  });

  test('allowPeers adds a rule for the target\'s own principal; a peers-only policy needs no callers', () => {
    const f = setup();
    new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
    const db = new StatefulService(f.chart, 'db', { image: IMAGE, resources: GUARANTEED, replicas: 3, ports: [TCP] });
    const a = authorize(f.chart, { target: db, callers: [], allowPeers: true });
    expect(one(synth(f.chart), 'AuthorizationPolicy').spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/db'] } }] }]);
    expect(a.rules).toEqual([{ caller: 'peers', principals: ['cluster.local/ns/shop/sa/db'] }]);
  });

  test('name, trustDomain and apiVersion V1BETA1', () => {
    const { chart, orders, web } = shop();
    authorize(chart, {
      target: orders, name: 'orders-callers', trustDomain: 'prod.acme.internal', apiVersion: IstioApiVersion.V1BETA1,
      callers: [{ workload: web }, { principal: 'prod.acme.internal/ns/reports/sa/exporter' }],
    });
    const policy = one(synth(chart), 'AuthorizationPolicy');
    expect([policy.apiVersion, policy.metadata.name]).toEqual(['security.istio.io/v1beta1', 'orders-callers']);
    expect(policy.spec.rules.map((r: any) => r.from[0].source.principals[0])).toEqual([
      'prod.acme.internal/ns/shop/sa/web', 'prod.acme.internal/ns/reports/sa/exporter',
    ]);
  });

  test('a gateway listed by its principal string counts as listed', () => {
    const { chart, orders } = shop();
    const gateway = new FakeGateway(chart, 'gw', 'public');
    new FakeRoute(chart, 'route', { workloads: [orders], gateways: [gateway] });
    authorize(chart, { target: orders, callers: [{ principal: gateway.principal, ports: [8080] }] });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('HTTP attributes without ports are fine when the target has an HTTP port (they never match its TCP ports)', () => {
    const { chart, orders, web } = shop();
    authorize(chart, { target: orders, callers: [{ workload: web, paths: ['/health'] }] });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('callers in the mesh pass under STRICT', () => {
    const { chart, orders, web } = shop();
    new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT });
    authorize(chart, { target: orders, callers: [{ workload: web, ports: [8080] }] });
    expect(validationErrors(chart)).toEqual([]);
  });
});

describe('ServiceAuthorization: schema', () => {
  const validator = loadSchemaValidator();

  test('the shared schemas are present', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every object validates against both Istio bundles (%s)', (apiVersion) => {
    const { chart, orders, web, worker } = shop();
    const gateway = new FakeGateway(chart, 'gw', 'public');
    authorize(chart, {
      target: orders, apiVersion, allowPeers: true,
      callers: [
        { workload: web, paths: ['/api/*'], methods: [HttpMethod.GET], ports: [8080, 9090] },
        { workload: worker },
        { gateway, ports: [8080] },
        { principal: 'cluster.local/ns/reports/sa/exporter', methods: [HttpMethod.HEAD] },
      ],
    });
    const m = synth(chart);
    expect(allOfKind(m, 'AuthorizationPolicy')).toHaveLength(1);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
  });
});

describe('ServiceAuthorization: rules', () => {
  test('the target is a workload of this library', () => {
    const { chart, web } = shop();
    expectConfigError(() => authorize(chart, { target: {} as Workload, callers: [{ workload: web }] }),
      '[test] c/authz: target: received {}; allowed: a workload of this library (Microservice, StatefulService, NodeAgent)');
  });

  test('the target\'s namespace is known', () => {
    const { app, chart, web } = shop();
    const loose = service(new Chart(app, 'loose'), 'loose');
    expectConfigError(() => authorize(chart, { target: loose, callers: [{ workload: web }] }),
      '[test] c/authz: target: received "loose"; allowed: a workload in a chart with a namespace (the policy lives in the target\'s namespace)');
  });

  test('the target has a sidecar', () => {
    const { chart, web } = shop();
    const plain = service(chart, 'plain', { podLabels: { 'sidecar.istio.io/inject': 'false' } });
    expectConfigError(() => authorize(chart, { target: plain, callers: [{ workload: web }] }),
      '[test] c/authz: target: received "plain"; allowed: a workload with a sidecar: its pods opt out of injection (sidecar.istio.io/inject=false), so no proxy would enforce the policy');
  });

  test('the target has ports', () => {
    const { chart, web } = shop();
    const batch = service(chart, 'batch', { ports: [] });
    expectConfigError(() => authorize(chart, { target: batch, callers: [{ workload: web }] }),
      '[test] c/authz: target: received "batch"; allowed: a workload with container ports (nothing can call a workload that listens on none)');
  });

  test('trustDomain is a trust domain', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, trustDomain: 'spiffe://cluster.local', callers: [{ workload: web }] }),
      '[test] c/authz: trustDomain: received "spiffe://cluster.local"; allowed: a trust domain such as cluster.local (letters, digits, "-" and ".")');
  });

  test('apiVersion is an IstioApiVersion', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, apiVersion: 'v2' as IstioApiVersion, callers: [{ workload: web }] }),
      '[test] c/authz: apiVersion: received "v2"; allowed: one of v1, v1beta1 (IstioApiVersion)');
  });

  test('name is a DNS-1123 subdomain', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, name: 'Allow_Orders', callers: [{ workload: web }] }),
      '[test] c/authz: name: received "Allow_Orders"; allowed: a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")');
  });

  test('at least one caller', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [] }),
      '[test] c/authz: callers: received []; allowed: at least one caller (an ALLOW policy without rules denies everything; DefaultDeny already does that)');
  });

  test('a caller is exactly one of workload, gateway and principal', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web }, { workload: web, principal: 'cluster.local/ns/shop/sa/web' }] }),
      '[test] c/authz: callers[1]: received "2 of workload, gateway and principal"; allowed: exactly one of workload, gateway and principal');
    const again = shop(); // a failed construct stays in its tree: start again
    expectConfigError(() => authorize(again.chart, { target: again.orders, callers: [{ paths: ['/'] }] }),
      '[test] c/authz: callers[0]: received "0 of workload, gateway and principal"; allowed: exactly one of workload, gateway and principal');
  });

  test('a caller workload is a workload (of this library or Workload.fromAttributes)', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: { name: 'web' } as Workload }] }),
      '[test] c/authz: callers[0].workload: received {"name":"web"}; allowed: a workload (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
  });

  test('the target is not its own caller (allowPeers says that)', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: orders, ports: [4222] }] }),
      '[test] c/authz: callers[0].workload: received "orders"; allowed: a workload other than the target (to let the target\'s pods reach each other, set allowPeers)');
  });

  test('a caller workload\'s namespace is known', () => {
    const { app, chart, orders } = shop();
    const loose = service(new Chart(app, 'loose'), 'loose');
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: loose }] }),
      '[test] c/authz: callers[0].workload: received "loose"; allowed: a workload in a chart with a namespace (its principal names the namespace)');
  });

  test('a principal is <trust domain>/ns/<namespace>/sa/<service account>, without wildcards', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ principal: 'cluster.local/ns/reports/sa/*' }] }),
      '[test] c/authz: callers[0].principal: received "cluster.local/ns/reports/sa/*"; allowed: a principal <trust domain>/ns/<namespace>/sa/<service account>, such as cluster.local/ns/shop/sa/web (no wildcards)');
    const again = shop(); // a failed construct stays in its tree: start again
    expectConfigError(() => authorize(again.chart, { target: again.orders, callers: [{ principal: 'spiffe://cluster.local/ns/reports/sa/exporter' }] }),
      '[test] c/authz: callers[0].principal: received "spiffe://cluster.local/ns/reports/sa/exporter"; allowed: a principal <trust domain>/ns/<namespace>/sa/<service account>, such as cluster.local/ns/shop/sa/web (no wildcards)');
  });

  test('a principal is in the policy\'s trust domain', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ principal: 'other.mesh/ns/reports/sa/exporter' }] }),
      '[test] c/authz: callers[0].principal: received "other.mesh/ns/reports/sa/exporter"; allowed: a principal in the trust domain cluster.local (set trustDomain when the mesh uses another)');
  });

  test('principals come from dedicated ServiceAccounts, never sa/default (external principals and gateways)', () => {
    const { chart, orders } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ principal: 'cluster.local/ns/reports/sa/default' }] }),
      '[test] c/authz: callers[0].principal: received "cluster.local/ns/reports/sa/default"; allowed: the principal of a dedicated ServiceAccount: sa/default is shared by every pod of its namespace that names none');
    const again = shop(); // a failed construct stays in its tree: start again
    const gateway = new FakeGateway(again.chart, 'gw', 'public', 'cluster.local/ns/istio-ingress/sa/default');
    expectConfigError(() => authorize(again.chart, { target: again.orders, callers: [{ gateway }] }),
      '[test] c/authz: callers[0].gateway: received "cluster.local/ns/istio-ingress/sa/default"; allowed: the principal of a dedicated ServiceAccount: sa/default is shared by every pod of its namespace that names none');
  });

  test('paths, when given, are not empty', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, paths: [] }] }),
      '[test] c/authz: callers[0].paths: received []; allowed: at least one path, or no paths prop (any path)');
  });

  test('a path is exact, a prefix, a suffix or *', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, paths: ['/api/*', '/api/*/items'] }] }),
      '[test] c/authz: callers[0].paths[1]: received "/api/*/items"; allowed: an exact path (/api/orders), a prefix (/api/*), a suffix (*.js) or *; no query string');
    const again = shop(); // a failed construct stays in its tree: start again
    expectConfigError(() => authorize(again.chart, { target: again.orders, callers: [{ workload: again.web, paths: ['api/orders'] }] }),
      '[test] c/authz: callers[0].paths[0]: received "api/orders"; allowed: an exact path (/api/orders), a prefix (/api/*), a suffix (*.js) or *; no query string');
  });

  test('methods, when given, are not empty', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, methods: [] }] }),
      '[test] c/authz: callers[0].methods: received []; allowed: at least one method, or no methods prop (any method)');
  });

  test('a method is an HttpMethod', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, methods: [HttpMethod.GET, 'get' as HttpMethod] }] }),
      '[test] c/authz: callers[0].methods[1]: received "get"; allowed: one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, CONNECT, TRACE (HttpMethod)');
  });

  test('ports, when given, are not empty', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, ports: [] }] }),
      '[test] c/authz: callers[0].ports: received []; allowed: at least one port, or no ports prop (every port)');
  });

  test('ports are container ports of the target (a Service port is named as such)', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, ports: [80] }] }),
      '[test] c/authz: callers[0].ports[0]: received 80; allowed: a container port of orders: 8080 (http), 9090 (grpc), 4222 (tcp), 8443 (tls) (80 is the Service port of http; policies match the container port 8080)');
    const again = shop(); // a failed construct stays in its tree: start again
    expectConfigError(() => authorize(again.chart, { target: again.orders, callers: [{ workload: again.web, ports: [8080, 7000] }] }),
      '[test] c/authz: callers[0].ports[1]: received 7000; allowed: a container port of orders: 8080 (http), 9090 (grpc), 4222 (tcp), 8443 (tls)');
  });

  test('each port once', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, ports: [8080, 8080] }] }),
      '[test] c/authz: callers[0].ports[1]: received 8080; allowed: each port once');
  });

  test('HTTP attributes (paths, methods) only toward ports the sidecar parses as HTTP', () => {
    const { chart, orders, web } = shop();
    expectConfigError(() => authorize(chart, { target: orders, callers: [{ workload: web, paths: ['/'], ports: [8080, 4222, 8443] }] }),
      '[test] c/authz: callers[0].paths: received "HTTP attributes on port 4222 (tcp, tcp), port 8443 (tls, https) of orders"; allowed: paths and methods only toward HTTP, HTTP2 or gRPC ports: the sidecar sees other ports as TCP, where an ALLOW rule with HTTP attributes never matches (and a DENY rule would deny every connection)');
    // Without ports: an error only when the target has no HTTP port at all.
    const again = shop(); // a failed construct stays in its tree: start again
    const nats = service(again.chart, 'nats', { ports: [TCP] });
    expectConfigError(() => authorize(again.chart, { target: nats, callers: [{ workload: again.web, methods: [HttpMethod.GET] }] }),
      '[test] c/authz: callers[0].methods: received "HTTP attributes on port 4222 (tcp, tcp) of nats"; allowed: paths and methods only toward HTTP, HTTP2 or gRPC ports: the sidecar sees other ports as TCP, where an ALLOW rule with HTTP attributes never matches (and a DENY rule would deny every connection)');
  });

  test('one policy per name and namespace', () => {
    const { app, chart, orders, web, worker } = shop();
    authorize(chart, { target: orders, callers: [{ workload: web }] });
    new ServiceAuthorization(new Chart(app, 'more', { namespace: 'jobs' }), 'again', { target: orders, callers: [{ workload: worker }] });
    expect(validationErrors(chart)).toEqual([
      '[test] more/again: name: received allow-orders in namespace shop, already written by c/authz; allowed: one ServiceAuthorization per target (declare every caller in it) or distinct names',
    ]);
  });

  test('the target\'s namespace is enrolled in the mesh', () => {
    const f = setup();
    const orders = service(f.chart, 'orders');
    const web = service(f.chart, 'web');
    new NamespaceBaseline(f.chart, 'ns', {});
    authorize(f.chart, { target: orders, callers: [{ workload: web }] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/authz: target: received orders in namespace shop, which is not enrolled in the mesh; allowed: a target in the mesh (NamespaceBaseline mesh for its namespace): without a sidecar nothing enforces the policy',
      '[test] c/authz: callers[0].workload: received web outside the mesh (namespace shop is not enrolled in the mesh); allowed: callers in the mesh: a caller without a sidecar sends plain text without a principal, so its rule never matches and the policy denies it',
    ]);
  });

  test('a gateway that routes to the target gets a rule from the route, without being listed; a listed one keeps its own', () => {
    const { chart, orders, web } = shop();
    const pub = new FakeGateway(chart, 'pub', 'public');
    const admin = new FakeGateway(chart, 'admin', 'admin', 'cluster.local/ns/istio-ingress/sa/admin-gateway');
    new FakeRoute(chart, 'route', { workloads: [orders, web], gateways: [pub, admin] });
    new FakeRoute(chart, 'route2', { workloads: [orders], gateways: [pub] });
    const a = authorize(chart, { target: orders, callers: [{ workload: web }, { gateway: admin, paths: ['/admin/*'] }] });
    expect(validationErrors(chart)).toEqual([]);
    expect(a.rules.map((r) => [r.caller, r.principals, r.paths])).toEqual([
      ['workload shop/web', ['cluster.local/ns/shop/sa/web'], undefined],
      ['gateway istio-ingress/admin', ['cluster.local/ns/istio-ingress/sa/admin-gateway'], ['/admin/*']],
      ['gateway istio-ingress/public', [pub.principal], undefined],
    ]);
  });

  test('an authorization with no caller given, declared or routed is refused at synth', () => {
    const { chart, orders } = shop();
    authorize(chart, { target: orders });
    expect(validationErrors(chart)).toEqual([
      '[test] c/authz: callers: received no caller for orders: none given, no call to it declared, no gateway-bound route to it; allowed: at least one caller (callers, caller.calls(target) or a route from a gateway): an ALLOW policy without rules denies everything; DefaultDeny already does that',
    ]);
  });

  test('STRICT only when every caller is in the mesh', () => {
    const { app, chart, orders } = shop();
    new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: orders, ports: [4222] }] });
    const legacy = service(chart, 'legacy', { podLabels: { 'sidecar.istio.io/inject': 'false' } });
    const jobs = new Chart(app, 'jobs', { namespace: 'jobs' });
    const nightly = service(jobs, 'nightly');
    authorize(chart, { target: orders, callers: [{ workload: legacy }, { workload: nightly, ports: [9090, 8080] }] });
    expect(validationErrors(chart)).toEqual([
      '[test] c/authz: callers[0].workload: received legacy outside the mesh (its pods opt out of sidecar injection) calling orders on ports 8080, 8443, 9090, STRICT under c/tls; allowed: STRICT only when every caller is in the mesh: enrol legacy, or list 8080, 8443, 9090 in a PERMISSIVE port exception of orders (MeshTls portExceptions), or make the namespace PERMISSIVE; even then a caller without a sidecar carries no principal for this policy to match',
      '[test] c/authz: callers[1].workload: received nightly outside the mesh (namespace jobs is not enrolled in the mesh) calling orders on ports 8080, 9090, STRICT under c/tls; allowed: STRICT only when every caller is in the mesh: enrol nightly, or list 8080, 9090 in a PERMISSIVE port exception of orders (MeshTls portExceptions), or make the namespace PERMISSIVE; even then a caller without a sidecar carries no principal for this policy to match',
    ]);
  });

  test('STRICT from the mesh-wide policy counts too', () => {
    const { chart, orders } = shop();
    MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.STRICT });
    const legacy = service(chart, 'legacy', { podLabels: { 'sidecar.istio.io/inject': 'false' } });
    authorize(chart, { target: orders, callers: [{ workload: legacy, ports: [8080] }] });
    expect(validationErrors(chart)).toEqual([
      '[test] c/authz: callers[0].workload: received legacy outside the mesh (its pods opt out of sidecar injection) calling orders on port 8080, STRICT under c/mesh; allowed: STRICT only when every caller is in the mesh: enrol legacy, or list 8080 in a PERMISSIVE port exception of orders (MeshTls portExceptions), or make the namespace PERMISSIVE; even then a caller without a sidecar carries no principal for this policy to match',
    ]);
  });

  test('a caller outside the mesh has no principal to match, whatever the mode (NATS outside the mesh calling a service)', () => {
    const { chart, orders } = shop();
    new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: orders, ports: [4222] }] });
    const nats = new NatsCluster(chart, 'nats', { mesh: NatsMeshMode.OUTSIDE });
    authorize(chart, { target: orders, callers: [{ workload: nats.servers, ports: [4222] }] });
    expect(validationErrors(chart)).toEqual([
      '[test] c/authz: callers[0].workload: received nats outside the mesh (its pods opt out of sidecar injection); allowed: callers in the mesh: a caller without a sidecar sends plain text without a principal, so its rule never matches and the policy denies it',
    ]);
  });
});
