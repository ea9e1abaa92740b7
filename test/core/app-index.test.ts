import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AppIndex, IAppCheck, IndexKey } from '../../constructs/core/app-index';
import {
  ContainerImage, Cpu, JetStreamStream, MeshTls, Microservice, MtlsMode, NatsCluster, PortProtocol, Resources, markEnvironment,
} from '../../constructs';
import { Size } from 'cdk8s';

// The app-scoped index (constructs/core/app-index.ts): records made at construction, checks that
// run once per app and synth, and problems collected from every construct into one report.

interface Thing { readonly owner: Construct; readonly value: string }

/** A key whose check counts its runs and reports each `bad` value on its owner. */
function countingKey() {
  const runs = { count: 0 };
  const check: IAppCheck = {
    name: 'counting',
    run(index, report) {
      runs.count++;
      for (const t of index.list(key)) {
        if (t.value === 'bad') report.add(t.owner, 'value', JSON.stringify(t.value), 'anything but "bad"');
      }
    },
  };
  const key = new IndexKey<Thing>('things', [check]);
  return { key, runs };
}

function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('AppIndex', () => {
  test('one index per app, shared by every construct of the tree', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    expect(AppIndex.of(new Construct(a, 'x'))).toBe(AppIndex.of(b));
    expect(AppIndex.of(a)).not.toBe(AppIndex.of(Testing.app()));
  });

  test('records keep the order they were added in; group and find look them up by a field', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const { key } = countingKey();
    const index = AppIndex.of(chart);
    const byValue = (t: Thing) => t.value;
    for (const v of ['x', 'y', 'x']) index.add(key, { owner: chart, value: v });
    expect(index.list(key).map((t) => t.value)).toEqual(['x', 'y', 'x']);
    expect(index.find(key, byValue, 'x')).toHaveLength(2);
    expect(index.find(key, byValue, 'z')).toEqual([]);
    index.add(key, { owner: chart, value: 'z' });
    expect(index.find(key, byValue, 'z')).toHaveLength(1); // groups are rebuilt after a change
  });

  test('a check runs once per synth, however many charts validate the app', () => {
    const app = Testing.app();
    const charts = ['one', 'two', 'three'].map((id) => new Chart(app, id));
    const { key, runs } = countingKey();
    charts.forEach((c) => AppIndex.of(c).add(key, { owner: c, value: 'good' }, c));
    app.synth();
    expect(runs.count).toBe(1);
    // Each chart.toJson() validates the whole app again (cdk8s): still one run while nothing changes.
    charts.forEach((c) => c.toJson());
    expect(runs.count).toBe(1);
  });

  test('a later synth runs the checks again and sees what changed in between', async () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const { key, runs } = countingKey();
    const index = AppIndex.of(chart);
    const owner = new Construct(chart, 'owner');
    const thing = { owner, value: 'good' };
    index.add(key, thing, owner);
    app.synth();
    expect(runs.count).toBe(1);
    await Promise.resolve();
    // Changed without telling the index: the next synth still sees it.
    thing.value = 'bad';
    expect(validationMessage(() => app.synth())).toContain('[c/owner] c/owner: value: received "bad"; allowed: anything but "bad"');
    expect(runs.count).toBe(2);
  });

  test('problems on a construct without a hook of its own are shown on the root', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const { key } = countingKey();
    const stray = new Construct(chart, 'stray');
    AppIndex.of(chart).add(key, { owner: stray, value: 'bad' });
    expect(validationMessage(() => app.synth())).toContain('c/stray: value: received "bad"');
  });
});

describe('problems are collected across the app', () => {
  const IMAGE = ContainerImage.of('ghcr.io/acme/web', '1.0.0');
  const RES = Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(128) });

  test('three mistakes in three constructs of two charts: one synth reports all three, each with environment, path, field, value and allowed', () => {
    const app = new App({ outdir: Testing.app().outdir });
    markEnvironment(app, 'qa');
    const messaging = new Chart(app, 'messaging', { namespace: 'shop' });
    const mesh = new Chart(app, 'mesh', { namespace: 'shop' });
    new Microservice(mesh, 'web', { image: IMAGE, resources: RES, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }] });
    const nats = new NatsCluster(messaging, 'nats', {
      replicas: 1, image: ContainerImage.of('nats', '2.9.10-alpine'),
      resources: { cpu: Cpu.cores(1), memory: Size.gibibytes(1) },
      jetStream: { fileStorage: Size.gibibytes(10) },
    });
    new JetStreamStream(messaging, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['order.>'] });
    new JetStreamStream(messaging, 'orders-again', { cluster: nats, name: 'ORDERS2', subjects: ['order.new'] });
    new MeshTls(mesh, 'mtls', { mode: MtlsMode.STRICT });
    new MeshTls(mesh, 'mtls-again', { mode: MtlsMode.PERMISSIVE });
    new JetStreamStream(messaging, 'audit', { cluster: nats, name: 'AUDIT', subjects: ['audit.>'] });
    new JetStreamStream(messaging, 'audit-twin', { cluster: nats, name: 'AUDIT', subjects: ['audit2.>'] });

    const message = validationMessage(() => app.synth());
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual([
      expect.stringContaining('[qa] messaging/orders-again: subjects[0]: received "order.new" of stream ORDERS2, which overlaps "order.>" of stream ORDERS (messaging/orders); allowed: subjects that no other stream of account $G of cluster nats captures'),
      expect.stringContaining('[qa] messaging/audit-twin: name: received "AUDIT"; allowed: a stream name not yet used in account $G of cluster nats'),
      expect.stringContaining('[qa] mesh/mtls-again: namespace: received a second policy for namespace shop (mesh/mtls already writes its PeerAuthentication default); allowed: one MeshTls per namespace'),
    ]);
  });
});
