import { Chart, Duration } from 'cdk8s';
import {
  GatewayExposure, gatewayExposures, HttpMethod, IMeshGateway, IstioApiVersion, MeshGateway, MeshGatewayAttributes, Microservice,
  PortProtocol, RetryOn, RouteRule, ServiceRoute, ServiceRouteProps, WARNING_METADATA, WorkloadPort, collectWarnings,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// ServiceRoute (constructs/mesh/service-route.ts): VirtualServices, DestinationRule and the
// optional HTTPRoute from the typed route model; one test per rule with its full message.

const HTTP: WorkloadPort = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };
const GRPC: WorkloadPort = { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC };
const HOST = 'order.shop.svc.cluster.local';
const ROUTE = '[test] c/route';
const validator = loadSchemaValidator();

interface Fixture {
  readonly chart: Chart;
  readonly order: Microservice;
  readonly canary: Microservice;
}

/** The app `order`: its main workload (version 3.1.4) and a canary (3.2.0), in namespace shop. */
function fixture(ports: WorkloadPort[] = [HTTP], chartNamespace: string | null = 'shop'): Fixture {
  const { chart } = setup(chartNamespace);
  const order = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports, version: '3.1.4' });
  const canary = new Microservice(chart, 'order-canary', { app: 'order', version: '3.2.0', image: IMAGE, resources: GUARANTEED, ports });
  return { chart, order, canary };
}

function workload(chart: Chart, id: string, props: { app?: string; version?: string; ports?: WorkloadPort[] } = {}): Microservice {
  return new Microservice(chart, id, { image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props });
}

/** A gateway defined outside the app (namespace istio-ingress), optionally with a Gateway API Gateway. */
function gatewayOf(chart: Chart, hosts: string[] = ['shop.example.com'], extra: Partial<MeshGatewayAttributes> = {}, id = 'public'): IMeshGateway {
  return MeshGateway.fromAttributes(chart, id, { gatewayName: id, gatewayNamespace: 'istio-ingress', hosts, ...extra });
}

function route(f: Fixture, props: Partial<ServiceRouteProps> = {}, id = 'route'): ServiceRoute {
  return new ServiceRoute(f.chart, id, { service: f.order, ...props });
}

const CANARY = (f: Fixture) => [{ workload: f.order, weight: 90 }, { workload: f.canary, weight: 10 }];

/** The routing objects of a synthesized chart, each checked against the CRD schemas. */
function routingObjects(chart: Chart): any[] {
  const m = synth(chart);
  for (const o of m) expect({ object: `${o.kind} ${o.metadata.name}`, errors: validator.validate(o) }).toEqual({ object: `${o.kind} ${o.metadata.name}`, errors: [] });
  return m.filter((o) => ['VirtualService', 'DestinationRule', 'HTTPRoute'].includes(o.kind));
}

function dest(subset?: string, weight?: number, port?: number): any {
  const destination: any = { host: HOST };
  if (subset) destination.subset = subset;
  if (port) destination.port = { number: port };
  return weight === undefined ? { destination } : { destination, weight };
}

const LABELS = { 'app.kubernetes.io/name': 'order', 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' };
/** What a routing rule without retries is written with: Istio's default policy would repeat its requests. */
const NO_RETRIES = { attempts: 0 };

test('the schema validator has every CRD bundle (Istio 1.23.6 and 1.30.3, Gateway API v1.2.1)', () => {
  expect(validator.missing).toEqual([]);
});

describe('ServiceRoute: output', () => {
  test('defaults: one mesh-bound VirtualService for the FQDN, one catch-all rule, no DestinationRule', () => {
    const f = fixture();
    const r = route(f);
    expect(routingObjects(f.chart)).toEqual([{
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'order', namespace: 'shop', labels: LABELS },
      spec: { hosts: [HOST], http: [{ name: 'default', route: [dest()], retries: NO_RETRIES }] },
    }]);
    expect({
      name: r.name, namespace: r.namespace, app: r.app, host: r.host, hosts: r.hosts, meshTraffic: r.meshTraffic, port: r.port,
      subsets: r.subsets, apiVersion: r.apiVersion, clusterDomain: r.clusterDomain, gatewayApi: r.gatewayApi,
      weightsManagedExternally: r.weightsManagedExternally, rules: r.rules, warnings: r.warnings,
    }).toEqual({
      name: 'order', namespace: 'shop', app: 'order', host: HOST, hosts: [], meshTraffic: true, port: 'http', subsets: [],
      apiVersion: IstioApiVersion.V1, clusterDomain: 'cluster.local', gatewayApi: false, weightsManagedExternally: false,
      rules: [{ name: 'default' }], warnings: [],
    });
    expect(r.destinationRule).toBeUndefined();
    expect(gatewayExposures(r)).toEqual([]);
  });

  test('canary: weighted destinations to subsets generated from the version labels', () => {
    const f = fixture();
    const r = route(f, { versions: CANARY(f) });
    const [vs, dr] = routingObjects(f.chart);
    expect(vs.spec.http).toEqual([{ name: 'default', route: [dest('v3-1-4', 90), dest('v3-2-0', 10)], retries: NO_RETRIES }]);
    expect(dr).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'order', namespace: 'shop', labels: LABELS },
      spec: {
        host: HOST,
        subsets: [
          { name: 'v3-1-4', labels: { app: 'order', version: '3.1.4' } },
          { name: 'v3-2-0', labels: { app: 'order', version: '3.2.0' } },
        ],
      },
    });
    expect(r.subsets).toEqual(['v3-1-4', 'v3-2-0']);
  });

  test('a single version gets all traffic without a weight; subset names start with a letter', () => {
    const f = fixture();
    const v2 = workload(f.chart, 'order-next', { app: 'order', version: 'V2_Beta' });
    route(f, { versions: [{ workload: v2 }] });
    const [vs, dr] = routingObjects(f.chart);
    expect(vs.spec.http[0].route).toEqual([dest('v2-beta')]);
    expect(dr.spec.subsets).toEqual([{ name: 'v2-beta', labels: { app: 'order', version: 'V2_Beta' } }]);
  });

  test('apiVersion v1beta1: the same objects as networking.istio.io/v1beta1', () => {
    const f = fixture();
    route(f, { versions: CANARY(f), apiVersion: IstioApiVersion.V1BETA1 });
    const objects = routingObjects(f.chart);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'networking.istio.io/v1beta1 VirtualService', 'networking.istio.io/v1beta1 DestinationRule',
    ]);
    expect(objects[0].spec.http[0].route).toEqual([dest('v3-1-4', 90), dest('v3-2-0', 10)]);
  });

  test('the full rule model: matches, timeout, retries, fault, mirror, CORS, rewrite, redirect, direct response', () => {
    for (const apiVersion of [IstioApiVersion.V1, IstioApiVersion.V1BETA1]) {
      const f = fixture();
      const shadow = workload(f.chart, 'order-shadow', { app: 'order', version: '4.0.0' });
      const rules: RouteRule[] = [
        { name: 'legacy', matches: [{ pathExact: '/old' }], redirect: { uri: '/new', authority: 'www.example.com', code: 308 } },
        { name: 'health', matches: [{ pathExact: '/healthz', methods: [HttpMethod.GET] }], directResponse: { status: 200, body: 'ok' } },
        {
          name: 'api',
          matches: [{ pathPrefix: '/api/v1/', headers: { 'x-tenant': 'acme' }, methods: [HttpMethod.GET, HttpMethod.POST] }, { pathRegex: '^/v1/.*' }],
          timeout: Duration.seconds(6),
          retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.CONNECT_FAILURE], retriableStatusCodes: [409] },
          // It takes POST: retrying on gateway errors and 409 needs the application to deduplicate.
          idempotent: true,
          mirror: { workload: shadow, percentage: 5 },
          rewrite: { uri: '/v1/' },
          cors: {
            allowOrigins: ['https://shop.example.com'], allowMethods: [HttpMethod.GET, HttpMethod.POST], allowHeaders: ['authorization'],
            exposeHeaders: ['x-request-id'], maxAge: Duration.hours(1), allowCredentials: true,
          },
        },
        { name: 'chaos', matches: [{ headers: { 'x-chaos': 'on' } }], fault: { delay: { fixed: Duration.millis(1500), percentage: 50 }, abort: { httpStatus: 503 } } },
        { name: 'default' },
      ];
      route(f, { rules, apiVersion });
      const [vs] = routingObjects(f.chart);
      const route_ = [dest()];
      expect(vs.spec.http).toEqual([
        { name: 'legacy', match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new', authority: 'www.example.com', redirectCode: 308 } },
        { name: 'health', match: [{ uri: { exact: '/healthz' }, method: { exact: 'GET' } }], directResponse: { status: 200, body: { string: 'ok' } } },
        {
          name: 'api',
          match: [
            { uri: { prefix: '/api/v1/' }, headers: { 'x-tenant': { exact: 'acme' } }, method: { exact: 'GET' } },
            { uri: { prefix: '/api/v1/' }, headers: { 'x-tenant': { exact: 'acme' } }, method: { exact: 'POST' } },
            { uri: { regex: '^/v1/.*' } },
          ],
          route: route_,
          timeout: '6s',
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,retriable-status-codes,409' },
          mirror: { host: 'order-shadow.shop.svc.cluster.local' },
          mirrorPercentage: { value: 5 },
          rewrite: { uri: '/v1/' },
          corsPolicy: {
            allowOrigins: [{ exact: 'https://shop.example.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization'],
            exposeHeaders: ['x-request-id'], maxAge: '3600s', allowCredentials: true,
          },
        },
        {
          name: 'chaos',
          match: [{ headers: { 'x-chaos': { exact: 'on' } } }],
          route: route_,
          retries: NO_RETRIES,
          fault: { delay: { fixedDelay: '1.5s', percentage: { value: 50 } }, abort: { httpStatus: 503, percentage: { value: 100 } } },
        },
        { name: 'default', route: route_, retries: NO_RETRIES },
      ]);
    }
  });

  test('gateways: a gateway-bound VirtualService for the external hosts, mesh traffic off by default, exposure declared', () => {
    const f = fixture();
    const gw = gatewayOf(f.chart, ['shop.example.com', 'shop/api.example.com', 'payments/pay.example.com', './admin.example.com', '*']);
    const r = route(f, { gateways: [gw], versions: CANARY(f) });
    const [vs] = routingObjects(f.chart);
    expect(vs).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'order-ingress', namespace: 'shop', labels: LABELS },
      spec: {
        gateways: ['istio-ingress/public'],
        // Hosts open to namespace shop only: not payments/..., not ./... (the gateway's namespace), not the bare `*`.
        hosts: ['shop.example.com', 'api.example.com'],
        http: [{ name: 'default', route: [dest('v3-1-4', 90), dest('v3-2-0', 10)], retries: NO_RETRIES }],
      },
    });
    expect([r.meshTraffic, r.hosts, r.meshVirtualService]).toEqual([false, ['shop.example.com', 'api.example.com'], undefined]);
    const exposures: GatewayExposure[] = gatewayExposures(r);
    expect(exposures).toHaveLength(1);
    const exposure = exposures[0];
    expect(exposure.workloads).toEqual([f.order, f.canary]);
    expect(exposure.gateways).toEqual([gw]);
  });

  test('gateways and mesh traffic: two VirtualServices, so the FQDN is never bound to the gateway', () => {
    const f = fixture();
    route(f, { gateways: [gatewayOf(f.chart, ['*.example.com'])], hosts: ['shop.example.com'], meshTraffic: true });
    const objects = routingObjects(f.chart);
    expect(objects.map((o) => [o.metadata.name, o.spec.gateways, o.spec.hosts])).toEqual([
      ['order', undefined, [HOST]],
      ['order-ingress', ['istio-ingress/public'], ['shop.example.com']],
    ]);
  });

  test('a Service with several ports: destinations and the mirror name the port number', () => {
    const f = fixture([GRPC, { ...HTTP, servicePort: 80 }]);
    const shadow = workload(f.chart, 'order-shadow', { ports: [GRPC, HTTP] });
    route(f, { port: 'http', rules: [{ name: 'default', mirror: { workload: shadow } }] });
    const [vs] = routingObjects(f.chart);
    expect(vs.spec.http).toEqual([{
      name: 'default',
      route: [dest(undefined, undefined, 80)],
      retries: NO_RETRIES,
      mirror: { host: 'order-shadow.shop.svc.cluster.local', port: { number: 8080 } },
    }]);
  });

  test('clusterDomain: every FQDN uses it', () => {
    const f = fixture();
    route(f, { clusterDomain: 'prod.internal' });
    expect(routingObjects(f.chart)[0].spec.hosts).toEqual(['order.shop.svc.prod.internal']);
  });

  test('rule destinations override the versions (a header pins the canary)', () => {
    const f = fixture();
    route(f, {
      versions: CANARY(f),
      rules: [{ name: 'pinned', matches: [{ headers: { 'x-canary': 'true' } }], destinations: [{ workload: f.canary }] }, { name: 'default' }],
    });
    const [vs] = routingObjects(f.chart);
    expect(vs.spec.http).toEqual([
      { name: 'pinned', match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [dest('v3-2-0')], retries: NO_RETRIES },
      { name: 'default', route: [dest('v3-1-4', 90), dest('v3-2-0', 10)], retries: NO_RETRIES },
    ]);
  });

  test('weightsManagedExternally: the route rests on the first version (100/0) for the rollout controller to move', () => {
    const f = fixture();
    const r = route(f, { versions: [{ workload: f.order }, { workload: f.canary }], weightsManagedExternally: true });
    const [vs] = routingObjects(f.chart);
    expect(vs.spec.http[0].route).toEqual([dest('v3-1-4', 100), dest('v3-2-0', 0)]);
    expect(r.weightsManagedExternally).toBe(true);
  });

  test('warnings: fault injection with retries or a timeout is valid but recorded as a warning', () => {
    const f = fixture();
    const r = route(f, {
      rules: [{ name: 'chaos', fault: { abort: { httpStatus: 503, percentage: 10 } }, retries: { attempts: 2 }, idempotent: true, timeout: Duration.seconds(3) }],
    });
    const message = 'rules[0] (chaos): fault injection with retries and a timeout: aborted requests are retried and injected delays count '
      + 'against the timeout, so the experiment may not test what it seems to';
    expect(r.warnings).toEqual([message]);
    expect(r.node.metadata.filter((m) => m.type === WARNING_METADATA).map((m) => m.data)).toEqual([message]);
    expect(collectWarnings(f.chart)).toEqual([`[test] c/route: ${message}`]);
    routingObjects(f.chart);
  });
});

describe('ServiceRoute: Gateway API output', () => {
  test('an HTTPRoute from the same rules, attached to the MeshGateway\'s Gateway API Gateway; versions through Services of their own', () => {
    const f = fixture();
    const shadow = workload(f.chart, 'order-shadow', { app: 'order', version: '4.0.0' });
    const gw = new MeshGateway(f.chart, 'public', {
      hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' }, gatewayApi: true, gatewayApiRouteNamespaces: ['shop'],
    });
    const r = route(f, {
      gateways: [gw], gatewayApi: true, versions: CANARY(f),
      rules: [
        { name: 'legacy', matches: [{ pathExact: '/old' }], redirect: { uri: '/new', code: 302 } },
        { name: 'v2', matches: [{ pathPrefix: '/api/v2/', methods: [HttpMethod.GET, HttpMethod.PUT] }], rewrite: { uri: '/v2/' }, timeout: Duration.seconds(90), mirror: { workload: shadow } },
        { name: 'pinned', matches: [{ headers: { 'x-canary': 'true' } }], destinations: [{ workload: f.canary }] },
        { name: 'default' },
      ],
    });
    const objects = routingObjects(f.chart);
    const httpRoute = one(objects, 'HTTPRoute', 'order');
    const backends = [{ name: 'order-v3-1-4', port: 8080, weight: 90 }, { name: 'order-canary', port: 8080, weight: 10 }];
    expect(httpRoute).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'order', namespace: 'shop', labels: LABELS },
      spec: {
        parentRefs: [{ name: 'public', namespace: 'istio-ingress' }],
        hostnames: ['shop.example.com'],
        rules: [
          { matches: [{ path: { type: 'Exact', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 302 } }] },
          // A rewrite rule is split per match: each rewrites its own prefix.
          ...['GET', 'PUT'].map((method) => ({
            matches: [{ path: { type: 'PathPrefix', value: '/api/v2/' }, method }],
            filters: [
              { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2/' } } },
              { type: 'RequestMirror', requestMirror: { backendRef: { name: 'order-shadow', port: 8080 } } },
            ],
            backendRefs: backends,
            timeouts: { request: '1m30s' },
          })),
          { matches: [{ headers: [{ name: 'x-canary', value: 'true', type: 'Exact' }] }], backendRefs: [{ name: 'order-canary', port: 8080 }] },
          { backendRefs: backends },
        ],
      },
    });
    // The main workload's Service selects every version: a Service of its own pods carries its share.
    const versionService = one(synth(f.chart), 'Service', 'order-v3-1-4');
    expect(versionService.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'order' },
      ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    });
    expect(r.httpRoute).toBeDefined();
    expect(allOfKind(objects, 'VirtualService').map((o) => o.metadata.name)).toEqual(['order-ingress']);
  });

  test('without versions the HTTPRoute sends to the app\'s Service; parents may be given (a gateway defined elsewhere)', () => {
    const f = fixture();
    const gw = gatewayOf(f.chart, ['shop.example.com'], { gatewayApiName: 'public-gw' });
    route(f, { gateways: [gw], gatewayApi: true });
    // Its own Istio gateway: two routes for the same host and requests on one gateway are refused.
    const edge = gatewayOf(f.chart, ['shop.example.com'], { gatewayApiName: 'public-gw' }, 'edge');
    route(f, { name: 'order-b', gateways: [edge], gatewayApi: true, gatewayApiParents: [{ name: 'other', namespace: 'edge', sectionName: 'https' }] }, 'route-b');
    const routes = allOfKind(routingObjects(f.chart), 'HTTPRoute');
    expect(routes.map((r) => [r.spec.parentRefs, r.spec.rules])).toEqual([
      [[{ name: 'public-gw', namespace: 'istio-ingress' }], [{ backendRefs: [{ name: 'order', port: 8080 }] }]],
      [[{ name: 'other', namespace: 'edge', sectionName: 'https' }], [{ backendRefs: [{ name: 'order', port: 8080 }] }]],
    ]);
  });
});

describe('ServiceRoute: checks', () => {
  test('service: in a chart with a namespace', () => {
    const f = fixture([HTTP], null);
    expectConfigError(() => route(f),
      `${ROUTE}: service: received "order"; allowed: a workload in a chart with a namespace (hosts are written as FQDNs)`);
  });

  test('service: the workload named like its app', () => {
    const f = fixture();
    expectConfigError(() => route(f, { service: f.canary }),
      `${ROUTE}: service: received "order-canary" (app "order"); allowed: the workload named like its app ("order"): its Service selects every version of the app, another workload's only its own pods`);
  });

  test('service: a Microservice with a Service', () => {
    const f = fixture([]);
    expectConfigError(() => route(f),
      `${ROUTE}: service: received "order" (no Service: no exposed ports); allowed: a Microservice with a Service`);
  });

  test('port: required when the Service has several ports (IST0112)', () => {
    const f = fixture([HTTP, GRPC]);
    expectConfigError(() => route(f),
      `${ROUTE}: port: received nothing; allowed: the name of one of the Service's ports (http, grpc): with several ports, a destination names its port (IST0112)`);
  });

  test('port: one of the Service\'s ports', () => {
    const f = fixture([HTTP, GRPC]);
    expectConfigError(() => route(f, { port: 'admin' }),
      `${ROUTE}: port: received "admin"; allowed: one of the Service's ports (http, grpc)`);
  });

  test('versions: of the same app, or the subset selects no pods (IST0173)', () => {
    const f = fixture();
    const payment = workload(f.chart, 'payment');
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 50 }, { workload: payment, weight: 50 }] }),
      `${ROUTE}: versions[1].workload: received "payment" (app "payment"); allowed: a version of app "order" (pod label app=order): otherwise its subset selects no pod behind the Service (IST0173)`);
  });

  test('versions: in the Service\'s namespace (IST0173)', () => {
    const f = fixture();
    const other = new Chart(f.chart.node.root as any, 'other', { namespace: 'other' });
    const stray = workload(other, 'order-stray', { app: 'order', version: '9.0.0' });
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 50 }, { workload: stray, weight: 50 }] }),
      `${ROUTE}: versions[1].workload: received "order-stray" in namespace other; allowed: a workload in namespace shop, the Service's: otherwise its subset selects no pod behind the Service (IST0173)`);
  });

  test('versions: distinct version labels and subsets (IST0173)', () => {
    const f = fixture();
    const twin = workload(f.chart, 'order-twin', { app: 'order', version: '3-1-4' });
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 50 }, { workload: twin, weight: 50 }] }),
      `${ROUTE}: versions[1].workload: received "order-twin" (version "3-1-4", subset v3-1-4); allowed: a version label and subset distinct from the other versions' (order has them): two subsets would select the same pods (IST0173)`);
  });

  test('versions: pods declare the routed port', () => {
    const f = fixture();
    const grpcOnly = workload(f.chart, 'order-grpc', { app: 'order', version: '5.0.0', ports: [GRPC] });
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 50 }, { workload: grpcOnly, weight: 50 }] }),
      `${ROUTE}: versions[1].workload: received "order-grpc" (ports: grpc); allowed: a workload whose pods declare port "http": the Service targets it by name, so these pods would get no traffic`);
  });

  test('weights: integers from 0 to 100 (rule 9)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 89.5 }, { workload: f.canary, weight: 10.5 }] }),
      `${ROUTE}: versions[0].weight: received 89.5; allowed: an integer from 0 to 100 (a percentage of the traffic)`);
  });

  test('weights: one for each destination when there are several (rule 9)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { versions: [{ workload: f.order, weight: 100 }, { workload: f.canary }] }),
      `${ROUTE}: versions[1].weight: received nothing; allowed: a weight for each of the 2 destinations (they sum to 100)`);
  });

  test('weights: summing to 100 (rule 9)', () => {
    const f = fixture();
    expectConfigError(() => route(f, {
      versions: CANARY(f),
      rules: [{ name: 'split', destinations: [{ workload: f.order, weight: 80 }, { workload: f.canary, weight: 30 }] }],
    }), `${ROUTE}: rules[0].destinations[*].weight: received 80 + 30 = 110; allowed: weights summing to 100 (Istio refuses other totals)`);
  });

  test('weightsManagedExternally: no weights given (rule 12)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { versions: CANARY(f), weightsManagedExternally: true }),
      `${ROUTE}: versions[0].weight: received 90; allowed: no weight: with weightsManagedExternally the rollout controller owns the weights (the route starts with all traffic on the first destination)`);
  });

  test('destinations: only versions of the route have subsets (IST0101)', () => {
    const f = fixture();
    const other = workload(f.chart, 'order-other', { app: 'order', version: '7.0.0' });
    expectConfigError(() => route(f, { versions: CANARY(f), rules: [{ name: 'x', destinations: [{ workload: other }] }] }),
      `${ROUTE}: rules[0].destinations[0].workload: received "order-other"; allowed: one of the route's versions (order, order-canary): subsets exist only for them (IST0101)`);
  });

  test('destinations: without versions, only the service itself', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'x', destinations: [{ workload: f.canary }] }] }),
      `${ROUTE}: rules[0].destinations[0].workload: received "order-canary"; allowed: the service "order" (declare versions to route to other workloads of the app)`);
  });

  test('meshTraffic: a route bound to something', () => {
    const f = fixture();
    expectConfigError(() => route(f, { meshTraffic: false }),
      `${ROUTE}: meshTraffic: received false; allowed: true, or gateways: a route bound to nothing routes nothing`);
  });

  test('hosts: only with gateways', () => {
    const f = fixture();
    expectConfigError(() => route(f, { hosts: ['shop.example.com'] }),
      `${ROUTE}: hosts: received ["shop.example.com"]; allowed: no hosts without gateways: mesh traffic uses the service's FQDN`);
  });

  test('hosts: fully qualified names', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gateways: [gatewayOf(f.chart)], hosts: ['shop'] }),
      `${ROUTE}: hosts[0]: received "shop"; allowed: a fully qualified lower-case host name (shop.example.com, *.example.com): a short name would resolve in the route's namespace`);
  });

  test('hosts: served by every bound gateway, with the ns/host, ./host and wildcard forms (IST0132)', () => {
    const f = fixture();
    const gw = gatewayOf(f.chart, ['*/*.example.com', './admin.example.org', 'shop/shop.example.net']);
    // Served: by the `*/` wildcard, by the namespace-scoped host.
    route(f, { gateways: [gw], hosts: ['a.b.example.com', 'shop.example.net'] });
    // Not served: `./` hosts are open to the gateway's own namespace (istio-ingress) only.
    expectConfigError(() => route(f, { name: 'order-admin', gateways: [gw], hosts: ['admin.example.org'] }, 'admin'),
      '[test] c/admin: hosts[0]: received "admin.example.org"; allowed: a host gateway istio-ingress/public serves to namespace shop (*.example.com, shop.example.net): it answers 404 for others (IST0132)');
  });

  test('hosts: the gateways must serve some host to the namespace', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gateways: [gatewayOf(f.chart, ['payments/pay.example.com'])] }),
      `${ROUTE}: hosts: received nothing; allowed: hosts the gateways (istio-ingress/public) serve to namespace shop: none of theirs is open to it`);
  });

  test('rules: names are unique DNS labels', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ pathPrefix: '/a' }] }, { name: 'a' }] }),
      `${ROUTE}: rules[1].name: received "a"; allowed: a name no other rule has (rules[0] has it)`);
  });

  test('matches: at most one path condition', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ pathPrefix: '/a', pathExact: '/a' }] }] }),
      `${ROUTE}: rules[0].matches[0]: received pathPrefix and pathExact; allowed: at most one of pathPrefix, pathExact and pathRegex`);
  });

  test('matches: at least one condition', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ headers: {} }] }] }),
      `${ROUTE}: rules[0].matches[0]: received no condition; allowed: at least one of a path, headers and methods (leave matches unset for a catch-all rule)`);
  });

  test('matches: paths start with /', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ pathPrefix: 'api' }] }] }),
      `${ROUTE}: rules[0].matches[0].pathPrefix: received "api"; allowed: a path starting with /`);
  });

  test('matches: header names in lower case', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ headers: { 'X-Canary': 'true' } }] }] }),
      `${ROUTE}: rules[0].matches[0].headers: received "X-Canary"; allowed: lower-case header names: Istio matches header names in lower case only`);
  });

  test('rules: the catch-all rule last (IST0130)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'all' }, { name: 'api', matches: [{ pathPrefix: '/api' }] }, { name: 'web', matches: [{ pathPrefix: '/web' }] }] }),
      `${ROUTE}: rules[0].matches: received no match (every request), then 2 more rules: api, web; allowed: the catch-all rule last: rules after it are unreachable (IST0130)`);
  });

  test('rules: a match covered by an earlier rule never applies (IST0131)', () => {
    const f = fixture();
    expectConfigError(() => route(f, {
      rules: [
        { name: 'api', matches: [{ pathPrefix: '/api' }] },
        { name: 'api-v2', matches: [{ pathPrefix: '/api/v2', methods: [HttpMethod.GET] }] },
      ],
    }), `${ROUTE}: rules[1].matches[0]: received {pathPrefix /api/v2, method GET}, covered by rules[0] (api) {pathPrefix /api}; allowed: a match no earlier rule already covers: this one never applies (IST0131)`);
  });

  test('rules: route, redirect and directResponse are exclusive', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', redirect: { uri: '/b' }, destinations: [{ workload: f.order }], timeout: Duration.seconds(1) }] }),
      `${ROUTE}: rules[0]: received redirect + destinations + timeout; allowed: one action per rule: route (destinations, rewrite, mirror, retries, timeout), redirect, or directResponse`);
  });

  test('retries: attempts × perTryTimeout fit in the timeout (rule 11)', () => {
    const f = fixture();
    expectConfigError(() => route(f, {
      rules: [{ name: 'a', timeout: Duration.seconds(5), retries: { attempts: 3, perTryTimeout: Duration.seconds(2) } }],
    }), `${ROUTE}: rules[0].retries: received 3 attempts × 2s = 6s; allowed: attempts × perTryTimeout at most the rule's timeout (5s): the last attempts would be cut off`);
  });

  test('retries: RETRIABLE_STATUS_CODES needs the codes', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', retries: { attempts: 2, retryOn: [RetryOn.RETRIABLE_STATUS_CODES] } }] }),
      `${ROUTE}: rules[0].retries.retriableStatusCodes: received nothing; allowed: the status codes to retry, with RetryOn.RETRIABLE_STATUS_CODES`);
  });

  test('durations: whole milliseconds, at least 1ms', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', timeout: Duration.millis(0.5) }] }),
      `${ROUTE}: rules[0].timeout: received 0.5ms; allowed: a whole number of milliseconds, at least 1ms (Istio refuses shorter durations)`);
  });

  test('percentages: from 0 to 100', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', fault: { abort: { httpStatus: 503, percentage: 150 } } }] }),
      `${ROUTE}: rules[0].fault.abort.percentage: received 150; allowed: a percentage from 0 to 100`);
  });

  test('status codes: HTTP statuses from 200 to 599', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', directResponse: { status: 700 } }] }),
      `${ROUTE}: rules[0].directResponse.status: received 700; allowed: an HTTP status from 200 to 599`);
  });

  test('redirect: a redirect status code', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', redirect: { uri: '/b', code: 304 } }] }),
      `${ROUTE}: rules[0].redirect.code: received 304; allowed: 301, 302, 303, 307, 308`);
  });

  test('redirect: a uri, an authority or both', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', redirect: { code: 302 } }] }),
      `${ROUTE}: rules[0].redirect: received {"code":302}; allowed: a uri, an authority or both`);
  });

  test('mirror: another workload than the route\'s host', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', mirror: { workload: f.order } }] }),
      `${ROUTE}: rules[0].mirror.workload: received "order"; allowed: another workload with its own Service in a namespace, not the route's host (order): copies would go to the same pods`);
  });

  test('mirror: a workload with a Service', () => {
    const f = fixture();
    const worker = workload(f.chart, 'worker', { ports: [] });
    expectConfigError(() => route(f, { rules: [{ name: 'a', mirror: { workload: worker } }] }),
      `${ROUTE}: rules[0].mirror.workload: received "worker"; allowed: a Microservice with a Service of its own`);
  });

  test('cors: origins as browsers send them', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', cors: { allowOrigins: ['shop.example.com'] } }] }),
      `${ROUTE}: rules[0].cors.allowOrigins: received "shop.example.com"; allowed: origins as browsers send them (https://shop.example.com, lower case, no path), or *`);
  });

  test('cors: no credentials with origin *', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', cors: { allowOrigins: ['*'], allowCredentials: true } }] }),
      `${ROUTE}: rules[0].cors.allowCredentials: received true; allowed: false with origin *: browsers refuse credentials for a wildcard origin`);
  });

  test('clusterDomain: a DNS domain', () => {
    const f = fixture();
    expectConfigError(() => route(f, { clusterDomain: 'Cluster.Local' }),
      `${ROUTE}: clusterDomain: received "Cluster.Local"; allowed: a DNS domain such as cluster.local`);
  });

  test('one mesh-bound VirtualService per host across the app (IST0109)', () => {
    const f = fixture();
    route(f);
    route(f, { name: 'order-b' }, 'second');
    expect(validationErrors(f.chart)).toEqual([
      `${ROUTE}: host: received "${HOST}", also bound to the mesh by c/second (VirtualService shop/order-b); allowed: one mesh-bound VirtualService per host: Istio does not merge them and applies only one (IST0109)`,
      `[test] c/second: host: received "${HOST}", also bound to the mesh by c/route (VirtualService shop/order); allowed: one mesh-bound VirtualService per host: Istio does not merge them and applies only one (IST0109)`,
    ]);
  });
});

describe('ServiceRoute: retries and repeated requests', () => {
  const BEFORE_APP = 'retry conditions that hold only before the request reaches the application (connect-failure, refused-stream, envoy-ratelimited), named in retryOn: ';
  const OR_IDEMPOTENT = 'or idempotent: true on the rule when the application deduplicates repeated requests (an idempotency key)';
  const allowed = (methods: string) => `${BEFORE_APP}a ${methods} request may already have been acted on when the others fire `
    + `(a reset after it was sent, an error status the application answered); ${OR_IDEMPOTENT}`;
  const EVERY_METHOD = 'every method (no method condition), POST and PATCH included';

  test('a routing rule without retries is written with attempts 0; redirects and direct responses get none', () => {
    const f = fixture();
    route(f, {
      rules: [
        { name: 'legacy', matches: [{ pathExact: '/old' }], redirect: { uri: '/new' } },
        { name: 'health', matches: [{ pathExact: '/healthz' }], directResponse: { status: 200 } },
        { name: 'checkout', matches: [{ pathPrefix: '/api/orders' }], timeout: Duration.seconds(10) },
        { name: 'off', matches: [{ pathPrefix: '/api/payments' }], retries: { attempts: 0 } },
        { name: 'default' },
      ],
    });
    expect(routingObjects(f.chart)[0].spec.http.map((h: any) => [h.name, h.retries])).toEqual([
      ['legacy', undefined], ['health', undefined], ['checkout', NO_RETRIES], ['off', NO_RETRIES], ['default', NO_RETRIES],
    ]);
  });

  test('a rule that takes POST retries what never reached the application; reads and idempotent rules retry anything', () => {
    const f = fixture();
    route(f, {
      rules: [
        {
          name: 'checkout', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.POST] }], timeout: Duration.seconds(10),
          retries: { attempts: 2, perTryTimeout: Duration.seconds(3), retryOn: [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.ENVOY_RATELIMITED] },
        },
        { name: 'reads', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE] }], retries: { attempts: 2, retryOn: [RetryOn.RESET, RetryOn.HTTP_5XX] } },
        { name: 'search', matches: [{ pathExact: '/api/search', methods: [HttpMethod.POST] }], idempotent: true, retries: { attempts: 3 } },
        { name: 'default', idempotent: false },
      ],
    });
    expect(routingObjects(f.chart)[0].spec.http.map((h: any) => [h.name, h.retries])).toEqual([
      ['checkout', { attempts: 2, perTryTimeout: '3s', retryOn: 'connect-failure,refused-stream,envoy-ratelimited' }],
      ['reads', { attempts: 2, retryOn: 'reset,5xx' }],
      ['search', { attempts: 3 }],
      ['default', NO_RETRIES],
    ]);
  });

  test('rule: retries after the application may have acted, on a rule that takes POST (no method condition)', () => {
    const f = fixture();
    expectConfigError(() => route(f, {
      rules: [{
        name: 'orders', matches: [{ pathPrefix: '/api/orders' }], timeout: Duration.seconds(10),
        retries: { attempts: 2, perTryTimeout: Duration.seconds(3), retryOn: [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.RESET] },
      }],
    }), `${ROUTE}: rules[0].retries.retryOn: received reset on a rule that matches ${EVERY_METHOD}; allowed: ${allowed('POST or PATCH')}`);
  });

  test('rule: error statuses and gRPC statuses are answers of the application too', () => {
    const f = fixture();
    expectConfigError(() => route(f, {
      rules: [{ name: 'orders', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.GET, HttpMethod.PATCH] }], retries: { attempts: 2, retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.GRPC_UNAVAILABLE], retriableStatusCodes: [503] } }],
    }), `${ROUTE}: rules[0].retries.retryOn: received gateway-error, unavailable, retriable-status-codes on a rule that matches PATCH; allowed: ${allowed('PATCH')}`);
  });

  test('rule: Istio\'s default conditions (no retryOn) on a rule that takes POST', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'orders', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.POST] }], retries: { attempts: 2 } }] }),
      `${ROUTE}: rules[0].retries.retryOn: received nothing (Istio's default: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503)) `
      + `on a rule that matches POST; allowed: ${allowed('POST')}`);
  });

  test('rule: a rule declared idempotent: false is never retried', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'payments', idempotent: false, retries: { attempts: 1, retryOn: [RetryOn.CONNECT_FAILURE] } }] }),
      `${ROUTE}: rules[0].retries.attempts: received 1 on a rule declared idempotent: false; allowed: 0, or no retries (the route then writes attempts 0): the requests of this rule must never be repeated`);
  });

  test('rule: attempts 0 alone (Istio refuses a disabled policy with conditions)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', retries: { attempts: 0, perTryTimeout: Duration.seconds(1), retryOn: [RetryOn.CONNECT_FAILURE] } }] }),
      `${ROUTE}: rules[0].retries: received attempts 0 with perTryTimeout and retryOn; allowed: attempts 0 alone (retries off): Istio's validation refuses a retry policy `
      + 'with attempts 0 and other fields ("http retry policy configured when attempts are set to 0 (disabled)")');
  });

  test('rule: idempotent is a boolean', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', idempotent: 'yes' as unknown as boolean }] }),
      `${ROUTE}: rules[0].idempotent: received "yes"; allowed: true or false (or unset: inferred from the methods the rule matches)`);
  });

  test('Gateway API: a rule declared idempotent: false is refused, a rule that takes POST gets a warning (HTTPRoute rules get Istio\'s default retries)', () => {
    const gatewayApiRoute = (f: Fixture, rules: RouteRule[]) =>
      route(f, { gateways: [gatewayOf(f.chart, ['shop.example.com'], { gatewayApiName: 'public' })], gatewayApi: true, rules });
    expectConfigError(() => gatewayApiRoute(fixture(), [{ name: 'payments', idempotent: false }]),
      `${ROUTE}: rules[0].idempotent: received false with gatewayApi; allowed: gatewayApi false for a rule whose requests must never be repeated: Istio gives HTTPRoute `
      + 'rules its default retries (connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503)), and the Gateway API v1.2 standard channel has no retry field to turn them off');
    const r = gatewayApiRoute(fixture(), [
      { name: 'reads', matches: [{ pathPrefix: '/api/', methods: [HttpMethod.GET] }] },
      { name: 'default' },
    ]);
    expect(r.warnings).toEqual([
      'rules[1] (default): the HTTPRoute gets Istio\'s default retries (connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503)) for POST or PATCH requests, '
      + 'which the Gateway API v1.2 standard channel cannot turn off (the VirtualService has attempts 0): set idempotent: true if repeats are harmless, or a mesh-wide defaultHttpRetryPolicy',
    ]);
  });
});

describe('ServiceRoute: Gateway API refusals', () => {
  function gatewayApiRoute(f: Fixture, props: Partial<ServiceRouteProps>) {
    return route(f, { gateways: [gatewayOf(f.chart, ['shop.example.com'], { gatewayApiName: 'public' })], gatewayApi: true, ...props });
  }

  test('gatewayApi: needs gateways (mesh traffic stays on the VirtualService)', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gatewayApi: true }),
      `${ROUTE}: gatewayApi: received true; allowed: false without gateways: the HTTPRoute attaches to the gateways' Gateway API parents (mesh traffic stays on the VirtualService)`);
  });

  test('gatewayApi: every gateway has a Gateway API Gateway', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gateways: [gatewayOf(f.chart)], gatewayApi: true }),
      `${ROUTE}: gateways[0]: received "istio-ingress/public"; allowed: a MeshGateway with gatewayApiEnabled (a Gateway API Gateway to attach the HTTPRoute to), or gatewayApiParents`);
  });

  test('gatewayApi: the MeshGateway\'s Gateway API Gateway admits routes from the namespace', () => {
    const f = fixture();
    const gw = new MeshGateway(f.chart, 'public', { namespace: 'edge', hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' }, gatewayApi: true });
    expectConfigError(() => route(f, { gateways: [gw], gatewayApi: true }),
      `${ROUTE}: gateways[0]: received "edge/public"; allowed: a gateway whose Gateway API Gateway admits HTTPRoutes from namespace shop (its gatewayApiRouteNamespaces: edge): otherwise the HTTPRoute never attaches`);
  });

  test.each([
    ['retries', { retries: { attempts: 2 } }, 'a retry policy', 'no retries'],
    ['fault', { fault: { abort: { httpStatus: 503 } } }, 'a fault injection', 'no fault injection'],
    ['cors', { cors: { allowOrigins: ['https://shop.example.com'] } }, 'a CORS policy', 'no CORS policy'],
    ['directResponse', { directResponse: { status: 204 } }, 'a direct response', 'no direct response'],
  ])('gatewayApi: no %s (no standard v1.2 equivalent)', (field, extra, received, allowed) => {
    const f = fixture();
    expectConfigError(() => gatewayApiRoute(f, { rules: [{ name: 'a', ...extra }] }),
      `${ROUTE}: rules[0].${field}: received ${received} with gatewayApi; allowed: ${allowed} when an HTTPRoute is emitted: Gateway API v1.2 (standard) has no equivalent (set gatewayApi false to keep it)`);
  });

  test('gatewayApi: no regular-expression paths', () => {
    const f = fixture();
    expectConfigError(() => gatewayApiRoute(f, { rules: [{ name: 'a', matches: [{ pathRegex: '^/v[0-9]+/' }] }] }),
      `${ROUTE}: rules[0].matches[0].pathRegex: received "^/v[0-9]+/" with gatewayApi; allowed: pathPrefix or pathExact when an HTTPRoute is emitted: regular-expression paths and their precedence are implementation-specific in Gateway API`);
  });

  test('gatewayApi: mirrors every request', () => {
    const f = fixture();
    const shadow = workload(f.chart, 'order-shadow', { app: 'order', version: '4.0.0' });
    expectConfigError(() => gatewayApiRoute(f, { rules: [{ name: 'a', mirror: { workload: shadow, percentage: 10 } }] }),
      `${ROUTE}: rules[0].mirror.percentage: received 10; allowed: 100 (or unset) when an HTTPRoute is emitted: Gateway API v1.2 (standard) mirrors every request`);
  });

  test('gatewayApi: redirects with 301 or 302', () => {
    const f = fixture();
    expectConfigError(() => gatewayApiRoute(f, { rules: [{ name: 'a', redirect: { uri: '/b', code: 307 } }] }),
      `${ROUTE}: rules[0].redirect.code: received 307; allowed: 301 or 302 when an HTTPRoute is emitted (Gateway API v1.2 standard)`);
  });

  test('gatewayApi: rewrites only where both APIs rewrite alike', () => {
    const f = fixture();
    expectConfigError(() => gatewayApiRoute(f, { rules: [{ name: 'a', matches: [{ pathPrefix: '/api' }], rewrite: { uri: '/' } }] }),
      `${ROUTE}: rules[0].rewrite: received uri / for {pathPrefix /api}; allowed: with gatewayApi, a rewrite whose rule has matches that all name a pathExact, or a pathPrefix other than / ending in / exactly when the uri does (so that Istio and Gateway API rewrite alike)`);
  });

  test('gatewayApi: rules already in Gateway API precedence order where they overlap', () => {
    const f = fixture();
    expectConfigError(() => gatewayApiRoute(f, {
      versions: CANARY(f),
      rules: [
        { name: 'canary', matches: [{ pathPrefix: '/', headers: { 'x-canary': 'true' } }], destinations: [{ workload: f.canary }] },
        { name: 'api', matches: [{ pathPrefix: '/api/' }] },
      ],
    }), `${ROUTE}: rules[1].matches[0]: received {pathPrefix /api/}, which Gateway API ranks before rules[0] (canary) {pathPrefix /, headers x-canary=true}; allowed: rules ordered as Gateway API ranks overlapping matches (exact path, then longest prefix, method, most headers), so that the VirtualService and the HTTPRoute route alike`);
  });

  test('gatewayApi: HTTPRoute size limits', () => {
    const f = fixture();
    const rules: RouteRule[] = Array.from({ length: 17 }, (_, i) => ({ name: `r${i}`, matches: [{ pathExact: `/p${i}` }] }));
    expectConfigError(() => gatewayApiRoute(f, { rules }),
      `${ROUTE}: rules: received 17 HTTPRoute rules, ${Array(17).fill(1).join(' + ')} matches, 1 hosts; allowed: at most 16 rules, 64 matches per rule, 128 matches in all and 16 hosts when an HTTPRoute is emitted (HTTPRoute limits)`);
  });
});

describe('ServiceRoute: value checks', () => {
  test('apiVersion: an IstioApiVersion', () => {
    const f = fixture();
    expectConfigError(() => route(f, { apiVersion: 'v2' as IstioApiVersion }),
      `${ROUTE}: apiVersion: received "v2"; allowed: one of v1, v1beta1`);
  });

  test('service: a Microservice', () => {
    const f = fixture();
    expectConfigError(() => route(f, { service: {} as Microservice }), `${ROUTE}: service: received {}; allowed: a Microservice`);
  });

  test('name: a DNS label short enough for the suffixes', () => {
    const f = fixture();
    expectConfigError(() => route(f, { name: 'Order' }),
      `${ROUTE}: name: received "Order"; allowed: a DNS label of at most 55 characters (suffixes are added)`);
  });

  test('versions: Microservices', () => {
    const f = fixture();
    expectConfigError(() => route(f, { versions: [{ workload: {} as Microservice }] }),
      `${ROUTE}: versions[0].workload: received {}; allowed: a Microservice`);
  });

  test('rules: at least one', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [] }),
      `${ROUTE}: rules: received []; allowed: at least one rule (leave rules unset for one catch-all rule)`);
  });

  test('rules: names are DNS labels', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'Bad_Name' }] }),
      `${ROUTE}: rules[0].name: received "Bad_Name"; allowed: a DNS label of at most 63 characters`);
  });

  test('destinations: at least one when given', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', destinations: [] }] }),
      `${ROUTE}: rules[0].destinations: received []; allowed: at least one destination (leave it unset for the route's versions)`);
  });

  test('matches: header values are not empty', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ headers: { 'x-tenant': '' } }] }] }),
      `${ROUTE}: rules[0].matches[0].headers.x-tenant: received ""; allowed: a non-empty value to match exactly`);
  });

  test('matches: HttpMethod values', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ methods: ['FETCH' as HttpMethod] }] }] }),
      `${ROUTE}: rules[0].matches[0].methods: received "FETCH"; allowed: HttpMethod values (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, CONNECT, TRACE)`);
  });

  test('matches: a regular expression is not empty', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ pathRegex: '' }] }] }),
      `${ROUTE}: rules[0].matches[0].pathRegex: received ""; allowed: a regular expression`);
  });

  test('retries: attempts an integer >= 0', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', retries: { attempts: -1 } }] }),
      `${ROUTE}: rules[0].retries.attempts: received -1; allowed: an integer >= 0 (0 disables retries)`);
  });

  test('retries: RetryOn values', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', retries: { attempts: 2, retryOn: ['sometimes' as RetryOn] } }] }),
      `${ROUTE}: rules[0].retries.retryOn: received "sometimes"; allowed: RetryOn values (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, envoy-ratelimited, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)`);
  });

  test('retries: retriable status codes are HTTP statuses', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', retries: { attempts: 2, retriableStatusCodes: [600] } }] }),
      `${ROUTE}: rules[0].retries.retriableStatusCodes: received 600; allowed: HTTP status codes from 100 to 599`);
  });

  test('fault: a delay, an abort or both', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', fault: {} }] }),
      `${ROUTE}: rules[0].fault: received {}; allowed: a delay, an abort or both`);
  });

  test('fault: a delay has a duration', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', fault: { delay: { percentage: 10 } as any } }] }),
      `${ROUTE}: rules[0].fault.delay.fixed: received nothing; allowed: a Duration`);
  });

  test('rewrite: a path', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', matches: [{ pathPrefix: '/api/' }], rewrite: { uri: 'v2/' } }] }),
      `${ROUTE}: rules[0].rewrite.uri: received "v2/"; allowed: a path starting with /`);
  });

  test('redirect: a path', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', redirect: { uri: 'new' } }] }),
      `${ROUTE}: rules[0].redirect.uri: received "new"; allowed: a path starting with /`);
  });

  test('redirect: a host name as authority', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', redirect: { authority: 'Shop.example.com:8443' } }] }),
      `${ROUTE}: rules[0].redirect.authority: received "Shop.example.com:8443"; allowed: a lower-case host name`);
  });

  test('mirror: the target\'s Service has the routed port or a single one', () => {
    const f = fixture();
    const shadow = workload(f.chart, 'order-shadow', { ports: [GRPC, { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP }] });
    expectConfigError(() => route(f, { rules: [{ name: 'a', mirror: { workload: shadow } }] }),
      `${ROUTE}: rules[0].mirror.workload: received "order-shadow" (ports: grpc, metrics); allowed: a workload whose Service has port "http" or a single port`);
  });

  test('cors: at least one origin', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', cors: { allowOrigins: [] } }] }),
      `${ROUTE}: rules[0].cors.allowOrigins: received []; allowed: at least one origin`);
  });

  test('cors: HttpMethod values', () => {
    const f = fixture();
    expectConfigError(() => route(f, { rules: [{ name: 'a', cors: { allowOrigins: ['*'], allowMethods: ['FETCH' as HttpMethod] } }] }),
      `${ROUTE}: rules[0].cors.allowMethods: received "FETCH"; allowed: HttpMethod values`);
  });

  test('gatewayApi: a version Service name of at most 63 characters', () => {
    const { chart } = setup();
    const order = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], version: `v${'1'.repeat(60)}` });
    const canary = workload(chart, 'order-canary', { app: 'order', version: '2.0.0' });
    const f = { chart, order, canary };
    expectConfigError(() => route(f, {
      gateways: [gatewayOf(chart, ['shop.example.com'], { gatewayApiName: 'public' })], gatewayApi: true, versions: CANARY(f),
    }), `${ROUTE}: versions: received "order-v${'1'.repeat(60)}"; allowed: a version Service name of at most 63 characters (workload name + subset): shorten the version label`);
  });

  test('gatewayApiParents: Gateway references', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gateways: [gatewayOf(f.chart)], gatewayApi: true, gatewayApiParents: [{ name: 'public', namespace: 'Edge' }] }),
      `${ROUTE}: gatewayApiParents[0]: received "Edge/public"; allowed: a Gateway name (DNS subdomain), its namespace (DNS label) and optionally a listener name`);
  });

  test('gatewayApiParents: from 1 to 32', () => {
    const f = fixture();
    expectConfigError(() => route(f, { gateways: [gatewayOf(f.chart)], gatewayApi: true, gatewayApiParents: [] }),
      `${ROUTE}: gatewayApiParents: received 0; allowed: from 1 to 32 parents`);
  });
});
