/**
 * A generated platform of N microservices, for the scale benchmark (`npm run bench -- --services N`)
 * and its test. It is built like the reference platform's staging/prod (src/platform-chart.ts,
 * src/messaging-chart.ts, src/mesh-chart.ts), with everything multiplied by N.
 *
 * For N services (i = 0 .. N-1, named svc-0000, svc-0001, ...):
 * - platform chart: a mesh-enrolled NamespaceBaseline (quota sized from the workloads); N
 *   Microservices (one HTTP port, 2 replicas, requests/limits, pinned tag), plus a canary
 *   Microservice (same app, another version, 2 replicas) for every i % 10 === 0;
 * - messaging chart: a 3-server NatsCluster inside the mesh (JetStream file storage sized for
 *   every stream), a NATS user per service, the NACK Account, one JetStreamStream per group of
 *   10 services (SVCGROUP<k>, subjects `svcgroup<k>.>`) and one JetStreamConsumer per service
 *   (durable `svc-XXXX`, filter `svcgroup<k>.svc-XXXX`);
 * - mesh chart: a MeshGateway, a ServiceRoute per service (90/10 canary split where there is a
 *   canary; every 5th bound to the gateway on `/api/svc-XXXX`, the others mesh-internal), a
 *   ServiceAuthorization per service and per canary (its neighbours as callers, the gateway for
 *   the exposed ones), one for the NATS servers (every service and canary as a client), STRICT
 *   MeshTls (NATS metrics port PERMISSIVE) and DefaultDeny.
 *
 * Objects: see `expectedObjectCount`.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ContainerImage, Cpu, DEFAULT_TRUST_DOMAIN, DefaultDeny, HttpMethod, JetStreamConsumer, JetStreamStream, MeshGateway, MeshTls, Microservice,
  MtlsMode, NATS_PORTS, NackAccount, NamespaceBaseline, NatsCluster, NatsMeshMode, NatsUser, PortProtocol, Probe, Resources, RetryOn,
  RouteVersion, ServiceAuthorization, ServiceCaller, ServiceRoute, markEnvironment, workloadPrincipal,
} from '../../constructs';

export const SCALE_NAMESPACE = 'shop';
export const SCALE_ENVIRONMENT = 'bench';
/** Every GROUP_SIZE-th service (i % 10 === 0) has a canary and starts a stream group of GROUP_SIZE. */
export const GROUP_SIZE = 10;
/** Every EXPOSED_EVERY-th service (i % 5 === 0) is routed from the gateway. */
export const EXPOSED_EVERY = 5;

const INGRESS_NAMESPACE = 'istio-ingress';
const MONITORING_NAMESPACE = 'monitoring';
const NACK = { namespace: 'nats-system', serviceAccount: 'jetstream-controller' };
const NATS_USERS_SECRET = 'nats-users';
const NACK_ACCOUNT = 'shop';
const STREAM_MAX_BYTES_MI = 256;
const STREAM_REPLICAS = 3;

/** `svc-0042`. */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

const hasCanary = (i: number) => i % GROUP_SIZE === 0;
const isExposed = (i: number) => i % EXPOSED_EVERY === 0;
const groupOf = (i: number) => Math.floor(i / GROUP_SIZE);

/**
 * The number of Kubernetes objects the app synthesizes for N services (N >= 2):
 *   10·N + 6·⌈N/10⌉ + ⌈N/5⌉ + 25
 * - per service (10): Deployment, Service, ServiceAccount, PodDisruptionBudget (2 replicas),
 *   VirtualService (mesh-bound, or gateway-bound for the exposed ones), DestinationRule (every
 *   route has a traffic policy), JetStream Consumer, AuthorizationPolicy, and the NetworkPolicies
 *   derived from its calls: allow-to-<app> (its callers) and allow-from-<app> (what it calls);
 * - per group of 10, i.e. per canary (6): the canary's Deployment, Service, ServiceAccount and
 *   PodDisruptionBudget, its AuthorizationPolicy, and the group's JetStream Stream;
 * - per exposed service (every 5th): its allow-gateway-to-<app> NetworkPolicy;
 * - fixed (25): NamespaceBaseline 11 (Namespace, LimitRange, ResourceQuota and 8
 *   NetworkPolicies: default-deny, dns, to-nats and from-nats (clients, and the servers' routes),
 *   from-ingress, istio-control-plane, from-monitoring, ingress-nack); NatsCluster 7 (ConfigMap,
 *   StatefulSet, headless and client Services, ServiceAccount, PodDisruptionBudget, PodMonitor);
 *   NACK Account 1; Gateway 1; MeshTls 2 (namespace PeerAuthentication + NATS metrics port
 *   exception); DefaultDeny 2 (deny-all, allow-metrics); the NATS servers' AuthorizationPolicy 1.
 * With N = 1 the only caller of the service is its own canary, so it has no allow-from policy.
 */
export function expectedObjectCount(services: number): number {
  return 10 * services + 6 * Math.ceil(services / GROUP_SIZE) + Math.ceil(services / EXPOSED_EVERY) + 25;
}

const labels = { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': SCALE_ENVIRONMENT };

const SERVICE_RESOURCES = Resources.of({
  requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(64) },
  limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(256) },
});
const SIDECAR_RESOURCES = Resources.of({
  requests: { cpu: Cpu.millis(50), memory: Size.mebibytes(96) },
  limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(256) },
});

/** The NATS system: cluster, users, NACK Account, a stream per group and a consumer per service. */
class ScaleMessagingChart extends Chart {
  public readonly nats: NatsCluster;

  constructor(scope: Construct, id: string, services: number) {
    super(scope, id, { namespace: SCALE_NAMESPACE, labels });
    const groups = Math.ceil(services / GROUP_SIZE);
    const users: NatsUser[] = [];
    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      users.push({
        name,
        passwordFrom: { secretName: NATS_USERS_SECRET, key: name },
        permissions: {
          publishAllow: [`svcgroup${groupOf(i)}.>`, '$JS.API.>', '$JS.ACK.>', '_INBOX.>'],
          subscribeAllow: ['_INBOX.>'],
          allowResponses: true,
        },
      });
    }
    users.push({
      name: 'nack',
      passwordFrom: { secretName: NATS_USERS_SECRET, key: 'nack' },
      permissions: { publishAllow: ['$JS.API.>', '_INBOX.>'], subscribeAllow: ['_INBOX.>'] },
    });
    // Every stream reserves STREAM_MAX_BYTES_MI × STREAM_REPLICAS; max_file_store is 90% of the
    // volume on each of the 3 servers: groups × 256Mi × 3 / (0.9 × 3) < groups/3 Gi, plus 1Gi.
    const fileStorage = Size.gibibytes(Math.ceil(groups / 3) + 1);
    this.nats = new NatsCluster(this, 'nats', {
      replicas: 3, routeAuth: { secretName: 'nats-routes' },
      image: ContainerImage.of('nats', '2.10.22-alpine'),
      resources: { cpu: Cpu.millis(500), memory: Size.gibibytes(1) },
      jetStream: { fileStorage, memoryStorage: Size.mebibytes(256) },
      auth: { accounts: [{ name: 'SHOP', users }] },
      natsBox: false,
      mesh: NatsMeshMode.INSIDE,
    });
    new NackAccount(this, 'nack-account', {
      cluster: this.nats,
      name: NACK_ACCOUNT,
      account: 'SHOP',
      user: { secretName: NATS_USERS_SECRET, userKey: 'nack-username', passwordKey: 'nack' },
    });

    const streams: JetStreamStream[] = [];
    for (let k = 0; k < groups; k++) {
      streams.push(new JetStreamStream(this, `svcgroup${k}`, {
        cluster: this.nats, name: `SVCGROUP${k}`, subjects: [`svcgroup${k}.>`], account: 'SHOP', nackAccount: NACK_ACCOUNT,
        replicas: STREAM_REPLICAS, maxAge: Duration.days(7), maxBytes: Size.mebibytes(STREAM_MAX_BYTES_MI),
        duplicateWindow: Duration.minutes(2), description: `Events of services ${serviceName(k * GROUP_SIZE)}..`,
      }));
    }
    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      new JetStreamConsumer(this, `${name}-consumer`, {
        stream: streams[groupOf(i)], durableName: name, filterSubjects: [`svcgroup${groupOf(i)}.${name}`],
        ackWait: Duration.seconds(30), maxDeliver: 5, maxAckPending: 1000, description: `${name}: its own events`,
      });
    }
  }
}

/** The namespace and the workloads. */
class ScalePlatformChart extends Chart {
  public readonly services: Microservice[] = [];
  /** Canary of service i, when it has one. */
  public readonly canaries = new Map<number, Microservice>();

  constructor(scope: Construct, id: string, services: number, nats: NatsCluster) {
    super(scope, id, { namespace: SCALE_NAMESPACE, labels });
    new NamespaceBaseline(this, 'namespace', {
      ingressNamespaces: [INGRESS_NAMESPACE],
      monitoringNamespaces: [MONITORING_NAMESPACE],
      quotaHeadroomPercent: 20,
      mesh: { sidecarResources: SIDECAR_RESOURCES, cni: true },
      ingress: [{ name: 'nack', namespace: NACK.namespace, ports: [{ port: NATS_PORTS.CLIENT }], workload: nats.servers }],
    });
    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      this.services.push(this.service(nats, name, name, '1.4.2', isExposed(i)));
      if (hasCanary(i)) this.canaries.set(i, this.service(nats, name, `${name}-canary`, '1.5.0-rc.1', isExposed(i)));
    }
  }

  private service(nats: NatsCluster, app: string, name: string, imageTag: string, exposed: boolean): Microservice {
    return new Microservice(this, name, {
      app,
      image: ContainerImage.of(`ghcr.io/acme-shop/${app}`, imageTag),
      resources: SERVICE_RESOURCES,
      replicas: 2,
      ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
      readiness: Probe.httpGet('/health/ready', 8080),
      liveness: Probe.httpGet('/health/live', 8080, { failureThreshold: 6 }),
      env: { NATS_URL: nats.clientUrl, NATS_USER: app },
      secretEnv: [{ name: 'NATS_PASSWORD', from: NATS_USERS_SECRET, key: app }],
      writablePaths: ['/tmp'],
      exposed,
    });
  }
}

/** Gateway, routes, mTLS and authorization. */
class ScaleMeshChart extends Chart {
  constructor(scope: Construct, id: string, services: number, platform: ScalePlatformChart, nats: NatsCluster) {
    super(scope, id, { namespace: SCALE_NAMESPACE, labels });
    const svc = platform.services;
    const gateway = new MeshGateway(this, 'gateway', {
      name: 'shop',
      hosts: ['shop.example.com'],
      tls: { credentialName: 'shop-tls' },
      workloadNamespace: INGRESS_NAMESPACE,
    });

    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      const canary = platform.canaries.get(i);
      const versions: RouteVersion[] | undefined = canary ? [{ workload: svc[i], weight: 90 }, { workload: canary, weight: 10 }] : undefined;
      if (isExposed(i)) {
        new ServiceRoute(this, `${name}-route`, {
          service: svc[i],
          gateways: [gateway],
          versions,
          rules: [{
            name: 'api',
            matches: [{ pathPrefix: `/api/${name}` }],
            timeout: Duration.seconds(10),
            retries: { attempts: 2, perTryTimeout: Duration.seconds(3), retryOn: [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM] },
          }],
          trafficPolicy: {
            connectionPool: { http: { http1MaxPendingRequests: 256, http2MaxRequests: 1024 } },
            outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
          },
        });
      } else {
        new ServiceRoute(this, `${name}-route`, {
          service: svc[i],
          versions,
          rules: [{
            name: 'internal',
            timeout: Duration.seconds(2),
            retries: { attempts: 3, perTryTimeout: Duration.millis(500), retryOn: [RetryOn.CONNECT_FAILURE] },
          }],
          trafficPolicy: {
            outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(5), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
          },
        });
      }
    }

    // Namespace-wide STRICT mTLS; the NATS exporter stays reachable in plain text for Prometheus.
    new MeshTls(this, 'mtls', {
      mode: MtlsMode.STRICT,
      portExceptions: [{ workload: nats.servers, ports: [NATS_PORTS.METRICS], mode: MtlsMode.PERMISSIVE }],
    });

    // Every version of an app calls what the app calls (as the order canary in src/mesh-chart.ts).
    const versionsOf = (j: number): Microservice[] => {
      const canary = platform.canaries.get(j);
      return canary ? [svc[j], canary] : [svc[j]];
    };
    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      const neighbours = (isExposed(i) ? [i - 1, i + 1] : [i - 1, i + 1, i + 2]).map((j) => (j + services) % services);
      const callerApps = [...new Set(neighbours)].filter((j) => j !== i);
      const callers: ServiceCaller[] = [];
      if (isExposed(i)) callers.push({ gateway, paths: [`/api/${name}`, `/api/${name}/*`] });
      for (const j of callerApps) {
        for (const workload of versionsOf(j)) callers.push({ workload, methods: [HttpMethod.GET, HttpMethod.POST] });
      }
      // A single service has no neighbour: the gateway, or its own canary, calls it.
      if (callers.length === 0) callers.push({ workload: platform.canaries.get(i) ?? svc[i], methods: [HttpMethod.GET] });
      // The canary gets the same callers (the gateway routes to it too).
      for (const target of versionsOf(i)) {
        new ServiceAuthorization(this, `${target.name}-authz`, { target, callers: callers.filter((c) => c.workload !== target) });
      }
    }

    // Every service (and canary) reaches NATS; so does the NACK controller.
    const clients: ServiceCaller[] = [];
    for (let i = 0; i < services; i++) for (const workload of versionsOf(i)) clients.push({ workload, ports: [NATS_PORTS.CLIENT] });
    clients.push({ principal: workloadPrincipal(DEFAULT_TRUST_DOMAIN, NACK.namespace, NACK.serviceAccount), ports: [NATS_PORTS.CLIENT] });
    new ServiceAuthorization(this, `${nats.servers.name}-authz`, { target: nats.servers, callers: clients, allowPeers: true });

    new DefaultDeny(this, 'deny', { metricsPorts: [NATS_PORTS.METRICS] });
  }
}

/**
 * Builds the generated platform of `services` microservices into `app` (charts `messaging`,
 * `platform`, `mesh`, all in namespace `shop`, environment `bench`).
 */
export function buildScalePlatform(app: App, services: number): void {
  if (!Number.isInteger(services) || services < 1) throw new Error(`services must be an integer >= 1, got ${services}`);
  markEnvironment(app, SCALE_ENVIRONMENT);
  const messaging = new ScaleMessagingChart(app, 'messaging', services);
  const platform = new ScalePlatformChart(app, 'platform', services, messaging.nats);
  new ScaleMeshChart(app, 'mesh', services, platform, messaging.nats);
}
