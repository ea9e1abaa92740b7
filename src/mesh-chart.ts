import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DEFAULT_TRUST_DOMAIN, DefaultDeny, GatewayJwt, HttpMethod, LoadBalancer, MeshGateway, MeshTls, Microservice, MtlsMode, NATS_PORTS,
  NatsCluster, NatsMeshMode, RetryOn, RouteVersion, ServiceAuthorization, ServiceCaller, ServiceRoute, StatefulService, workloadPrincipal,
} from '../constructs';
import { PlatformEnvironment, SERVICE_NAMES } from './environments';
import { PlatformChart } from './platform-chart';

/**
 * The platform's Istio configuration: the ingress gateway and its token check, a route per
 * service (the order service with its canary), namespace mTLS, an authorization policy per
 * workload from its declared callers and, in staging and prod, deny-by-default.
 */
export class MeshChart extends Chart {
  public readonly gateway: MeshGateway;
  public readonly routes: Record<string, ServiceRoute> = {};

  constructor(scope: Construct, id: string, env: PlatformEnvironment, platform: PlatformChart, nats: NatsCluster) {
    super(scope, id, { namespace: env.namespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });
    const mesh = env.mesh;
    const apiVersion = mesh.apiVersion;
    const svc = platform.services;

    this.gateway = new MeshGateway(this, 'gateway', {
      name: 'shop',
      hosts: mesh.hosts,
      tls: { credentialName: mesh.tlsCredential },
      workloadNamespace: env.ingressNamespace,
      apiVersion,
    });
    if (mesh.jwt) {
      // The catalogue is public; everything else under /api needs a token.
      new GatewayJwt(this, 'jwt', {
        name: 'shop-api-jwt',
        gateway: this.gateway,
        issuer: mesh.jwt.issuer,
        jwksUri: mesh.jwt.jwksUri,
        audiences: mesh.jwt.audiences,
        paths: ['/api/*'],
        excludePaths: ['/api/products', '/api/products/*'],
        apiVersion,
      });
    }

    // Requests from the internet: bounded time, retried only where a retry is safe.
    const gatewayRoute = (name: string, prefix: string, extra: Partial<{ versions: RouteVersion[] }> = {}) =>
      new ServiceRoute(this, `${name}-route`, {
        service: svc[name],
        gateways: [this.gateway],
        apiVersion,
        clusterDomain: env.clusterDomain,
        versions: extra.versions,
        rules: [{
          name,
          matches: [{ pathPrefix: prefix }],
          timeout: Duration.seconds(10),
          retries: { attempts: 2, perTryTimeout: Duration.seconds(3), retryOn: [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.RESET] },
        }],
        trafficPolicy: {
          connectionPool: { http: { http1MaxPendingRequests: 256, http2MaxRequests: 1024 } },
          outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
        },
      });
    this.routes.user = gatewayRoute('user', '/api/users');
    this.routes.product = gatewayRoute('product', '/api/products');
    const canary = mesh.orderCanary && platform.orderCanary
      ? [{ workload: svc.order, weight: 100 - mesh.orderCanary.weight }, { workload: platform.orderCanary, weight: mesh.orderCanary.weight }]
      : undefined;
    this.routes.order = gatewayRoute('order', '/api/orders', { versions: canary });

    // Calls inside the mesh.
    this.routes.inventory = new ServiceRoute(this, 'inventory-route', {
      service: svc.inventory,
      apiVersion,
      clusterDomain: env.clusterDomain,
      rules: [{
        name: 'stock',
        timeout: Duration.seconds(2),
        retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: [RetryOn.GRPC_UNAVAILABLE, RetryOn.CONNECT_FAILURE] },
      }],
      trafficPolicy: {
        loadBalancer: LoadBalancer.LEAST_REQUEST,
        outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(5), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      },
    });
    // Payments are not idempotent: a timeout, never a retry.
    this.routes.payment = new ServiceRoute(this, 'payment-route', {
      service: svc.payment,
      apiVersion,
      clusterDomain: env.clusterDomain,
      rules: [{ name: 'payments', timeout: Duration.seconds(15) }],
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 200, connectTimeout: Duration.seconds(2) }, http: { http1MaxPendingRequests: 64 } },
      },
    });

    // mTLS: the NATS exporter stays reachable in plain text for a Prometheus outside the mesh.
    const natsInMesh = env.nats.mesh === NatsMeshMode.INSIDE;
    new MeshTls(this, 'mtls', {
      mode: mesh.mtls,
      apiVersion,
      portExceptions: natsInMesh && mesh.mtls === MtlsMode.STRICT
        ? [{ workload: nats.servers, ports: [NATS_PORTS.METRICS], mode: MtlsMode.PERMISSIVE }] : undefined,
    });

    // Who may call whom: the ingress gateway the exposed services, the order service the
    // inventory (gRPC) and payment (refunds) services, payment its ledger, every service NATS.
    const fromGateway = (paths: string[], methods?: HttpMethod[]): ServiceCaller => ({ gateway: this.gateway, paths, methods });
    const allow = (target: Microservice | StatefulService, callers: ServiceCaller[], allowPeers = false) =>
      new ServiceAuthorization(this, `${target.name}-authz`, { target, callers, allowPeers, apiVersion });
    // Every version of the order app calls what the order service calls.
    const orderVersions = [svc.order, platform.orderCanary].filter((w): w is Microservice => w !== undefined);
    const fromOrder = (call: Omit<ServiceCaller, 'workload'>): ServiceCaller[] => orderVersions.map((workload) => ({ workload, ...call }));
    allow(svc.user, [fromGateway(['/api/users', '/api/users/*'])]);
    allow(svc.product, [fromGateway(['/api/products', '/api/products/*'], [HttpMethod.GET, HttpMethod.HEAD]), ...fromOrder({ methods: [HttpMethod.GET] })]);
    for (const order of orderVersions) allow(order, [fromGateway(['/api/orders', '/api/orders/*'])]);
    allow(svc.inventory, fromOrder({ paths: ['/shop.inventory.v1.Inventory/*'] }));
    allow(svc.payment, fromOrder({ paths: ['/refunds', '/refunds/*'], methods: [HttpMethod.POST] }));
    allow(platform.ledger, [{ workload: svc.payment }]);
    if (natsInMesh) {
      const clients: ServiceCaller[] = SERVICE_NAMES.map((name) => ({ workload: svc[name], ports: [NATS_PORTS.CLIENT] }));
      if (platform.orderCanary) clients.push({ workload: platform.orderCanary, ports: [NATS_PORTS.CLIENT] });
      if (nats.box) clients.push({ workload: nats.box, ports: [NATS_PORTS.CLIENT] });
      // The NACK controller, in its own namespace, in the mesh.
      clients.push({ principal: workloadPrincipal(DEFAULT_TRUST_DOMAIN, env.nack.namespace, env.nack.serviceAccount), ports: [NATS_PORTS.CLIENT] });
      allow(nats.servers, clients, true);
    }
    if (mesh.defaultDeny) {
      new DefaultDeny(this, 'deny', { apiVersion, metricsPorts: natsInMesh ? [NATS_PORTS.METRICS] : undefined });
    }
  }
}
