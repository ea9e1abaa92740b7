import { Chart } from 'cdk8s';
import {
  HttpMethod, JetStreamConsumer, JetStreamStream, KeyValueStore, MeshGateway, Microservice, MicroserviceProps, NamespaceBaseline,
  NatsCluster, ObjectStore, PortProtocol, ServiceRoute, Workload, architectureDiagram, declareGatewayExposure,
} from '../../constructs';
import { GUARANTEED, IMAGE, setup } from '../workloads/helpers';

// architectureDiagram (constructs/platform/architecture-diagram.ts): a Markdown document with a
// Mermaid flowchart drawn from the service graph in the app's index.

const HTTP = { name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP };

function service(chart: Chart, name: string, props: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, { image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props });
}

/**
 * Namespace shop in the mesh: user, order (and its canary), payment; a gateway routing to order;
 * a NATS cluster with stream ORDERS, consumer shipping and bucket sessions; a caller in another
 * namespace, outside the app.
 */
function shop() {
  const f = setup();
  new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
  const user = service(f.chart, 'user');
  const order = service(f.chart, 'order');
  service(f.chart, 'order-canary', { app: 'order', version: '2.0.0' });
  const payment = service(f.chart, 'payment');
  const gateway = new MeshGateway(f.chart, 'gw', {
    name: 'public', hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' }, workloadNamespace: 'istio-ingress',
  });
  new ServiceRoute(f.chart, 'route', {
    service: order, gateways: [gateway], port: 'http',
    rules: [{ name: 'api', matches: [{ pathPrefix: '/api/orders', methods: [HttpMethod.GET, HttpMethod.POST] }] }],
  });
  const nats = new NatsCluster(f.chart, 'nats', { replicas: 3, routeAuth: { secretName: 'nats-routes' } });
  const stream = new JetStreamStream(f.chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['order.>'] });
  const consumer = new JetStreamConsumer(f.chart, 'shipping', { stream, durableName: 'shipping', filterSubjects: ['order.paid'] });
  const sessions = new KeyValueStore(f.chart, 'sessions', { cluster: nats, bucket: 'sessions' });

  order.calls(payment, { ports: [8080], paths: ['/refunds'], methods: [HttpMethod.POST] });
  user.calls(order, { ports: [8080] });
  for (const [w, login] of [[user, 'user'], [order, 'order'], [payment, 'payment']] as const) w.connectsToNats(nats, { user: login });
  order.publishesTo(stream, ['order.new', 'order.paid']);
  order.subscribes(['inventory.check']);
  user.publishes(['inventory.check']);
  user.uses(sessions);
  payment.consumes(consumer);

  const reporting = Workload.fromAttributes(f.chart, 'reporting', { name: 'reporting', namespace: 'analytics' });
  reporting.calls(order, { ports: [8080], methods: [HttpMethod.GET], paths: ['/api/orders/*'] });
  return { ...f, user, order, payment, nats, stream };
}

/** The lines of the Mermaid block. */
function mermaid(doc: string): string[] {
  const m = /```mermaid\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error(`no mermaid block in:\n${doc}`);
  return m[1].split('\n').map((l) => l.trim()).filter((l) => l.length);
}

describe('architectureDiagram', () => {
  test('nodes: the gateway, applications with their versions, the workload outside the app, NATS and JetStream', () => {
    const lines = mermaid(architectureDiagram(shop().chart));
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toEqual(expect.arrayContaining([
      'subgraph ns_istio_ingress["namespace istio-ingress"]',
      'gw_shop_public(["gateway shop/public<br/>shop.example.com"])',
      'subgraph ns_shop["namespace shop"]',
      'app_shop_order["order<br/>order, order-canary"]',
      'app_shop_payment["payment"]',
      'app_shop_user["user"]',
      'subgraph ns_analytics["namespace analytics"]',
      'ext_analytics_reporting{{"reporting<br/>outside the app"}}',
      'subgraph nats_jetstream["NATS / JetStream"]',
      'nats_nats[["NATS nats (shop)"]]',
      'stream_ORDERS[("stream ORDERS<br/>order.#gt;")]',
      'consumer_ORDERS_shipping>"consumer shipping"]',
      'kv_sessions[("KV sessions")]',
      'class ext_analytics_reporting external',
    ]));
    // The NATS servers are drawn as the cluster, not as an application of namespace shop.
    expect(lines.filter((l) => l.startsWith('app_shop_nats'))).toEqual([]);
  });

  // The traffic between the NATS servers (cluster routes, when the cluster declares it) is not drawn.
  test('edges: calls, the gateway route, NATS logins and messaging, as declared', () => {
    const lines = mermaid(architectureDiagram(shop().chart));
    const edges = lines.filter((l) => /-->|-\.->/.test(l));
    expect(edges).toEqual([
      'app_shop_order -->|"8080 POST /refunds"| app_shop_payment',
      'app_shop_order -.->|"connects as order"| nats_nats',
      'app_shop_order -->|"publishes order.new, order.paid"| stream_ORDERS',
      'app_shop_payment -.->|"connects as payment"| nats_nats',
      'app_shop_user -->|"8080"| app_shop_order',
      'app_shop_user -->|"uses"| kv_sessions',
      'app_shop_user -->|"publishes inventory.check"| nats_nats',
      'app_shop_user -.->|"connects as user"| nats_nats',
      'consumer_ORDERS_shipping -->|"consumes"| app_shop_payment',
      'ext_analytics_reporting -->|"8080 GET /api/orders/*"| app_shop_order',
      'gw_shop_public -->|"shop.example.com GET,POST /api/orders*"| app_shop_order',
      'nats_nats -->|"subscribes inventory.check"| app_shop_order',
      'stream_ORDERS -->|"order.paid"| consumer_ORDERS_shipping',
    ]);
  });

  test('deterministic: two builds give the same text, whatever the order of the declarations', () => {
    expect(architectureDiagram(shop().chart)).toBe(architectureDiagram(shop().chart));

    const build = (reversed: boolean) => {
      const f = setup();
      const names = ['alpha', 'beta', 'gamma'];
      const ws = (reversed ? [...names].reverse() : names).map((n) => service(f.chart, n));
      const byName = (n: string) => ws.find((w) => w.name === n)!;
      const calls: Array<[string, string]> = [['alpha', 'beta'], ['beta', 'gamma'], ['alpha', 'gamma']];
      for (const [a, b] of reversed ? [...calls].reverse() : calls) byName(a).calls(byName(b), { ports: [8080] });
      return architectureDiagram(f.chart);
    };
    expect(build(true)).toBe(build(false));
  });

  test('labels are escaped for Mermaid: quotes, <, >, |, # and & as entity codes', () => {
    const f = setup();
    const w = service(f.chart, 'audit');
    w.publishes(['audit."q"|x.#h.<t&u.>']);
    const lines = mermaid(architectureDiagram(f.chart));
    expect(lines).toContain('app_shop_audit -->|"publishes audit.#quot;q#quot;#124;x.#35;h.#lt;t#amp;u.#gt;"| nats_unconnected');
    // No raw special character is left inside a label.
    for (const l of lines) {
      for (const label of l.match(/"[^"]*"/g) ?? []) expect(label.slice(1, -1).replace(/<br\/>/g, ' ')).not.toMatch(/[<>|"]|#(?![a-z0-9]+;)/);
    }
  });

  test('an app with no graph: its nodes and no edges', () => {
    const f = setup();
    service(f.chart, 'web');
    const other = new Chart(f.app, 'other', { namespace: 'billing' });
    service(other, 'invoice');
    expect(mermaid(architectureDiagram(f.chart))).toEqual([
      'flowchart LR',
      'subgraph ns_billing["namespace billing"]',
      'app_billing_invoice["invoice"]',
      'end',
      'subgraph ns_shop["namespace shop"]',
      'app_shop_web["web"]',
      'end',
    ]);
    expect(mermaid(architectureDiagram(setup().chart))).toEqual(['flowchart LR']);
  });

  test('core NATS subjects of an application that logs in nowhere go to a "no connectsToNats" node', () => {
    const f = setup();
    const w = service(f.chart, 'web');
    w.subscribes(['inventory.check']);
    expect(mermaid(architectureDiagram(f.chart)).slice(-3)).toEqual([
      'nats_unconnected[["NATS<br/>no connectsToNats"]]',
      'end',
      'nats_unconnected -->|"subscribes inventory.check"| app_shop_web',
    ]);
  });

  test('ids are sanitized names, made unique in a stable order', () => {
    const f = setup('a-b');
    service(f.chart, 'c');
    service(new Chart(f.app, 'other', { namespace: 'a' }), 'b-c');
    const nodes = mermaid(architectureDiagram(f.chart)).filter((l) => l.startsWith('app_'));
    // Namespace a-b and app c sort before namespace a and app b-c ('-' before '/'): theirs is the plain id.
    expect(nodes).toEqual(['app_a_b_c_2["b-c"]', 'app_a_b_c["c"]']);
  });

  test('several clusters: stores and streams name theirs; an object store; a route without hosts or matches', () => {
    const f = setup();
    const east = new NatsCluster(f.chart, 'east', { replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    const west = new NatsCluster(f.chart, 'west', { replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    const files = new ObjectStore(f.chart, 'files', { cluster: west, bucket: 'files' });
    new JetStreamStream(f.chart, 'audit', { cluster: east, name: 'AUDIT', subjects: ['audit.>'] });
    const web = service(f.chart, 'web');
    web.uses(files);
    const gateway = MeshGateway.fromAttributes(f.chart, 'gw', { gatewayName: 'edge', gatewayNamespace: 'istio-ingress', hosts: ['*.example.com'] });
    declareGatewayExposure(f.chart, { workloads: [web], gateways: [gateway] });
    const lines = mermaid(architectureDiagram(f.chart));
    expect(lines).toEqual(expect.arrayContaining([
      'obj_files[("object store files<br/>on west")]',
      'stream_AUDIT[("stream AUDIT<br/>audit.#gt;<br/>on east")]',
      'nats_east[["NATS east (shop)"]]',
      'nats_west[["NATS west (shop)"]]',
      'gw_istio_ingress_edge(["gateway istio-ingress/edge<br/>*.example.com"])',
      'app_shop_web -->|"uses"| obj_files',
      'gw_istio_ingress_edge -->|"route"| app_shop_web',
    ]));
  });

  test('options: title and legend', () => {
    const doc = architectureDiagram(setup().chart, { title: 'Shop platform', legend: false });
    expect(doc).toBe('# Shop platform\n\n```mermaid\nflowchart LR\n```\n');
  });

  test('the whole document', () => {
    expect(architectureDiagram(shop().chart)).toMatchInlineSnapshot(`
"# Architecture

Generated from the service graph the app declares (calls, gateway routes, NATS logins and messaging); only declared edges are drawn.

- Nodes: ingress gateway (stadium), application with its versions (rectangle), workload outside the app (hexagon, dashed), NATS cluster (double-sided box), JetStream stream, key-value or object store (cylinder), durable consumer (flag).
- Edges follow requests and messages: calls (port, methods, paths), gateway routes (hosts, methods, paths), \`publishes\` and \`subscribes\` subjects, stream to consumer to consuming workload, \`uses\` of a bucket; dotted: NATS login.

\`\`\`mermaid
flowchart LR
  subgraph ns_analytics["namespace analytics"]
    ext_analytics_reporting{{"reporting<br/>outside the app"}}
  end
  subgraph ns_istio_ingress["namespace istio-ingress"]
    gw_shop_public(["gateway shop/public<br/>shop.example.com"])
  end
  subgraph ns_shop["namespace shop"]
    app_shop_order["order<br/>order, order-canary"]
    app_shop_payment["payment"]
    app_shop_user["user"]
  end
  subgraph nats_jetstream["NATS / JetStream"]
    consumer_ORDERS_shipping>"consumer shipping"]
    kv_sessions[("KV sessions")]
    nats_nats[["NATS nats (shop)"]]
    stream_ORDERS[("stream ORDERS<br/>order.#gt;")]
  end
  app_shop_order -->|"8080 POST /refunds"| app_shop_payment
  app_shop_order -.->|"connects as order"| nats_nats
  app_shop_order -->|"publishes order.new, order.paid"| stream_ORDERS
  app_shop_payment -.->|"connects as payment"| nats_nats
  app_shop_user -->|"8080"| app_shop_order
  app_shop_user -->|"uses"| kv_sessions
  app_shop_user -->|"publishes inventory.check"| nats_nats
  app_shop_user -.->|"connects as user"| nats_nats
  consumer_ORDERS_shipping -->|"consumes"| app_shop_payment
  ext_analytics_reporting -->|"8080 GET /api/orders/*"| app_shop_order
  gw_shop_public -->|"shop.example.com GET,POST /api/orders*"| app_shop_order
  nats_nats -->|"subscribes inventory.check"| app_shop_order
  stream_ORDERS -->|"order.paid"| consumer_ORDERS_shipping
  classDef external stroke-dasharray: 5 5
  class ext_analytics_reporting external
\`\`\`
"
`);
  });
});
