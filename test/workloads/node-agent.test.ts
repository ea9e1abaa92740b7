import { Size } from 'cdk8s';
import {
  Cpu, Microservice, NodeAgent, NodeAgentProps, PortProtocol, Resources, StatefulService, TaintEffect, TopologySpread, Volume,
} from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, allOfKind, expectConfigError, one, podSpec, setup, synth } from './helpers';

function agent(props: Partial<NodeAgentProps> = {}) {
  const { chart } = setup();
  const a = new NodeAgent(chart, 'agent', { image: IMAGE, resources: GUARANTEED, ...props });
  return { chart, agent: a, out: () => synth(chart) };
}

describe('NodeAgent: DaemonSet', () => {
  test('defaults: rolling update one node at a time without surge; no replicas, PDB, Service or tolerations', () => {
    const { out } = agent();
    const m = out();
    const ds = one(m, 'DaemonSet', 'agent');
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.spec).not.toHaveProperty('replicas');
    expect(ds.spec.revisionHistoryLimit).toBe(5);
    expect(ds.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'agent' } });
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(podSpec(ds)).not.toHaveProperty('tolerations');
    expect(ds.metadata.labels['app.kubernetes.io/component']).toBe('node-agent');
    expect(m.map((o) => o.kind).sort()).toEqual(['DaemonSet', 'ServiceAccount']);
  });

  test('surge instead of unavailability', () => {
    const ds = one(agent({ maxSurge: 1, maxUnavailable: 0 }).out(), 'DaemonSet');
    expect(ds.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  test('tolerateAllTaints adds a key-less Exists toleration before the given ones', () => {
    const spec = podSpec(one(agent({ tolerateAllTaints: true, tolerations: [{ key: 'dedicated', value: 'logs', effect: TaintEffect.NO_SCHEDULE }] }).out(), 'DaemonSet'));
    expect(spec.tolerations).toEqual([
      { operator: 'Exists' },
      { key: 'dedicated', operator: 'Equal', value: 'logs', effect: 'NoSchedule' },
    ]);
  });

  test('given tolerations only, without tolerateAllTaints', () => {
    const spec = podSpec(one(agent({ tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: TaintEffect.NO_SCHEDULE }] }).out(), 'DaemonSet'));
    expect(spec.tolerations).toEqual([{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('host paths are mounted read-only from Directory volumes', () => {
    const { out, agent: a } = agent({ hostPaths: [{ name: 'logs', hostPath: '/var/log' }, { name: 'pods', hostPath: '/var/log/pods', mountPath: '/host/pods' }] });
    const spec = podSpec(one(out(), 'DaemonSet'));
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'logs', mountPath: '/var/log', readOnly: true },
      { name: 'pods', mountPath: '/host/pods', readOnly: true },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'logs', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'pods', hostPath: { path: '/var/log/pods', type: 'Directory' } },
    ]);
    expect(a.footprint().usesHostPaths).toBe(true);
  });

  test('a host path volume given through mounts is read-only unless said otherwise', () => {
    const spec = podSpec(one(agent({ mounts: [{ volume: Volume.hostPath('proc', '/proc'), mountPath: '/host/proc' }] }).out(), 'DaemonSet'));
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'proc', mountPath: '/host/proc', readOnly: true }]);
  });

  test('writable paths are emptyDirs capped by the ephemeral-storage limit', () => {
    const resources = Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.gibibytes(1) });
    const spec = podSpec(one(agent({ resources, writablePaths: ['/var/lib/agent'] }).out(), 'DaemonSet'));
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'writable-0', mountPath: '/var/lib/agent', readOnly: false }]);
    expect(spec.volumes).toEqual([{ name: 'writable-0', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('nodeLocalService keeps traffic on the caller\'s node', () => {
    const { out, agent: a } = agent({ nodeLocalService: true, ports: [{ name: 'otlp', port: 4317, protocol: PortProtocol.GRPC }] });
    const svc = one(out(), 'Service', 'agent');
    expect(svc.spec.internalTrafficPolicy).toBe('Local');
    expect(svc.spec).not.toHaveProperty('clusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'otlp', port: 4317, targetPort: 'otlp', protocol: 'TCP', appProtocol: 'grpc' }]);
    expect(a.service).toBeDefined();
  });

  test('ports without nodeLocalService create no Service', () => {
    expect(allOfKind(agent({ ports: [{ name: 'metrics', port: 9100, protocol: PortProtocol.HTTP }] }).out(), 'Service')).toEqual([]);
  });

  test('topology spread on nodes has no pod-template-hash (DaemonSet pods do not carry it)', () => {
    const spec = podSpec(one(agent({ spread: TopologySpread.NODES }).out(), 'DaemonSet'));
    expect(spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'agent' } },
    }]);
  });

  test('footprint plans for expected nodes plus surge', () => {
    expect(agent().agent.footprint().maxPods).toBe(3);
    expect(agent({ expectedNodes: 10 }).agent.footprint().maxPods).toBe(10);
    const surged = agent({ expectedNodes: 10, maxSurge: 2, maxUnavailable: 0 }).agent;
    expect(surged.footprint().maxPods).toBe(12);
    expect(surged.footprint().kind).toBe('DaemonSet');
    expect(surged.footprint().usesHostPaths).toBe(false);
  });
});

describe('host path rules (one test per rule)', () => {
  test('host paths are refused outside a NodeAgent', () => {
    const { chart } = setup();
    const allowed = 'no host paths outside a NodeAgent (Pod Security Standards "restricted")';
    expectConfigError(() => new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, mounts: [{ volume: Volume.hostPath('logs', '/var/log'), mountPath: '/logs', readOnly: true }] }),
      `[test] c/web: mounts[0].volume: received "hostPath /var/log"; allowed: ${allowed}`);
    expectConfigError(() => new StatefulService(chart, 'db', {
      image: IMAGE, resources: GUARANTEED,
      sidecars: [{ name: 'shipper', image: SIDECAR_IMAGE, resources: GUARANTEED, mounts: [{ volume: Volume.hostPath('logs', '/var/log'), mountPath: '/logs' }] }],
    }), `[test] c/db: sidecars[0].mounts[0].volume: received "hostPath /var/log"; allowed: ${allowed}`);
  });

  test('host paths are mounted read-only only', () => {
    expectConfigError(() => agent({ mounts: [{ volume: Volume.hostPath('logs', '/var/log'), mountPath: '/logs', readOnly: false }] }),
      '[test] c/agent: mounts[0].readOnly: received false; allowed: host paths are mounted read-only only');
  });

  test('host paths are absolute and without ".."', () => {
    expectConfigError(() => agent({ hostPaths: [{ name: 'logs', hostPath: '/var/log/../../etc' }] }),
      '[test] c/agent: hostPaths[0].hostPath: received "/var/log/../../etc"; allowed: an absolute path without ".."');
    expectConfigError(() => agent({ hostPaths: [{ name: 'ok', hostPath: '/var/log' }, { name: 'logs', hostPath: 'var/log' }] }),
      '[test] c/agent: hostPaths[1].hostPath: received "var/log"; allowed: an absolute path without ".."');
  });

  // A host directory given through `mounts` (Volume.hostPath) is checked like `hostPaths`.
  test('host paths given through mounts are also absolute and without ".."', () => {
    expectConfigError(() => agent({ mounts: [{ volume: Volume.hostPath('etc', '/var/log/../../etc'), mountPath: '/host/etc' }] }),
      '[test] c/agent: mounts[0].volume.hostPath: received "/var/log/../../etc"; allowed: an absolute path without ".."');
  });
});

describe('NodeAgent validation (one test per rule)', () => {
  test('maxUnavailable must be an integer >= 0', () => {
    expectConfigError(() => agent({ maxUnavailable: -1 }), '[test] c/agent: maxUnavailable: received -1; allowed: an integer >= 0');
  });

  test('maxSurge must be an integer >= 0', () => {
    expectConfigError(() => agent({ maxSurge: 0.5 }), '[test] c/agent: maxSurge: received 0.5; allowed: an integer >= 0');
  });

  test('maxSurge and maxUnavailable cannot both be 0', () => {
    expectConfigError(() => agent({ maxSurge: 0, maxUnavailable: 0 }),
      '[test] c/agent: maxSurge/maxUnavailable: received "0/0"; allowed: at least one of them above 0, or a rollout cannot progress');
  });

  test('expectedNodes must be an integer >= 1', () => {
    expectConfigError(() => agent({ expectedNodes: 0 }), '[test] c/agent: expectedNodes: received 0; allowed: an integer >= 1');
  });
});
