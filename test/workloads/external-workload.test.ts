import { Size } from 'cdk8s';
import { ContainerImage, Cpu, HttpMethod, JetStreamStream, Microservice, NatsCluster, PortProtocol, Workload } from '../../constructs';
import { GUARANTEED, IMAGE, expectConfigError, setup } from './helpers';

// The service graph's declarations (constructs/workloads/external-workload.ts): a workload outside
// the app, calls, NATS logins and messaging; one test per rule with its full message.

function fixture() {
  const f = setup();
  const http = [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }];
  const a = new Microservice(f.chart, 'a', { image: IMAGE, resources: GUARANTEED, ports: http });
  const b = new Microservice(f.chart, 'b', { image: IMAGE, resources: GUARANTEED, ports: http });
  const nats = new NatsCluster(f.chart, 'nats', {
    replicas: 1, image: ContainerImage.of('nats', '2.9.10-alpine'), resources: { cpu: Cpu.cores(1), memory: Size.gibibytes(1) },
    jetStream: { fileStorage: Size.gibibytes(1) },
  });
  const orders = new JetStreamStream(f.chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['order.>'] });
  return { ...f, a, b, nats, orders };
}

describe('Workload.fromAttributes', () => {
  test.each([
    ['name', { name: 'Bad_Name', namespace: 'ops' }, '[test] c/x: name: received "Bad_Name"; allowed: a workload name (a DNS-1123 name)'],
    ['namespace', { name: 'ok', namespace: 'Ops' }, '[test] c/x: namespace: received "Ops"; allowed: a namespace name'],
    ['serviceAccountName', { name: 'ok', namespace: 'ops', serviceAccountName: 'default' },
      '[test] c/x: serviceAccountName: received "default"; allowed: a DNS-1123 name other than \'default\' (its mesh identity)'],
    ['podLabels', { name: 'ok', namespace: 'ops', podLabels: {} },
      '[test] c/x: podLabels: received {}; allowed: at least one label (an empty selector would pick every pod of the namespace)'],
  ])('%s', (_field, attributes, message) => {
    const f = setup();
    expectConfigError(() => Workload.fromAttributes(f.chart, 'x', attributes), message);
  });

  test('defaults: app and ServiceAccount from the name, pods selected by app, in the mesh', () => {
    const f = setup();
    const w = Workload.fromAttributes(f.chart, 'x', { name: 'reports', namespace: 'analytics' });
    expect([w.app, w.serviceAccountName, w.selectorLabels, w.sidecarOptOut, w.managed]).toEqual(['reports', 'reports', { app: 'reports' }, false, false]);
  });
});

describe('calls: lists', () => {
  test.each([
    ['ports', { ports: [] }, '[test] c/a: calls(b).ports: received []; allowed: at least one port, or no ports (every port)'],
    ['ports once', { ports: [8080, 8080] }, '[test] c/a: calls(b).ports[1]: received 8080; allowed: each port once'],
    ['paths', { paths: [] }, '[test] c/a: calls(b).paths: received []; allowed: at least one path, or no paths (any path)'],
    ['methods', { methods: [] }, '[test] c/a: calls(b).methods: received []; allowed: at least one method, or no methods (any method)'],
    ['a method', { methods: ['FETCH' as HttpMethod] },
      '[test] c/a: calls(b).methods[0]: received "FETCH"; allowed: one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, CONNECT, TRACE (HttpMethod)'],
  ])('%s', (_rule, options, message) => {
    const f = fixture();
    expectConfigError(() => f.a.calls(f.b, options), message);
  });
});

describe('NATS logins and messaging', () => {
  test('a login names a cluster and a user name', () => {
    const f = fixture();
    expectConfigError(() => f.a.connectsToNats({} as any, { user: 'a' }),
      '[test] c/a: connectsToNats.cluster: received {}; allowed: a NATS cluster (NatsCluster or NatsCluster.fromAttributes)');
    expectConfigError(() => f.a.connectsToNats(f.nats, { user: 'a b' }),
      '[test] c/a: connectsToNats.user: received "a b"; allowed: the name of one of the cluster\'s users (letters, digits, "_" and "-")');
  });

  test('one login per cluster', () => {
    const f = fixture();
    f.b.connectsToNats(f.nats, { user: 'b' });
    expectConfigError(() => f.b.connectsToNats(f.nats, { user: 'c' }),
      '[test] c/b: connectsToNats.user: received "c"; allowed: one login per cluster (it already logs in to nats as b)');
  });

  test.each([
    ['publishes: at least one subject', (f: ReturnType<typeof fixture>) => f.a.publishes([]),
      '[test] c/a: publishes: received []; allowed: at least one subject, such as order.new'],
    ['publishes: valid subjects', (f: ReturnType<typeof fixture>) => f.a.publishes(['order..new']),
      '[test] c/a: publishes[0]: received "order..new"; allowed: dot-separated tokens, none empty'],
    ['publishesTo: a stream', (f: ReturnType<typeof fixture>) => f.a.publishesTo({} as any),
      '[test] c/a: publishesTo: received {}; allowed: a JetStream stream (JetStreamStream or JetStreamStream.fromAttributes)'],
    ['publishesTo: subjects of the stream', (f: ReturnType<typeof fixture>) => f.a.publishesTo(f.orders, ['payment.new']),
      '[test] c/a: publishesTo[0]: received "payment.new"; allowed: a subject within the subjects of stream ORDERS ("order.>")'],
    ['consumes: a durable consumer', (f: ReturnType<typeof fixture>) => f.a.consumes({} as any),
      '[test] c/a: consumes: received {}; allowed: a durable consumer (JetStreamConsumer)'],
    ['uses: a bucket', (f: ReturnType<typeof fixture>) => f.a.uses({} as any),
      '[test] c/a: uses: received {}; allowed: a key-value or object store (KeyValueStore, ObjectStore)'],
  ])('%s', (_rule, declare, message) => {
    const f = fixture();
    expectConfigError(() => declare(f), message);
  });
});
