import { HttpMethod, NATS_PORTS, Workload } from '../constructs';
import { PlatformEnvironment } from './environments';
import { MeshChart } from './mesh-chart';
import { MessagingChart } from './messaging-chart';
import { PlatformChart } from './platform-chart';

/**
 * Who talks to whom in the shop: the one declaration from which the Istio authorization
 * policies, the NetworkPolicies and the NATS users' permissions are derived. Canaries take part
 * with their primary (same `app`); the ingress gateway's calls come from the gateway-bound routes
 * (src/mesh-chart.ts).
 *
 * HTTP and gRPC:
 * - order reads the catalogue (product, GET), checks stock (inventory, gRPC) and asks payment for
 *   refunds (POST /refunds);
 * - payment writes its ledger (PostgreSQL) and charges cards at the payment provider (HTTPS,
 *   outside the cluster).
 *
 * NATS (each service logs in as the user of its name, from the `nats-users` Secret):
 * - order publishes new orders into ORDERS (`order.new`, `order.updated.<id>`) and requests
 *   `inventory.check` (request/reply, not captured by any stream); it follows payment outcomes
 *   (consumer order-payments) and rejected reservations (order-inventory);
 * - inventory answers `inventory.check`, reserves stock for new orders (inventory-reserve) and
 *   publishes the results into INVENTORY;
 * - payment charges reserved orders (payment-charge) and publishes outcomes into PAYMENTS;
 * - user keeps carts in the `carts` bucket; product serves images from `product-images`.
 * - the NACK controller (outside the app) manages the streams through the NATS client port.
 */
export function declareServiceGraph(env: PlatformEnvironment, platform: PlatformChart, messaging: MessagingChart, mesh: MeshChart): void {
  const { user, product, order, inventory, payment } = platform.services;
  const nats = messaging.nats;
  const grpc = inventory.ports[0].port;

  order.calls(product, { ports: [product.ports[0].port], methods: [HttpMethod.GET, HttpMethod.HEAD] });
  order.calls(inventory, { ports: [grpc], paths: ['/shop.inventory.v1.Inventory/*'] });
  order.calls(payment, { ports: [payment.ports[0].port], paths: ['/refunds', '/refunds/*'], methods: [HttpMethod.POST] });
  payment.calls(platform.ledger, { ports: [platform.ledger.ports[0].port] });
  // Charges go to the card payment provider outside the cluster (ServiceEntry and egress).
  mesh.paymentProvider.addCaller(payment);

  for (const [name, service] of Object.entries(platform.services)) service.connectsToNats(nats, { user: name });

  const { ORDERS, INVENTORY, PAYMENTS } = messaging.streams;
  const consumers = messaging.consumers;
  order.publishesTo(ORDERS, ['order.new', 'order.updated.>']);
  order.publishes(['inventory.check']);
  order.consumes(consumers['order-payments']);
  order.consumes(consumers['order-inventory']);
  inventory.subscribes(['inventory.check']);
  inventory.consumes(consumers['inventory-reserve']);
  inventory.publishesTo(INVENTORY);
  payment.consumes(consumers['payment-charge']);
  payment.publishesTo(PAYMENTS);
  user.uses(messaging.carts);
  product.uses(messaging.productImages);

  // The NACK Helm chart labels its controller's pods `app: <chart name>` and runs them as the
  // ServiceAccount jetstream-controller.
  const nack = Workload.fromAttributes(platform, 'nack', {
    name: 'nack', namespace: env.nack.namespace, serviceAccountName: env.nack.serviceAccount, podLabels: { app: 'nack' },
  });
  nack.calls(nats.servers, { ports: [NATS_PORTS.CLIENT] });
}
