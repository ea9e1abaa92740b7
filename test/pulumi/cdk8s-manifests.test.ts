// The component on small apps of its own: ordering (namespaces, CRDs, cdk8s dependencies), the
// provider options, names, errors. Pulumi's mocks stand in for the engine.
import { mark, registeredSince, Registration } from './support/mocks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { Cdk8sManifests, planManifests } from '../../constructs/pulumi';
import {
  JetStreamConsumer, JetStreamStream, KeyValueStore, markEnvironment, NackAccount, NatsCluster, ObjectStore,
} from '../../constructs';

async function deploy(name: string, args: ConstructorParameters<typeof Cdk8sManifests>[1], opts?: pulumi.ComponentResourceOptions) {
  const since = mark();
  const component = new Cdk8sManifests(name, args, opts);
  const all = await registeredSince(since, [component, ...component.objects.map((o) => o.resource)]);
  const byName = (n: string): Registration => {
    const r = all.find((x) => x.name === n);
    if (!r) throw new Error(`no resource ${n}; registered: ${all.map((x) => x.name).join(', ')}`);
    return r;
  };
  return { component, all, byName };
}

const configMap = (scope: Chart, id: string, name: string, namespace?: string) => new ApiObject(scope, id, {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data: { key: id },
});

/** A chart whose objects are declared in the worst order: custom resource, then its CRD, then the namespace. */
function crdApp(): { app: App; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'widgets', { namespace: 'factory' });
  new ApiObject(chart, 'widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gear' }, spec: { teeth: 12 } } as any);
  new ApiObject(chart, 'crd', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [] },
  } as any);
  configMap(chart, 'settings', 'settings');
  new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'factory' } });
  return { app, chart };
}

describe('ordering', () => {
  test('namespaces first, then CRDs, then the rest; custom resources wait for their CRD', async () => {
    const { app } = crdApp();
    const plan = planManifests({ app, resourcePrefix: 'w' });
    expect(plan.map((o) => o.resourceName)).toEqual([
      'w:Namespace/factory',
      'w:CustomResourceDefinition/widgets.example.com',
      'w:factory/Widget/gear',
      'w:factory/ConfigMap/settings',
    ]);
    expect(plan.map((o) => o.dependsOn)).toEqual([
      [], [], ['w:CustomResourceDefinition/widgets.example.com', 'w:Namespace/factory'], ['w:Namespace/factory'],
    ]);
    // The CRD's metadata carries the chart's namespace: it is cluster-scoped all the same, and named so.
    expect(plan[1].namespace).toBe('factory');

    const { byName, component } = await deploy('w', { app });
    const ns = byName('w:Namespace/factory');
    const crd = byName('w:CustomResourceDefinition/widgets.example.com');
    const widget = byName('w:factory/Widget/gear');
    expect(crd.type).toBe('kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition');
    expect(widget.type).toBe('kubernetes:example.com/v1:Widget');
    expect(widget.inputs).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gear', namespace: 'factory' }, spec: { teeth: 12 } });
    expect([...widget.dependencies].sort()).toEqual([crd.urn, ns.urn].sort());
    expect(component.objects.map((o) => [o.kind, o.customResource])).toEqual([
      ['Namespace', false], ['CustomResourceDefinition', false], ['Widget', true], ['ConfigMap', false],
    ]);
  });

  test('cdk8s dependencies between API objects and between charts become dependsOn', async () => {
    const app = Testing.app();
    const first = new Chart(app, 'first');
    const second = new Chart(app, 'second');
    const later = configMap(first, 'later', 'later', 'ns-a');
    const earlier = configMap(first, 'earlier', 'earlier', 'ns-a');
    later.node.addDependency(earlier);
    configMap(second, 'other', 'other', 'ns-b');
    first.addDependency(second);

    const plan = planManifests({ app, resourcePrefix: 'd' });
    // Synth order puts `second` first (first depends on it); `earlier` precedes `later`.
    expect(plan.map((o) => o.resourceName)).toEqual(['d:ns-b/ConfigMap/other', 'd:ns-a/ConfigMap/earlier', 'd:ns-a/ConfigMap/later']);
    expect(plan.map((o) => o.dependsOn)).toEqual([
      [], ['d:ns-b/ConfigMap/other'], ['d:ns-b/ConfigMap/other', 'd:ns-a/ConfigMap/earlier'],
    ]);

    const { byName } = await deploy('d', { app });
    expect([...byName('d:ns-a/ConfigMap/later').dependencies].sort())
      .toEqual([byName('d:ns-a/ConfigMap/earlier').urn, byName('d:ns-b/ConfigMap/other').urn].sort());
  });

  test('a dependency cycle is refused, naming the objects', () => {
    const app = Testing.app();
    markEnvironment(app, 'qa');
    const chart = new Chart(app, 'loop', { namespace: 'x' });
    const ns = new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    const cm = configMap(chart, 'a', 'a');
    configMap(chart, 'b', 'b');
    // The namespace waits for an object in it, which waits for the namespace.
    ns.node.addDependency(cm);
    expect(() => planManifests({ app, resourcePrefix: 'c' })).toThrow(
      '[qa] app: dependencies: received a cycle: ConfigMap x/a waits for Namespace x waits for ConfigMap x/a; allowed: dependencies without cycles');
  });
});

describe('NACK objects wait for the objects they name', () => {
  const nackObject = (scope: Chart, id: string, kind: string, name: string, spec: object) => new ApiObject(scope, id, {
    apiVersion: 'jetstream.nats.io/v1beta2', kind, metadata: { name }, spec,
  } as any);

  /** NACK objects declared in the worst order: each before what it names. */
  function nackApp(): App {
    const app = Testing.app();
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    nackObject(shop, 'reserve', 'Consumer', 'orders-reserve', { streamName: 'ORDERS', durableName: 'reserve', account: 'nack' });
    nackObject(shop, 'audit', 'Consumer', 'audit-tail', { streamName: 'AUDIT', durableName: 'tail' });
    nackObject(shop, 'carts-watch', 'Consumer', 'carts-watch', { streamName: 'KV_carts', durableName: 'watch' });
    nackObject(shop, 'orders', 'Stream', 'orders', { name: 'ORDERS', subjects: ['orders.>'], account: 'nack' });
    nackObject(shop, 'carts', 'KeyValue', 'carts', { bucket: 'carts', account: 'nack' });
    nackObject(shop, 'images', 'ObjectStore', 'images', { bucket: 'images', account: 'elsewhere' });
    nackObject(shop, 'nack', 'Account', 'nack', { servers: ['nats://nats.shop:4222'] });
    // Same names in another namespace: not what the objects in `shop` name, nor the other way round.
    const other = new Chart(app, 'other', { namespace: 'other' });
    nackObject(other, 'reserve', 'Consumer', 'orders-reserve', { streamName: 'ORDERS', durableName: 'reserve', account: 'nack' });
    return app;
  }

  test('a Consumer waits for its stream and Account; Streams and buckets for their Account', () => {
    expect(planManifests({ app: nackApp(), resourcePrefix: 'n' }).map((o) => [o.resourceName, o.dependsOn])).toEqual([
      ['n:shop/Consumer/audit-tail', []],
      ['n:shop/ObjectStore/images', []],
      ['n:shop/Account/nack', []],
      ['n:shop/Stream/orders', ['n:shop/Account/nack']],
      ['n:shop/Consumer/orders-reserve', ['n:shop/Stream/orders', 'n:shop/Account/nack']],
      ['n:shop/KeyValue/carts', ['n:shop/Account/nack']],
      ['n:shop/Consumer/carts-watch', ['n:shop/KeyValue/carts']],
      ['n:other/Consumer/orders-reserve', []],
    ]);
  });

  test('through the component: dependsOn holds the resources of the Stream and the Account', async () => {
    const { byName } = await deploy('nack', { app: nackApp() });
    const stream = byName('nack:shop/Stream/orders');
    const account = byName('nack:shop/Account/nack');
    expect([...byName('nack:shop/Consumer/orders-reserve').dependencies].sort()).toEqual([stream.urn, account.urn].sort());
    expect(stream.dependencies).toEqual([account.urn]);
    expect(byName('nack:shop/Consumer/carts-watch').dependencies).toEqual([byName('nack:shop/KeyValue/carts').urn]);
    // A stream, or an Account, created elsewhere: nothing to wait for, and no error.
    expect(byName('nack:shop/Consumer/audit-tail').dependencies).toEqual([]);
    expect(byName('nack:shop/ObjectStore/images').dependencies).toEqual([]);
    expect(byName('nack:other/Consumer/orders-reserve').dependencies).toEqual([]);
  });

  test('streams of one name in other accounts of the namespace: a Consumer waits for each', () => {
    const app = Testing.app();
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    nackObject(shop, 'reserve', 'Consumer', 'orders-reserve', { streamName: 'ORDERS', durableName: 'reserve' });
    nackObject(shop, 'orders-a', 'Stream', 'orders-a', { name: 'ORDERS', subjects: ['orders.>'], account: 'a' });
    nackObject(shop, 'orders-b', 'Stream', 'orders-b', { name: 'ORDERS', subjects: ['orders.>'], account: 'b' });
    const plan = planManifests({ app, resourcePrefix: 's' });
    expect(plan.map((o) => o.resourceName)).toEqual(['s:shop/Stream/orders-a', 's:shop/Stream/orders-b', 's:shop/Consumer/orders-reserve']);
    expect(plan[2].dependsOn).toEqual(['s:shop/Stream/orders-a', 's:shop/Stream/orders-b']);
  });

  test('the fields the library writes: NackAccount, JetStreamStream, JetStreamConsumer, KeyValueStore, ObjectStore', async () => {
    const app = Testing.app();
    const chart = new Chart(app, 'messaging', { namespace: 'shop' });
    const nats = NatsCluster.fromAttributes(chart, 'nats', { clusterName: 'nats', clientUrl: 'nats://nats.shop:4222', jetStreamServers: 3 });
    new NackAccount(chart, 'account', { cluster: nats, name: 'nack', user: { secretName: 'nats-users', userKey: 'nack-user', passwordKey: 'nack' } });
    const orders = new JetStreamStream(chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['orders.>'], nackAccount: 'nack' });
    new JetStreamConsumer(chart, 'reserve', { stream: orders, durableName: 'reserve' });
    new KeyValueStore(chart, 'carts', { cluster: nats, bucket: 'carts', nackAccount: 'nack' });
    new ObjectStore(chart, 'images', { cluster: nats, bucket: 'images', nackAccount: 'nack' });
    const audit = JetStreamStream.fromAttributes(chart, 'audit', { cluster: nats, streamName: 'AUDIT', subjects: ['audit.>'], replicas: 3 });
    new JetStreamConsumer(chart, 'tail', { stream: audit, durableName: 'tail' });

    const { byName, component } = await deploy('lib', { app });
    const urnOf = (kind: string, name: string) => byName(component.objects.find((o) => o.kind === kind && o.name === name)!.resourceName).urn;
    const dependenciesOf = (kind: string, name: string) => {
      const o = component.objects.find((x) => x.kind === kind && x.name === name)!;
      return [...byName(o.resourceName).dependencies].sort();
    };
    const account = urnOf('Account', 'nack');
    expect(dependenciesOf('Stream', 'orders')).toEqual([account]);
    expect(dependenciesOf('Consumer', 'orders-reserve')).toEqual([urnOf('Stream', 'orders'), account].sort());
    expect(dependenciesOf('KeyValue', 'carts')).toEqual([account]);
    expect(dependenciesOf('ObjectStore', 'images')).toEqual([account]);
    expect(dependenciesOf('Consumer', 'audit-tail')).toEqual([]);
  });
});

describe('provider', () => {
  test('kubeconfig, context and namespace make a provider that every object uses', async () => {
    const { app } = crdApp();
    const { all, component } = await deploy('p', { app, kubeconfig: '/etc/kube/config', context: 'prod-eu', namespace: 'fallback' });
    const provider = all.find((r) => r.type === 'pulumi:providers:kubernetes')!;
    expect(provider.name).toBe('p-provider');
    expect(provider.inputs).toMatchObject({ kubeconfig: '/etc/kube/config', context: 'prod-eu', namespace: 'fallback' });
    expect(component.provider).toBeInstanceOf(k8s.Provider);
    const objects = all.filter((r) => r.type.startsWith('kubernetes:'));
    expect(objects).toHaveLength(4);
    for (const r of objects) expect(r.provider).toBe(`${provider.urn}::p-provider-id`);
  });

  test('an existing provider is used as given; no provider option leaves the inherited one', async () => {
    const shared = new k8s.Provider('shared', { context: 'kind' });
    const withShared = await deploy('e', { app: crdApp().app, provider: shared });
    expect(withShared.all.some((r) => r.name === 'e-provider')).toBe(false);
    const sharedUrn = await new Promise<string>((resolve) => shared.urn.apply(resolve));
    for (const r of withShared.all.filter((x) => x.type.startsWith('kubernetes:'))) expect(r.provider).toBe(`${sharedUrn}::shared-id`);

    const inherited = await deploy('i', { app: crdApp().app }, { providers: { kubernetes: shared } });
    for (const r of inherited.all.filter((x) => x.type.startsWith('kubernetes:'))) expect(r.provider).toBe(`${sharedUrn}::shared-id`);
    const none = await deploy('n', { app: crdApp().app });
    expect(none.component.provider).toBeUndefined();
    expect(none.all.filter((x) => x.type.startsWith('kubernetes:')).every((r) => r.provider === undefined)).toBe(true);
  });

  test('a provider and provider settings together are refused', () => {
    const shared = new k8s.Provider('shared-2', {});
    expect(() => new Cdk8sManifests('x', { app: crdApp().app, provider: shared, context: 'kind' }))
      .toThrow('Cdk8sManifests x: received both provider and kubeconfig/context/namespace; allowed: one of them');
  });
});

describe('what is deployed', () => {
  test('one chart: that chart and its nested charts only', async () => {
    const app = Testing.app();
    const outer = new Chart(app, 'outer', { namespace: 'o' });
    configMap(outer, 'a', 'a');
    const inner = new Chart(outer, 'inner', { namespace: 'i' });
    configMap(inner, 'b', 'b');
    const other = new Chart(app, 'other', { namespace: 'x' });
    configMap(other, 'c', 'c');
    const { component } = await deploy('one', { chart: outer });
    expect(component.objects.map((o) => [o.chart, o.resourceName])).toEqual([
      ['outer/inner', 'one:i/ConfigMap/b'],
      ['outer', 'one:o/ConfigMap/a'],
    ]);
  });

  test('resourcePrefix, dependsOn and customResourceDependsOn', async () => {
    const operator = new k8s.Provider('operator-stand-in', {});
    const before = new k8s.Provider('before-stand-in', {});
    const { byName } = await deploy('ignored-name', {
      app: crdApp().app, resourcePrefix: 'factory', dependsOn: [before], customResourceDependsOn: [operator],
    });
    const [operatorUrn, beforeUrn] = await Promise.all([operator.urn, before.urn].map((u) => new Promise<string>((r) => u.apply(r))));
    expect(byName('factory:factory/Widget/gear').dependencies).toEqual(expect.arrayContaining([operatorUrn, beforeUrn]));
    expect(byName('factory:factory/ConfigMap/settings').dependencies).toContain(beforeUrn);
    expect(byName('factory:factory/ConfigMap/settings').dependencies).not.toContain(operatorUrn);
    expect(byName('factory:Namespace/factory').dependencies).toEqual([beforeUrn]);
  });

  test('get() finds an object by kind, name and namespace', async () => {
    const { component } = await deploy('g', { app: crdApp().app });
    expect(component.get('Widget', 'gear')).toBe(component.objects[2].resource);
    expect(component.get('Widget.example.com', 'gear', 'factory')).toBe(component.objects[2].resource);
    expect(() => component.get('Widget', 'gear', 'elsewhere')).toThrow('Cdk8sManifests: no Widget elsewhere/gear in the app');
  });

  test('Secret data is marked secret by the typed class', async () => {
    const app = Testing.app();
    const chart = new Chart(app, 's', { namespace: 's' });
    new ApiObject(chart, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, data: { token: 'c2VjcmV0' } } as any);
    const { component, byName } = await deploy('sec', { app });
    expect(byName('sec:s/Secret/token').type).toBe('kubernetes:core/v1:Secret');
    const secret = component.get('Secret', 'token') as k8s.core.v1.Secret;
    expect(await pulumi.isSecret(secret.data)).toBe(true);
  });
});

describe('refusals', () => {
  test('exactly one of app and chart', () => {
    const { app, chart } = crdApp();
    expect(() => new Cdk8sManifests('none', {})).toThrow('Cdk8sManifests: app, chart: received neither; allowed: exactly one of app or chart');
    expect(() => new Cdk8sManifests('both', { app, chart })).toThrow('received both');
  });

  test('two objects with the same identity, naming both charts and the environment', () => {
    const app = new App();
    markEnvironment(app, 'qa');
    configMap(new Chart(app, 'one', { namespace: 'shop' }), 'cm', 'settings');
    configMap(new Chart(app, 'two', { namespace: 'shop' }), 'cm', 'settings');
    expect(() => planManifests({ app, resourcePrefix: 'q' })).toThrow(
      '[qa] two: ConfigMap shop/settings: received a second object with this group, kind, namespace and name (the first is in chart one); allowed: one object per Kubernetes identity');
  });

  test('a dependency on an object a JSON patch renamed cannot be carried over', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'p', { namespace: 'x' });
    const a = configMap(chart, 'a', 'a');
    const b = configMap(chart, 'b', 'b');
    b.addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed'));
    a.node.addDependency(b);
    expect(() => planManifests({ app, resourcePrefix: 'r' })).toThrow(
      "p/b: dependencies: received a dependency of or on an object whose synthesized kind, namespace or name differs from its construct's (ConfigMap b, changed by a JSON patch?)");
    // Without the dependency the renamed object deploys under its synthesized name.
    const app2 = Testing.app();
    const chart2 = new Chart(app2, 'p', { namespace: 'x' });
    configMap(chart2, 'b', 'b').addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed'));
    expect(planManifests({ app: app2, resourcePrefix: 'r' }).map((o) => o.resourceName)).toEqual(['r:x/ConfigMap/renamed']);
  });

  test("the app's own validation runs, as in cdk8s synth", () => {
    const app = Testing.app();
    const chart = new Chart(app, 'v');
    configMap(chart, 'cm', 'settings');
    chart.node.addValidation({ validate: () => ['replicas: received 0; allowed: >= 1'] });
    expect(() => new Cdk8sManifests('invalid', { app })).toThrow(/Validation failed[\s\S]*replicas: received 0/);
  });
});
