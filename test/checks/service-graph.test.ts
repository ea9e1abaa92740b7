import { Chart } from 'cdk8s';
import {
  DefaultDeny, HttpMethod, JetStreamStream, MeshGateway, Microservice, MicroserviceProps, NamespaceBaseline, NatsCluster, PortProtocol,
  ServiceAuthorization, ServiceRoute, Workload, ContainerImage, Cpu, StreamRetention, meshProxyConfigAnnotation,
} from '../../constructs';
import { Size } from 'cdk8s';
import { GUARANTEED, IMAGE, expectConfigError, setup, validationErrors } from '../workloads/helpers';

// The service graph (constructs/checks/graph.ts, enforcement.ts): calls declared once, the Istio
// rules derived from them, and the refusals of what no layer would let through.

const HTTP = { name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP };
const TCP = { name: 'tcp', port: 5432, protocol: PortProtocol.TCP };

function service(chart: Chart, name: string, props: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, { image: IMAGE, resources: GUARANTEED, ports: [HTTP, TCP], ...props });
}

/** Namespace `shop` in the mesh: order (and its canary), payment. */
function shop(options: { baseline?: boolean } = {}) {
  const f = setup();
  if (options.baseline ?? true) new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
  const order = service(f.chart, 'order');
  const canary = service(f.chart, 'order-canary', { app: 'order', version: '2.0.0' });
  const payment = service(f.chart, 'payment');
  return { ...f, order, canary, payment };
}

describe('calls: declared once, Istio rules derived', () => {
  test('a call gives the target\'s policy a rule with every version of the caller, its ports, paths and methods', () => {
    const f = shop();
    f.order.calls(f.payment, { ports: [8080], paths: ['/refunds', '/refunds/*'], methods: [HttpMethod.POST] });
    const authz = new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment });
    expect(validationErrors(f.chart)).toEqual([]);
    expect(authz.rules).toEqual([{
      caller: 'workload shop/order',
      principals: ['cluster.local/ns/shop/sa/order', 'cluster.local/ns/shop/sa/order-canary'],
      paths: ['/refunds', '/refunds/*'], methods: [HttpMethod.POST], ports: [8080],
    }]);
  });

  test('a call to the primary holds for its canary: the canary\'s policy has the rule too', () => {
    const f = shop();
    f.payment.calls(f.order, { ports: [8080] });
    const canaryAuthz = new ServiceAuthorization(f.chart, 'canary-authz', { target: f.canary });
    expect(canaryAuthz.rules.map((r) => r.principals)).toEqual([['cluster.local/ns/shop/sa/payment']]);
  });

  test('calls declared after the policy still land in it (rules are resolved at synth)', () => {
    const f = shop();
    const authz = new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment });
    f.order.calls(f.payment, { ports: [5432] });
    expect(authz.rules.map((r) => r.ports)).toEqual([[5432]]);
  });

  test('a workload outside the app calls by its attributes: its principal, its namespace', () => {
    const f = shop();
    const nack = Workload.fromAttributes(f.chart, 'nack', { name: 'nack', namespace: 'nats-system', serviceAccountName: 'jetstream-controller' });
    nack.calls(f.payment, { ports: [5432] });
    const authz = new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment });
    expect(validationErrors(f.chart)).toEqual([]);
    expect(authz.rules).toEqual([{ caller: 'workload nats-system/nack', principals: ['cluster.local/ns/nats-system/sa/jetstream-controller'], paths: undefined, methods: undefined, ports: [5432] }]);
  });

  test('a gateway-bound route gives the gateway a rule with the route\'s paths, methods and port', () => {
    const f = shop();
    const gateway = new MeshGateway(f.chart, 'gw', { name: 'public', hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' }, workloadNamespace: 'istio-ingress' });
    new ServiceRoute(f.chart, 'route', {
      service: f.order, gateways: [gateway], port: 'http',
      rules: [{ name: 'api', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.GET, HttpMethod.POST] }, { pathExact: '/health', methods: [HttpMethod.GET] }] }],
    });
    const authz = new ServiceAuthorization(f.chart, 'order-authz', { target: f.order });
    expect(authz.rules).toEqual([{
      caller: 'gateway shop/public', principals: [gateway.principal],
      paths: ['/api/orders*', '/health'], methods: [HttpMethod.GET, HttpMethod.POST], ports: [8080],
    }]);
  });
});

describe('calls: what each declaration accepts', () => {
  test('ports are container ports of the target', () => {
    const f = shop();
    expectConfigError(() => f.order.calls(f.payment, { ports: [80] }),
      '[test] c/order: calls(payment).ports[0]: received 80; allowed: a container port of payment: 8080 (http), 5432 (tcp) (80 is the Service port of http; policies match the container port 8080)');
  });

  test('paths and methods only toward HTTP ports', () => {
    const f = shop();
    expectConfigError(() => f.order.calls(f.payment, { ports: [5432], methods: [HttpMethod.GET] }),
      '[test] c/order: calls(payment).methods: received "HTTP attributes on port 5432 (tcp, tcp) of payment"; allowed: paths and methods only toward HTTP, HTTP2 or gRPC ports (the sidecar sees other ports as TCP, where HTTP attributes never match)');
  });

  test('a path in Istio\'s syntax', () => {
    const f = shop();
    expectConfigError(() => f.order.calls(f.payment, { paths: ['/a?b'] }),
      '[test] c/order: calls(payment).paths[0]: received "/a?b"; allowed: an exact path (/api/orders), a prefix (/api/*), a suffix (*.js) or *; no query string');
  });

  test('a workload as target', () => {
    const f = shop();
    expectConfigError(() => f.order.calls({ name: 'x' } as any),
      '[test] c/order: calls: received {"name":"x"}; allowed: a workload (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
  });

  test('a target that declares no ports needs the ports called', () => {
    const f = shop();
    const ext = Workload.fromAttributes(f.chart, 'ext', { name: 'billing', namespace: 'finance' });
    expectConfigError(() => f.order.calls(ext),
      '[test] c/order: calls(billing).ports: received nothing; allowed: the ports called: billing declares none');
  });
});

describe('refusals: what no layer would let through', () => {
  test('a caller outside the mesh calling a target the mesh protects', () => {
    const f = shop();
    const batch = service(f.chart, 'batch', { podLabels: { 'sidecar.istio.io/inject': 'false' } });
    batch.calls(f.payment, { ports: [8080] });
    new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/batch: calls(payment): received batch calls payment on port 8080 (declared at c/batch), from outside the mesh (its pods opt out of sidecar injection); allowed: a caller in the mesh: payment admits only callers whose sidecar carries their identity (ServiceAuthorization c/payment-authz), so this call would be refused',
    ]);
  });

  test('a call into a namespace under deny-all to a target without a ServiceAuthorization', () => {
    const f = shop();
    f.order.calls(f.payment, { ports: [8080] });
    new DefaultDeny(f.chart, 'deny', {});
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/order: calls(payment): received order calls payment on port 8080 (declared at c/order), under deny-all in namespace shop, without a ServiceAuthorization for payment; allowed: a ServiceAuthorization for payment (its rules come from the graph): deny-all refuses every call it does not allow',
    ]);
  });

  test('a target with declared callers that neither the network nor the mesh closes to the others', () => {
    const f = shop({ baseline: false });
    f.order.calls(f.payment, { ports: [8080] });
    // Without any baseline or policy the app enforces nothing: the graph only documents.
    expect(validationErrors(f.chart)).toEqual([]);
    // Once it enforces anything (here: another namespace's baseline), every target must be closed.
    new NamespaceBaseline(new Chart(f.app, 'other', { namespace: 'other' }), 'ns', {});
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/payment: callers: received payment, called by order (c/order), open to undeclared callers: no NamespaceBaseline denies by default in shop, and no ServiceAuthorization or deny-all covers it; allowed: a target closed to callers the graph does not declare: a NamespaceBaseline for its namespace, or a ServiceAuthorization (or DefaultDeny) in the mesh',
    ]);
  });

  test('a principal naming no ServiceAccount of a namespace the app manages', () => {
    const f = shop();
    new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment, callers: [{ principal: 'cluster.local/ns/shop/sa/ordr' }] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/payment-authz: callers[0].principal: received cluster.local/ns/shop/sa/ordr: no workload of namespace shop runs as ServiceAccount ordr; allowed: the ServiceAccount of a workload in shop, which this app manages (order, order-canary, payment); a typo here is a 403 at run time',
    ]);
  });

  test('two routes for the same host and request on one gateway', () => {
    const f = shop();
    const gateway = new MeshGateway(f.chart, 'gw', { name: 'public', hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' }, workloadNamespace: 'istio-ingress' });
    new ServiceRoute(f.chart, 'order-route', { service: f.order, gateways: [gateway], port: 'http', rules: [{ name: 'api', matches: [{ pathPrefix: '/api' }] }] });
    new ServiceRoute(f.chart, 'payment-route', { service: f.payment, gateways: [gateway], port: 'http', rules: [{ name: 'pay', matches: [{ pathPrefix: '/pay' }] }, { name: 'api', matches: [{ pathPrefix: '/api' }] }] });
    new ServiceAuthorization(f.chart, 'order-authz', { target: f.order });
    new ServiceAuthorization(f.chart, 'payment-authz', { target: f.payment });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/payment-route: rules[1].matches[0]: received prefix /api to "shop.example.com" on gateway shop/public, also routed by c/order-route; allowed: one route per host and request on a gateway: Istio merges the VirtualServices bound to a gateway host in no set order, so one of the two routes never receives these requests',
    ]);
  });

  test('a stream whose subjects overlap those of a stream defined elsewhere', () => {
    const f = setup();
    const nats = new NatsCluster(f.chart, 'nats', {
      replicas: 1, image: ContainerImage.of('nats', '2.9.10-alpine'), resources: { cpu: Cpu.cores(1), memory: Size.gibibytes(1) },
      jetStream: { fileStorage: Size.gibibytes(10) },
    });
    JetStreamStream.fromAttributes(f.chart, 'legacy', { cluster: nats, streamName: 'LEGACY', subjects: ['order.>'], replicas: 1, retention: StreamRetention.LIMITS });
    new JetStreamStream(f.chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['order.new'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/orders: subjects[0]: received "order.new" of stream ORDERS, which overlaps "order.>" of stream LEGACY (defined elsewhere, referenced at c/legacy); allowed: subjects that no other stream of account $G of cluster nats captures, including streams defined outside this app (nats-server refuses the new stream; NACK keeps retrying)',
    ]);
  });
});

describe('NATS clients in the mesh', () => {
  function withNats(podAnnotations?: { [k: string]: string }) {
    const f = setup();
    new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
    const nats = new NatsCluster(f.chart, 'nats', {
      replicas: 1, image: ContainerImage.of('nats', '2.9.10-alpine'), resources: { cpu: Cpu.cores(1), memory: Size.gibibytes(1) },
      jetStream: { fileStorage: Size.gibibytes(10) },
    });
    const order = service(f.chart, 'order', { podAnnotations });
    order.connectsToNats(nats, { user: 'order' });
    new ServiceAuthorization(f.chart, 'nats-authz', { target: nats.servers });
    return f;
  }

  test('a workload in the mesh that logs in to NATS starts after its sidecar', () => {
    expect(validationErrors(withNats().chart)).toEqual([
      '[test] c/order: podAnnotations["proxy.istio.io/config"]: received nothing; allowed: holdApplicationUntilProxyStarts: true, e.g. meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: true }): order logs in to NATS cluster nats through its sidecar, and a connection made before the sidecar is ready fails',
    ]);
    expect(validationErrors(withNats(meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: true })).chart)).toEqual([]);
  });
});
