/**
 * A small shop whose NATS users derive their permissions from the service graph (not a test file
 * itself): order, payment and inventory, the ORDERS stream with a pull and a push consumer, a
 * key-value bucket and an object store. Shared by the unit and live tests of graph-derived
 * permissions.
 */
import { Chart, Duration, Size } from 'cdk8s';
import {
  Cpu, JetStreamConsumer, JetStreamStream, KeyValueStore, Microservice, NamespaceBaseline, NatsCluster, NatsClusterProps, NatsUser, ObjectStore,
  PortProtocol,
} from '../../constructs';
import { GUARANTEED, IMAGE, setup } from '../workloads/helpers';

/** The Secret every password comes from. */
export const USERS_SECRET = 'nats-users';

/** A user with a password from USERS_SECRET (key: its name) whose permissions come from the graph. */
export function graphUser(name: string): NatsUser {
  return { name, passwordFrom: { secretName: USERS_SECRET, key: name }, permissionsFromGraph: true };
}

/** NACK's user: the JetStream API and the default inbox, written by hand. */
export const NACK_USER: NatsUser = {
  name: 'nack',
  passwordFrom: { secretName: USERS_SECRET, key: 'nack' },
  permissions: { publishAllow: ['$JS.API.>', '_INBOX.>'], subscribeAllow: ['_INBOX.>'] },
};

/** A service of the shop. */
export function service(chart: Chart, name: string, extra: { app?: string; version?: string } = {}): Microservice {
  return new Microservice(chart, name, {
    image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }], ...extra,
  });
}

/** The cluster alone: account SHOP with order, payment, inventory (from the graph) and nack; standalone, JetStream on. */
export function shopCluster(chart: Chart, extra: Partial<NatsClusterProps> = {}, users: NatsUser[] = []): NatsCluster {
  return new NatsCluster(chart, 'nats', {
    serverVersion: '2.9.10',
    resources: { cpu: Cpu.millis(500), memory: Size.gibibytes(1) },
    jetStream: { fileStorage: Size.gibibytes(1), memoryStorage: Size.mebibytes(64) },
    auth: { accounts: [{ name: 'SHOP', users: [graphUser('order'), graphUser('payment'), graphUser('inventory'), NACK_USER, ...users] }] },
    exporter: false,
    ...extra,
  });
}

/**
 * The shop: the cluster first, the workloads and their declarations after it (so the derived
 * permissions are resolved at synth).
 *
 * - order publishes `order.new` into ORDERS, requests `inventory.check` and uses the `carts` bucket;
 * - payment pulls from `payment-charge` (ORDERS, `order.new`);
 * - inventory answers `inventory.check`, reads the push consumer `inventory-audit` (delivered on
 *   `audit.inventory`) and uses the `images` object store;
 * - nobody declares `inventory-reserve` (a pull consumer of ORDERS) but inventory's pod would
 *   like to: payment must not be able to pull from it.
 */
/**
 * An app with one chart `c` in namespace shop, whose baseline denies by default (the graph's
 * checks want the NATS servers closed to callers it does not declare).
 */
export function closedShop() {
  const f = setup('shop');
  new NamespaceBaseline(f.chart, 'ns', {});
  return f;
}

export function shop(options: { users?: NatsUser[] } = {}) {
  const f = closedShop();
  const nats = shopCluster(f.chart, {}, options.users);
  const orders = new JetStreamStream(f.chart, 'orders', {
    cluster: nats, name: 'ORDERS', subjects: ['order.>'], account: 'SHOP', replicas: 1, maxAge: Duration.days(1), maxBytes: Size.mebibytes(64),
  });
  const paymentCharge = new JetStreamConsumer(f.chart, 'payment-charge', {
    stream: orders, durableName: 'payment-charge', filterSubjects: ['order.new'], ackWait: Duration.seconds(30), maxDeliver: 5,
  });
  const inventoryReserve = new JetStreamConsumer(f.chart, 'inventory-reserve', {
    stream: orders, durableName: 'inventory-reserve', filterSubjects: ['order.new'], ackWait: Duration.seconds(30),
  });
  const inventoryAudit = new JetStreamConsumer(f.chart, 'inventory-audit', {
    stream: orders, durableName: 'inventory-audit', deliverSubject: 'audit.inventory', ackWait: Duration.seconds(30),
  });
  const carts = new KeyValueStore(f.chart, 'carts', { cluster: nats, bucket: 'carts', account: 'SHOP', replicas: 1, history: 1, maxBytes: Size.mebibytes(64) });
  const images = new ObjectStore(f.chart, 'images', { cluster: nats, bucket: 'images', account: 'SHOP', replicas: 1, maxBytes: Size.mebibytes(16) });

  const order = service(f.chart, 'order');
  const payment = service(f.chart, 'payment');
  const inventory = service(f.chart, 'inventory');
  order.connectsToNats(nats, { user: 'order' });
  order.publishesTo(orders, ['order.new']);
  order.publishes(['inventory.check']);
  order.uses(carts);
  payment.connectsToNats(nats, { user: 'payment' });
  payment.consumes(paymentCharge);
  inventory.connectsToNats(nats, { user: 'inventory' });
  inventory.subscribes(['inventory.check']);
  inventory.consumes(inventoryAudit);
  inventory.uses(images);
  return { ...f, nats, orders, paymentCharge, inventoryReserve, inventoryAudit, carts, images, order, payment, inventory };
}
