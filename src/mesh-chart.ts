import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DefaultDeny, ExternalService, GatewayJwt, PortProtocol, HttpMethod, LoadBalancer, MeshGateway, MeshTls, Microservice, MtlsMode, NATS_PORTS,
  NatsCluster, NatsMeshMode, RetryOn, RouteVersion, ServiceAuthorization, ServiceRoute, StatefulService,
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
  /** The card payment provider outside the cluster. */
  public readonly paymentProvider: ExternalService;
  public readonly routes: Record<string, ServiceRoute> = {};

  constructor(scope: Construct, id: string, env: PlatformEnvironment, platform: PlatformChart, nats: NatsCluster) {
    super(scope, id, { namespace: env.namespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });
    const mesh = env.mesh;
    const apiVersion = mesh.apiVersion;
    const svc = platform.services;

    this.paymentProvider = new ExternalService(this, 'payment-provider', {
      hosts: [env.paymentProvider.host],
      ports: [{ port: env.paymentProvider.port, protocol: PortProtocol.TLS }],
      cidrs: [env.paymentProvider.cidr],
      apiVersion,
    });

    this.gateway = new MeshGateway(this, 'gateway', {
      name: 'shop',
      hosts: mesh.hosts,
      tls: { credentialName: mesh.tlsCredential },
      install: env.ingressGateway,
      apiVersion,
    });
    if (mesh.jwt) {
      // The catalogue is public; everything else under /api needs a token.
      new GatewayJwt(this, 'jwt', {
        // In the gateway's namespace, which environments share: the name carries the environment.
        name: `shop-${env.name}-api-jwt`,
        gateway: this.gateway,
        issuer: mesh.jwt.issuer,
        jwksUri: mesh.jwt.jwksUri,
        audiences: mesh.jwt.audiences,
        paths: ['/api/*'],
        excludePaths: ['/api/products', '/api/products/*'],
        apiVersion,
      });
    }

    // Requests from the internet: bounded time, retried only where a retry is safe. Connect
    // failures and refused streams never reached the service: safe for every request. A reset
    // may come after the service acted, so only the read-only catalogue retries on it (checkouts
    // and sign-ups are POSTs).
    const beforeTheService = [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM];
    const gatewayRoute = (name: string, prefix: string, extra: Partial<{ versions: RouteVersion[]; methods: HttpMethod[]; retryOn: RetryOn[] }> = {}) =>
      new ServiceRoute(this, `${name}-route`, {
        service: svc[name],
        gateways: [this.gateway],
        apiVersion,
        clusterDomain: env.clusterDomain,
        versions: extra.versions,
        rules: [{
          name,
          matches: [{ pathPrefix: prefix, methods: extra.methods }],
          timeout: Duration.seconds(10),
          retries: { attempts: 2, perTryTimeout: Duration.seconds(3), retryOn: extra.retryOn ?? beforeTheService },
        }],
        trafficPolicy: {
          connectionPool: { http: { http1MaxPendingRequests: 256, http2MaxRequests: 1024 } },
          outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
        },
      });
    this.routes.user = gatewayRoute('user', '/api/users');
    this.routes.product = gatewayRoute('product', '/api/products', { methods: [HttpMethod.GET, HttpMethod.HEAD], retryOn: [...beforeTheService, RetryOn.RESET] });
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
        // Stock lookups only (reservations go through NATS): gRPC calls are POSTs, but these read.
        idempotent: true,
        timeout: Duration.seconds(2),
        retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: [RetryOn.GRPC_UNAVAILABLE, RetryOn.CONNECT_FAILURE] },
      }],
      trafficPolicy: {
        loadBalancer: LoadBalancer.LEAST_REQUEST,
        outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(5), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      },
    });
    // Payments are not idempotent: a timeout, never a retry (written as attempts 0, which also
    // turns off Istio's default retries).
    this.routes.payment = new ServiceRoute(this, 'payment-route', {
      service: svc.payment,
      apiVersion,
      clusterDomain: env.clusterDomain,
      rules: [{ name: 'payments', idempotent: false, timeout: Duration.seconds(15) }],
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

    // An ALLOW policy per workload. Its rules come from the service graph (src/service-graph.ts)
    // and from the gateway-bound routes above: who calls it, on which port, paths and methods.
    const allow = (target: Microservice | StatefulService, allowPeers = false) =>
      new ServiceAuthorization(this, `${target.name}-authz`, { target, allowPeers, apiVersion });
    for (const name of SERVICE_NAMES) allow(svc[name]);
    if (platform.orderCanary) allow(platform.orderCanary);
    allow(platform.ledger);
    // The NATS servers also reach each other (cluster routes).
    if (natsInMesh) allow(nats.servers, true);
    if (mesh.defaultDeny) {
      new DefaultDeny(this, 'deny', { apiVersion, metricsPorts: natsInMesh ? [NATS_PORTS.METRICS] : undefined });
    }
  }
}
