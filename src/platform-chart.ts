import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  CLIENT_CA_DIR, ContainerImage, meshProxyConfigAnnotation, natsInboxPrefix, Microservice, NamespaceBaseline, NatsCluster, Volume, PodManagementPolicy, PortProtocol, Probe, StatefulService,
} from '../constructs';
import { AutoscalingSettings, PlatformEnvironment, SERVICE_NAMES, ServiceName } from './environments';
import { NATS_USERS_SECRET } from './messaging-chart';
import { SERVICES } from './services';

/**
 * The e-commerce platform's namespace: its baseline, the five services and the payment ledger
 * database.
 */
export class PlatformChart extends Chart {
  public readonly services: Record<string, Microservice> = {};
  /** The order service's canary version, when the environment runs one. */
  public readonly orderCanary?: Microservice;
  public readonly ledger: StatefulService;

  constructor(scope: Construct, id: string, env: PlatformEnvironment, nats: NatsCluster) {
    super(scope, id, { namespace: env.namespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });

    new NamespaceBaseline(this, 'namespace', {
      ingressNamespaces: [env.ingressGateway.namespace],
      monitoringNamespaces: [env.monitoringNamespace],
      quotaHeadroomPercent: env.quotaHeadroomPercent,
      budget: env.budget,
      mesh: { revision: env.mesh.revision, sidecarResources: env.mesh.sidecar, cni: env.mesh.cni },
    });

    const configs: Record<string, string> = {};
    for (const name of SERVICE_NAMES) {
      const settings = env.services[name];
      configs[name] = new kplus.ConfigMap(this, `${name}-config`, {
        metadata: { name: `${name}-config` },
        data: { LOG_LEVEL: settings.logLevel, ENVIRONMENT: env.name, CLUSTER_DOMAIN: env.clusterDomain },
      }).name;
      this.services[name] = this.service(env, nats, name, name, configs[name], settings.imageTag, settings.replicas, settings.autoscaling);
    }
    const canary = env.mesh.orderCanary;
    if (canary) {
      // A second version of the order app: same `app` label, its own version; the mesh splits
      // the traffic between the two by weight.
      this.orderCanary = this.service(env, nats, 'order', 'order-canary', configs.order, canary.imageTag, canary.replicas, undefined);
    }

    const ledger = env.ledger;
    const pgUser = 'ledger';
    const ready = ['pg_isready', '-U', pgUser, '-d', pgUser, '-h', '127.0.0.1'];
    this.ledger = new StatefulService(this, 'payment-ledger', {
      image: ContainerImage.of('postgres', ledger.imageTag),
      resources: env.sizes[ledger.size],
      replicas: ledger.replicas,
      // The alpine postgres image's own user and group.
      identity: { runAsUser: 70, runAsGroup: 70 },
      ports: [{ name: 'postgres', port: 5432, protocol: PortProtocol.TCP }],
      env: { POSTGRES_USER: pgUser, POSTGRES_DB: pgUser, PGDATA: '/var/lib/postgresql/data/pgdata' },
      secretEnv: [{ name: 'POSTGRES_PASSWORD', from: 'payment-ledger-credentials', key: 'password' }],
      writablePaths: ['/var/run/postgresql', '/tmp'],
      readiness: Probe.exec(ready, { period: Duration.seconds(10) }),
      // Crash recovery replays the WAL for as long as it takes: liveness (2 minutes without an
      // answer) starts only once PostgreSQL accepts connections, or after 10 minutes.
      startup: Probe.exec(ready, { period: Duration.seconds(10), failureThreshold: 60 }),
      liveness: Probe.exec(ready, { period: Duration.seconds(20), failureThreshold: 6 }),
      volumeClaims: [{
        name: 'data', size: ledger.storage, mountPath: '/var/lib/postgresql/data', storageClassName: ledger.storageClassName,
      }],
      podManagementPolicy: PodManagementPolicy.ORDERED_READY,
      terminationGracePeriod: Duration.seconds(60),
      spread: env.spread,
    });
  }

  private service(
    env: PlatformEnvironment, nats: NatsCluster, app: ServiceName, name: string, config: string,
    imageTag: string, replicas: number, autoscaling: AutoscalingSettings | undefined,
  ): Microservice {
    const settings = env.services[app];
    const blueprint = SERVICES[app];
    return new Microservice(this, name, {
      app,
      image: ContainerImage.of(`${env.imageRegistry}/${app}-service`, imageTag),
      resources: env.sizes[settings.size],
      replicas,
      autoscaling,
      ports: [blueprint.port],
      readiness: blueprint.readiness,
      liveness: blueprint.liveness,
      envFromConfigMaps: [config],
      // NATS_INBOX_PREFIX: the only inbox the service's NATS user may subscribe to (its client sets it).
      env: { NATS_URL: nats.clientUrl, NATS_USER: app, NATS_INBOX_PREFIX: natsInboxPrefix(app), ...(nats.clientCa ? { NATS_CA: `${CLIENT_CA_DIR}/${nats.clientCa.key}` } : {}) },
      // The CA of the NATS client listener, without the server key stored beside it.
      mounts: nats.clientCa ? [{ volume: Volume.fromSecret('nats-ca', nats.clientCa.secretName, { keys: [nats.clientCa.key] }), mountPath: CLIENT_CA_DIR }] : undefined,
      secretEnv: [...(blueprint.secretEnv ?? []), { name: 'NATS_PASSWORD', from: NATS_USERS_SECRET, key: app }],
      writablePaths: ['/tmp'],
      exposed: blueprint.exposed,
      spread: env.spread,
      // In the mesh, the service starts once its sidecar runs: it connects to NATS at start-up.
      podAnnotations: { 'shop.example.com/description': blueprint.description, ...meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: true }) },
    });
  }
}
