// Graph-derived NATS permissions on the real nats-server: the shop of graph-fixture.ts (order,
// payment and inventory log in as users with permissionsFromGraph), its nats.conf rendered at
// synth and run unchanged; the streams, consumers and buckets created as NACK would, by the
// `nack` user; then every service does what it declared with the nats client (nats.js) and is
// refused what it did not declare. The server's own log must list exactly the refusals the test
// provokes, so nothing a service declared was refused along the way (flow control included).
// Needs root, iproute2 and nats-server (installed by .ci/run): without them this test fails.
import { AckPolicy, connect, DeliverPolicy, Empty, NatsConnection, NatsError, RetentionPolicy, StorageType, StringCodec } from 'nats';
import { natsInboxPrefix, NatsUser } from '../../constructs';
import { NatsCluster as LiveCluster, runStandalone } from '../support/nats';
import { one, synth } from '../workloads/helpers';
import { shop } from './graph-fixture';

jest.setTimeout(180_000);

const sc = StringCodec();
const nanos = (ms: number) => ms * 1_000_000;
/** A user with every permission, to watch the subjects the services' clients use (not a service). */
const AUDIT: NatsUser = { name: 'audit', passwordFrom: { secretName: 'nats-users', key: 'audit' } };

/** Rejects after `ms` with `what`: every wait of the test is bounded. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** The error `p` rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>, what: string): Promise<NatsError> {
  try {
    await within(10_000, what, p);
  } catch (e) {
    return e as NatsError;
  }
  throw new Error(`${what}: expected a refusal, but it succeeded`);
}

/** Permission violations nats-server logged: `<Publish|Subscription> <user> <subject>`. */
function violations(log: string): string[] {
  return [...log.matchAll(/(Publish|Subscription) Violation - User "([^"]+)", Subject "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

describe('graph-derived permissions on nats-server 2.9', () => {
  const f = shop({ users: [AUDIT] });
  const manifests = synth(f.chart);
  const config: string = one(manifests, 'ConfigMap', 'nats-config').data['nats.conf'];
  const secrets: Record<string, string> = {};
  for (const s of f.nats.secretEnv) secrets[s.name] = `pw-${s.key}-${Math.random().toString(36).slice(2)}`;
  const password = (user: string) => secrets[f.nats.secretEnv.find((s) => s.key === user)!.name];

  let live: LiveCluster;
  /** NACK's connection, to create and inspect what the services use. */
  let nack: NatsConnection;
  const connections: NatsConnection[] = [];
  /** Status errors the connections of each user received (permission violations reported by the server). */
  const errors = new Map<string, string[]>();

  /** Logs in as `user` with its inbox prefix `_INBOX_<user>`, or the client's default (null). */
  async function login(user: string, inbox: string | null = natsInboxPrefix(user)): Promise<NatsConnection> {
    const nc = await connect({
      servers: [live.pod('nats-0').clientUrl], user, pass: password(user), inboxPrefix: inbox ?? undefined, reconnect: false, timeout: 5_000, name: user,
    });
    connections.push(nc);
    const list = errors.get(user) ?? [];
    errors.set(user, list);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error') list.push(`${s.data} ${(s as any).permissionContext?.operation ?? ''} ${(s as any).permissionContext?.subject ?? ''}`.trim());
      }
    })();
    return nc;
  }

  beforeAll(async () => {
    // The ConfigMap holds what configText renders, with the permissions of workloads declared after the cluster.
    expect(config).toBe(f.nats.configText);
    expect(config).toContain('"_INBOX_payment.>"');
    live = await runStandalone(config, secrets, {}, { name: 'nats-0', mountDirs: ['/data', '/var/run/nats'] });
    await live.waitHealthy('nats-0', 30_000, { jsEnabledOnly: true });

    // What NACK would create, from the resources' own settings, as the nack user.
    nack = await login('nack', null);
    const jsm = await nack.jetstreamManager();
    await jsm.streams.add({
      name: f.orders.streamName, subjects: f.orders.subjects, num_replicas: f.orders.replicas, storage: StorageType.File,
      retention: RetentionPolicy.Limits, max_age: nanos(f.orders.maxAge!.toMilliseconds()), max_bytes: 64 * 2 ** 20,
    });
    for (const c of [f.paymentCharge, f.inventoryReserve, f.inventoryAudit]) {
      await jsm.consumers.add(c.stream.streamName, {
        durable_name: c.durableName, ack_policy: AckPolicy.Explicit, ack_wait: nanos(c.ackWait.toMilliseconds()), deliver_policy: DeliverPolicy.All,
        filter_subject: c.filterSubjects[0], deliver_subject: c.deliverSubject, max_deliver: c.maxDeliver,
      });
    }
    const js = nack.jetstream();
    await js.views.kv(f.carts.bucket, { history: f.carts.history, replicas: f.carts.replicas, max_bytes: 64 * 2 ** 20 });
    await js.views.os(f.images.bucket, { replicas: f.images.replicas, max_bytes: 16 * 2 ** 20 });
  });

  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await live?.destroy();
  });

  test('order publishes into ORDERS and gets the acknowledgement on its own inbox prefix', async () => {
    const order = await login('order');
    const ack = await order.jetstream().publish('order.new', sc.encode('{"order":1}'));
    expect([ack.stream, ack.seq]).toEqual(['ORDERS', 1]);
    // Its only subscriptions (the request inbox the ack came to) are under _INBOX_order.
    type Connz = { connections: Array<{ name?: string; authorized_user?: string; subscriptions_list?: string[] }> };
    const connz = await live.monitor<Connz>('nats-0', '/connz?subs=true&auth=true');
    const subs = connz.connections.find((c) => c.name === 'order')!.subscriptions_list ?? [];
    expect(subs.length).toBeGreaterThan(0);
    for (const s of subs) expect(s.startsWith('_INBOX_order.')).toBe(true);
  });

  test('a client on the default inbox prefix is refused its reply subscription', async () => {
    const order = await login('order', null);
    const err = await rejection(order.request('inventory.check', Empty, { timeout: 5_000 }), 'order requests on _INBOX.');
    expect(err.code).toBe('PERMISSIONS_VIOLATION');
    expect(err.message).toMatch(/Permissions Violation for Subscription to "_INBOX\.[A-Za-z0-9]+\.\*"/);
  });

  test('order requests inventory.check and inventory answers (allow_responses), each on its own inbox', async () => {
    const inventory = await login('inventory');
    inventory.subscribe('inventory.check', { callback: (_e, m) => m.respond(sc.encode(`in stock: ${sc.decode(m.data)}`)) });
    await inventory.flush();
    const order = await login('order');
    const reply = await order.request('inventory.check', sc.encode('sku-1'), { timeout: 5_000 });
    expect(sc.decode(reply.data)).toBe('in stock: sku-1');
  });

  test('payment fetches from payment-charge and acks; the consumer records the ack', async () => {
    const payment = await login('payment');
    const consumer = await payment.jetstream().consumers.get('ORDERS', 'payment-charge');
    const batch = await consumer.fetch({ max_messages: 1, expires: 5_000 });
    const got: string[] = [];
    for await (const m of batch) {
      got.push(`${m.subject} ${sc.decode(m.data)}`);
      expect(await m.ackAck()).toBe(true);
    }
    expect(got).toEqual(['order.new {"order":1}']);
    const info = await (await nack.jetstreamManager()).consumers.info('ORDERS', 'payment-charge');
    expect([info.delivered.consumer_seq, info.ack_floor.consumer_seq, info.num_ack_pending, info.num_pending]).toEqual([1, 1, 0, 0]);
  });

  test('inventory reads the push consumer inventory-audit on its deliver subject and acks', async () => {
    const inventory = await login('inventory');
    const sub = inventory.subscribe('audit.inventory', { max: 1 });
    let got = '';
    await within(10_000, 'a message on audit.inventory', (async () => {
      for await (const m of sub) {
        got = `${m.subject} ${sc.decode(m.data)}`;
        m.respond(Empty); // the ack, on $JS.ACK.ORDERS.inventory-audit.>
      }
    })());
    expect(got).toBe('order.new {"order":1}');
    const jsm = await nack.jetstreamManager();
    await live.waitFor('inventory-audit to record the ack', 10_000, async () => (await jsm.consumers.info('ORDERS', 'inventory-audit')).num_ack_pending === 0);
  });

  test('order uses the carts bucket: put, get (direct and by revision), delete, keys, history, and a watch long enough for flow control', async () => {
    const audit = await login('audit', null);
    const flowControl: string[] = [];
    audit.subscribe('$JS.FC.>', { callback: (_e, m) => flowControl.push(m.subject) });
    await audit.flush();
    const order = await login('order');
    const kv = await order.jetstream().views.kv('carts');
    const rev = await kv.put('session-1', sc.encode('["sku-1"]'));
    expect(sc.decode((await kv.get('session-1'))!.value)).toBe('["sku-1"]');
    expect(sc.decode((await kv.get('session-1', { revision: rev }))!.value)).toBe('["sku-1"]');
    await kv.delete('session-1');
    expect((await kv.get('session-1'))?.operation).toBe('DEL');
    const big = new Uint8Array(512 * 1024);
    for (let i = 0; i < 40; i++) await kv.put(`big-${i}`, big);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    expect(keys.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `big-${i}`).sort());
    let history = 0;
    for await (const e of await kv.history({ key: 'session-1' })) if (e.key === 'session-1') history++;
    expect(history).toBe(1);
    // A watch over 20MB: the ordered consumer's flow control asks the client, which answers on $JS.FC.KV_carts.>.
    const seen = new Set<string>();
    const watch = await kv.watch({ ignoreDeletes: true });
    await within(30_000, 'the watch to deliver the 40 values', (async () => {
      for await (const e of watch) {
        seen.add(e.key);
        if (seen.size === 40) break;
      }
    })());
    expect(seen.size).toBe(40);
    await order.flush();
    await live.waitFor('a flow-control answer from order', 10_000, async () => flowControl.length > 0);
    expect(flowControl.every((s) => s.startsWith('$JS.FC.KV_carts.'))).toBe(true);
  });

  test('inventory uses the images object store: put, replace, get, info, list, delete', async () => {
    const inventory = await login('inventory');
    const os = await inventory.jetstream().views.os('images');
    await os.putBlob({ name: 'sku-1.png' }, new Uint8Array([1, 2, 3]));
    await os.putBlob({ name: 'sku-1.png' }, new Uint8Array([1, 2, 3, 4]));
    expect([...(await os.getBlob('sku-1.png'))!]).toEqual([1, 2, 3, 4]);
    expect((await os.info('sku-1.png'))!.size).toBe(4);
    expect((await os.list()).map((o) => o.name)).toEqual(['sku-1.png']);
    await os.delete('sku-1.png');
    expect(await os.getBlob('sku-1.png')).toBeNull();
  });

  test('no service was refused anything it declared', async () => {
    // Only the default-inbox client above (a subscription to _INBOX.*) was refused so far (the
    // server's log arrives asynchronously: the last test checks it again, complete).
    await live.waitFor('the server to log the first refusal', 10_000, async () => violations(live.logs('nats-0')).length >= 1);
    expect(violations(live.logs('nats-0'))).toEqual([expect.stringMatching(/^Subscription order _INBOX\.[A-Za-z0-9]+\.\*$/)]);
    expect(errors.get('order')).toEqual([expect.stringMatching(/^PERMISSIONS_VIOLATION subscription _INBOX\.[A-Za-z0-9]+\.\*$/)]);
    for (const user of ['payment', 'inventory', 'audit', 'nack']) expect(errors.get(user)).toEqual([]);
  });

  test('order is refused another user\'s inbox, deleting a stream and an undeclared subject; nothing refused reaches anyone', async () => {
    const audit = await login('audit', null);
    const leaked: string[] = [];
    for (const s of ['payment.refund', '$JS.API.STREAM.DELETE.>', '$JS.API.CONSUMER.MSG.NEXT.>', '$JS.API.CONSUMER.INFO.>']) {
      audit.subscribe(s, { callback: (_e, m) => leaked.push(m.subject) });
    }
    await audit.flush();
    const order = await login('order');
    // payment's inbox
    const spy = order.subscribe('_INBOX_payment.>');
    const subErr = await rejection((async () => {
      for await (const _ of spy) { /* nothing may arrive */ }
    })(), 'order subscribes to _INBOX_payment.>');
    expect(subErr.message).toBe(`'Permissions Violation for Subscription to "_INBOX_payment.>"'`);
    // the JetStream API beyond its declarations
    const delErr = await rejection(order.request('$JS.API.STREAM.DELETE.ORDERS', Empty, { timeout: 5_000 }), 'order deletes ORDERS');
    expect(delErr.message).toBe(`'Permissions Violation for Publish to "$JS.API.STREAM.DELETE.ORDERS"'`);
    const jsm = await nack.jetstreamManager();
    expect((await jsm.streams.info('ORDERS')).state.messages).toBe(1);
    // a subject it did not declare
    order.publish('payment.refund', sc.encode('{"order":1}'));
    await order.flush();
    await live.waitFor('the refusal of payment.refund', 5_000, async () => errors.get('order')!.some((e) => e.endsWith('publish payment.refund')));
    expect(errors.get('order')!.slice(1)).toEqual([
      'PERMISSIONS_VIOLATION subscription _INBOX_payment.>',
      'PERMISSIONS_VIOLATION publish $JS.API.STREAM.DELETE.ORDERS',
      'PERMISSIONS_VIOLATION publish payment.refund',
    ]);
    // The server dropped what it refused: a user allowed everything saw none of it.
    await audit.flush();
    expect(leaked).toEqual([]);
  });

  test('payment cannot pull from a consumer it did not declare', async () => {
    const payment = await login('payment');
    const js = payment.jetstream();
    const infoErr = await rejection(js.consumers.get('ORDERS', 'inventory-reserve'), 'payment binds inventory-reserve');
    expect(infoErr.message).toBe(`'Permissions Violation for Publish to "$JS.API.CONSUMER.INFO.ORDERS.inventory-reserve"'`);
    const nextErr = await rejection(payment.request('$JS.API.CONSUMER.MSG.NEXT.ORDERS.inventory-reserve', sc.encode('{"batch":1,"no_wait":true}'), { timeout: 5_000 }),
      'payment pulls from inventory-reserve');
    expect(nextErr.message).toBe(`'Permissions Violation for Publish to "$JS.API.CONSUMER.MSG.NEXT.ORDERS.inventory-reserve"'`);
    const info = await (await nack.jetstreamManager()).consumers.info('ORDERS', 'inventory-reserve');
    expect([info.delivered.consumer_seq, info.num_pending]).toEqual([0, 1]);
  });

  test('the server logged exactly the refusals provoked, and told each client of each', async () => {
    const expected = [
      expect.stringMatching(/^Subscription order _INBOX\.[A-Za-z0-9]+\.\*$/),
      'Subscription order _INBOX_payment.>',
      'Publish order $JS.API.STREAM.DELETE.ORDERS',
      'Publish order payment.refund',
      'Publish payment $JS.API.CONSUMER.INFO.ORDERS.inventory-reserve',
      'Publish payment $JS.API.CONSUMER.MSG.NEXT.ORDERS.inventory-reserve',
    ];
    // The server's output reaches the harness asynchronously.
    await live.waitFor('the server to log 6 refusals', 10_000, async () => violations(live.logs('nats-0')).length >= expected.length);
    expect(violations(live.logs('nats-0'))).toEqual(expected);
    expect(errors.get('payment')).toEqual([
      'PERMISSIONS_VIOLATION publish $JS.API.CONSUMER.INFO.ORDERS.inventory-reserve',
      'PERMISSIONS_VIOLATION publish $JS.API.CONSUMER.MSG.NEXT.ORDERS.inventory-reserve',
    ]);
    for (const user of ['inventory', 'audit', 'nack']) expect(errors.get(user)).toEqual([]);
  });

});
