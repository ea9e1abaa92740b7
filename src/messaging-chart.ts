import { Chart, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CertIssuerKind, ContainerImage, JetStreamConsumer, JetStreamStream, KeyValueStore, NackAccount, NatsCluster, NatsTls,
  NatsUser, ObjectStore, sizeBytes,
} from '../constructs';
import { PlatformEnvironment, SERVICE_NAMES } from './environments';

/** Secret (provisioned by the platform team) holding each service's NATS password, one key per service. */
export const NATS_USERS_SECRET = 'nats-users';

/**
 * Secret (provisioned by the platform team) with the credentials of the routes between the NATS
 * servers, keys `NATS_ROUTE_USER` and `NATS_ROUTE_PASSWORD`: used by a cluster whose routes have
 * no TLS (staging); with TLS on the routes (prod) mutual TLS authenticates them instead.
 */
export const NATS_ROUTES_SECRET = 'nats-routes';

/** The NATS user the NACK controller logs in as; its password is the `nats-users` key of the same name. */
export const NACK_USER = 'nack';
/**
 * The `nats-users` key whose value is the user name `nack`: NACK reads the user name of an
 * Account from a Secret key too, from the same Secret as the password.
 */
export const NACK_USER_NAME_KEY = 'nack-username';
/** The NACK Account (connection profile) every JetStream resource of the platform connects through. */
export const NACK_ACCOUNT = 'shop';

/**
 * The NATS system of the platform: a standalone server in dev, a 3-server JetStream cluster in
 * staging and prod, with one account for the shop and a user per service whose password comes
 * from the `nats-users` Secret; and the JetStream streams, consumers and buckets the services use
 * (as NACK resources), which NACK manages through the Account `shop`: logged in as the user
 * `nack` of the shop's account (`nats-users` keys `nack-username` and `nack`), trusting the
 * client listener's CA when it has TLS.
 *
 * Flow: order publishes `order.new`; inventory reserves stock (consumer `inventory-reserve`) and
 * publishes `inventory.reserved.<order>` or `inventory.rejected.<order>`; payment charges
 * reserved orders (consumer `payment-charge`) and publishes `payment.<status>.<order>`, which the
 * order service follows (consumers `order-payments`, `order-inventory`). The synchronous stock
 * lookup `inventory.check` is request/reply and deliberately not captured by any stream: a
 * stream would answer the request with its own publish acknowledgement.
 */
export class MessagingChart extends Chart {
  public readonly nats: NatsCluster;
  /** The streams, by name (ORDERS, INVENTORY, PAYMENTS). */
  public readonly streams: Record<string, JetStreamStream> = {};
  /** The durable consumers, by durable name. */
  public readonly consumers: Record<string, JetStreamConsumer> = {};
  /** The shopping carts' key-value bucket. */
  public readonly carts: KeyValueStore;
  /** The product images' object store. */
  public readonly productImages: ObjectStore;

  constructor(scope: Construct, id: string, env: PlatformEnvironment) {
    super(scope, id, { namespace: env.namespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });
    const n = env.nats;
    const tls = n.tlsIssuer ? NatsTls.fromCertManager(n.tlsIssuer, CertIssuerKind.CLUSTER_ISSUER) : undefined;
    // Each service's permissions come from what it declares in the service graph
    // (src/service-graph.ts): its subjects, streams, consumers and buckets, and its own inbox
    // prefix (_INBOX_<service>), which its NATS client must set.
    const users: NatsUser[] = SERVICE_NAMES.map((service) => ({
      name: service,
      passwordFrom: { secretName: NATS_USERS_SECRET, key: service },
      permissionsFromGraph: true,
    }));
    // The NACK controller creates, updates and deletes the streams, consumers and buckets: the
    // whole JetStream API and its replies, nothing else.
    users.push({
      name: NACK_USER,
      passwordFrom: { secretName: NATS_USERS_SECRET, key: NACK_USER },
      permissions: { publishAllow: ['$JS.API.>', '_INBOX.>'], subscribeAllow: ['_INBOX.>'] },
    });
    this.nats = new NatsCluster(this, 'nats', {
      replicas: n.replicas,
      image: ContainerImage.of('nats', n.imageTag),
      resources: { cpu: n.cpu, memory: n.memory },
      clusterDomain: env.clusterDomain,
      jetStream: { fileStorage: n.fileStorage, memoryStorage: n.memoryStorage, storageClassName: n.storageClassName },
      tls: tls ? { client: tls, cluster: tls } : undefined,
      // Only servers with the route credentials (or, with TLS, a certificate of the CA) join the cluster.
      routeAuth: n.replicas > 1 && !tls ? { secretName: NATS_ROUTES_SECRET } : undefined,
      auth: { accounts: [{ name: 'SHOP', users }] },
      natsBox: n.natsBox,
      mesh: n.mesh,
      spread: env.spread,
    });
    new NackAccount(this, 'nack-account', {
      cluster: this.nats,
      name: NACK_ACCOUNT,
      account: 'SHOP',
      user: { secretName: NATS_USERS_SECRET, userKey: NACK_USER_NAME_KEY, passwordKey: NACK_USER },
      // The cert-manager Secret of the client listener; its ca.crt is the issuing CA.
      tls: tls ? { secretName: `${this.nats.clusterName}-client-tls`, caKey: 'ca.crt' } : undefined,
    });

    const ordersBytes = sizeBytes(n.ordersMaxBytes);
    const share = (fraction: number) => Size.kibibytes(Math.floor((ordersBytes * fraction) / 1024));
    const stream = (id: string, name: string, subjects: string[], maxAge: Duration, maxBytes: Size, description: string) =>
      new JetStreamStream(this, id, {
        cluster: this.nats, name, subjects, account: 'SHOP', nackAccount: NACK_ACCOUNT, replicas: n.streamReplicas, maxAge, maxBytes,
        duplicateWindow: Duration.minutes(2), description,
      });
    const orders = this.streams.ORDERS = stream('orders', 'ORDERS', ['order.>'], Duration.days(7), n.ordersMaxBytes, 'Orders as placed and updated');
    const inventory = this.streams.INVENTORY = stream('inventory', 'INVENTORY', ['inventory.reserved.>', 'inventory.rejected.>'], Duration.days(1), share(0.5),
      'Results of stock reservations for orders');
    const payments = this.streams.PAYMENTS = stream('payments', 'PAYMENTS', ['payment.>'], Duration.days(30), n.ordersMaxBytes, 'Payment outcomes');

    const consumer = (id: string, s: JetStreamStream, durableName: string, filter: string, description: string) => {
      this.consumers[durableName] = new JetStreamConsumer(this, id, {
        stream: s, durableName, filterSubjects: [filter], ackWait: Duration.seconds(30), maxDeliver: 5, maxAckPending: 1000, description,
      });
    };
    consumer('inventory-reserve', orders, 'inventory-reserve', 'order.new', 'inventory: reserve stock for new orders');
    consumer('payment-charge', inventory, 'payment-charge', 'inventory.reserved.>', 'payment: charge orders whose stock is reserved');
    consumer('order-inventory', inventory, 'order-inventory', 'inventory.rejected.>', 'order: cancel orders without stock');
    consumer('order-payments', payments, 'order-payments', 'payment.>', 'order: follow payment outcomes');

    this.carts = new KeyValueStore(this, 'carts', {
      cluster: this.nats, bucket: 'carts', account: 'SHOP', nackAccount: NACK_ACCOUNT, replicas: n.streamReplicas, history: 1, ttl: Duration.days(2),
      maxBytes: share(0.0625), description: 'Shopping carts by session',
    });
    this.productImages = new ObjectStore(this, 'product-images', {
      cluster: this.nats, bucket: 'product-images', account: 'SHOP', nackAccount: NACK_ACCOUNT, replicas: n.streamReplicas, maxBytes: share(0.5),
      description: 'Product images served by the product service',
    });
  }
}
