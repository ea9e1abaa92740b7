import { Duration, Size } from 'cdk8s';
import {
  Cpu, Microservice, MicroserviceProps, PortProtocol, Probe, Resources, TaintEffect, TolerationOperator, TopologySpread, Volume,
} from '../../constructs';
import {
  BURSTABLE, GUARANTEED, IMAGE, SIDECAR_IMAGE, allOfKind, configErrorOf, expectConfigError, one, podSpec, setup, synth,
} from './helpers';

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };

function microservice(props: Partial<MicroserviceProps> = {}, id = 'web') {
  const { chart } = setup();
  const web = new Microservice(chart, id, { image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props });
  return { chart, web, out: () => synth(chart) };
}

describe('Microservice: Deployment', () => {
  test('defaults: one replica, surge 1 / unavailable 0, no PDB, no HPA', () => {
    const { out, web } = microservice();
    const m = out();
    const d = one(m, 'Deployment', 'web');
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.metadata.namespace).toBe('shop');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.revisionHistoryLimit).toBe(5);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(d.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'web' } });
    expect(allOfKind(m, 'PodDisruptionBudget')).toEqual([]);
    expect(allOfKind(m, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(web.disruptionBudget).toBeUndefined();
    expect(web.autoscaler).toBeUndefined();
    expect([web.replicas, web.maxReplicas, web.maxSurge]).toEqual([1, 1, 1]);
  });

  test('labels: standard labels on every object, Istio app/version on pods, selector is the name only', () => {
    const { out } = microservice({ labels: { team: 'checkout', 'app.kubernetes.io/name': 'overridden' } });
    const m = out();
    const expected = {
      'team': 'checkout',
      'app.kubernetes.io/name': 'web',
      'app.kubernetes.io/component': 'microservice',
      'app.kubernetes.io/version': '1.4.2',
      'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh',
    };
    for (const kind of ['Deployment', 'Service', 'ServiceAccount']) expect(one(m, kind).metadata.labels).toEqual(expected);
    const d = one(m, 'Deployment');
    expect(d.spec.template.metadata.labels).toEqual({ ...expected, 'app': 'web', 'version': '1.4.2', 'nats-mesh.io/qos-class': 'Guaranteed' });
    // The application's Service selects every version of the app (Istio's `app` label).
    expect(one(m, 'Service').spec.selector).toEqual({ 'app': 'web' });
    expect(d.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'web' } });
  });

  test('a second version of an app (canary): its pods carry the app label, its own Service selects only them', () => {
    const f = setup();
    new Microservice(f.chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }] });
    const canary = new Microservice(f.chart, 'order-canary', {
      app: 'order', version: '3.2.0', image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
    });
    const m = synth(f.chart);
    expect(canary.app).toBe('order');
    expect(one(m, 'Service', 'order').spec.selector).toEqual({ app: 'order' });
    expect(one(m, 'Service', 'order-canary').spec.selector).toEqual({ 'app.kubernetes.io/name': 'order-canary' });
    const pods = one(m, 'Deployment', 'order-canary').spec.template.metadata.labels;
    expect([pods.app, pods.version, pods['app.kubernetes.io/name']]).toEqual(['order', '3.2.0', 'order-canary']);
  });

  test('app: a DNS-1035 label', () => {
    expectConfigError(() => microservice({ app: 'Order_App' }),
      "[test] c/web: app: received \"Order_App\"; allowed: a DNS-1035 label of at most 63 characters (the name of the application's Service)");
  });

  test('replicas and rollout limits are rendered', () => {
    const { out, web } = microservice({ replicas: 4, maxSurge: 2, maxUnavailable: 1 });
    const d = one(out(), 'Deployment');
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 2, maxUnavailable: 1 });
    expect(web.footprint().maxPods).toBe(6);
  });

  test('maxSurge 0 is allowed when maxUnavailable is above 0', () => {
    const { out, web } = microservice({ replicas: 2, maxSurge: 0, maxUnavailable: 1 });
    expect(one(out(), 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(web.footprint().maxPods).toBe(2);
  });

  test('the name prop overrides the construct id', () => {
    const { out } = microservice({ name: 'orders' }, 'Orders');
    const m = out();
    expect(one(m, 'Deployment').metadata.name).toBe('orders');
    expect(one(m, 'Service').metadata.name).toBe('orders');
    expect(podSpec(one(m, 'Deployment')).containers[0].name).toBe('orders');
  });

  test('the pod template carries the operational fields', () => {
    const { out } = microservice({
      command: ['/app'],
      args: ['--port', '8080'],
      workingDir: '/srv',
      preStop: ['sleep', '5'],
      terminationGracePeriod: Duration.seconds(60),
      nodeSelector: { pool: 'general' },
      priorityClassName: 'business-critical',
      podAnnotations: { 'sidecar.istio.io/inject': 'true' },
    });
    const d = one(out(), 'Deployment');
    const spec = podSpec(d);
    const c = spec.containers[0];
    expect([c.command, c.args, c.workingDir]).toEqual([['/app'], ['--port', '8080'], '/srv']);
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.nodeSelector).toEqual({ pool: 'general' });
    expect(spec.priorityClassName).toBe('business-critical');
    expect(d.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/inject': 'true' });
  });

  test('exposed workloads label their pods for the ingress NetworkPolicy', () => {
    expect(one(microservice({ exposed: true }).out(), 'Deployment').spec.template.metadata.labels['nats-mesh.io/exposed']).toBe('true');
    expect(one(microservice().out(), 'Deployment').spec.template.metadata.labels).not.toHaveProperty('nats-mesh.io/exposed');
  });
});

describe('Microservice: PodDisruptionBudget', () => {
  test('a replicated service gets a PDB with maxUnavailable 1', () => {
    const { out, web } = microservice({ replicas: 2 });
    const pdb = one(out(), 'PodDisruptionBudget', 'web');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
    expect(web.disruptionBudget).toBeDefined();
  });

  test('minAvailable replaces maxUnavailable', () => {
    const pdb = one(microservice({ replicas: 3, disruptionBudget: { minAvailable: 2 } }).out(), 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(pdb.spec).not.toHaveProperty('maxUnavailable');
  });

  test('maxUnavailable can be raised', () => {
    expect(one(microservice({ replicas: 5, disruptionBudget: { maxUnavailable: 2 } }).out(), 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });

  test('a single replica gets no PDB even with a budget given', () => {
    const { out } = microservice({ replicas: 1, disruptionBudget: { maxUnavailable: 1 } });
    expect(allOfKind(out(), 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('Microservice: autoscaling', () => {
  test('the Deployment has no replicas field and the HPA targets it with CPU at 70%', () => {
    const { out, web } = microservice({ replicas: 7, autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    const m = out();
    expect(one(m, 'Deployment').spec).not.toHaveProperty('replicas');
    const hpa = one(m, 'HorizontalPodAutoscaler', 'web');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect([web.replicas, web.maxReplicas]).toEqual([2, 6]);
    expect(web.footprint().maxPods).toBe(7);
  });

  test('CPU and memory targets are configurable', () => {
    const hpa = one(microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 55, targetMemoryUtilization: 80 } }).out(), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('an autoscaled service that can grow past one replica has a PDB, even from a minimum of 1', () => {
    expect(one(microservice({ autoscaling: { minReplicas: 1, maxReplicas: 5 } }).out(), 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(one(microservice({ autoscaling: { minReplicas: 2, maxReplicas: 5 } }).out(), 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(allOfKind(microservice({ autoscaling: { minReplicas: 1, maxReplicas: 1 } }).out(), 'PodDisruptionBudget')).toEqual([]);
  });

  test('minAvailable stays below the autoscaling minimum', () => {
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 2, maxReplicas: 5 }, disruptionBudget: { minAvailable: 2 } }),
      '[test] c/web: disruptionBudget.minAvailable: received 2; allowed: an integer from 0 to 1 (at least the replica count, 2, blocks every node drain)');
  });
});

describe('Microservice: probes', () => {
  test('a service with ports gets a TCP readiness probe on its first port', () => {
    const { out } = microservice({ ports: [{ name: 'grpc', port: 9090, protocol: PortProtocol.GRPC }, HTTP] });
    expect(podSpec(one(out(), 'Deployment')).containers[0].readinessProbe).toEqual({ tcpSocket: { port: 9090 } });
  });

  test('an explicit readiness probe replaces the default, with its timing', () => {
    const { out } = microservice({
      readiness: Probe.httpGet('/ready', 8080, { initialDelay: Duration.seconds(5), period: Duration.seconds(15), timeout: Duration.seconds(2), failureThreshold: 6 }),
      liveness: Probe.exec(['/bin/check']),
      startup: Probe.tcpSocket(8080, { failureThreshold: 30 }),
    });
    const c = podSpec(one(out(), 'Deployment')).containers[0];
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 15, timeoutSeconds: 2, failureThreshold: 6 });
    expect(c.livenessProbe).toEqual({ exec: { command: ['/bin/check'] } });
    expect(c.startupProbe).toEqual({ tcpSocket: { port: 8080 }, failureThreshold: 30 });
  });

  test('no ports, no default probe', () => {
    const c = podSpec(one(microservice({ ports: undefined }).out(), 'Deployment')).containers[0];
    expect(c).not.toHaveProperty('readinessProbe');
    expect(c).not.toHaveProperty('ports');
  });
});

describe('Microservice: topology spread', () => {
  const selector = { matchLabels: { 'app.kubernetes.io/name': 'web' } };
  const zones = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector, matchLabelKeys: ['pod-template-hash'] };
  const nodes = { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector, matchLabelKeys: ['pod-template-hash'] };
  const spread = (s?: TopologySpread) => podSpec(one(microservice({ spread: s, replicas: 3 }).out(), 'Deployment')).topologySpreadConstraints;

  test('none by default', () => {
    expect(spread()).toBeUndefined();
    expect(spread(TopologySpread.NONE)).toBeUndefined();
  });
  test('zones: hard', () => expect(spread(TopologySpread.ZONES)).toEqual([zones]));
  test('zones and nodes: zones hard, nodes soft', () => expect(spread(TopologySpread.ZONES_AND_NODES)).toEqual([zones, nodes]));
  test('nodes: soft', () => expect(spread(TopologySpread.NODES)).toEqual([nodes]));
});

describe('Microservice: environment, volumes and containers', () => {
  test('env, field, secret and ConfigMap variables and envFrom are rendered', () => {
    const c = podSpec(one(microservice({
      env: { LOG_LEVEL: 'info' },
      fieldEnv: { POD_NAME: 'metadata.name' },
      secretEnv: [{ name: 'DB_PASSWORD', from: 'db', key: 'password' }],
      configMapEnv: [{ name: 'REGION', from: 'cluster', key: 'region', optional: true }],
      envFromConfigMaps: ['settings'],
      envFromSecrets: ['tokens'],
    }).out(), 'Deployment')).containers[0];
    expect(c.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cluster', key: 'region', optional: true } } },
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'tokens' } }]);
  });

  test('ConfigMap and Secret mounts default to read-only, emptyDir to writable; shared volumes are declared once', () => {
    const config = Volume.fromConfigMap('config', 'web-config');
    const certs = Volume.fromSecret('certs', 'web-tls');
    const scratch = Volume.emptyDir('scratch', { sizeLimit: Size.mebibytes(64), inMemory: true });
    const spec = podSpec(one(microservice({
      mounts: [
        { volume: config, mountPath: '/etc/web' },
        { volume: certs, mountPath: '/etc/tls' },
        { volume: scratch, mountPath: '/scratch' },
      ],
      sidecars: [{
        name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED,
        mounts: [{ volume: Volume.fromSecret('certs', 'web-tls'), mountPath: '/tls', subPath: 'tls.crt' }, { volume: scratch, mountPath: '/s', readOnly: true }],
      }],
    }).out(), 'Deployment'));
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/web', readOnly: true },
      { name: 'certs', mountPath: '/etc/tls', readOnly: true },
      { name: 'scratch', mountPath: '/scratch', readOnly: false },
    ]);
    expect(spec.containers[1].volumeMounts).toEqual([
      { name: 'certs', mountPath: '/tls', readOnly: true, subPath: 'tls.crt' },
      { name: 'scratch', mountPath: '/s', readOnly: true },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'web-config', defaultMode: 0o444 } },
      { name: 'certs', secret: { secretName: 'web-tls', defaultMode: 0o440 } },
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
  });

  test('writablePaths get emptyDirs capped by the container\'s ephemeral-storage limit', () => {
    const withEphemeral = Resources.of({
      requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(100) },
      limits: { cpu: Cpu.millis(200), memory: Size.mebibytes(256), ephemeralStorage: Size.mebibytes(512) },
    });
    const spec = podSpec(one(microservice({
      resources: withEphemeral,
      writablePaths: ['/tmp', '/var/cache'],
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: BURSTABLE, writablePaths: ['/tmp'] }],
    }).out(), 'Deployment'));
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'writable-0', mountPath: '/tmp', readOnly: false },
      { name: 'writable-1', mountPath: '/var/cache', readOnly: false },
    ]);
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'writable-2', mountPath: '/tmp', readOnly: false }]);
    expect(spec.volumes).toEqual([
      { name: 'writable-0', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'writable-1', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'writable-2', emptyDir: {} },
    ]);
    expect(spec.containers.every((c: any) => c.securityContext.readOnlyRootFilesystem === true)).toBe(true);
  });

  test('sidecars run beside the main container and init containers before it', () => {
    const spec = podSpec(one(microservice({
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }],
      initContainers: [{ name: 'migrate', image: SIDECAR_IMAGE, resources: GUARANTEED, command: ['/migrate'] }],
    }).out(), 'Deployment'));
    expect(spec.containers.map((c: any) => c.name)).toEqual(['web', 'proxy']);
    expect(spec.initContainers.map((c: any) => [c.name, c.command])).toEqual([['migrate', ['/migrate']]]);
  });

  test('tolerations: operator Equal when a value is given, Exists otherwise', () => {
    const spec = podSpec(one(microservice({
      tolerations: [
        { key: 'dedicated', value: 'web', effect: TaintEffect.NO_SCHEDULE },
        { key: 'spot', effect: TaintEffect.NO_EXECUTE },
        { key: 'gpu', operator: TolerationOperator.EXISTS },
      ],
    }).out(), 'Deployment'));
    expect(spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
      { key: 'spot', operator: 'Exists', effect: 'NoExecute' },
      { key: 'gpu', operator: 'Exists' },
    ]);
  });
});

describe('Microservice validation (one test per rule)', () => {
  test('workload name must be a DNS-1035 label', () => {
    const allowed = "a DNS-1035 label of at most 63 characters (lower-case letters, digits and '-', starting with a letter)";
    expectConfigError(() => microservice({}, 'Web'), `[test] c/Web: name: received "Web"; allowed: ${allowed}`);
    expectConfigError(() => microservice({ name: '1web' }), `[test] c/web: name: received "1web"; allowed: ${allowed}`);
    const long = `w${'e'.repeat(63)}`;
    expectConfigError(() => microservice({ name: long }), `[test] c/web: name: received "${long}"; allowed: ${allowed}`);
    expect(() => microservice({ name: `w${'e'.repeat(62)}` })).not.toThrow();
  });

  test('replicas must be an integer >= 1', () => {
    expectConfigError(() => microservice({ replicas: 0 }), '[test] c/web: replicas: received 0; allowed: an integer >= 1');
  });

  test('maxSurge must be an integer >= 0', () => {
    expectConfigError(() => microservice({ maxSurge: -1 }), '[test] c/web: maxSurge: received -1; allowed: an integer >= 0');
  });

  test('maxUnavailable must be an integer >= 0', () => {
    expectConfigError(() => microservice({ maxUnavailable: 1.5 }), '[test] c/web: maxUnavailable: received 1.5; allowed: an integer >= 0');
  });

  test('maxSurge and maxUnavailable cannot both be 0', () => {
    expectConfigError(() => microservice({ maxSurge: 0, maxUnavailable: 0 }),
      '[test] c/web: maxSurge/maxUnavailable: received "0/0"; allowed: at least one of them above 0, or a rollout cannot progress');
  });

  test('autoscaling minReplicas must be an integer >= 1', () => {
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 0, maxReplicas: 3 } }),
      '[test] c/web: autoscaling.minReplicas: received 0; allowed: an integer >= 1');
  });

  test('autoscaling maxReplicas must be an integer >= 1', () => {
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 2.5 } }),
      '[test] c/web: autoscaling.maxReplicas: received 2.5; allowed: an integer >= 1');
  });

  test('autoscaling maxReplicas must be at least minReplicas', () => {
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 3, maxReplicas: 2 } }),
      '[test] c/web: autoscaling.maxReplicas: received 2; allowed: at least minReplicas (3)');
  });

  test('autoscaling CPU target must be a whole percentage from 1 to 100', () => {
    const allowed = 'a whole percentage of the request from 1 to 100';
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 0 } }),
      `[test] c/web: autoscaling.targetCpuUtilization: received 0; allowed: ${allowed}`);
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 101 } }),
      `[test] c/web: autoscaling.targetCpuUtilization: received 101; allowed: ${allowed}`);
    expect(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 100 } })).not.toThrow();
    expect(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 1 } })).not.toThrow();
  });

  test('autoscaling memory target must be a whole percentage from 1 to 100', () => {
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 1, maxReplicas: 3, targetMemoryUtilization: 75.5 } }),
      '[test] c/web: autoscaling.targetMemoryUtilization: received 75.5; allowed: a whole percentage of the request from 1 to 100');
  });

  test('a disruption budget sets maxUnavailable or minAvailable, not both', () => {
    expectConfigError(() => microservice({ replicas: 3, disruptionBudget: { maxUnavailable: 1, minAvailable: 1 } }),
      '[test] c/web: disruptionBudget: received {"maxUnavailable":1,"minAvailable":1}; allowed: either maxUnavailable or minAvailable, not both');
  });

  test('disruption budget maxUnavailable must be >= 1', () => {
    expectConfigError(() => microservice({ replicas: 3, disruptionBudget: { maxUnavailable: 0 } }),
      '[test] c/web: disruptionBudget.maxUnavailable: received 0; allowed: an integer >= 1 (0 blocks every node drain)');
  });

  test('disruption budget minAvailable must be below the replica count', () => {
    expectConfigError(() => microservice({ replicas: 3, disruptionBudget: { minAvailable: 3 } }),
      '[test] c/web: disruptionBudget.minAvailable: received 3; allowed: an integer from 0 to 2 (at least the replica count, 3, blocks every node drain)');
    expectConfigError(() => microservice({ autoscaling: { minReplicas: 2, maxReplicas: 9 }, disruptionBudget: { minAvailable: 2 } }),
      '[test] c/web: disruptionBudget.minAvailable: received 2; allowed: an integer from 0 to 1 (at least the replica count, 2, blocks every node drain)');
  });

  test('container names must be DNS labels (sidecars need one)', () => {
    expectConfigError(() => microservice({ sidecars: [{ name: 'Proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }] }),
      '[test] c/web: sidecars[0].name: received "Proxy"; allowed: a DNS label of at most 63 characters');
    expectConfigError(() => microservice({ initContainers: [{ image: SIDECAR_IMAGE, resources: GUARANTEED }] }),
      '[test] c/web: initContainers[0].name: received ""; allowed: a DNS label of at most 63 characters');
  });

  test('container names are unique within the pod', () => {
    expectConfigError(() => microservice({ initContainers: [{ name: 'web', image: SIDECAR_IMAGE, resources: GUARANTEED }] }),
      '[test] c/web: containers: received "web"; allowed: a unique name for every container of the pod');
  });

  test('init containers have no ports or probes', () => {
    const allowed = 'none: init containers run to completion before the pod is ready';
    expectConfigError(() => microservice({ initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: GUARANTEED, readiness: Probe.exec(['true']) }] }),
      `[test] c/web: initContainers[0].ports/probes: received "ports or probes on an init container"; allowed: ${allowed}`);
    expectConfigError(() => microservice({ initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: GUARANTEED, ports: [{ name: 'x', port: 9000, protocol: PortProtocol.TCP }] }] }),
      `[test] c/web: initContainers[0].ports/probes: received "ports or probes on an init container"; allowed: ${allowed}`);
  });

  test('a probe must target one of the container\'s own ports', () => {
    expectConfigError(() => microservice({ liveness: Probe.httpGet('/live', 9090) }),
      "[test] c/web: liveness: received \"port 9090\"; allowed: one of the container's ports (8080)");
    expectConfigError(() => microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, startup: Probe.tcpSocket(8080) }] }),
      "[test] c/web: sidecars[0].startup: received \"port 8080\"; allowed: one of the container's ports (none declared)");
  });

  test('each environment variable is defined once', () => {
    expectConfigError(() => microservice({ env: { DB_USER: 'x' }, secretEnv: [{ name: 'DB_USER', from: 'db', key: 'user' }] }),
      '[test] c/web: env: received "DB_USER"; allowed: each variable defined once');
    expectConfigError(() => microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, fieldEnv: { A: 'metadata.name' }, configMapEnv: [{ name: 'A', from: 'c', key: 'k' }] }] }),
      '[test] c/web: sidecars[0].env: received "A"; allowed: each variable defined once');
  });

  test('volume names must be DNS labels', () => {
    expectConfigError(() => microservice({ mounts: [{ volume: Volume.emptyDir('Scratch'), mountPath: '/scratch' }] }),
      '[test] c/web: mounts[0].volume.name: received "Scratch"; allowed: a DNS label of at most 63 characters');
  });

  test('mount paths must be absolute', () => {
    expectConfigError(() => microservice({ mounts: [{ volume: Volume.emptyDir('scratch'), mountPath: 'scratch' }] }),
      '[test] c/web: mounts[0].mountPath: received "scratch"; allowed: an absolute path');
    expectConfigError(() => microservice({ writablePaths: ['tmp'] }),
      '[test] c/web: writablePaths.mountPath: received "tmp"; allowed: an absolute path');
  });

  test('two different volumes cannot share a name', () => {
    expectConfigError(() => microservice({
      mounts: [{ volume: Volume.fromConfigMap('config', 'a'), mountPath: '/a' }],
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, mounts: [{ volume: Volume.fromConfigMap('config', 'b'), mountPath: '/b' }] }],
    }), '[test] c/web: sidecars[0].mounts[0].volume: received "config"; allowed: one definition per volume name (two different volumes share this name)');
  });

  test('a toleration with operator Exists has no value', () => {
    expectConfigError(() => microservice({ tolerations: [{ key: 'dedicated', operator: TolerationOperator.EXISTS, value: 'web' }] }),
      '[test] c/web: tolerations[0].value: received "web"; allowed: no value with operator Exists');
  });

  test('a toleration with operator Equal has a key', () => {
    expectConfigError(() => microservice({ tolerations: [{ key: 'a', value: 'b' }, { operator: TolerationOperator.EQUAL, value: 'web' }] }),
      '[test] c/web: tolerations[1].key: received nothing; allowed: a key with operator Equal');
  });

  // A toleration with a value and no operator is rendered with operator Equal (the documented
  // default), so it needs a key just like an explicit Equal one: Kubernetes rejects
  // `{operator: Equal, value: web}` ("operator must be Exists when `key` is empty").
  test('a toleration whose operator defaults to Equal (value given) has a key', () => {
    expectConfigError(() => microservice({ tolerations: [{ value: 'web' }] }),
      '[test] c/web: tolerations[0].key: received nothing; allowed: a key with operator Equal');
  });

  test('errors are ConfigErrors with structured details', () => {
    const e = configErrorOf(() => microservice({ replicas: -2 }));
    expect(e.details).toEqual({ environment: 'test', path: 'c/web', field: 'replicas', received: '-2', allowed: 'an integer >= 1' });
  });
});
