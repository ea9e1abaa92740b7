import { Duration, Size } from 'cdk8s';
import {
  PodManagementPolicy, PortProtocol, Probe, StatefulService, StatefulServiceProps, StatefulUpdateStrategy, TopologySpread,
  Volume, VolumeAccessMode, VolumeClaim, collectWarnings,
} from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, allOfKind, expectConfigError, one, podSpec, setup, synth } from './helpers';

const CLIENT = { name: 'client', port: 4222, protocol: PortProtocol.TCP };
const DATA: VolumeClaim = { name: 'data', size: Size.gibibytes(10), mountPath: '/data' };
const GI = 2 ** 30;

function stateful(props: Partial<StatefulServiceProps> = {}, id = 'db') {
  const { chart } = setup();
  const db = new StatefulService(chart, id, { image: IMAGE, resources: GUARANTEED, ports: [CLIENT], ...props });
  return { chart, db, out: () => synth(chart) };
}

describe('StatefulService: StatefulSet', () => {
  test('defaults: one replica, OrderedReady, RollingUpdate without partition, no claims, no PDB', () => {
    const { out, db } = stateful();
    const m = out();
    const ss = one(m, 'StatefulSet', 'db');
    expect(ss.spec.replicas).toBe(1);
    expect(ss.spec.serviceName).toBe('db-headless');
    expect(ss.spec.podManagementPolicy).toBe('OrderedReady');
    expect(ss.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(ss.spec.revisionHistoryLimit).toBe(5);
    expect(ss.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'db' } });
    expect(ss.spec).not.toHaveProperty('volumeClaimTemplates');
    expect(ss.spec).not.toHaveProperty('persistentVolumeClaimRetentionPolicy');
    expect(ss.metadata.labels['app.kubernetes.io/component']).toBe('stateful-service');
    expect(allOfKind(m, 'PodDisruptionBudget')).toEqual([]);
    expect(db.headlessServiceName).toBe('db-headless');
    expect(db.podManagementPolicy).toBe(PodManagementPolicy.ORDERED_READY);
  });

  test('volume claims become claim templates mounted writable by the main container, kept by default', () => {
    const { out } = stateful({
      replicas: 3,
      volumeClaims: [DATA, { name: 'wal', size: Size.mebibytes(1536), mountPath: '/wal', storageClassName: 'fast', accessMode: VolumeAccessMode.READ_WRITE_ONCE_POD }],
    });
    const ss = one(out(), 'StatefulSet');
    expect(ss.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'db' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      },
      {
        metadata: { name: 'wal', labels: { 'app.kubernetes.io/name': 'db' } },
        spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'fast', resources: { requests: { storage: '1536Mi' } } },
      },
    ]);
    expect(ss.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const spec = podSpec(ss);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/data', readOnly: false },
      { name: 'wal', mountPath: '/wal', readOnly: false },
    ]);
    // Claim templates provide the volumes; the pod spec must not declare them again.
    expect(spec).not.toHaveProperty('volumes');
  });

  test('deleteClaimsWithWorkload deletes claims on delete and scale-down', () => {
    const ss = one(stateful({ volumeClaims: [DATA], deleteClaimsWithWorkload: true }).out(), 'StatefulSet');
    expect(ss.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
  });

  test('partition is rendered under rollingUpdate, including 0', () => {
    expect(one(stateful({ replicas: 3, partition: 2 }).out(), 'StatefulSet').spec.updateStrategy)
      .toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    expect(one(stateful({ replicas: 3, partition: 0 }).out(), 'StatefulSet').spec.updateStrategy)
      .toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  });

  test('OnDelete strategy and Parallel pod management', () => {
    const ss = one(stateful({ updateStrategy: StatefulUpdateStrategy.ON_DELETE, podManagementPolicy: PodManagementPolicy.PARALLEL }).out(), 'StatefulSet');
    expect(ss.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(ss.spec.podManagementPolicy).toBe('Parallel');
  });

  test('zero replicas are allowed (a parked workload)', () => {
    expect(one(stateful({ replicas: 0 }).out(), 'StatefulSet').spec.replicas).toBe(0);
  });

  test('topology spread has no pod-template-hash (StatefulSet pods do not carry it)', () => {
    const spec = podSpec(one(stateful({ replicas: 3, spread: TopologySpread.ZONES_AND_NODES }).out(), 'StatefulSet'));
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'db' } };
    expect(spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
    ]);
  });

  test('footprint: replicas without surge, claims and storage per replica', () => {
    const { db } = stateful({ replicas: 3, volumeClaims: [DATA, { name: 'wal', size: Size.gibibytes(2), mountPath: '/wal' }] });
    const f = db.footprint();
    expect(f.kind).toBe('StatefulSet');
    expect(f.maxPods).toBe(3);
    expect(f.persistentVolumeClaims).toBe(6);
    expect(f.storageBytes).toBe(36 * GI);
  });

  test('a sidecar can mount a claim; the claim is not declared as a pod volume', () => {
    const spec = podSpec(one(stateful({
      volumeClaims: [DATA],
      sidecars: [{ name: 'backup', image: SIDECAR_IMAGE, resources: GUARANTEED, mounts: [{ volume: Volume.fromClaim('data'), mountPath: '/backup', readOnly: true }] }],
    }).out(), 'StatefulSet'));
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'data', mountPath: '/backup', readOnly: true }]);
    expect(spec).not.toHaveProperty('volumes');
  });

  // VolumeMount.readOnly is documented as "@default false (true for Secrets, ConfigMaps and host
  // paths)"; a claim is none of those, so a sidecar mounting one without readOnly must get a
  // writable mount.
  test('a claim mounted without readOnly is writable, as documented', () => {
    const spec = podSpec(one(stateful({
      volumeClaims: [DATA],
      sidecars: [{ name: 'backup', image: SIDECAR_IMAGE, resources: GUARANTEED, mounts: [{ volume: Volume.fromClaim('data'), mountPath: '/backup' }] }],
    }).out(), 'StatefulSet'));
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'data', mountPath: '/backup', readOnly: false }]);
  });
});

describe('StatefulService: Services and PDB', () => {
  test('the headless governing Service has clusterIP None and the client Service is a plain ClusterIP', () => {
    const m = stateful().out();
    const headless = one(m, 'Service', 'db-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec).not.toHaveProperty('publishNotReadyAddresses');
    expect(headless.spec.selector).toEqual({ app: 'db' });
    expect(headless.spec.ports).toEqual([{ name: 'client', port: 4222, targetPort: 'client', protocol: 'TCP', appProtocol: 'tcp' }]);
    const client = one(m, 'Service', 'db');
    expect(client.spec).not.toHaveProperty('clusterIP');
    expect(client.spec.ports).toEqual(headless.spec.ports);
  });

  test('publishNotReadyAddresses is set on the headless Service only', () => {
    const m = stateful({ publishNotReadyAddresses: true }).out();
    expect(one(m, 'Service', 'db-headless').spec.publishNotReadyAddresses).toBe(true);
    expect(one(m, 'Service', 'db').spec).not.toHaveProperty('publishNotReadyAddresses');
  });

  test('a custom headless name becomes the StatefulSet serviceName', () => {
    const m = stateful({ headlessServiceName: 'db-peers' }).out();
    expect(one(m, 'StatefulSet').spec.serviceName).toBe('db-peers');
    expect(one(m, 'Service', 'db-peers').spec.clusterIP).toBe('None');
  });

  test('clientService false leaves only the headless Service', () => {
    const { out, db } = stateful({ clientService: false });
    expect(allOfKind(out(), 'Service').map((s) => s.metadata.name)).toEqual(['db-headless']);
    expect(db.clientService).toBeUndefined();
  });

  test('without ports the headless Service still exists (for pod DNS) and there is no client Service', () => {
    const services = allOfKind(stateful({ ports: undefined }).out(), 'Service');
    expect(services.map((s) => [s.metadata.name, s.spec.clusterIP])).toEqual([['db-headless', 'None']]);
  });

  test('replicated: PDB with maxUnavailable 1, or minAvailable when given', () => {
    expect(one(stateful({ replicas: 3 }).out(), 'PodDisruptionBudget', 'db').spec)
      .toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } });
    expect(one(stateful({ replicas: 3, disruptionBudget: { minAvailable: 2 } }).out(), 'PodDisruptionBudget').spec)
      .toEqual({ minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } });
  });
});

describe('StatefulService validation (one test per rule)', () => {
  test('the name has at most 52 characters (controller-revision-hash label)', () => {
    const long = `d${'b'.repeat(52)}`;
    expectConfigError(() => stateful({ name: long }),
      `[test] c/db: name: received "${long}"; allowed: a DNS-1035 label of at most 52 characters (lower-case letters, digits and '-', starting with a letter)`);
    expect(() => stateful({ name: `d${'b'.repeat(51)}` })).not.toThrow();
  });

  test('replicas must be an integer >= 0', () => {
    expectConfigError(() => stateful({ replicas: -1 }), '[test] c/db: replicas: received -1; allowed: an integer >= 0');
  });

  test('partition must be an integer >= 0', () => {
    expectConfigError(() => stateful({ partition: 0.5 }), '[test] c/db: partition: received 0.5; allowed: an integer >= 0');
  });

  test('partition only with RollingUpdate', () => {
    expectConfigError(() => stateful({ replicas: 3, partition: 1, updateStrategy: StatefulUpdateStrategy.ON_DELETE }),
      '[test] c/db: partition: received 1; allowed: a partition only with the RollingUpdate strategy');
  });

  test('claim names are DNS labels', () => {
    expectConfigError(() => stateful({ volumeClaims: [{ ...DATA, name: 'Data' }] }),
      '[test] c/db: volumeClaims[0].name: received "Data"; allowed: a unique DNS label');
  });

  test('claim names are unique', () => {
    expectConfigError(() => stateful({ volumeClaims: [DATA, { ...DATA, mountPath: '/other' }] }),
      '[test] c/db: volumeClaims[1].name: received "data"; allowed: a unique DNS label');
  });

  test('claim sizes are above zero', () => {
    expectConfigError(() => stateful({ volumeClaims: [{ ...DATA, size: Size.gibibytes(0) }] }),
      '[test] c/db: volumeClaims[0].size: received 0 bytes; allowed: more than zero');
  });

  test('claim sizes are required', () => {
    expectConfigError(() => stateful({ volumeClaims: [{ ...DATA, size: undefined as any }] }),
      '[test] c/db: volumeClaims[0].size: received nothing; allowed: a size');
  });

  // The message shows the size received in bytes, not a rounded quantity.
  test('claim sizes are whole bytes, and the message shows the size received', () => {
    expectConfigError(() => stateful({ volumeClaims: [{ ...DATA, size: Size.kibibytes(1.5 / 1024) }] }),
      '[test] c/db: volumeClaims[0].size: received 1.5 bytes; allowed: a whole number of bytes');
  });

  // The headless Service name is used verbatim as a Service name and must not collide with the
  // client Service (named after the workload): otherwise two Services with the same name are
  // emitted, or a Service the API server rejects.
  test('headlessServiceName must be a DNS-1035 label', () => {
    expectConfigError(() => stateful({ headlessServiceName: 'DB_Peers' }),
      '[test] c/db: headlessServiceName: received "DB_Peers"; allowed: a DNS-1035 label of at most 63 characters, other than the workload\'s name (the client Service has that name)');
  });

  test('headlessServiceName must differ from the client Service name', () => {
    expectConfigError(() => stateful({ headlessServiceName: 'db' }),
      '[test] c/db: headlessServiceName: received "db"; allowed: a DNS-1035 label of at most 63 characters, other than the workload\'s name (the client Service has that name)');
  });
});

describe('StatefulService: a liveness probe without a startup probe beside claimed data', () => {
  const ALIVE = Probe.tcpSocket(4222, { period: Duration.seconds(20), failureThreshold: 6 });
  const warnings = (props: Partial<StatefulServiceProps>) => {
    const { chart } = stateful(props);
    return collectWarnings(chart);
  };
  const allowed = 'allowed: a startup probe that outlasts the longest recovery, e.g. every 10 s with failureThreshold 60 (10 minutes): '
    + 'without one, the liveness probe restarts any longer recovery, again and again';

  test('warned: liveness would restart a crash recovery longer than its failure window', () => {
    expect(warnings({ volumeClaims: [DATA], liveness: ALIVE })).toEqual([
      `[test] c/db: startup: received nothing, beside liveness that restarts a container not answering for 120 s, in a workload with volume claims (data) to recover after a crash; ${allowed}`,
    ]);
  });

  test('warned for a sidecar too, with the window of its own probe (Kubernetes defaults: 3 x 10 s)', () => {
    expect(warnings({
      volumeClaims: [DATA, { name: 'wal', size: Size.gibibytes(1), mountPath: '/wal' }], startup: Probe.tcpSocket(4222), liveness: ALIVE,
      sidecars: [{ name: 'archiver', image: SIDECAR_IMAGE, resources: GUARANTEED, liveness: Probe.exec(['true'], { initialDelay: Duration.seconds(5) }) }],
    })).toEqual([
      `[test] c/db: sidecars[0].startup: received nothing, beside sidecars[0].liveness that restarts a container not answering for 35 s, in a workload with volume claims (data, wal) to recover after a crash; ${allowed}`,
    ]);
  });

  test('not warned: with a startup probe, without a liveness probe, or without volume claims', () => {
    expect(warnings({ volumeClaims: [DATA], liveness: ALIVE, startup: Probe.tcpSocket(4222, { failureThreshold: 60 }) })).toEqual([]);
    expect(warnings({ volumeClaims: [DATA] })).toEqual([]);
    expect(warnings({ liveness: ALIVE })).toEqual([]);
  });

  test('Probe.failureWindow: initial delay plus failureThreshold periods', () => {
    expect(ALIVE.failureWindow.toSeconds()).toBe(120);
    expect(Probe.httpGet('/', 80).failureWindow.toSeconds()).toBe(30);
    expect(Probe.exec(['pg_isready'], { period: Duration.seconds(10), failureThreshold: 60 }).failureWindow.toMinutes()).toBe(10);
  });
});
