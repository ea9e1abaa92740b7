import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ContainerImage, Microservice, NamespaceBaseline, NatsCluster, PodManagementPolicy, PortProtocol, Probe, StatefulService,
} from '../constructs';
import { PlatformEnvironment, SERVICE_NAMES } from './environments';
import { NATS_USERS_SECRET } from './messaging-chart';
import { SERVICES } from './services';

/**
 * The e-commerce platform's namespace: its baseline, the five services and the payment ledger
 * database.
 */
export class PlatformChart extends Chart {
  public readonly services: Record<string, Microservice> = {};
  public readonly ledger: StatefulService;

  constructor(scope: Construct, id: string, env: PlatformEnvironment, nats: NatsCluster) {
    super(scope, id, { namespace: env.namespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });

    new NamespaceBaseline(this, 'namespace', {
      ingressNamespaces: [env.ingressNamespace],
      monitoringNamespaces: [env.monitoringNamespace],
      quotaHeadroomPercent: env.quotaHeadroomPercent,
      budget: env.budget,
    });

    for (const name of SERVICE_NAMES) {
      const settings = env.services[name];
      const blueprint = SERVICES[name];
      const config = new kplus.ConfigMap(this, `${name}-config`, {
        metadata: { name: `${name}-config` },
        data: { LOG_LEVEL: settings.logLevel, ENVIRONMENT: env.name, CLUSTER_DOMAIN: env.clusterDomain },
      });
      this.services[name] = new Microservice(this, name, {
        image: ContainerImage.of(`${env.imageRegistry}/${name}-service`, settings.imageTag),
        resources: env.sizes[settings.size],
        replicas: settings.replicas,
        autoscaling: settings.autoscaling,
        ports: [blueprint.port],
        readiness: blueprint.readiness,
        liveness: blueprint.liveness,
        envFromConfigMaps: [config.name],
        env: { NATS_URL: nats.clientUrl, NATS_USER: name },
        secretEnv: [...(blueprint.secretEnv ?? []), { name: 'NATS_PASSWORD', from: NATS_USERS_SECRET, key: name }],
        writablePaths: ['/tmp'],
        exposed: blueprint.exposed,
        spread: env.spread,
        podAnnotations: { 'shop.example.com/description': blueprint.description },
      });
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
      liveness: Probe.exec(ready, { period: Duration.seconds(20), failureThreshold: 6 }),
      volumeClaims: [{
        name: 'data', size: ledger.storage, mountPath: '/var/lib/postgresql/data', storageClassName: ledger.storageClassName,
      }],
      podManagementPolicy: PodManagementPolicy.ORDERED_READY,
      terminationGracePeriod: Duration.seconds(60),
      spread: env.spread,
    });
  }
}
