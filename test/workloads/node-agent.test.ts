import { Size } from 'cdk8s';
import {
  Cpu, Microservice, NamespaceBaseline, NodeAgent, NodeAgentProps, PodSecurityLevel, PortProtocol, Resources, StatefulService, TaintEffect,
  TopologySpread, Volume,
} from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, allOfKind, expectConfigError, js, one, podSpec, setup, synth, validationErrors } from './helpers';

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
      '[test] c/agent: mounts[0].readOnly: received false; allowed: host paths are mounted read-only only (a NodeAgent writes on the node only in its stateDirectory)');
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

describe('NodeAgent: priority class', () => {
  test('system-node-critical unless another is given', () => {
    expect(podSpec(one(agent().out(), 'DaemonSet')).priorityClassName).toBe('system-node-critical');
    const a = agent({ priorityClassName: 'log-agents' });
    expect(podSpec(one(a.out(), 'DaemonSet')).priorityClassName).toBe('log-agents');
    expect([a.agent.priorityClassName, a.agent.footprint().priorityClassName]).toEqual(['log-agents', 'log-agents']);
  });

  test('rule: the priority class is a PriorityClass name (every workload)', () => {
    const allowed = 'the name of a PriorityClass (a DNS-1123 subdomain such as system-node-critical)';
    expectConfigError(() => agent({ priorityClassName: '' }), `[test] c/agent: priorityClassName: received ""; allowed: ${allowed}`);
    const { chart } = setup();
    expectConfigError(() => new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, priorityClassName: 'High_Priority' }),
      `[test] c/web: priorityClassName: received "High_Priority"; allowed: ${allowed}`);
  });
});

describe('NodeAgent: running as root', () => {
  /** An agent in its own privileged namespace (a baseline in the app), reading /var/log. */
  function rootAgent(props: Partial<NodeAgentProps> = {}, podSecurity: PodSecurityLevel | null = PodSecurityLevel.PRIVILEGED) {
    const f = setup('node-agents');
    if (podSecurity !== null) new NamespaceBaseline(f.chart, 'ns', { podSecurity });
    const a = new NodeAgent(f.chart, 'agent', {
      image: IMAGE, resources: GUARANTEED, runAsRoot: true, hostPaths: [{ name: 'logs', hostPath: '/var/log' }],
      sidecars: [{ name: 'reloader', image: SIDECAR_IMAGE, resources: GUARANTEED }], ...props,
    });
    return { ...f, agent: a };
  }

  test('the main container runs as uid 0 with every capability dropped, a read-only root filesystem and no escalation; the others stay non-root', () => {
    const { chart, agent: a } = rootAgent();
    expect(validationErrors(chart)).toEqual([]);
    const spec = podSpec(one(synth(chart), 'DaemonSet'));
    expect(spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
      runAsNonRoot: false, runAsUser: 0, capabilities: { drop: ['ALL'] },
    });
    expect(spec.containers[1].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    // The pod keeps its non-root identity and seccomp profile for every other container.
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(a.runAsRoot).toBe(true);
  });

  test('capabilities asked for are the only ones added back', () => {
    const spec = podSpec(one(synth(rootAgent({ capabilities: ['DAC_READ_SEARCH'] }).chart), 'DaemonSet'));
    expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['DAC_READ_SEARCH'] });
    expect(spec.containers[1].securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('not by default', () => {
    const spec = podSpec(one(agent().out(), 'DaemonSet'));
    expect(spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
  });

  const rootAllowed = 'a root container only in a namespace whose pod security is PRIVILEGED: a NamespaceBaseline of this app with podSecurity PRIVILEGED, '
    + 'or, for a namespace managed elsewhere, namespacePodSecurity: PodSecurityLevel.PRIVILEGED (Pod Security "restricted" refuses uid 0: keep node agents in a namespace of their own)';

  test('rule: root only in a namespace whose baseline is PRIVILEGED', () => {
    expect(validationErrors(rootAgent({ hostPaths: [] }, PodSecurityLevel.RESTRICTED).chart)).toEqual([
      `[test] c/agent: runAsRoot: received true, in namespace node-agents (pod security "restricted"); allowed: ${rootAllowed}`,
    ]);
    expect(validationErrors(rootAgent({ hostPaths: [] }, PodSecurityLevel.BASELINE).chart)).toEqual([
      `[test] c/agent: runAsRoot: received true, in namespace node-agents (pod security "baseline"); allowed: ${rootAllowed}`,
    ]);
  });

  test('rule: root only in a namespace that a baseline of the app sets up', () => {
    expect(validationErrors(rootAgent({}, null).chart)).toEqual([
      `[test] c/agent: runAsRoot: received true, in namespace node-agents, which no NamespaceBaseline of this app sets up and namespacePodSecurity does not declare; allowed: ${rootAllowed}`,
    ]);
  });

  test('a namespace managed elsewhere: its pod security declared with namespacePodSecurity', () => {
    expect(validationErrors(rootAgent({ namespacePodSecurity: PodSecurityLevel.PRIVILEGED }, null).chart)).toEqual([]);
    expect(validationErrors(rootAgent({ namespacePodSecurity: PodSecurityLevel.BASELINE }, null).chart)).toEqual([
      '[test] c/agent: namespacePodSecurity: received "baseline", for a root container in namespace node-agents; allowed: "privileged" (Pod Security "baseline" refuses a root container: keep node agents in a namespace of their own)',
    ]);
    // Not root, but host paths, which baseline and restricted refuse too.
    expect(validationErrors(rootAgent({ runAsRoot: false, namespacePodSecurity: PodSecurityLevel.RESTRICTED }, null).chart)).toEqual([
      '[test] c/agent: namespacePodSecurity: received "restricted", for host path volumes in namespace node-agents; allowed: "privileged" (Pod Security "restricted" refuses host path volumes: keep node agents in a namespace of their own)',
    ]);
    expect(validationErrors(rootAgent({ runAsRoot: false, hostPaths: [], namespacePodSecurity: PodSecurityLevel.RESTRICTED }, null).chart)).toEqual([]);
  });

  test('rule: a declared level agrees with the app\'s baseline for the namespace', () => {
    expect(validationErrors(rootAgent({ namespacePodSecurity: PodSecurityLevel.PRIVILEGED }).chart)).toEqual([]);
    expect(validationErrors(rootAgent({ hostPaths: [], namespacePodSecurity: PodSecurityLevel.PRIVILEGED }, PodSecurityLevel.RESTRICTED).chart)).toEqual([
      '[test] c/agent: namespacePodSecurity: received "privileged", while the NamespaceBaseline c/ns sets namespace node-agents up with "restricted"; allowed: nothing (a baseline of this app sets the namespace up and its level counts), or the same level',
    ]);
  });

  test('rule: namespacePodSecurity is one of the levels', () => {
    expectConfigError(() => rootAgent(js({ namespacePodSecurity: 'PRIVILEGED' }), null),
      '[test] c/agent: namespacePodSecurity: received "PRIVILEGED"; allowed: one of restricted, baseline, privileged (PodSecurityLevel)');
  });

  test('rule: capabilities only with runAsRoot (a non-root process gets none)', () => {
    expectConfigError(() => agent({ capabilities: ['DAC_READ_SEARCH'] }),
      '[test] c/agent: capabilities: received ["DAC_READ_SEARCH"]; allowed: none without runAsRoot: true (a non-root process gets no added capability: Kubernetes grants no ambient capabilities)');
  });

  test('rule: capabilities are Linux capabilities named once, without CAP_', () => {
    const allowed = 'a Linux capability named once, without the CAP_ prefix, such as DAC_READ_SEARCH';
    expectConfigError(() => rootAgent({ capabilities: ['CAP_DAC_READ_SEARCH'] }), `[test] c/agent: capabilities[0]: received "CAP_DAC_READ_SEARCH"; allowed: ${allowed}`);
    expectConfigError(() => rootAgent({ capabilities: ['DAC_READ_SEARCH', 'ALL'] }), `[test] c/agent: capabilities[1]: received "ALL"; allowed: ${allowed}`);
    expectConfigError(() => rootAgent({ capabilities: ['SYSLOG', 'SYSLOG'] }), `[test] c/agent: capabilities[1]: received "SYSLOG"; allowed: ${allowed}`);
  });
});

describe('NodeAgent: state directory', () => {
  const rootAgent = (props: Partial<NodeAgentProps>) => {
    const f = setup('node-agents');
    new NamespaceBaseline(f.chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED });
    const a = new NodeAgent(f.chart, 'agent', { image: IMAGE, resources: GUARANTEED, runAsRoot: true, hostPaths: [{ name: 'logs', hostPath: '/var/log' }], ...props });
    return { ...f, agent: a };
  };

  test('mounted writable into the main container, created on the node when missing; the other host paths stay read-only', () => {
    const { chart, agent: a } = rootAgent({ stateDirectory: { hostPath: '/var/lib/fluent-bit' } });
    expect(validationErrors(chart)).toEqual([]);
    const spec = podSpec(one(synth(chart), 'DaemonSet'));
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'logs', mountPath: '/var/log', readOnly: true },
      { name: 'state', mountPath: '/var/lib/fluent-bit', readOnly: false },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'logs', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'state', hostPath: { path: '/var/lib/fluent-bit', type: 'DirectoryOrCreate' } },
    ]);
    expect(spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(a.footprint().usesHostPaths).toBe(true);
  });

  test('at another mount path', () => {
    const spec = podSpec(one(synth(rootAgent({ stateDirectory: { hostPath: '/var/lib/otel-agent', mountPath: '/state' } }).chart), 'DaemonSet'));
    expect(spec.containers[0].volumeMounts[1]).toEqual({ name: 'state', mountPath: '/state', readOnly: false });
  });

  test('rule: a directory of the agent\'s own directly under /var/lib', () => {
    const allowed = 'a directory of the agent\'s own directly under /var/lib, such as /var/lib/fluent-bit (not one of the node\'s: '
      + 'kubelet, containerd, docker, containers, crio, etcd, cni, calico, cilium, kube-proxy, systemd, dpkg, apt, rpm, dbus, private)';
    for (const hostPath of ['/var/log', '/var/lib', '/var/lib/fluent-bit/db', '/var/lib/../etc', '/var/lib/kubelet', '/etc/fluent-bit']) {
      expectConfigError(() => rootAgent({ stateDirectory: { hostPath } }), `[test] c/agent: stateDirectory.hostPath: received "${hostPath}"; allowed: ${allowed}`);
    }
  });

  test('rule: a state directory only for a root agent (the kubelet creates it owned by root, mode 0755)', () => {
    expectConfigError(() => agent({ stateDirectory: { hostPath: '/var/lib/fluent-bit' } }),
      '[test] c/agent: stateDirectory: received "/var/lib/fluent-bit"; allowed: a state directory only with runAsRoot: true (the kubelet creates it owned by root with mode 0755: no other user can write it)');
  });

  test('rule: no other host path is writable beside the state directory', () => {
    expectConfigError(() => rootAgent({ stateDirectory: { hostPath: '/var/lib/fluent-bit' }, mounts: [{ volume: Volume.hostPath('cache', '/var/cache'), mountPath: '/cache', readOnly: false }] }),
      '[test] c/agent: mounts[0].readOnly: received false; allowed: host paths are mounted read-only only (a NodeAgent writes on the node only in its stateDirectory)');
  });
});
