import { Chart, Duration, Testing } from 'cdk8s';
import {
  AppIndex, ConsumerAckPolicy, JetStreamConsumer, JetStreamStream, KeyValueStore, NackAccount, NatsCluster, NATS_PORTS, collectWarnings,
} from '../../constructs';
import { CALLS } from '../../constructs/checks/graph';
import { expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';
import { NACK_USER, closedShop, graphUser, service, shop, shopCluster } from './graph-fixture';

// Permissions derived from the service graph (NatsUser.permissionsFromGraph,
// constructs/nats/nats-graph-permissions.ts): the exact authorization blocks rendered, their
// resolution at synth, the refusals, and the checks of constructs/checks/nats.ts with
// their full messages. test/nats/permissions-live.test.ts runs the same shop on nats-server.

/** The rendered block of one user (from `{` to its closing `}`), as nats.conf holds it. */
function userBlock(text: string, user: string): string {
  const start = text.indexOf(`      {\n        user: "${user}"\n`);
  if (start < 0) throw new Error(`no user ${user} in:\n${text}`);
  const end = text.indexOf('\n      }\n', start);
  return text.slice(start, end + '\n      }\n'.length);
}

/** A user block: name, password variable, then the permission lines given (indented inside `permissions {`). */
function block(user: string, permissions: string[]): string {
  return [
    '      {',
    `        user: "${user}"`,
    `        password: $NATS_PASSWORD_SHOP_${user.toUpperCase()}`,
    '        permissions {',
    ...permissions.map((l) => `          ${l}`),
    '        }',
    '      }',
    '',
  ].join('\n');
}

const list = (key: string, subjects: string[]) => [`${key} {`, '  allow: [', ...subjects.map((s) => `    "${s}"`), '  ]', '}'];

describe('permissionsFromGraph: the derived authorization blocks', () => {
  test('order: its publishes, the subjects it publishes into ORDERS, what the key-value client needs; its inbox only', () => {
    const f = shop();
    expect(userBlock(f.nats.configText, 'order')).toBe(block('order', [
      ...list('publish', [
        '$JS.API.CONSUMER.CREATE.KV_carts',
        '$JS.API.CONSUMER.CREATE.KV_carts.>',
        '$JS.API.DIRECT.GET.KV_carts',
        '$JS.API.DIRECT.GET.KV_carts.>',
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.KV_carts',
        '$JS.API.STREAM.MSG.GET.KV_carts',
        '$JS.FC.KV_carts.>',
        '$KV.carts.>',
        'inventory.check',
        'order.new',
      ]),
      ...list('subscribe', ['_INBOX_order.>']),
    ]));
  });

  test('payment: a pull consumer: its info, next messages and acks; nothing that creates, changes or deletes', () => {
    const f = shop();
    expect(userBlock(f.nats.configText, 'payment')).toBe(block('payment', [
      ...list('publish', [
        '$JS.ACK.ORDERS.payment-charge.>',
        '$JS.API.CONSUMER.INFO.ORDERS.payment-charge',
        '$JS.API.CONSUMER.MSG.NEXT.ORDERS.payment-charge',
      ]),
      ...list('subscribe', ['_INBOX_payment.>']),
    ]));
  });

  test('inventory: answers requests (allow_responses), a push consumer\'s deliver subject, what the object-store client needs', () => {
    const f = shop();
    expect(userBlock(f.nats.configText, 'inventory')).toBe(block('inventory', [
      ...list('publish', [
        '$JS.ACK.ORDERS.inventory-audit.>',
        '$JS.API.CONSUMER.CREATE.OBJ_images',
        '$JS.API.CONSUMER.INFO.ORDERS.inventory-audit',
        '$JS.API.INFO',
        '$JS.API.STREAM.INFO.OBJ_images',
        '$JS.API.STREAM.MSG.GET.OBJ_images',
        '$JS.API.STREAM.NAMES',
        '$JS.API.STREAM.PURGE.OBJ_images',
        '$JS.FC.OBJ_images.>',
        '$O.images.>',
      ]),
      ...list('subscribe', ['_INBOX_inventory.>', 'audit.inventory', 'inventory.check']),
      'allow_responses: true',
    ]));
  });

  test('NACK\'s user keeps the permissions written by hand', () => {
    const f = shop();
    expect(userBlock(f.nats.configText, 'nack')).toBe(block('nack', [...list('publish', ['$JS.API.>', '_INBOX.>']), ...list('subscribe', ['_INBOX.>'])]));
  });

  test('a user nothing publishes as is denied every publish (an empty allow list would allow all), and only its inbox', () => {
    const { chart } = setup();
    const nats = shopCluster(chart, {}, [graphUser('idle')]);
    expect(userBlock(nats.configText, 'idle')).toBe(block('idle', [
      'publish {', '  deny: [', '    ">"', '  ]', '}',
      ...list('subscribe', ['_INBOX_idle.>']),
    ]));
    expect(nats.permissionsOf('idle')).toEqual({ publishAllow: undefined, publishDeny: ['>'], subscribeAllow: ['_INBOX_idle.>'], allowResponses: undefined });
  });

  test('permissionsOf: the sets as rendered; explicit ones as given; undefined for an unknown user', () => {
    const f = shop();
    expect(f.nats.permissionsOf('payment')).toEqual({
      publishAllow: ['$JS.ACK.ORDERS.payment-charge.>', '$JS.API.CONSUMER.INFO.ORDERS.payment-charge', '$JS.API.CONSUMER.MSG.NEXT.ORDERS.payment-charge'],
      publishDeny: undefined,
      subscribeAllow: ['_INBOX_payment.>'],
      allowResponses: undefined,
    });
    expect(f.nats.permissionsOf('nack')).toEqual(NACK_USER.permissions);
    expect(f.nats.permissionsOf('nobody')).toBeUndefined();
  });
});

describe('permissionsFromGraph: resolved at synth, over every workload and version that logs in', () => {
  test('declarations made after the cluster land in the ConfigMap; configText renders them when read', () => {
    const { chart } = closedShop();
    const nats = shopCluster(chart);
    const before = nats.configText;
    expect(userBlock(before, 'order')).toBe(block('order', ['publish {', '  deny: [', '    ">"', '  ]', '}', ...list('subscribe', ['_INBOX_order.>'])]));
    const order = service(chart, 'order');
    order.connectsToNats(nats, { user: 'order' });
    order.publishes(['order.new']);
    expect(userBlock(nats.configText, 'order')).toBe(block('order', [...list('publish', ['order.new']), ...list('subscribe', ['_INBOX_order.>'])]));
    const cm = one(synth(chart), 'ConfigMap', 'nats-config');
    expect(cm.data['nats.conf']).toBe(nats.configText);
    expect(cm.data['nats.conf']).not.toBe(before);
  });

  test('every version of the app counts: a canary\'s declarations, with or without its own login', () => {
    const { chart } = setup();
    const nats = shopCluster(chart);
    const order = service(chart, 'order');
    const canary = service(chart, 'order-canary', { app: 'order', version: '2.0.0' });
    order.connectsToNats(nats, { user: 'order' });
    order.publishes(['order.new']);
    canary.publishes(['order.audit']);
    expect(nats.permissionsOf('order')!.publishAllow).toEqual(['order.audit', 'order.new']);
  });

  test('the union over the apps logging in as one user, each subject once, sorted; the same app renders the same text', () => {
    const build = () => {
      const { chart } = setup();
      const nats = shopCluster(chart);
      const order = service(chart, 'order');
      const worker = service(chart, 'order-worker');
      for (const w of [worker, order]) w.connectsToNats(nats, { user: 'order' });
      worker.publishes(['order.shipped', 'inventory.check']);
      order.publishes(['inventory.check', 'order.new']);
      order.subscribes(['order.lookup']);
      worker.subscribes(['order.lookup']);
      return nats;
    };
    const nats = build();
    expect(nats.permissionsOf('order')).toEqual({
      publishAllow: ['inventory.check', 'order.new', 'order.shipped'],
      publishDeny: undefined,
      subscribeAllow: ['_INBOX_order.>', 'order.lookup'],
      allowResponses: true,
    });
    expect(build().configText).toBe(nats.configText);
  });

  test('only what names this cluster: a bucket of another cluster is granted there, core subjects on both', () => {
    const f = setup();
    const a = shopCluster(f.chart);
    const b = new NatsCluster(f.chart, 'nats-b', {
      serverVersion: '2.9.10', exporter: false, auth: { accounts: [{ name: 'EDGE', users: [graphUser('order')] }] },
    });
    const bucket = new KeyValueStore(f.chart, 'sessions', { cluster: b, bucket: 'sessions', replicas: 1 });
    const order = service(f.chart, 'order');
    order.connectsToNats(a, { user: 'order' });
    order.connectsToNats(b, { user: 'order' });
    order.uses(bucket);
    order.publishes(['order.new']);
    expect(a.permissionsOf('order')!.publishAllow).toEqual(['order.new']);
    expect(b.permissionsOf('order')!.publishAllow).toContain('$KV.sessions.>');
    expect(b.permissionsOf('order')!.publishAllow).toContain('order.new');
  });

  test('a consumer without acknowledgements gets no ack subject', () => {
    const f = setup();
    const nats = shopCluster(f.chart);
    const stream = new JetStreamStream(f.chart, 'events', { cluster: nats, name: 'EVENTS', subjects: ['event.>'], replicas: 1 });
    const tail = new JetStreamConsumer(f.chart, 'tail', { stream, durableName: 'tail', ackPolicy: ConsumerAckPolicy.NONE, ackWait: Duration.seconds(5) });
    const order = service(f.chart, 'order');
    order.connectsToNats(nats, { user: 'order' });
    order.consumes(tail);
    expect(nats.permissionsOf('order')!.publishAllow).toEqual(['$JS.API.CONSUMER.INFO.EVENTS.tail', '$JS.API.CONSUMER.MSG.NEXT.EVENTS.tail']);
  });
});

describe('permissionsFromGraph: refusals', () => {
  test('explicit permissions with permissionsFromGraph', () => {
    const { chart } = setup();
    expectConfigError(() => shopCluster(chart, {}, [{ ...graphUser('audit'), permissions: { publishAllow: ['audit.>'] } }]),
      '[test] c/nats: auth.accounts[0].users[4].permissions: received {"publishAllow":["audit.>"]}; allowed: no permissions with permissionsFromGraph: either permissions written by hand, or permissions derived from the workloads that log in as audit (permissionsFromGraph), not both');
  });

  test('a name that is no subject token', () => {
    const { chart } = setup();
    expectConfigError(() => shopCluster(chart, {}, [graphUser('audit.svc')]),
      '[test] c/nats: auth.accounts[0].users[4].name: received "audit.svc"; allowed: a name of letters, digits, "_" and "-" with permissionsFromGraph (its inbox prefix _INBOX_<name> is one subject token; connectsToNats takes such names)');
  });

  test('NACK logging in as a user whose permissions come from the graph', () => {
    const { chart } = setup();
    const nats = shopCluster(chart);
    expectConfigError(() => new NackAccount(chart, 'nack', { cluster: nats, name: 'shop', user: { secretName: 'nats-users', userKey: 'order-name', passwordKey: 'order' } }),
      '[test] c/nack: user.passwordKey: received "nats-users/order (user order, whose permissions come from the service graph)"; allowed: the password of a user with explicit permissions (publish $JS.API.> and its inbox): NACK creates, updates and deletes streams and consumers, which no workload declaration grants');
  });
});

describe('NatsCluster: the graph edges it implies', () => {
  const callsOf = (nats: NatsCluster) => AppIndex.of(nats).list(CALLS).filter((e) => e.to === nats.servers)
    .map((e) => `${e.from.name} -> ${e.to.name} ${e.ports?.join(',')}`);

  test('clustered: the servers call each other on the route port; the nats-box calls them on the client port', () => {
    const { chart } = setup();
    const nats = shopCluster(chart, { replicas: 3, routeAuth: { secretName: 'nats-routes' }, natsBox: true });
    expect(callsOf(nats)).toEqual([`nats -> nats ${NATS_PORTS.CLUSTER}`, `nats-box -> nats ${NATS_PORTS.CLIENT}`]);
  });

  test('standalone without a box: no edge', () => {
    const { chart } = setup();
    expect(callsOf(shopCluster(chart))).toEqual([]);
  });
});

describe('NATS graph checks', () => {
  test('a consumer on a cluster the workload does not log in to', () => {
    const f = shop();
    const audit = service(f.chart, 'audit');
    audit.consumes(f.paymentCharge);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/audit: consumes(payment-charge): received consumer payment-charge of stream ORDERS on NATS cluster nats, which audit does not log in to; allowed: a connectsToNats(nats, { user }) for audit or another version of audit before it uses the cluster\'s streams, consumers and buckets (their permissions are granted to the user it logs in as)',
    ]);
  });

  test('a bucket of another cluster than the one it logs in to', () => {
    const f = shop();
    const other = NatsCluster.fromAttributes(f.chart, 'other', { clusterName: 'edge', clientUrl: 'nats://edge.edge.svc:4222', jetStreamServers: 1 });
    const sessions = new KeyValueStore(f.chart, 'sessions', { cluster: other, bucket: 'sessions', replicas: 1 });
    f.order.uses(sessions);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/order: uses(sessions): received key-value bucket sessions on NATS cluster edge, which order does not log in to (it logs in to nats as order); allowed: a connectsToNats(edge, { user }) for order or another version of order before it uses the cluster\'s streams, consumers and buckets (their permissions are granted to the user it logs in as)',
    ]);
  });

  test('core subjects without any login', () => {
    const f = shop();
    const audit = service(f.chart, 'audit');
    audit.subscribes(['order.>']);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/audit: subscribes: received core NATS subjects ["order.>"] of audit, whose app audit logs in to no NATS cluster; allowed: a connectsToNats(cluster, { user }) for audit or another version of audit: the subjects are granted to the user it logs in as',
    ]);
  });

  test('connectsToNats with a user the cluster does not have', () => {
    const f = shop();
    service(f.chart, 'audit').connectsToNats(f.nats, { user: 'auditor' });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/audit: connectsToNats.user: received "auditor" on NATS cluster nats; allowed: one of the users of cluster nats: order, payment, inventory, nack (nats-server would refuse the login)',
    ]);
  });

  test('a cluster without auth, or one known by its attributes, has no user list to hold a login against', () => {
    const f = closedShop();
    const open = new NatsCluster(f.chart, 'open', { serverVersion: '2.9.10', exporter: false });
    const edge = NatsCluster.fromAttributes(f.chart, 'edge', { clusterName: 'edge', clientUrl: 'nats://edge.edge.svc:4222' });
    const order = service(f.chart, 'order');
    order.connectsToNats(open, { user: 'anyone' });
    order.connectsToNats(edge, { user: 'someone' });
    expect(validationErrors(f.chart)).toEqual([]);
  });

  test('a stream of another account than the user it logs in as', () => {
    const f = closedShop();
    const nats = new NatsCluster(f.chart, 'nats', {
      serverVersion: '2.9.10', exporter: false,
      auth: { accounts: [{ name: 'SHOP', users: [graphUser('order')] }, { name: 'BILLING', users: [graphUser('billing')] }] },
    });
    const invoices = new JetStreamStream(f.chart, 'invoices', { cluster: nats, name: 'INVOICES', subjects: ['invoice.>'], account: 'BILLING', replicas: 1 });
    const order = service(f.chart, 'order');
    order.connectsToNats(nats, { user: 'order' });
    order.publishesTo(invoices);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/order: publishesTo(INVOICES): received stream INVOICES of account BILLING, while order logs in to nats as order of account SHOP; allowed: a login as a user of account BILLING: JetStream resources are reachable only from their own account',
    ]);
  });

  test('a consumer a service uses but no stream of the app holds', () => {
    const f = shop();
    // A stream of another app: nothing in this one creates it.
    const elsewhere = JetStreamStream.fromAttributes(new Chart(Testing.app(), 'other'), 'audit', {
      cluster: f.nats, streamName: 'AUDIT', subjects: ['audit.>'], replicas: 1, account: 'SHOP',
    });
    const auditTail = new JetStreamConsumer(f.chart, 'audit-tail', { stream: elsewhere, durableName: 'audit-tail', ackWait: Duration.seconds(30) });
    f.payment.consumes(auditTail);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/payment: consumes(audit-tail): received consumer audit-tail of stream AUDIT (account SHOP of cluster nats), which no stream of this app holds; allowed: a consumer of a stream the app declares: a JetStreamStream, or JetStreamStream.fromAttributes for one that exists elsewhere (nothing creates stream AUDIT here, so NACK cannot create the consumer)',
    ]);
  });

  test('a consumer of a stream declared by attributes is held', () => {
    const f = shop();
    const audit = JetStreamStream.fromAttributes(f.chart, 'audit', { cluster: f.nats, streamName: 'AUDIT', subjects: ['audit.>'], replicas: 1 });
    f.payment.consumes(new JetStreamConsumer(f.chart, 'audit-tail', { stream: audit, durableName: 'audit-tail', ackWait: Duration.seconds(30) }));
    expect(validationErrors(f.chart)).toEqual([]);
  });

  test('core subjects that would reach other users\' inboxes or the JetStream API', () => {
    const f = shop();
    f.order.publishes(['$JS.API.STREAM.DELETE.ORDERS']);
    f.inventory.subscribes(['*.created', '_INBOX_payment.>']);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/order: publishes[0]: received "$JS.API.STREAM.DELETE.ORDERS", granted to NATS user order of cluster nats (permissionsFromGraph); allowed: a subject of the application\'s own, not starting with a wildcard, _INBOX or $JS, $JSC, $KV, $O, $SYS, $NRG: $JS subjects are reached through publishesTo, consumes and uses, which grant only what each needs',
      '[test] c/inventory: subscribes[0]: received "*.created", granted to NATS user inventory of cluster nats (permissionsFromGraph); allowed: a subject of the application\'s own, not starting with a wildcard, _INBOX or $JS, $JSC, $KV, $O, $SYS, $NRG: a first-token wildcard also matches other users\' inboxes (_INBOX_<user>.<id>)',
      '[test] c/inventory: subscribes[1]: received "_INBOX_payment.>", granted to NATS user inventory of cluster nats (permissionsFromGraph); allowed: a subject of the application\'s own, not starting with a wildcard, _INBOX or $JS, $JSC, $KV, $O, $SYS, $NRG: inboxes are granted per user (its own: _INBOX_<user>.>), never declared',
    ]);
  });

  test('a user with permissionsFromGraph no workload logs in as: a warning, once', () => {
    const { app, chart } = closedShop();
    const nats = shopCluster(chart, {}, [graphUser('idle')]);
    const order = service(chart, 'order');
    order.connectsToNats(nats, { user: 'order' });
    synth(chart);
    synth(chart);
    expect(collectWarnings(app)).toEqual([
      '[test] c/nats: user payment (account SHOP) has permissionsFromGraph, but no workload logs in as it (connectsToNats(cluster, { user: "payment" })): it may subscribe to its inbox _INBOX_payment.> and publish nothing',
      '[test] c/nats: user inventory (account SHOP) has permissionsFromGraph, but no workload logs in as it (connectsToNats(cluster, { user: "inventory" })): it may subscribe to its inbox _INBOX_inventory.> and publish nothing',
      '[test] c/nats: user idle (account SHOP) has permissionsFromGraph, but no workload logs in as it (connectsToNats(cluster, { user: "idle" })): it may subscribe to its inbox _INBOX_idle.> and publish nothing',
    ]);
  });

  test('the shop itself passes every check', () => {
    expect(validationErrors(shop().chart)).toEqual([]);
  });
});
