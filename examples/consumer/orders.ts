// The orders platform of one environment: an order service publishing to a JetStream stream, a
// payment service consuming it, the NATS cluster between them, and the mesh and network policies
// derived from the declared service graph.
import { App, Chart, Size } from 'cdk8s';
import {
  ContainerImage, HttpMethod, JetStreamConsumer, JetStreamStream, Microservice, NamespaceBaseline, NatsCluster,
  PortProtocol, Probe, Resources, ServiceAuthorization, Workload, meshProxyConfigAnnotation,
} from 'cdk8s-nats-mesh';
import { OrdersEnvironment } from './environments';

export function buildOrders(app: App, env: OrdersEnvironment): void {
  const chart = new Chart(app, 'orders', { namespace: env.namespace });
  new NamespaceBaseline(chart, 'namespace', { mesh: { cni: true } });

  const resources = Resources.guaranteed({ cpu: env.serviceCpu, memory: env.serviceMemory });
  const http = [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }];
  const service = (name: string, tag: string) => new Microservice(chart, name, {
    image: ContainerImage.of(`ghcr.io/acme/${name}`, tag),
    resources,
    ports: http,
    readiness: Probe.httpGet('/ready', 8080),
    replicas: env.replicas,
    secretEnv: [{ name: 'NATS_PASSWORD', from: 'nats-users', key: name }],
    // NATS clients connect through their sidecar: the app starts once the sidecar is ready.
    podAnnotations: meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: true }),
  });
  const order = service('order', env.orderTag);
  const payment = service('payment', '2.0.1');

  const nats = new NatsCluster(chart, 'nats', {
    replicas: 3,
    routeAuth: { secretName: 'nats-routes' },
    resources: { cpu: env.serviceCpu.times(2), memory: Size.gibibytes(1) },
    jetStream: { fileStorage: env.jetStreamStorage },
    auth: {
      accounts: [{
        name: 'ORDERS',
        users: ['order', 'payment'].map((name) => ({ name, passwordFrom: { secretName: 'nats-users', key: name }, permissionsFromGraph: true })),
      }],
    },
  });
  const orders = new JetStreamStream(chart, 'orders-stream', { cluster: nats, name: 'ORDERS', subjects: ['order.>'], account: 'ORDERS' });
  const charge = new JetStreamConsumer(chart, 'charge', { stream: orders, durableName: 'payment-charge', filterSubjects: ['order.new'] });

  // The service graph: NetworkPolicies, Istio authorization and NATS permissions follow from it.
  // The storefront of the web team (another app) calls the order API.
  Workload.fromAttributes(chart, 'storefront', { name: 'storefront', namespace: 'web' }).calls(order, { ports: [8080], paths: ['/orders', '/orders/*'] });
  order.calls(payment, { ports: [8080], paths: ['/refunds', '/refunds/*'], methods: [HttpMethod.POST] });
  order.connectsToNats(nats, { user: 'order' });
  order.publishesTo(orders, ['order.new']);
  payment.connectsToNats(nats, { user: 'payment' });
  payment.consumes(charge);
  for (const target of [order, payment, nats.servers]) new ServiceAuthorization(chart, `${target.name}-authz`, { target });
}
