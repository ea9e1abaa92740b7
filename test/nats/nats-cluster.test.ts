import { Duration, Size } from 'cdk8s';
import {
  CertIssuerKind, ContainerImage, Cpu, NATS_IMAGES, NamespaceBaseline, NatsAuth, NatsCluster, NatsClusterProps, NatsExportKind, NatsMeshMode,
  NatsTls, TopologySpread,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { allOfKind, expectConfigError, one, podSpec, setup, synth } from '../workloads/helpers';

// Targeted asserts on what the official NATS chart deploys, what the library adds on top, and
// one test per validation rule of NatsCluster (constructs/nats/nats-cluster.ts) with its message.

const MI = 2 ** 20;
const GI = 2 ** 30;
const P = '[test] c/nats';

/** Route authorization from the Secret nats-routes. */
const ROUTE_AUTH = { secretName: 'nats-routes' };

/**
 * The props with route authorization added for a cluster that has neither it nor TLS on its
 * routes (refused otherwise); `routeAuth: undefined` given explicitly is kept.
 */
function routed(props: NatsClusterProps): NatsClusterProps {
  return (props.replicas ?? 1) > 1 && !props.tls?.cluster && !('routeAuth' in props) ? { ...props, routeAuth: ROUTE_AUTH } : props;
}

function build(props: NatsClusterProps = {}, id = 'nats') {
  const { chart } = setup();
  const cluster = new NatsCluster(chart, id, routed(props));
  return { chart, cluster, m: synth(chart) };
}

/**
 * Like build, in a namespace whose baseline denies by default: the nats-box of a standalone
 * server is a declared caller of it, and the graph's checks want the servers closed to others.
 */
function buildClosed(props: NatsClusterProps = {}) {
  const { chart } = setup();
  new NamespaceBaseline(chart, 'ns', {});
  const cluster = new NatsCluster(chart, 'nats', routed(props));
  return { chart, cluster, m: synth(chart) };
}

/** Builds a NatsCluster in a fresh chart (for validation tests). */
function make(props: NatsClusterProps): NatsCluster {
  const { chart } = setup();
  return new NatsCluster(chart, 'nats', routed(props));
}

const statefulSet = (m: any[]) => one(m, 'StatefulSet', 'nats');
const container = (m: any[], name: string) => {
  const c = podSpec(statefulSet(m)).containers.find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const server = (m: any[]) => container(m, 'nats');
const volume = (m: any[], name: string) => (podSpec(statefulSet(m)).volumes ?? []).find((v: any) => v.name === name);
const envOf = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name);
const servicePorts = (m: any[], name: string) => one(m, 'Service', name).spec.ports;

const AUTH: NatsAuth = {
  accounts: [
    {
      name: 'ORDERS',
      users: [
        {
          name: 'orders-svc',
          passwordFrom: { secretName: 'nats-users', key: 'orders' },
          permissions: { publishAllow: ['orders.>'], subscribeAllow: ['orders.>', '_INBOX.>'], allowResponses: true },
        },
        { name: 'edge', nkeyFrom: { secretName: 'nats-users', key: 'edge-nkey' } },
      ],
      exports: [{ subject: 'orders.events.>', kind: NatsExportKind.STREAM }, { subject: 'orders.api.get', kind: NatsExportKind.SERVICE }],
    },
    {
      name: 'BILLING',
      users: [{ name: 'billing-svc', passwordFrom: { secretName: 'nats-users', key: 'billing' }, permissions: { publishDeny: ['orders.>'] } }],
      imports: [
        { account: 'ORDERS', subject: 'orders.events.>', kind: NatsExportKind.STREAM },
        { account: 'ORDERS', subject: 'orders.api.get', kind: NatsExportKind.SERVICE, localSubject: 'billing.orders.get' },
      ],
    },
  ],
  noAuthUser: 'billing-svc',
};

/** Every feature at once; TLS on every listener from cert-manager. */
function everything(extra: Partial<NatsClusterProps> = {}): NatsClusterProps {
  return {
    replicas: 3,
    serverVersion: '2.9.10',
    resources: { cpu: Cpu.millis(1000), memory: Size.gibibytes(2) },
    jetStream: { fileStorage: Size.gibibytes(20), storageClassName: 'fast', memoryStorage: Size.mebibytes(512) },
    tls: {
      client: NatsTls.fromCertManager('ca-issuer'),
      cluster: NatsTls.fromCertManager('ca-issuer'),
      leafnodes: NatsTls.fromCertManager('ca-issuer'),
      gateway: NatsTls.fromCertManager('ca-issuer'),
      websocket: NatsTls.fromCertManager('ca-issuer'),
      mqtt: NatsTls.fromCertManager('ca-issuer'),
    },
    auth: AUTH,
    leafnodeListener: true,
    leafnodeRemotes: [{ urls: ['tls://hub.example.com:7422'], account: 'ORDERS', credentialsFrom: { secretName: 'hub-creds', key: 'leaf.creds' }, tls: true }],
    gateways: [{ name: 'eu', urls: ['nats://nats.eu.example.com:7222'] }],
    websocket: true,
    websocketAllowedOrigins: ['https://shop.example.com'],
    mqtt: true,
    limits: { maxPayload: Size.mebibytes(8), maxPending: Size.mebibytes(128), maxConnections: 10000 },
    natsBox: true,
    mesh: NatsMeshMode.INSIDE,
    ...extra,
  };
}

describe('NatsCluster: ConfigMap and Services', () => {
  test('ConfigMap <name>-config holds the rendered nats.conf and nothing else', () => {
    const { m, cluster } = build({ replicas: 3 });
    const cm = one(m, 'ConfigMap', 'nats-config');
    expect(Object.keys(cm.data)).toEqual(['nats.conf']);
    expect(cm.data['nats.conf']).toBe(cluster.configText);
    expect(cm.metadata.namespace).toBe('shop');
    expect(cluster.configMap.name).toBe('nats-config');
    expect(allOfKind(m, 'ConfigMap')).toHaveLength(1);
  });

  test('headless Service: clusterIP None, publishNotReadyAddresses, every port including cluster and monitor', () => {
    const { m, cluster } = build({ replicas: 3 });
    const svc = one(m, 'Service', 'nats-headless');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.selector).toEqual({ app: 'nats' });
    expect(svc.spec.ports).toEqual([
      { name: 'nats', port: 4222, targetPort: 'nats', protocol: 'TCP', appProtocol: 'tcp' },
      { name: 'monitor', port: 8222, targetPort: 'monitor', protocol: 'TCP', appProtocol: 'http' },
      { name: 'cluster', port: 6222, targetPort: 'cluster', protocol: 'TCP', appProtocol: 'tcp' },
    ]);
    expect(cluster.headlessServiceName).toBe('nats-headless');
  });

  test('client Service: named after the cluster, no cluster, monitor or gateway port', () => {
    const { m } = build({ replicas: 3 });
    const svc = one(m, 'Service', 'nats');
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports).toEqual([{ name: 'nats', port: 4222, targetPort: 'nats', protocol: 'TCP', appProtocol: 'tcp' }]);
  });

  test('with every listener: headless has all of them, the client Service all but cluster, monitor and gateway', () => {
    const { m } = build(everything());
    expect(servicePorts(m, 'nats-headless').map((p: any) => [p.name, p.port])).toEqual([
      ['nats', 4222], ['monitor', 8222], ['cluster', 6222], ['leafnodes', 7422], ['gateway', 7222], ['websocket', 8080], ['mqtt', 1883],
    ]);
    expect(servicePorts(m, 'nats').map((p: any) => [p.name, p.port])).toEqual([
      ['nats', 4222], ['leafnodes', 7422], ['websocket', 8080], ['mqtt', 1883],
    ]);
    // The exporter's port is scraped through the PodMonitor, never exposed on a Service.
    for (const svc of allOfKind(m, 'Service')) expect(svc.spec.ports.map((p: any) => p.name)).not.toContain('prom-metrics');
  });

  test('appProtocol on every Service port: NATS ports and MQTT are tcp (server-first under Istio), monitor http, WebSocket an HTTP upgrade', () => {
    const expected = (wsTls: boolean): Record<string, string> => ({
      nats: 'tcp', cluster: 'tcp', leafnodes: 'tcp', gateway: 'tcp', mqtt: 'tcp', monitor: 'http', websocket: wsTls ? 'https' : 'http',
    });
    for (const [props, wsTls] of [
      [everything(), true],
      [everything({ tls: undefined, leafnodeRemotes: undefined }), false],
    ] as const) {
      const { m } = build(props);
      const services = allOfKind(m, 'Service');
      expect(services).toHaveLength(2);
      for (const svc of services) {
        for (const p of svc.spec.ports) {
          expect([svc.metadata.name, p.name, p.protocol, p.appProtocol]).toEqual([svc.metadata.name, p.name, 'TCP', expected(wsTls)[p.name]]);
        }
      }
    }
  });

  test('a standalone server has no cluster port; a standalone server with gateways opens it for the gateway cluster name', () => {
    expect(servicePorts(build().m, 'nats-headless').map((p: any) => p.name)).toEqual(['nats', 'monitor']);
    const gw = build({ gateways: [{ name: 'eu', urls: ['nats://eu:7222'] }] });
    expect(servicePorts(gw.m, 'nats-headless').map((p: any) => p.name)).toEqual(['nats', 'monitor', 'cluster', 'gateway']);
    expect(gw.cluster.configText).toContain('cluster {\n  name: "nats"\n  port: 6222\n  no_advertise: true\n}\n');
  });
});

describe('NatsCluster: StatefulSet', () => {
  test('Parallel, governed by the headless Service, replicas, 60s grace, shared process namespace, no service links', () => {
    const { m, cluster } = build({ replicas: 3 });
    const ss = statefulSet(m);
    expect(ss.spec.podManagementPolicy).toBe('Parallel');
    expect(ss.spec.serviceName).toBe('nats-headless');
    expect(ss.spec.replicas).toBe(3);
    const spec = podSpec(ss);
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.shareProcessNamespace).toBe(true);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(cluster.replicas).toBe(3);
    expect(cluster.jetStreamServers).toBe(3);
  });

  test('volumeClaimTemplate jetstream with the file storage size and StorageClass, mounted at /data', () => {
    const { m } = build({ replicas: 3, jetStream: { fileStorage: Size.gibibytes(20), storageClassName: 'fast' } });
    const ss = statefulSet(m);
    expect(ss.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'jetstream', labels: { 'app.kubernetes.io/name': 'nats' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } } },
    }]);
    expect(server(m).volumeMounts).toContainEqual({ name: 'jetstream', mountPath: '/data', readOnly: false });
    expect(ss.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('default JetStream volume is 10Gi in the default StorageClass; none without JetStream', () => {
    const ss = statefulSet(build().m);
    expect(ss.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    const off = build({ enableJetStream: false });
    expect(statefulSet(off.m).spec.volumeClaimTemplates).toBeUndefined();
    expect(off.cluster.configText).not.toContain('jetstream');
    expect(off.cluster.jetStreamServers).toBe(0);
    expect(off.cluster.maxFileStoreBytes).toBe(0);
    expect(off.cluster.maxMemoryStoreBytes).toBe(0);
  });

  test('server container: config argument, SERVER_NAME from the pod name, GOMEMLIMIT, requests = limits', () => {
    const { m, cluster } = build();
    const c = server(m);
    expect(c.image).toBe(NATS_IMAGES.SERVER.reference);
    expect(c.args).toEqual(['--config', '/etc/nats-config/nats.conf']);
    expect(envOf(c, 'SERVER_NAME')).toEqual({ name: 'SERVER_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(envOf(c, 'GOMEMLIMIT')).toEqual({ name: 'GOMEMLIMIT', value: '921MiB' });
    expect(cluster.goMemLimit).toBe('921MiB');
    expect(c.resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '1Gi', 'ephemeral-storage': '256Mi' },
      limits: { 'cpu': '500m', 'memory': '1Gi', 'ephemeral-storage': '256Mi' },
    });
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/nats-config', readOnly: true });
    expect(volume(m, 'config')).toEqual({ name: 'config', configMap: { name: 'nats-config', defaultMode: 0o444 } });
  });

  test.each([
    ['1Gi', Size.gibibytes(1), '921MiB'],
    ['2Gi', Size.gibibytes(2), '1843MiB'],
    ['1536Mi', Size.mebibytes(1536), '1382MiB'],
    ['4Gi', Size.gibibytes(4), '3686MiB'],
  ])('GOMEMLIMIT is 90%% of a %s memory limit, in whole MiB', (_, memory, limit) => {
    const { m } = build({ resources: { cpu: Cpu.millis(1000), memory } });
    expect(envOf(server(m), 'GOMEMLIMIT').value).toBe(limit);
    expect(server(m).resources.requests).toEqual(server(m).resources.limits);
  });

  test('lame duck shutdown: preStop signals ldm through the pid file on an emptyDir shared with the reloader', () => {
    const { m, cluster } = build();
    const c = server(m);
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['nats-server', '-sl=ldm=/var/run/nats/nats.pid'] } } });
    expect(cluster.configText).toContain('pid_file: "/var/run/nats/nats.pid"\n');
    expect(cluster.configText).toContain('lame_duck_duration: 30s\nlame_duck_grace_period: 10s\n');
    expect(volume(m, 'pid')).toEqual({ name: 'pid', emptyDir: { sizeLimit: '1Mi' } });
    for (const name of ['nats', 'reloader']) {
      expect(container(m, name).volumeMounts).toContainEqual({ name: 'pid', mountPath: '/var/run/nats', readOnly: false });
    }
  });

  test('probes exactly as the chart: startup /healthz, readiness js-server-only, liveness js-enabled-only every 30s', () => {
    const c = server(build({ replicas: 3 }).m);
    expect(c.startupProbe).toEqual({
      httpGet: { path: '/healthz', port: 8222 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/healthz?js-server-only=true', port: 8222 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
    });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/healthz?js-enabled-only=true', port: 8222 }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3,
    });
  });

  test.each([
    ['JetStream off', { enableJetStream: false }],
    ['serverVersion 2.9.9 (query strings need 2.9.10)', { serverVersion: '2.9.9' }],
    ['an image of 2.9.9', { image: ContainerImage.of('nats', '2.9.9-alpine') }],
  ])('plain /healthz for readiness and liveness with %s', (_, props) => {
    const c = server(build(props).m);
    expect(c.readinessProbe.httpGet.path).toBe('/healthz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.livenessProbe.periodSeconds).toBe(30);
    expect(c.startupProbe.failureThreshold).toBe(90);
  });

  test('serverVersion 2.9.10 keeps the query strings', () => {
    expect(server(build({ serverVersion: '2.9.10' }).m).readinessProbe.httpGet.path).toBe('/healthz?js-server-only=true');
  });

  test('config reloader sidecar: pinned image, resources, watches nats.conf through the pid file', () => {
    const { m } = build();
    const r = container(m, 'reloader');
    expect(r.image).toBe('natsio/nats-server-config-reloader:0.16.0');
    expect(r.resources).toEqual({
      requests: { 'cpu': '20m', 'memory': '32Mi', 'ephemeral-storage': '32Mi' },
      limits: { 'cpu': '20m', 'memory': '32Mi', 'ephemeral-storage': '32Mi' },
    });
    expect(r.args).toEqual(['-pid', '/var/run/nats/nats.pid', '-config', '/etc/nats-config/nats.conf']);
    expect(r.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/nats-config', readOnly: true });
  });

  test('exporter sidecar: port 7777 prom-metrics, resources, scrapes the monitor port', () => {
    const { m } = build();
    const e = container(m, 'exporter');
    expect(e.image).toBe('natsio/prometheus-nats-exporter:0.15.0');
    expect(e.ports).toEqual([{ name: 'prom-metrics', containerPort: 7777, protocol: 'TCP' }]);
    expect(e.resources).toEqual({
      requests: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '32Mi' },
      limits: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '32Mi' },
    });
    expect(e.args).toEqual(['-port=7777', '-connz', '-routez', '-subz', '-varz', '-prefix=nats', '-use_internal_server_id', '-jsz=all', 'http://localhost:8222/']);
  });

  test('exporter collects leafnode and gateway metrics when those are configured, no JetStream metrics without JetStream', () => {
    const args = container(build({ enableJetStream: false, leafnodeListener: true, gateways: [{ name: 'eu', urls: ['nats://eu:7222'] }] }).m, 'exporter').args;
    expect(args).toEqual(['-port=7777', '-connz', '-routez', '-subz', '-varz', '-prefix=nats', '-use_internal_server_id', '-leafz', '-gatewayz', 'http://localhost:8222/']);
  });

  test('PodMonitor (monitoring.coreos.com/v1) selects the NATS pods on prom-metrics', () => {
    const { m } = build({ replicas: 3 });
    const pm = one(m, 'PodMonitor', 'nats');
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pm.metadata.namespace).toBe('shop');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'prom-metrics', path: '/metrics' }]);
    const ss = statefulSet(m);
    expect(pm.spec.selector).toEqual(ss.spec.selector);
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(ss.spec.template.metadata.labels[k]).toBe(v);
  });

  test('sidecars and PodMonitor can be turned off', () => {
    const none = build({ configReloader: false, exporter: false });
    expect(podSpec(statefulSet(none.m)).containers.map((c: any) => c.name)).toEqual(['nats']);
    expect(allOfKind(none.m, 'PodMonitor')).toEqual([]);
    const noMonitor = build({ podMonitor: false });
    expect(podSpec(statefulSet(noMonitor.m)).containers.map((c: any) => c.name)).toEqual(['nats', 'reloader', 'exporter']);
    expect(allOfKind(noMonitor.m, 'PodMonitor')).toEqual([]);
    // A PodMonitor without the exporter would scrape nothing.
    expect(allOfKind(build({ exporter: false, podMonitor: true }).m, 'PodMonitor')).toEqual([]);
  });

  test('PodDisruptionBudget maxUnavailable 1 only when replicas > 1', () => {
    expect(allOfKind(build().m, 'PodDisruptionBudget')).toEqual([]);
    const pdb = one(build({ replicas: 3 }).m, 'PodDisruptionBudget', 'nats');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } } });
  });

  test('clusters spread over zones (hard) and nodes (soft) by default; one server does not; spread can be set', () => {
    const constraints = podSpec(statefulSet(build({ replicas: 3 }).m)).topologySpreadConstraints;
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'nats' } };
    expect(constraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
    ]);
    expect(podSpec(statefulSet(build().m)).topologySpreadConstraints).toBeUndefined();
    expect(podSpec(statefulSet(build({ replicas: 3, spread: TopologySpread.NODES }).m)).topologySpreadConstraints)
      .toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }]);
  });

  test('restricted pod security on every pod and container, resources on every container', () => {
    const { m } = build(everything());
    const controllers = [...allOfKind(m, 'StatefulSet'), ...allOfKind(m, 'Deployment')];
    expect(controllers.map((c) => c.metadata.name)).toEqual(['nats', 'nats-box']);
    for (const ctl of controllers) {
      const spec = podSpec(ctl);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.hostNetwork ?? false).toBe(false);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect([c.name, c.securityContext]).toEqual([c.name, {
          allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
        }]);
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits).toEqual(c.resources.requests);
      }
      for (const v of spec.volumes ?? []) expect(v.hostPath).toBeUndefined();
    }
  });
});

describe('NatsCluster: nats.conf basics', () => {
  test('server_name from SERVER_NAME, ports, JetStream sizes: 90% of the volume, a quarter of the memory limit', () => {
    const { cluster } = build();
    const text = cluster.configText;
    expect(text).toContain('\nserver_name: $SERVER_NAME\nport: 4222\nhttp_port: 8222\n');
    expect(text).toContain(`jetstream {\n  store_dir: "/data"\n  max_file_store: ${Math.floor(10 * GI * 0.9)}\n  max_memory_store: ${256 * MI}\n}\n`);
    expect(cluster.maxFileStoreBytes).toBe(Math.floor(10 * GI * 0.9));
    expect(cluster.maxMemoryStoreBytes).toBe(256 * MI);
    expect(text).not.toContain('cluster {');
  });

  test('explicit memory storage and domain', () => {
    const { cluster } = build({ resources: { cpu: Cpu.millis(500), memory: Size.gibibytes(2) }, jetStream: { memoryStorage: Size.mebibytes(768), domain: 'hub' } });
    expect(cluster.configText).toContain(`  max_memory_store: ${768 * MI}\n  domain: "hub"\n}`);
  });

  test('cluster block: name, port, no_advertise, one route per pod by its stable DNS name', () => {
    // Mutual TLS on the routes: the route URLs are written in the config (with routeAuth they come from the environment).
    const { cluster } = build({ replicas: 3, clusterDomain: 'k8s.example', tls: { cluster: NatsTls.fromSecret('nats-cluster-tls') } });
    expect(cluster.configText).toContain([
      'cluster {',
      '  name: "nats"',
      '  port: 6222',
      '  no_advertise: true',
      '  routes: [',
      '    "nats://nats-0.nats-headless.shop.svc.k8s.example:6222"',
      '    "nats://nats-1.nats-headless.shop.svc.k8s.example:6222"',
      '    "nats://nats-2.nats-headless.shop.svc.k8s.example:6222"',
      '  ]',
      '  tls {',
    ].join('\n'));
    expect(cluster.podHostnames).toEqual([0, 1, 2].map((i) => `nats-${i}.nats-headless.shop.svc.k8s.example`));
    expect(cluster.clientUrl).toBe('nats://nats.shop.svc.k8s.example:4222');
    expect(cluster.clusterName).toBe('nats');
    expect(cluster.namespaceName).toBe('shop');
  });

  test('name prop names every object', () => {
    const { m } = build({ name: 'events', replicas: 3 }, 'Nats');
    expect(allOfKind(m, 'Service').map((s) => s.metadata.name).sort()).toEqual(['events', 'events-headless']);
    expect(one(m, 'StatefulSet').metadata.name).toBe('events');
    expect(one(m, 'ConfigMap').metadata.name).toBe('events-config');
    expect(one(m, 'PodMonitor').metadata.name).toBe('events');
  });

  test('limits are rendered as whole bytes', () => {
    const { cluster } = build({ limits: { maxPayload: Size.mebibytes(8), maxPending: Size.mebibytes(128), maxConnections: 10000 } });
    expect(cluster.configText).toContain(`max_payload: ${8 * MI}\nmax_pending: ${128 * MI}\nmax_connections: 10000\n`);
  });
});

describe('NatsCluster: nats-box and mesh modes', () => {
  test('nats-box Deployment with NATS_URL when natsBox, none by default', () => {
    expect(allOfKind(build().m, 'Deployment')).toEqual([]);
    const { m, cluster } = build({ natsBox: true, replicas: 3 });
    const box = one(m, 'Deployment', 'nats-box');
    const c = podSpec(box).containers[0];
    expect(c.image).toBe('natsio/nats-box:0.14.5');
    expect(envOf(c, 'NATS_URL')).toEqual({ name: 'NATS_URL', value: 'nats://nats.shop.svc.cluster.local:4222' });
    expect(envOf(c, 'NATS_URL').value).toBe(cluster.clientUrl);
    expect(c.resources.requests).toEqual(c.resources.limits);
    expect(cluster.box).toBeDefined();
  });

  test('nats-box trusts the client CA when client TLS is on, and mounts only the CA', () => {
    const { m, cluster } = buildClosed({ natsBox: true, tls: { client: NatsTls.fromSecret('nats-client-tls') } });
    const spec = podSpec(one(m, 'Deployment', 'nats-box'));
    expect(cluster.clientCa).toEqual({ secretName: 'nats-client-tls', key: 'ca.crt' });
    expect(cluster.clientUrl).toBe('tls://nats.shop.svc.cluster.local:4222');
    expect(envOf(spec.containers[0], 'NATS_CA')).toEqual({ name: 'NATS_CA', value: '/etc/nats-ca/ca.crt' });
    expect(envOf(spec.containers[0], 'NATS_URL')).toEqual({ name: 'NATS_URL', value: 'tls://nats.shop.svc.cluster.local:4222' });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'nats-ca', mountPath: '/etc/nats-ca', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'nats-ca', secret: { secretName: 'nats-client-tls', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  });

  test('NONE: no Istio label or annotation', () => {
    const t = statefulSet(build({ replicas: 3 }).m).spec.template;
    expect(t.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
    expect(t.metadata.annotations).toBeUndefined();
  });

  test('OUTSIDE: sidecar injection off on the NATS and nats-box pods', () => {
    const { m } = build({ replicas: 3, natsBox: true, mesh: NatsMeshMode.OUTSIDE });
    expect(statefulSet(m).spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(one(m, 'Deployment', 'nats-box').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(statefulSet(m).spec.template.metadata.annotations).toBeUndefined();
  });

  test('INSIDE: the route port is left out of capture, by annotations on the pod template', () => {
    const { m } = build({ replicas: 3, mesh: NatsMeshMode.INSIDE });
    const ss = statefulSet(m);
    expect(ss.spec.template.metadata.annotations).toEqual({
      'traffic.sidecar.istio.io/excludeInboundPorts': '6222',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '6222',
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"40s"}',
    });
    expect(ss.metadata.annotations).toBeUndefined();
    expect(ss.spec.template.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
  });
});

describe('NatsCluster: route authorization', () => {
  const ROUTES_ENV = (domain = 'cluster.local') => `[${[0, 1, 2].map((i) => `"nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@nats-${i}.nats-headless.shop.svc.${domain}:6222"`).join(', ')}]`;

  test('routeAuth: an authorization block, routes from $NATS_ROUTES, which Kubernetes composes from the Secret read with envFrom', () => {
    const { m, cluster } = build({ replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    expect(cluster.configText).toContain([
      'cluster {',
      '  name: "nats"',
      '  port: 6222',
      '  no_advertise: true',
      '  routes: $NATS_ROUTES',
      '  authorization {',
      '    user: $NATS_ROUTE_USER',
      '    password: $NATS_ROUTE_PASSWORD',
      '  }',
      '}',
    ].join('\n'));
    const c = server(m);
    // envFrom is resolved before every env entry, so NATS_ROUTES can refer to the Secret's keys.
    expect(c.envFrom).toEqual([{ secretRef: { name: 'nats-routes' } }]);
    expect(envOf(c, 'NATS_ROUTES')).toEqual({ name: 'NATS_ROUTES', value: ROUTES_ENV() });
    expect(c.env.map((e: any) => e.name)).toEqual(['GOMEMLIMIT', 'NATS_ROUTES', 'SERVER_NAME']);
    expect(cluster.routeAuthSecretName).toBe('nats-routes');
    expect(cluster.configVariables).toEqual(['NATS_ROUTES', 'NATS_ROUTE_USER', 'NATS_ROUTE_PASSWORD']);
    expect(cluster.secretEnv).toEqual([]);
    expect(allOfKind(m, 'Secret')).toEqual([]);
  });

  test('mutual TLS on the routes instead: no authorization block, the route URLs in the config, no envFrom', () => {
    const { m, cluster } = build({ replicas: 3, tls: { cluster: NatsTls.fromSecret('nats-cluster-tls') } });
    expect(cluster.configText).not.toContain('authorization');
    expect(cluster.configText).toContain('  routes: [\n    "nats://nats-0.nats-headless.shop.svc.cluster.local:6222"\n');
    expect(cluster.configText).toContain('  tls {\n    cert_file: "/etc/nats-certs/cluster/tls.crt"\n    key_file: "/etc/nats-certs/cluster/tls.key"\n    ca_file: "/etc/nats-certs/cluster/ca.crt"\n    verify: true\n');
    expect(server(m).envFrom).toBeUndefined();
    expect(envOf(server(m), 'NATS_ROUTES')).toBeUndefined();
    expect([cluster.routeAuthSecretName, cluster.configVariables]).toEqual([undefined, []]);
  });

  test('both: credentials and mutual TLS on the routes', () => {
    const { cluster } = build({ replicas: 3, routeAuth: { secretName: 'nats-routes' }, tls: { cluster: NatsTls.fromSecret('nats-cluster-tls') } });
    expect(cluster.configText).toMatch(/ {2}routes: \$NATS_ROUTES\n {2}authorization \{\n[^}]*\}\n {2}tls \{\n/);
  });

  test('a single server with gateways: its route listener is authorized, there are no routes', () => {
    const { m, cluster } = build({ routeAuth: { secretName: 'nats-routes' }, gateways: [{ name: 'eu', urls: ['nats://nats.eu.example.com:7222'] }] });
    expect(cluster.configText).toContain('  no_advertise: true\n  authorization {\n    user: $NATS_ROUTE_USER\n');
    expect(cluster.configText).not.toContain('routes');
    expect(envOf(server(m), 'NATS_ROUTES')).toBeUndefined();
    expect(server(m).envFrom).toEqual([{ secretRef: { name: 'nats-routes' } }]);
    expect(cluster.configVariables).toEqual(['NATS_ROUTE_USER', 'NATS_ROUTE_PASSWORD']);
  });

  test('rule: a cluster authorizes its routes, with credentials or mutual TLS', () => {
    expectConfigError(() => make({ replicas: 3, routeAuth: undefined }),
      `${P}: routeAuth: received nothing; allowed: route authorization (routeAuth: a Secret with NATS_ROUTE_USER and NATS_ROUTE_PASSWORD) or mutual TLS on the routes (tls.cluster) `
      + 'for a cluster of 3 servers: otherwise any pod that reaches port 6222 joins the cluster and receives every message and JetStream replica');
  });

  test('rule: route authorization only where routes are listened for', () => {
    expectConfigError(() => make({ routeAuth: { secretName: 'nats-routes' } }),
      `${P}: routeAuth.secretName: received "nats-routes"; allowed: route authorization only on a cluster (replicas > 1) or with gateways: a single server listens for no routes`);
  });

  test('rule: routeAuth.secretName names a Secret', () => {
    expectConfigError(() => make({ replicas: 3, routeAuth: { secretName: 'NATS_ROUTES' } }),
      `${P}: routeAuth.secretName: received "NATS_ROUTES"; allowed: the name of a Secret in the cluster's namespace (a DNS-1123 name)`);
  });
});

describe('NatsCluster: the sidecar outlasts the lame duck (mesh INSIDE)', () => {
  const proxyConfig = (m: any[]) => statefulSet(m).spec.template.metadata.annotations['proxy.istio.io/config'];

  test('terminationDrainDuration = lameDuckDuration + lameDuckGracePeriod, at most the termination grace period', () => {
    expect(proxyConfig(build({ replicas: 3, mesh: NatsMeshMode.INSIDE }).m))
      .toBe('{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"40s"}');
    const long = build({
      replicas: 3, mesh: NatsMeshMode.INSIDE, lameDuckDuration: Duration.seconds(45), lameDuckGracePeriod: Duration.seconds(15), terminationGracePeriod: Duration.seconds(50),
    });
    expect(proxyConfig(long.m)).toBe('{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"50s"}');
    expect(podSpec(statefulSet(long.m)).terminationGracePeriodSeconds).toBe(50);
  });

  test('podAnnotations are added to the pods; a proxy.istio.io/config of your own replaces the cluster\'s', () => {
    const own = 'terminationDrainDuration: 45s\nconcurrency: 2\nproxyMetadata:\n  ISTIO_META_DNS_CAPTURE: "true"\n';
    const { m } = build({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': own, 'example.com/team': 'messaging' } });
    expect(statefulSet(m).spec.template.metadata.annotations).toEqual({
      'traffic.sidecar.istio.io/excludeInboundPorts': '6222',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '6222',
      'proxy.istio.io/config': own,
      'example.com/team': 'messaging',
    });
    expect(statefulSet(build({ podAnnotations: { 'example.com/team': 'messaging' } }).m).spec.template.metadata.annotations)
      .toEqual({ 'example.com/team': 'messaging' });
    // JSON and a YAML flow mapping are read too.
    expect(proxyConfig(build({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': '{"terminationDrainDuration":"30s"}' } }).m))
      .toBe('{"terminationDrainDuration":"30s"}');
    expect(proxyConfig(build({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': '{ terminationDrainDuration: 31.5s }' } }).m))
      .toBe('{ terminationDrainDuration: 31.5s }');
  });

  test('rule: a drain of your own at least lameDuckDuration', () => {
    expectConfigError(() => make({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': '{"terminationDrainDuration":"10s"}' } }),
      `${P}: podAnnotations["proxy.istio.io/config"]: received "terminationDrainDuration 10s"; allowed: a terminationDrainDuration of at least lameDuckDuration (30s), such as 40s: `
      + 'clients reach the server through its sidecar, which closes every connection at once when its drain ends, while nats-server is still in lame duck moving its clients away one by one');
  });

  test('rule: a proxy config of your own without a drain leaves Istio\'s 5s', () => {
    expectConfigError(() => make({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': 'holdApplicationUntilProxyStarts: true\n' } }),
      `${P}: podAnnotations["proxy.istio.io/config"]: received "no terminationDrainDuration (Istio's default, 5s)"; allowed: a terminationDrainDuration of at least lameDuckDuration (30s), such as 40s: `
      + 'clients reach the server through its sidecar, which closes every connection at once when its drain ends, while nats-server is still in lame duck moving its clients away one by one');
  });

  test('rule: a drain Istio can read', () => {
    expectConfigError(() => make({ replicas: 3, mesh: NatsMeshMode.INSIDE, podAnnotations: { 'proxy.istio.io/config': 'terminationDrainDuration: 1m' } }),
      `${P}: podAnnotations["proxy.istio.io/config"]: received "terminationDrainDuration: 1m"; allowed: terminationDrainDuration as seconds with an "s", such as 40s `
      + '(received "1m": Istio refuses other forms and the injection fails)');
  });

  test('outside the mesh the annotation is not the cluster\'s business', () => {
    const { m } = build({ replicas: 3, mesh: NatsMeshMode.OUTSIDE, podAnnotations: { 'proxy.istio.io/config': '{"terminationDrainDuration":"5s"}' } });
    expect(proxyConfig(m)).toBe('{"terminationDrainDuration":"5s"}');
  });
});

describe('NatsCluster: TLS', () => {
  const TLS_BLOCK = (dir: string, indent: string, verify: boolean, ca = 'ca.crt') => [
    `${indent}tls {`,
    `${indent}  cert_file: "/etc/nats-certs/${dir}/tls.crt"`,
    `${indent}  key_file: "/etc/nats-certs/${dir}/tls.key"`,
    `${indent}  ca_file: "/etc/nats-certs/${dir}/${ca}"`,
    ...(verify ? [`${indent}  verify: true`] : []),
    `${indent}  timeout: 3`,
    `${indent}}`,
  ].join('\n');

  const fromSecrets = () => build({
    replicas: 3,
    tls: {
      client: NatsTls.fromSecret('client-tls', { caKey: 'bundle.pem' }),
      cluster: NatsTls.fromSecret('cluster-tls'),
      leafnodes: NatsTls.fromSecret('leaf-tls'),
      gateway: NatsTls.fromSecret('gw-tls'),
      websocket: NatsTls.fromSecret('ws-tls'),
      mqtt: NatsTls.fromSecret('mqtt-tls', { verifyClients: true }),
    },
    leafnodeListener: true,
    gateways: [{ name: 'eu', urls: ['nats://eu:7222'] }],
    websocket: true,
    mqtt: true,
  });

  test('fromSecret mounts each Secret at /etc/nats-certs/<listener> in the server and the reloader', () => {
    const { m } = fromSecrets();
    const listeners = { client: 'client-tls', cluster: 'cluster-tls', leafnodes: 'leaf-tls', gateway: 'gw-tls', websocket: 'ws-tls', mqtt: 'mqtt-tls' };
    for (const [listener, secretName] of Object.entries(listeners)) {
      expect(volume(m, `tls-${listener}`)).toEqual({ name: `tls-${listener}`, secret: { secretName, defaultMode: 0o440 } });
      for (const c of ['nats', 'reloader']) {
        expect(container(m, c).volumeMounts).toContainEqual({ name: `tls-${listener}`, mountPath: `/etc/nats-certs/${listener}`, readOnly: true });
      }
    }
    expect(allOfKind(m, 'Certificate')).toEqual([]);
    expect(allOfKind(m, 'Secret')).toEqual([]);
  });

  test('fromSecret renders cert_file, key_file, ca_file per listener, verify for cluster and gateway (and verifyClients)', () => {
    const text = fromSecrets().cluster.configText;
    expect(text).toContain(`lame_duck_grace_period: 10s\n${TLS_BLOCK('client', '', false, 'bundle.pem')}\ncluster {`);
    expect(text).toContain(`${TLS_BLOCK('cluster', '  ', true)}\n}\njetstream {`);
    expect(text).toContain(`leafnodes {\n  port: 7422\n  no_advertise: true\n${TLS_BLOCK('leafnodes', '  ', false)}\n}`);
    expect(text).toContain(`gateway {\n  name: "nats"\n  port: 7222\n${TLS_BLOCK('gateway', '  ', true)}\n  gateways: [`);
    expect(text).toContain(`websocket {\n  port: 8080\n${TLS_BLOCK('websocket', '  ', false)}\n}`);
    expect(text).toContain(`mqtt {\n  port: 1883\n${TLS_BLOCK('mqtt', '  ', true)}\n  stream_replicas: 3`);
    expect(text).not.toContain('no_tls');
  });

  test('the reloader watches every certificate and key', () => {
    const args = container(fromSecrets().m, 'reloader').args;
    expect(args).toEqual([
      '-pid', '/var/run/nats/nats.pid', '-config', '/etc/nats-config/nats.conf',
      ...['websocket', 'client', 'cluster', 'leafnodes', 'gateway', 'mqtt'].flatMap((l) => [
        '-config', `/etc/nats-certs/${l}/tls.crt`, '-config', `/etc/nats-certs/${l}/tls.key`,
      ]),
    ]);
  });

  test('fromCertManager emits a cert-manager.io/v1 Certificate covering the client Service and every pod', () => {
    const { m, cluster } = build({ replicas: 3, tls: { cluster: NatsTls.fromCertManager('ca-issuer') } });
    const cert = one(m, 'Certificate', 'nats-cluster-tls');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.metadata.namespace).toBe('shop');
    expect(cert.spec).toEqual({
      secretName: 'nats-cluster-tls',
      issuerRef: { name: 'ca-issuer', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      dnsNames: [
        'nats', 'nats.shop', 'nats.shop.svc', 'nats.shop.svc.cluster.local',
        '*.nats-headless.shop.svc.cluster.local', 'nats-headless.shop.svc.cluster.local',
      ],
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
    });
    // Every route host name is covered by the wildcard.
    for (const host of cluster.podHostnames) expect(host.endsWith('.nats-headless.shop.svc.cluster.local')).toBe(true);
    expect(volume(m, 'tls-cluster')).toEqual({ name: 'tls-cluster', secret: { secretName: 'nats-cluster-tls', defaultMode: 0o440 } });
    expect(cluster.configText).toContain('cert_file: "/etc/nats-certs/cluster/tls.crt"');
  });

  test('fromCertManager with a namespaced Issuer, cluster domain and durations', () => {
    const { m } = build({
      clusterDomain: 'k8s.example',
      tls: { client: NatsTls.fromCertManager('local', CertIssuerKind.ISSUER, { duration: Duration.days(30), renewBefore: Duration.days(10) }) },
    });
    const cert = one(m, 'Certificate', 'nats-client-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'local', kind: 'Issuer', group: 'cert-manager.io' });
    expect(cert.spec.dnsNames).toEqual([
      'nats', 'nats.shop', 'nats.shop.svc', 'nats.shop.svc.k8s.example', '*.nats-headless.shop.svc.k8s.example', 'nats-headless.shop.svc.k8s.example',
    ]);
    expect([cert.spec.duration, cert.spec.renewBefore]).toEqual(['720h', '240h']);
  });

  test('one Certificate per listener even when a leafnode listener and a remote share it', () => {
    const { m } = build({
      tls: { leafnodes: NatsTls.fromCertManager('ca-issuer') },
      leafnodeListener: true,
      leafnodeRemotes: [{ urls: ['tls://hub:7422'], tls: true }],
    });
    expect(allOfKind(m, 'Certificate').map((c) => c.metadata.name)).toEqual(['nats-leafnodes-tls']);
    expect(podSpec(statefulSet(m)).volumes.filter((v: any) => v.name === 'tls-leafnodes')).toHaveLength(1);
  });
});

describe('NatsCluster: auth', () => {
  test('passwords and nkeys appear only as $NATS_ variables in nats.conf, never as values', () => {
    const { m, cluster } = build({ replicas: 3, auth: AUTH });
    const text = one(m, 'ConfigMap', 'nats-config').data['nats.conf'];
    expect(text).not.toMatch(/password:\s*"/);
    expect(text).not.toMatch(/nkey:\s*"/);
    expect(text).not.toMatch(/nkey:\s*U[A-Z0-9]{10}/);
    const credentialLines = text.split('\n').filter((l: string) => /^\s*(password|nkey|token)\s*:/.test(l)).map((l: string) => l.trim());
    expect(credentialLines).toEqual([
      'password: $NATS_ROUTE_PASSWORD',
      'password: $NATS_PASSWORD_ORDERS_ORDERS_SVC',
      'nkey: $NATS_NKEY_ORDERS_EDGE',
      'password: $NATS_PASSWORD_BILLING_BILLING_SVC',
    ]);
    expect(cluster.secretEnv).toEqual([
      { name: 'NATS_PASSWORD_ORDERS_ORDERS_SVC', from: 'nats-users', key: 'orders' },
      { name: 'NATS_NKEY_ORDERS_EDGE', from: 'nats-users', key: 'edge-nkey' },
      { name: 'NATS_PASSWORD_BILLING_BILLING_SVC', from: 'nats-users', key: 'billing' },
    ]);
    // No Secret objects are generated: the manifests only reference them.
    expect(allOfKind(m, 'Secret')).toEqual([]);
  });

  test('the server container reads each variable from its Secret key; no other container sees them', () => {
    const { m } = buildClosed({ auth: AUTH, natsBox: true });
    const c = server(m);
    expect(envOf(c, 'NATS_PASSWORD_ORDERS_ORDERS_SVC')).toEqual({ name: 'NATS_PASSWORD_ORDERS_ORDERS_SVC', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'orders' } } });
    expect(envOf(c, 'NATS_NKEY_ORDERS_EDGE')).toEqual({ name: 'NATS_NKEY_ORDERS_EDGE', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'edge-nkey' } } });
    expect(envOf(c, 'NATS_PASSWORD_BILLING_BILLING_SVC')).toEqual({ name: 'NATS_PASSWORD_BILLING_BILLING_SVC', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'billing' } } });
    for (const name of ['reloader', 'exporter']) expect(container(m, name).env).toBeUndefined();
    const box = podSpec(one(m, 'Deployment', 'nats-box')).containers[0];
    expect(JSON.stringify(box)).not.toContain('secretKeyRef');
  });

  test('every $VARIABLE in nats.conf is defined on the server container', () => {
    const { m, cluster } = build(everything());
    const body = cluster.configText.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const used = [...new Set([...body.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((x) => x[1]))].sort();
    expect(used).toEqual(['SERVER_NAME', ...cluster.secretEnv.map((e) => e.name)].sort());
    const defined = (server(m).env as any[]).filter((e) => e.valueFrom).map((e) => e.name).sort();
    expect(defined).toEqual(used);
  });

  test('accounts with users, permissions, exports, imports, JetStream; the system account SYS; no_auth_user', () => {
    const text = build({ auth: AUTH }).cluster.configText;
    expect(text).toContain([
      '      {',
      '        user: "orders-svc"',
      '        password: $NATS_PASSWORD_ORDERS_ORDERS_SVC',
      '        permissions {',
      '          publish {',
      '            allow: [',
      '              "orders.>"',
      '            ]',
      '          }',
      '          subscribe {',
      '            allow: [',
      '              "orders.>"',
      '              "_INBOX.>"',
      '            ]',
      '          }',
      '          allow_responses: true',
      '        }',
      '      }',
    ].join('\n'));
    expect(text).toContain('        permissions {\n          publish {\n            deny: [\n              "orders.>"\n            ]\n          }\n        }\n');
    expect(text).toContain('    exports: [\n      {\n        stream: "orders.events.>"\n      }\n      {\n        service: "orders.api.get"\n      }\n    ]\n');
    expect(text).toContain([
      '    imports: [',
      '      {',
      '        stream {',
      '          account: "ORDERS"',
      '          subject: "orders.events.>"',
      '        }',
      '      }',
      '      {',
      '        service {',
      '          account: "ORDERS"',
      '          subject: "orders.api.get"',
      '        }',
      '        to: "billing.orders.get"',
      '      }',
      '    ]',
    ].join('\n'));
    expect(text).toContain('accounts {\n  ORDERS {\n    jetstream: "enabled"\n');
    expect(text).toContain('  BILLING {\n    jetstream: "enabled"\n');
    expect(text).toContain('  SYS {\n    users: []\n  }\n}\nsystem_account: "SYS"\nno_auth_user: "billing-svc"\n');
  });

  test('accountNames lists the accounts (the global account without auth)', () => {
    expect(build({ auth: AUTH }).cluster.accountNames).toEqual(['ORDERS', 'BILLING']);
    expect(build().cluster.accountNames).toEqual(['$G']);
  });

  test('an account may opt out of JetStream; no account gets it without JetStream; a listed system account is not duplicated', () => {
    const auth: NatsAuth = {
      accounts: [
        { name: 'APP', users: [{ name: 'app', passwordFrom: { secretName: 's', key: 'app' } }], jetStream: false },
        { name: 'ADMIN', users: [{ name: 'admin', passwordFrom: { secretName: 's', key: 'admin' } }] },
      ],
      systemAccount: 'ADMIN',
    };
    const text = build({ auth }).cluster.configText;
    expect(text).not.toContain('jetstream: "enabled"');
    expect(text).toContain('system_account: "ADMIN"');
    expect(text).not.toContain('SYS');
    expect(text).not.toContain('no_auth_user');
    const noJs = build({ auth: AUTH, enableJetStream: false }).cluster.configText;
    expect(noJs).not.toContain('jetstream');
  });
});

describe('NatsCluster: leafnodes, gateways, websocket, MQTT', () => {
  test('leafnode listener: port 7422, no_advertise', () => {
    const { cluster } = build({ leafnodeListener: true });
    expect(cluster.configText).toContain('leafnodes {\n  port: 7422\n  no_advertise: true\n}\n');
  });

  test('leafnode remotes: URLs, account, credentials mounted read-only from a Secret', () => {
    const { m, cluster } = build({
      auth: AUTH,
      leafnodeRemotes: [
        { urls: ['nats-leaf://hub-a.example.com:7422', 'nats-leaf://hub-b.example.com:7422'], account: 'ORDERS', credentialsFrom: { secretName: 'hub-creds', key: 'leaf.creds' } },
        { urls: ['nats-leaf://other.example.com:7422'] },
      ],
    });
    expect(cluster.configText).toContain([
      'leafnodes {',
      '  no_advertise: true',
      '  remotes: [',
      '    {',
      '      urls: [',
      '        "nats-leaf://hub-a.example.com:7422"',
      '        "nats-leaf://hub-b.example.com:7422"',
      '      ]',
      '      account: "ORDERS"',
      '      credentials: "/etc/nats-creds/remote-0/leaf.creds"',
      '    }',
      '    {',
      '      urls: [',
      '        "nats-leaf://other.example.com:7422"',
      '      ]',
      '    }',
      '  ]',
      '}',
    ].join('\n'));
    expect(volume(m, 'leaf-creds-0')).toEqual({ name: 'leaf-creds-0', secret: { secretName: 'hub-creds', defaultMode: 0o440 } });
    expect(server(m).volumeMounts).toContainEqual({ name: 'leaf-creds-0', mountPath: '/etc/nats-creds/remote-0', readOnly: true });
    // Remotes alone open no listener port.
    expect(servicePorts(m, 'nats-headless').map((p: any) => p.name)).not.toContain('leafnodes');
  });

  test('gateways: gateway.name is the cluster name, remotes by name and URLs', () => {
    const { cluster } = build({ replicas: 3, gateways: [{ name: 'eu', urls: ['nats://eu-1:7222', 'nats://eu-2:7222'] }, { name: 'us', urls: ['nats://us:7222'] }] });
    expect(cluster.configText).toContain([
      'gateway {',
      '  name: "nats"',
      '  port: 7222',
      '  gateways: [',
      '    {',
      '      name: "eu"',
      '      urls: [',
      '        "nats://eu-1:7222"',
      '        "nats://eu-2:7222"',
      '      ]',
      '    }',
      '    {',
      '      name: "us"',
      '      urls: [',
      '        "nats://us:7222"',
      '      ]',
      '    }',
      '  ]',
      '}',
    ].join('\n'));
    expect(cluster.configText).toContain('cluster {\n  name: "nats"\n');
  });

  test('websocket: no_tls true when plain, allowed origins', () => {
    expect(build({ websocket: true }).cluster.configText).toContain('websocket {\n  port: 8080\n  no_tls: true\n}\n');
    expect(build({ websocket: true, websocketAllowedOrigins: ['https://a.example', 'https://b.example'] }).cluster.configText)
      .toContain('websocket {\n  port: 8080\n  no_tls: true\n  allowed_origins: [\n    "https://a.example"\n    "https://b.example"\n  ]\n}\n');
  });

  test.each([
    [1, 'mqtt {\n  port: 1883\n}\n'],
    [3, 'mqtt {\n  port: 1883\n  stream_replicas: 3\n  consumer_replicas: 3\n}\n'],
    [5, 'mqtt {\n  port: 1883\n  stream_replicas: 3\n  consumer_replicas: 3\n}\n'],
  ])('MQTT with %i servers: stream and consumer replicas equal, at most 3', (replicas, block) => {
    expect(build({ replicas, mqtt: true }).cluster.configText).toContain(block);
  });
});

describe('NatsCluster: schema validation', () => {
  const validator = loadSchemaValidator();

  test('the schemas are present (nothing is silently left unchecked)', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each([
    ['defaults', {}],
    ['a 3-server JetStream cluster', { replicas: 3 }],
    ['everything, TLS from cert-manager', everything()],
    ['everything, TLS from Secrets, outside the mesh', everything({
      mesh: NatsMeshMode.OUTSIDE,
      tls: { client: NatsTls.fromSecret('c'), cluster: NatsTls.fromSecret('r'), leafnodes: NatsTls.fromSecret('l'), gateway: NatsTls.fromSecret('g'), websocket: NatsTls.fromSecret('w'), mqtt: NatsTls.fromSecret('q') },
    })],
    ['no JetStream, no sidecars', { enableJetStream: false, configReloader: false, exporter: false }],
  ])('every object validates: %s', (_, props) => {
    const { m } = build(props as NatsClusterProps);
    expect(m.length).toBeGreaterThan(0);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
    expect(validator.missing).toEqual([]);
  });
});

describe('NatsCluster: validation rules', () => {
  test('replicas: an integer >= 1', () => {
    expectConfigError(() => make({ replicas: 0 }), `${P}: replicas: received 0; allowed: an integer >= 1`);
    expectConfigError(() => make({ replicas: 1.5 }), `${P}: replicas: received 1.5; allowed: an integer >= 1`);
  });

  test('replicas: an odd JetStream cluster size unless allowEvenClusterSize', () => {
    const allowed = 'an odd JetStream cluster size (1, 3 or 5): RAFT needs a majority, so 2 servers tolerate no failure and 4 tolerate one, like 3 (set allowEvenClusterSize to accept it)';
    expectConfigError(() => make({ replicas: 2 }), `${P}: replicas: received 2; allowed: ${allowed}`);
    expectConfigError(() => make({ replicas: 4 }), `${P}: replicas: received 4; allowed: ${allowed}`);
    expect(make({ replicas: 4, allowEvenClusterSize: true }).replicas).toBe(4);
    expect(make({ replicas: 2, enableJetStream: false }).replicas).toBe(2);
  });

  test('jetStream.fileStorage: at least 64Mi', () => {
    expectConfigError(() => make({ jetStream: { fileStorage: Size.mebibytes(32) } }), `${P}: jetStream.fileStorage: received 32Mi; allowed: at least 64Mi`);
    expect(make({ jetStream: { fileStorage: Size.mebibytes(64) } }).maxFileStoreBytes).toBe(Math.floor(64 * MI * 0.9));
    expect(() => make({ enableJetStream: false, jetStream: { fileStorage: Size.mebibytes(32) } })).not.toThrow();
  });

  test('jetStream.memoryStorage: at most half the memory limit', () => {
    expectConfigError(() => make({ jetStream: { memoryStorage: Size.mebibytes(600) } }),
      `${P}: jetStream.memoryStorage: received "600Mi with a memory limit of 1Gi"; allowed: at most half the memory limit (the server needs the rest for connections, buffers and file-store caches)`);
    expect(make({ jetStream: { memoryStorage: Size.mebibytes(512) } }).maxMemoryStoreBytes).toBe(512 * MI);
  });

  test('lameDuckGracePeriod: less than lameDuckDuration', () => {
    expectConfigError(() => make({ lameDuckGracePeriod: Duration.seconds(30) }),
      `${P}: lameDuckGracePeriod: received "30s"; allowed: less than lameDuckDuration (30s): nats-server refuses to start otherwise`);
    expectConfigError(() => make({ lameDuckDuration: Duration.seconds(40), lameDuckGracePeriod: Duration.minutes(1), terminationGracePeriod: Duration.seconds(90) }),
      `${P}: lameDuckGracePeriod: received "60s"; allowed: less than lameDuckDuration (40s): nats-server refuses to start otherwise`);
  });

  test('terminationGracePeriod: more than lameDuckDuration', () => {
    expectConfigError(() => make({ terminationGracePeriod: Duration.seconds(30) }),
      `${P}: terminationGracePeriod: received "30s"; allowed: more than lameDuckDuration (30s), or Kubernetes kills the server before its clients have moved`);
    const ok = build({ lameDuckDuration: Duration.minutes(2), lameDuckGracePeriod: Duration.seconds(20), terminationGracePeriod: Duration.minutes(3) });
    expect(podSpec(statefulSet(ok.m)).terminationGracePeriodSeconds).toBe(180);
    expect(ok.cluster.configText).toContain('lame_duck_duration: 120s\nlame_duck_grace_period: 20s\n');
  });

  test('limits.maxPayload: at most maxPending', () => {
    expectConfigError(() => make({ limits: { maxPayload: Size.mebibytes(16), maxPending: Size.mebibytes(8) } }),
      `${P}: limits.maxPayload: received "16Mi"; allowed: at most maxPending (8Mi): nats-server refuses to start otherwise`);
    // Without maxPending the server's 64Mi default is the bound.
    expectConfigError(() => make({ limits: { maxPayload: Size.mebibytes(65) } }),
      `${P}: limits.maxPayload: received "65Mi"; allowed: at most maxPending (64Mi): nats-server refuses to start otherwise`);
  });

  test('limits.maxPayload: at most 64Mi', () => {
    expectConfigError(() => make({ limits: { maxPayload: Size.mebibytes(100), maxPending: Size.mebibytes(128) } }),
      `${P}: limits.maxPayload: received "100Mi"; allowed: at most 64Mi (larger messages belong in an object store; nats-server warns above 8MB and every client buffers whole messages)`);
    expect(() => make({ limits: { maxPayload: Size.mebibytes(64), maxPending: Size.mebibytes(128) } })).not.toThrow();
  });

  test('mqtt: only with JetStream', () => {
    expectConfigError(() => make({ mqtt: true, enableJetStream: false }),
      `${P}: mqtt: received true; allowed: MQTT only with JetStream enabled (nats-server keeps MQTT sessions in streams)`);
  });

  test('gateways[].name: not the cluster\'s own name', () => {
    expectConfigError(() => make({ gateways: [{ name: 'eu', urls: ['nats://eu:7222'] }, { name: 'nats', urls: ['nats://x:7222'] }] }),
      `${P}: gateways[1].name: received "nats"; allowed: the name of another cluster (this cluster's gateway is named nats)`);
  });

  test('gateways[].urls: at least one', () => {
    expectConfigError(() => make({ gateways: [{ name: 'eu', urls: [] }] }), `${P}: gateways[0].urls: received []; allowed: at least one URL`);
  });

  test('serverVersion: a parsable version', () => {
    expectConfigError(() => make({ serverVersion: '2.10.x' }), `${P}: serverVersion: received "2.10.x"; allowed: a nats-server version such as 2.10.22`);
    expectConfigError(() => make({ serverVersion: 'latest' }), `${P}: serverVersion: received "latest"; allowed: a nats-server version such as 2.10.22`);
  });

  test('serverVersion: required when the image tag names no version', () => {
    const pinned = `nats:alpine@sha256:${'b'.repeat(64)}`;
    expectConfigError(() => make({ image: ContainerImage.parse(pinned) }),
      `${P}: serverVersion: received nothing; allowed: a version: the image tag "alpine" names none, so set serverVersion`);
    const digest = `sha256:${'a'.repeat(64)}`;
    expectConfigError(() => make({ image: ContainerImage.fromDigest('nats', digest) }),
      `${P}: serverVersion: received nothing; allowed: a version: the image tag "${digest}" names none, so set serverVersion`);
    expect(make({ image: ContainerImage.parse(pinned), serverVersion: '2.10.22' }).serverVersion.toString()).toBe('2.10.22');
    expect(make({ image: ContainerImage.of('nats', '2.11.4-alpine') }).serverVersion.toString()).toBe('2.11.4');
  });

  test('jetStream.syncInterval: refused for nats-server 2.9.10, rendered for 2.10.0', () => {
    expectConfigError(() => make({ serverVersion: '2.9.10', jetStream: { syncInterval: Duration.minutes(1) } }),
      `${P}: jetStream.syncInterval: received "a setting that needs nats-server 2.10.0 (nats.conf key jetstream.sync_interval)"; allowed: settings known to the target server 2.9.10 (raise serverVersion with the image)`);
    const text = make({ serverVersion: '2.10.0', jetStream: { syncInterval: Duration.minutes(1) } }).configText;
    expect(text).toContain('  sync_interval: 60s\n');
  });

  test('jetStream.strict: refused before nats-server 2.11.0, rendered from 2.11.0', () => {
    expectConfigError(() => make({ serverVersion: '2.10.22', jetStream: { strict: true } }),
      `${P}: jetStream.strict: received "a setting that needs nats-server 2.11.0 (nats.conf key jetstream.strict)"; allowed: settings known to the target server 2.10.22 (raise serverVersion with the image)`);
    // The default image (2.10.22) is the target when serverVersion is not set.
    expectConfigError(() => make({ jetStream: { strict: false } }),
      `${P}: jetStream.strict: received "a setting that needs nats-server 2.11.0 (nats.conf key jetstream.strict)"; allowed: settings known to the target server 2.10.22 (raise serverVersion with the image)`);
    expect(make({ serverVersion: '2.11.0', jetStream: { strict: true } }).configText).toContain('  strict: true\n');
  });

  test('auth.accounts[].name: letters, digits, "_" and "-", unique', () => {
    const allowed = 'a unique account name of letters, digits, "_" and "-"';
    const user = (n: string) => ({ name: n, passwordFrom: { secretName: 's', key: n } });
    expectConfigError(() => make({ auth: { accounts: [{ name: 'bad name', users: [user('a')] }] } }), `${P}: auth.accounts[0].name: received "bad name"; allowed: ${allowed}`);
    expectConfigError(() => make({ auth: { accounts: [{ name: '1ST', users: [user('a')] }] } }), `${P}: auth.accounts[0].name: received "1ST"; allowed: ${allowed}`);
    expectConfigError(() => make({ auth: { accounts: [{ name: 'A', users: [user('a')] }, { name: 'A', users: [user('b')] }] } }),
      `${P}: auth.accounts[1].name: received "A"; allowed: ${allowed}`);
  });

  test('auth.accounts[].users[]: exactly one of passwordFrom and nkeyFrom', () => {
    const allowed = 'exactly one of passwordFrom and nkeyFrom (a Secret key): credentials are never written inline';
    expectConfigError(() => make({ auth: { accounts: [{ name: 'A', users: [{ name: 'bob' }] }] } }), `${P}: auth.accounts[0].users[0]: received "bob"; allowed: ${allowed}`);
    expectConfigError(() => make({
      auth: { accounts: [{ name: 'A', users: [{ name: 'ok', nkeyFrom: { secretName: 's', key: 'n' } }, { name: 'bob', passwordFrom: { secretName: 's', key: 'p' }, nkeyFrom: { secretName: 's', key: 'n' } }] }] },
    }), `${P}: auth.accounts[0].users[1]: received "bob"; allowed: ${allowed}`);
  });

  test('auth.accounts[].users[].name: unique across accounts', () => {
    expectConfigError(() => make({
      auth: { accounts: [
        { name: 'A', users: [{ name: 'bob', passwordFrom: { secretName: 's', key: 'a' } }] },
        { name: 'B', users: [{ name: 'bob', passwordFrom: { secretName: 's', key: 'b' } }] },
      ] },
    }), `${P}: auth.accounts[1].users[0].name: received "bob"; allowed: a user name unique across accounts`);
  });

  test('auth.noAuthUser: one of the users', () => {
    expectConfigError(() => make({ auth: { ...AUTH, noAuthUser: 'eve' } }),
      `${P}: auth.noAuthUser: received "eve"; allowed: one of the users with a password (orders-svc, billing-svc): nkey users have no name nats-server can match`);
    expectConfigError(() => make({ auth: { accounts: [{ name: 'A', users: [] }], noAuthUser: 'eve' } }),
      `${P}: auth.noAuthUser: received "eve"; allowed: one of the users with a password (none): nkey users have no name nats-server can match`);
  });

  test('auth.accounts[].imports[]: a subject the other account exports, of the same kind', () => {
    const withImport = (imp: any) => ({ auth: { accounts: [AUTH.accounts[0], { ...AUTH.accounts[1], imports: [imp] }] } });
    expectConfigError(() => make(withImport({ account: 'ORDERS', subject: 'orders.secret', kind: NatsExportKind.STREAM })),
      `${P}: auth.accounts[1].imports[0]: received "stream orders.secret from ORDERS"; allowed: a subject that account ORDERS exports as a stream`);
    expectConfigError(() => make(withImport({ account: 'ORDERS', subject: 'orders.api.get', kind: NatsExportKind.STREAM })),
      `${P}: auth.accounts[1].imports[0]: received "stream orders.api.get from ORDERS"; allowed: a subject that account ORDERS exports as a stream`);
    expectConfigError(() => make(withImport({ account: 'NOPE', subject: 'x', kind: NatsExportKind.SERVICE })),
      `${P}: auth.accounts[1].imports[0]: received "service x from NOPE"; allowed: a subject that account NOPE exports as a service`);
  });

  test('subjects in permissions and exports', () => {
    const perms = (permissions: any) => ({ auth: { accounts: [{ name: 'A', users: [{ name: 'u', passwordFrom: { secretName: 's', key: 'k' }, permissions }] }] } });
    expectConfigError(() => make(perms({ publishAllow: ['orders.>', 'orders..new'] })),
      `${P}: auth.accounts[0].users[0].permissions.publishAllow[1]: received "orders..new"; allowed: dot-separated tokens, none empty`);
    expectConfigError(() => make(perms({ subscribeDeny: ['orders.>.eu'] })),
      `${P}: auth.accounts[0].users[0].permissions.subscribeDeny[0]: received "orders.>.eu"; allowed: ">" only as the last token`);
    expectConfigError(() => make(perms({ publishDeny: ['orders*'] })),
      `${P}: auth.accounts[0].users[0].permissions.publishDeny[0]: received "orders*"; allowed: wildcards as whole tokens only (order.* not order*)`);
    expectConfigError(() => make(perms({ subscribeAllow: ['orders new'] })),
      `${P}: auth.accounts[0].users[0].permissions.subscribeAllow[0]: received "orders new"; allowed: a subject without spaces, such as order.new`);
    expectConfigError(() => make({ auth: { accounts: [{ name: 'A', users: [], exports: [{ subject: 'ok.>', kind: NatsExportKind.STREAM }, { subject: 'a..b', kind: NatsExportKind.SERVICE }] }] } }),
      `${P}: auth.accounts[0].exports[1].subject: received "a..b"; allowed: dot-separated tokens, none empty`);
  });

  test('leafnodeRemotes[].urls: at least one URL of a NATS scheme', () => {
    const allowed = 'a URL such as nats-leaf://hub.example.com:7422 (schemes nats-leaf, nats, tls, ws, wss)';
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: [] }] }), `${P}: leafnodeRemotes[0].urls: received []; allowed: at least one URL`);
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: ['nats-leaf://ok:7422', 'http://hub.example.com:7422'] }] }),
      `${P}: leafnodeRemotes[0].urls[1]: received "http://hub.example.com:7422"; allowed: ${allowed}`);
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: ['hub.example.com:7422'] }] }),
      `${P}: leafnodeRemotes[0].urls[0]: received "hub.example.com:7422"; allowed: ${allowed}`);
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: ['nats-leaf://hub.example.com:7422/path'] }] }),
      `${P}: leafnodeRemotes[0].urls[0]: received "nats-leaf://hub.example.com:7422/path"; allowed: ${allowed}`);
    for (const url of ['nats-leaf://hub:7422', 'nats://hub:7422', 'tls://hub:7422', 'ws://hub:8080', 'wss://hub:443/']) {
      expect(() => make({ leafnodeRemotes: [{ urls: [url] }] })).not.toThrow();
    }
  });

  test('leafnodeRemotes[].tls: needs tls.leafnodes on the cluster', () => {
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: ['tls://hub:7422'], tls: true }] }),
      `${P}: leafnodeRemotes[0].tls: received true; allowed: tls.leafnodes set on the cluster`);
  });

  test('tls.leafnodes: only with a leafnode listener or a remote that uses TLS', () => {
    const allowed = 'leafnode TLS only with a leafnode listener or a remote that uses TLS';
    expectConfigError(() => make({ tls: { leafnodes: NatsTls.fromSecret('leaf') } }), `${P}: tls.leafnodes: received "a certificate"; allowed: ${allowed}`);
    expectConfigError(() => make({ tls: { leafnodes: NatsTls.fromSecret('leaf') }, leafnodeRemotes: [{ urls: ['nats-leaf://hub:7422'] }] }),
      `${P}: tls.leafnodes: received "a certificate"; allowed: ${allowed}`);
    expect(() => make({ tls: { leafnodes: NatsTls.fromSecret('leaf') }, leafnodeRemotes: [{ urls: ['tls://hub:7422'], tls: true }] })).not.toThrow();
  });
});

// Library bugs: each test states what nats-server or the design requires; they fail until fixed.
describe('NatsCluster: rules nats-server enforces at start-up', () => {
  test('lameDuckDuration: at least 30s', () => {
    expectConfigError(() => make({ lameDuckDuration: Duration.seconds(20), lameDuckGracePeriod: Duration.seconds(5), terminationGracePeriod: Duration.seconds(40) }),
      `${P}: lameDuckDuration: received "20s"; allowed: at least 30s (nats-server refuses shorter lame duck durations)`);
  });

  test('importing a subject within a wildcard export is accepted (nats-server authorizes subsets of exports)', () => {
    const auth: NatsAuth = {
      accounts: [
        { name: 'ORDERS', users: [{ name: 'o', passwordFrom: { secretName: 's', key: 'o' } }], exports: [{ subject: 'orders.>', kind: NatsExportKind.STREAM }] },
        { name: 'BILLING', users: [{ name: 'b', passwordFrom: { secretName: 's', key: 'b' } }], imports: [{ account: 'ORDERS', subject: 'orders.eu.*', kind: NatsExportKind.STREAM }] },
      ],
    };
    expect(make({ auth }).configText).toContain('account: "ORDERS"\n          subject: "orders.eu.*"');
  });

  test('leafnodeRemotes[].urls and gateways[].urls: no inline credentials (they would land in the ConfigMap)', () => {
    expectConfigError(() => make({ leafnodeRemotes: [{ urls: ['nats-leaf://leaf:s3cr3t@hub.example.com:7422'] }] }),
      `${P}: leafnodeRemotes[0].urls[0]: received "nats-leaf://***@hub.example.com:7422"; allowed: a URL without inline credentials (use credentialsFrom: a Secret): they would be written into the ConfigMap`);
    expectConfigError(() => make({ replicas: 3, gateways: [{ name: 'eu', urls: ['nats://gw:pw@eu.example.com:7222'] }] }),
      `${P}: gateways[0].urls[0]: received "nats://***@eu.example.com:7222"; allowed: a URL without inline credentials (gateways between clusters authenticate with mutual TLS: tls.gateway): they would be written into the ConfigMap`);
  });

  test('gateways[].urls: a NATS URL', () => {
    expectConfigError(() => make({ replicas: 3, gateways: [{ name: 'eu', urls: ['http://eu.example.com:7222'] }] }),
      `${P}: gateways[0].urls[0]: received "http://eu.example.com:7222"; allowed: a URL such as nats://nats.other-region.example.com:7222 (schemes nats, tls)`);
  });

  test('auth.noAuthUser: a user with a password (nats-server: nkey users have no name to match)', () => {
    expectConfigError(() => make({
      auth: { accounts: [{ name: 'A', users: [{ name: 'edge', nkeyFrom: { secretName: 's', key: 'nkey' } }] }], noAuthUser: 'edge' },
    }), `${P}: auth.noAuthUser: received "edge"; allowed: one of the users with a password (none): nkey users have no name nats-server can match`);
  });

  test('leafnodeRemotes[].account: one of the cluster\'s accounts (nats-server: cannot find local account)', () => {
    expectConfigError(() => make({ auth: AUTH, leafnodeRemotes: [{ urls: ['nats-leaf://hub:7422'], account: 'NOPE' }] }),
      `${P}: leafnodeRemotes[0].account: received "NOPE"; allowed: one of the cluster's accounts (${AUTH.accounts.map((a) => a.name).join(', ')}): nats-server refuses to start otherwise`);
  });

  test('users whose variable names would collide (bob and BOB) are refused on the user', () => {
    expectConfigError(() => make({ auth: { accounts: [{ name: 'A', users: [
      { name: 'bob', passwordFrom: { secretName: 's', key: 'bob' } },
      { name: 'BOB', passwordFrom: { secretName: 's', key: 'BOB' } },
    ] }] } }), `${P}: auth.accounts[0].users[1].name: received "BOB"; allowed: a name that differs from the account's other users in more than case and punctuation (both would read $NATS_PASSWORD_A_BOB)`);
  });
});

describe('NatsCluster: WebSocket Ingress (as the official chart offers)', () => {
  test('exposes the websocket port of the client Service on a host, with TLS at the Ingress', () => {
    const { m } = build({ websocket: true, websocketIngress: { host: 'nats-ws.example.com', ingressClassName: 'nginx', tlsSecretName: 'nats-ws-tls' } });
    const ing = one(m, 'Ingress', 'nats-ws');
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['nats-ws.example.com'], secretName: 'nats-ws-tls' }],
      rules: [{
        host: 'nats-ws.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'nats', port: { name: 'websocket' } } } }] },
      }],
    });
    expect(one(m, 'Service', 'nats').spec.ports.map((p: any) => p.name)).toContain('websocket');
    expect(loadSchemaValidator().validate(ing)).toEqual([]);
  });

  test('none without the prop', () => {
    expect(allOfKind(build({ websocket: true }).m, 'Ingress')).toEqual([]);
  });

  test('rule: only with the WebSocket listener', () => {
    expectConfigError(() => make({ websocketIngress: { host: 'nats-ws.example.com' } }),
      `${P}: websocketIngress: received "nats-ws.example.com"; allowed: an Ingress only with the WebSocket listener (websocket: true)`);
  });

  test('rule: host, TLS Secret and class names', () => {
    expectConfigError(() => make({ websocket: true, websocketIngress: { host: 'NATS.example.com' } }),
      `${P}: websocketIngress.host: received "NATS.example.com"; allowed: a lower-case DNS name such as nats-ws.example.com`);
    expectConfigError(() => make({ websocket: true, websocketIngress: { host: 'nats-ws.example.com', tlsSecretName: 'WS TLS' } }),
      `${P}: websocketIngress.tlsSecretName: received "WS TLS"; allowed: the name of a TLS Secret in the namespace`);
    expectConfigError(() => make({ websocket: true, websocketIngress: { host: 'nats-ws.example.com', ingressClassName: 'Nginx' } }),
      `${P}: websocketIngress.ingressClassName: received "Nginx"; allowed: the name of an IngressClass`);
  });
});
