import { Chart, Size } from 'cdk8s';
import {
  Cpu, EgressAllowance, IngressAllowance, Microservice, NamespaceBaseline, NamespaceBaselineProps, NetworkProtocol, NodeAgent, PodSecurityLevel,
  PortProtocol, Resources, StatefulService,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import {
  BURSTABLE, GUARANTEED, IMAGE, Fixture, allOfKind, expectConfigError, one, podSpec, setup, synth, validationErrors,
} from '../workloads/helpers';

const GI = 2 ** 30;
const MI = 2 ** 20;
const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };

function baseline(props: NamespaceBaselineProps = {}, f: Fixture = setup()) {
  const ns = new NamespaceBaseline(f.chart, 'ns', props);
  return { ...f, ns };
}

/** Quota `hard` as plain text/numbers. */
function hard(manifests: any[]): { [key: string]: string | number } {
  return one(manifests, 'ResourceQuota', 'workloads').spec.hard;
}

/**
 * Workloads of every kind the quota counts, in namespace `shop` (node agents: see
 * 'NamespaceBaseline: node agents and the quota'):
 * - web: Deployment, 2 replicas + surge 1 = 3 pods of 250m/256Mi (Guaranteed)
 * - api: Deployment autoscaled 2..5 + surge 1 = 6 pods of 100m-500m / 128Mi-512Mi
 * - db: StatefulSet 3 replicas of 250m/256Mi with one 10Gi claim each
 */
function sizedWorkloads(chart: Chart) {
  new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], replicas: 2 });
  new Microservice(chart, 'api', { image: IMAGE, resources: BURSTABLE, autoscaling: { minReplicas: 2, maxReplicas: 5 } });
  new StatefulService(chart, 'db', { image: IMAGE, resources: GUARANTEED, replicas: 3, volumeClaims: [{ name: 'data', size: Size.gibibytes(10), mountPath: '/data' }] });
}

describe('NamespaceBaseline: Namespace and LimitRange', () => {
  test('the Namespace is named after the chart and enforces restricted Pod Security', () => {
    const { chart, ns } = baseline({ labels: { 'shop.example.com/team': 'checkout' } });
    const n = one(synth(chart), 'Namespace');
    expect(n.metadata.name).toBe('shop');
    // Cluster-scoped: the chart's namespace is not stamped on it.
    expect(n.metadata.namespace).toBeUndefined();
    expect(n.metadata.labels).toEqual({
      'shop.example.com/team': 'checkout',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(ns.namespaceName).toBe('shop');
    expect(ns.podSecurity).toBe(PodSecurityLevel.RESTRICTED);
  });

  test('a privileged namespace enforces privileged but still audits and warns restricted', () => {
    const n = one(synth(baseline({ name: 'node-agents', podSecurity: PodSecurityLevel.PRIVILEGED }).chart), 'Namespace');
    expect(n.metadata.name).toBe('node-agents');
    expect(n.metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  test('library labels cannot be overridden by the labels prop', () => {
    const n = one(synth(baseline({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }).chart), 'Namespace');
    expect(n.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('LimitRange defaults: 100m/500m CPU, 128Mi/512Mi memory', () => {
    const lr = one(synth(baseline().chart), 'LimitRange', 'container-defaults');
    expect(lr.metadata.namespace).toBe('shop');
    expect(lr.spec).toEqual({ limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } }] });
  });

  test('LimitRange from containerDefaults', () => {
    const lr = one(synth(baseline({ containerDefaults: Resources.guaranteed({ cpu: Cpu.cores(1), memory: Size.gibibytes(1), ephemeralStorage: Size.gibibytes(2) }) }).chart), 'LimitRange');
    expect(lr.spec.limits).toEqual([{
      type: 'Container',
      defaultRequest: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '2Gi' },
      default: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '2Gi' },
    }]);
  });
});

describe('NamespaceBaseline: NetworkPolicies', () => {
  test('default deny and DNS to kube-dns; nothing within the namespace unless declared', () => {
    const m = synth(baseline().chart);
    expect(allOfKind(m, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['default-deny', 'allow-dns']);
    expect(one(m, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(one(m, 'NetworkPolicy', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      }],
    });
  });

  test('allowWithinNamespace true (an opt-in) adds the same-namespace policy', () => {
    const m = synth(baseline({ allowWithinNamespace: true }).chart);
    expect(allOfKind(m, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['default-deny', 'allow-dns', 'allow-within-namespace']);
    expect(one(m, 'NetworkPolicy', 'allow-within-namespace').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
  });

  test('the ingress gateway reaches exposed workloads on their exposed container ports only', () => {
    const f = setup();
    new Microservice(f.chart, 'web', {
      image: IMAGE, resources: GUARANTEED, exposed: true,
      ports: [{ name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP }, { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false }],
    });
    new Microservice(f.chart, 'grpc', { image: IMAGE, resources: GUARANTEED, exposed: true, ports: [{ name: 'grpc', port: 7000, protocol: PortProtocol.GRPC }, HTTP] });
    new Microservice(f.chart, 'internal', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8081, protocol: PortProtocol.HTTP }] });
    baseline({ ingressNamespaces: ['istio-ingress', 'gateways'] }, f);
    expect(one(synth(f.chart), 'NetworkPolicy', 'allow-from-ingress').spec).toEqual({
      podSelector: { matchLabels: { 'nats-mesh.io/exposed': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } } },
        ],
        ports: [{ port: 7000, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }],
      }],
    });
  });

  test('no ingress policy without an exposed workload with exposed ports (it would open nothing)', () => {
    const f = setup();
    new Microservice(f.chart, 'internal', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
    new Microservice(f.chart, 'metrics-only', {
      image: IMAGE, resources: GUARANTEED, exposed: true, ports: [{ name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false }],
    });
    baseline({ ingressNamespaces: ['istio-ingress'] }, f);
    expect(allOfKind(synth(f.chart), 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['default-deny', 'allow-dns']);
  });

  test('monitoring namespaces may scrape the named metrics ports of the workloads', () => {
    const f = setup();
    new Microservice(f.chart, 'web', {
      image: IMAGE, resources: GUARANTEED,
      ports: [HTTP, { name: 'http-metrics', port: 9090, protocol: PortProtocol.HTTP }],
      sidecars: [{ name: 'exporter', image: IMAGE, resources: GUARANTEED, ports: [{ name: 'prom-metrics', port: 7777, protocol: PortProtocol.HTTP }] }],
    });
    new Microservice(f.chart, 'api', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'metrics', port: 9100, protocol: PortProtocol.HTTP }] });
    baseline({ monitoringNamespaces: ['monitoring'] }, f);
    expect(one(synth(f.chart), 'NetworkPolicy', 'allow-from-monitoring').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'http-metrics', protocol: 'TCP' }, { port: 'metrics', protocol: 'TCP' }, { port: 'prom-metrics', protocol: 'TCP' }],
      }],
    });
  });

  test('without metrics ports the monitoring rule names a port no container has (an empty list would open every port)', () => {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
    baseline({ monitoringNamespaces: ['monitoring'] }, f);
    expect(one(synth(f.chart), 'NetworkPolicy', 'allow-from-monitoring').spec.ingress[0].ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
    expect(allOfKind(synth(baseline().chart), 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('allow-from-monitoring');
  });

  test('an ingress allowance opens the given ports of one workload to another namespace', () => {
    const f = setup();
    const nats = new StatefulService(f.chart, 'nats', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'client', port: 4222, protocol: PortProtocol.TCP }] });
    baseline({ ingress: [{ name: 'nack', namespace: 'nats-system', ports: [{ port: 4222 }], workload: nats }] }, f);
    expect(one(synth(f.chart), 'NetworkPolicy', 'allow-ingress-nack').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nats-system' } } }],
        ports: [{ port: 4222, protocol: 'TCP' }],
      }],
    });
  });

  test('no ingress policy without ingress namespaces', () => {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: GUARANTEED, exposed: true, ports: [HTTP] });
    expect(allOfKind(synth(baseline({}, f).chart), 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('allow-from-ingress');
  });

  test('declared egress to an address range or a namespace', () => {
    const m = synth(baseline({
      egress: [
        { name: 'postgres', cidr: '10.20.0.0/16', ports: [{ port: 5432 }] },
        { name: 'nats', namespace: 'messaging', ports: [{ port: 4222 }, { port: 7422, protocol: NetworkProtocol.TCP }, { port: 514, protocol: NetworkProtocol.UDP }] },
      ],
    }).chart);
    expect(one(m, 'NetworkPolicy', 'allow-egress-postgres').spec).toEqual({
      podSelector: {}, policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(one(m, 'NetworkPolicy', 'allow-egress-nats').spec).toEqual({
      podSelector: {}, policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'messaging' } } }],
        ports: [{ port: 4222, protocol: 'TCP' }, { port: 7422, protocol: 'TCP' }, { port: 514, protocol: 'UDP' }],
      }],
    });
  });
});

describe('NamespaceBaseline: quota sized from the workloads', () => {
  test('with no headroom the quota is the exact peak need (replicas + surge, HPA max, claims)', () => {
    const f = setup();
    sizedWorkloads(f.chart);
    const { ns } = baseline({ quotaHeadroomPercent: 0 }, f);
    const m = synth(f.chart);
    expect(hard(m)).toEqual({
      'pods': 12,
      'requests.cpu': '2100m',
      'limits.cpu': '4500m',
      'requests.memory': '2304Mi',
      'limits.memory': '4608Mi',
      'persistentvolumeclaims': 3,
      'requests.storage': '30Gi',
    });
    // Without node agents: one quota, for every pod of the namespace.
    expect(allOfKind(m, 'ResourceQuota').map((q) => q.metadata.name)).toEqual(['workloads']);
    expect(one(m, 'ResourceQuota', 'workloads').spec).not.toHaveProperty('scopeSelector');
    const needs = ns.needs();
    expect(needs.workloads.map((w) => [w.name, w.kind, w.maxPods])).toEqual([
      ['web', 'Deployment', 3], ['api', 'Deployment', 6], ['db', 'StatefulSet', 3],
    ]);
    expect([needs.pods, needs.claims, needs.storageBytes, needs.exempt]).toEqual([12, 3, 30 * GI, []]);
    expect(ns.workloads().map((w) => w.name)).toEqual(['web', 'api', 'db']);
  });

  test('the default 20% headroom is added and rounded up (CPU to 10m, memory to Mi, counts to whole numbers)', () => {
    const f = setup();
    sizedWorkloads(f.chart);
    baseline({}, f);
    expect(hard(synth(f.chart))).toEqual({
      'pods': 15, // 12 * 1.2 = 14.4
      'requests.cpu': '2520m',
      'limits.cpu': '5400m',
      'requests.memory': '2765Mi', // 2304 * 1.2 = 2764.8
      'limits.memory': '5530Mi', // 4608 * 1.2 = 5529.6
      'persistentvolumeclaims': 4, // 3 * 1.2 = 3.6
      'requests.storage': '36Gi',
    });
  });

  test('CPU is rounded up to 10 millicores', () => {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: Resources.guaranteed({ cpu: Cpu.millis(333), memory: Size.mebibytes(100) }) });
    baseline({ quotaHeadroomPercent: 0 }, f);
    const h = hard(synth(f.chart));
    expect([h['requests.cpu'], h['limits.cpu'], h.pods]).toEqual(['670m', '670m', 2]); // 2 pods * 333m = 666m
  });

  test('ephemeral storage is added to the quota when workloads set it', () => {
    const f = setup();
    new Microservice(f.chart, 'web', {
      image: IMAGE,
      resources: Resources.of({
        requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(256) },
        limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.gibibytes(1) },
      }),
    });
    baseline({ quotaHeadroomPercent: 50 }, f);
    const h = hard(synth(f.chart));
    expect(h['requests.ephemeral-storage']).toBe('768Mi'); // 2 pods * 256Mi * 1.5
    expect(h['limits.ephemeral-storage']).toBe('3Gi'); // 2 pods * 1Gi * 1.5
  });

  test('no ephemeral storage keys without ephemeral storage', () => {
    const f = setup();
    sizedWorkloads(f.chart);
    baseline({}, f);
    const h = hard(synth(f.chart));
    expect(h).not.toHaveProperty('limits.ephemeral-storage');
    expect(h).not.toHaveProperty('requests.ephemeral-storage');
  });

  test('counts sidecars and init containers of every pod', () => {
    const f = setup();
    new Microservice(f.chart, 'web', {
      image: IMAGE, resources: GUARANTEED, replicas: 1, maxSurge: 0, maxUnavailable: 1,
      sidecars: [{ name: 'proxy', image: IMAGE, resources: BURSTABLE }],
      initContainers: [{ name: 'init', image: IMAGE, resources: Resources.guaranteed({ cpu: Cpu.millis(50), memory: Size.mebibytes(64) }) }],
    });
    baseline({ quotaHeadroomPercent: 0 }, f);
    const h = hard(synth(f.chart));
    expect([h.pods, h['requests.cpu'], h['limits.cpu'], h['requests.memory'], h['limits.memory']])
      .toEqual([1, '400m', '800m', '448Mi', '832Mi']);
  });

  test('only workloads of this namespace count, from any chart of the app', () => {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: GUARANTEED });
    const sameNs = new Chart(f.app, 'more', { namespace: 'shop' });
    new Microservice(sameNs, 'api', { image: IMAGE, resources: GUARANTEED });
    const otherNs = new Chart(f.app, 'other', { namespace: 'billing' });
    new Microservice(otherNs, 'ledger', { image: IMAGE, resources: GUARANTEED, replicas: 10 });
    const { ns } = baseline({ quotaHeadroomPercent: 0 }, f);
    expect(ns.workloads().map((w) => w.name)).toEqual(['web', 'api']);
    expect(hard(synth(f.chart)).pods).toBe(4);
  });

  test('an empty namespace gets a zero quota', () => {
    expect(hard(synth(baseline().chart))).toEqual({
      'pods': 0, 'requests.cpu': '0', 'limits.cpu': '0', 'requests.memory': '0', 'limits.memory': '0',
      'persistentvolumeclaims': 0, 'requests.storage': '0',
    });
  });
});

/**
 * Whether a ResourceQuota applies to a pod of `priorityClassName`, as the API server decides
 * (pkg/quota/v1/evaluator/core/pods.go, podMatchesScopeFunc): every scope selector expression
 * must match; a PriorityClass expression is a label selector on {PriorityClass: <class>}, with no
 * label at all for a pod without a class (NotIn then matches).
 */
function quotaAppliesTo(quota: any, priorityClassName: string | undefined): boolean {
  for (const e of quota.spec.scopeSelector?.matchExpressions ?? []) {
    if (e.scopeName !== 'PriorityClass') throw new Error(`unexpected scope ${e.scopeName}`);
    const matches = e.operator === 'Exists' ? priorityClassName !== undefined
      : e.operator === 'DoesNotExist' ? priorityClassName === undefined
        : e.operator === 'In' ? priorityClassName !== undefined && e.values.includes(priorityClassName)
          : e.operator === 'NotIn' ? priorityClassName === undefined || !e.values.includes(priorityClassName)
            : (() => { throw new Error(`unexpected operator ${e.operator}`); })();
    if (!matches) return false;
  }
  return true;
}

/** The hard limits of every quota of the manifests that apply to a pod of `priorityClassName`, by quota name. */
function limitsOn(manifests: any[], priorityClassName: string | undefined): { [quota: string]: object } {
  return Object.fromEntries(allOfKind(manifests, 'ResourceQuota')
    .filter((q) => quotaAppliesTo(q, priorityClassName))
    .map((q) => [q.metadata.name, q.spec.hard ?? {}]));
}

describe('NamespaceBaseline: node agents and the quota', () => {
  /** A privileged agents namespace: a log shipper on every node, and a small aggregator Deployment. */
  function agentsNamespace(agent: Partial<ConstructorParameters<typeof NodeAgent>[2]> = {}, props: NamespaceBaselineProps = {}) {
    const f = setup('node-agents');
    const ns = new NamespaceBaseline(f.chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED, quotaHeadroomPercent: 0, ...props });
    new NodeAgent(f.chart, 'shipper', { image: IMAGE, resources: GUARANTEED, hostPaths: [{ name: 'logs', hostPath: '/var/log' }], ...agent });
    new Microservice(f.chart, 'aggregator', { image: IMAGE, resources: GUARANTEED, replicas: 2, ports: [HTTP] });
    return { ...f, ns };
  }

  test('the agents run as system-node-critical; the workloads quota is scoped to every other priority class and holds only pods, CPU and memory', () => {
    const { chart, ns } = agentsNamespace();
    const m = synth(chart);
    expect(podSpec(one(m, 'DaemonSet', 'shipper')).priorityClassName).toBe('system-node-critical');
    expect(allOfKind(m, 'ResourceQuota').map((q) => q.metadata.name)).toEqual(['workloads', 'storage', 'node-agents']);
    expect(one(m, 'ResourceQuota', 'workloads').spec).toEqual({
      // The aggregator only: 2 replicas + surge 1 = 3 pods of 250m/256Mi.
      hard: { 'pods': 3, 'requests.cpu': '750m', 'limits.cpu': '750m', 'requests.memory': '768Mi', 'limits.memory': '768Mi' },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'NotIn', values: ['system-node-critical'] }] },
    });
    // A PriorityClass-scoped quota cannot hold storage: it has a quota of its own, unscoped.
    expect(one(m, 'ResourceQuota', 'storage').spec).toEqual({ hard: { 'persistentvolumeclaims': 0, 'requests.storage': '0' } });
    // No limit at all: it only lets clusters that admit critical classes where a quota matches them (GKE) admit the agents.
    expect(one(m, 'ResourceQuota', 'node-agents').spec).toEqual({
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['system-node-critical'] }] },
    });
    expect(ns.nodeAgentPriorityClasses()).toEqual(['system-node-critical']);
    expect(ns.needs().exempt.map((f) => f.name)).toEqual(['shipper']);
    expect(ns.needs().workloads.map((f) => f.name)).toEqual(['aggregator']);
  });

  test('no quota can refuse an agent pod, however many nodes: none that applies to it limits anything', () => {
    for (const expectedNodes of [1, 3, 500]) {
      const m = synth(agentsNamespace({ expectedNodes, maxSurge: 1, maxUnavailable: 0 }).chart);
      const agentClass = podSpec(one(m, 'DaemonSet', 'shipper')).priorityClassName;
      // What applies to an agent pod: the storage quota (PVCs, which a pod creates none of) and node-agents (nothing).
      expect(limitsOn(m, agentClass)).toEqual({ 'storage': { 'persistentvolumeclaims': 0, 'requests.storage': '0' }, 'node-agents': {} });
      for (const hard of Object.values(limitsOn(m, agentClass))) {
        expect(Object.keys(hard).filter((k) => k === 'pods' || /cpu|memory|ephemeral-storage/.test(k))).toEqual([]);
      }
      // The other pods of the namespace stay capped, with or without a priority class of their own.
      for (const other of [undefined, 'high-priority']) {
        expect(Object.keys(limitsOn(m, other))).toEqual(['workloads', 'storage']);
        expect((limitsOn(m, other).workloads as any).pods).toBe(3);
      }
    }
  });

  test('the expected node count changes no quota', () => {
    const quotas = (expectedNodes: number) => allOfKind(synth(agentsNamespace({ expectedNodes }).chart), 'ResourceQuota');
    expect(quotas(1000)).toEqual(quotas(1));
  });

  test('a priority class given to the agent is the one excluded; several agents exclude each of theirs', () => {
    const { chart } = agentsNamespace({ priorityClassName: 'node-agents-high' });
    new NodeAgent(chart, 'exporter', { image: IMAGE, resources: GUARANTEED });
    const m = synth(chart);
    expect(podSpec(one(m, 'DaemonSet', 'shipper')).priorityClassName).toBe('node-agents-high');
    expect(one(m, 'ResourceQuota', 'workloads').spec.scopeSelector.matchExpressions)
      .toEqual([{ scopeName: 'PriorityClass', operator: 'NotIn', values: ['node-agents-high', 'system-node-critical'] }]);
    expect(one(m, 'ResourceQuota', 'node-agents').spec.scopeSelector.matchExpressions[0].values).toEqual(['node-agents-high', 'system-node-critical']);
  });

  test('agents declared after the baseline are seen; ephemeral storage is not capped beside them (an unscoped cap would apply to them)', () => {
    const f = setup('node-agents');
    const ns = new NamespaceBaseline(f.chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED, quotaHeadroomPercent: 0 });
    const withEphemeral = Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(256) });
    new Microservice(f.chart, 'aggregator', { image: IMAGE, resources: withEphemeral, replicas: 1, maxSurge: 0, maxUnavailable: 1 });
    expect(hard(synth(f.chart))).toHaveProperty(['limits.ephemeral-storage'], '256Mi'); // no agent yet
    new NodeAgent(f.chart, 'shipper', { image: IMAGE, resources: withEphemeral });
    const m = synth(f.chart);
    expect(hard(m)).toEqual({ 'pods': 1, 'requests.cpu': '100m', 'limits.cpu': '100m', 'requests.memory': '128Mi', 'limits.memory': '128Mi' });
    expect(allOfKind(m, 'ResourceQuota').map((q) => q.metadata.name)).toEqual(['workloads', 'storage', 'node-agents']);
    expect(ns.nodeAgentPriorityClasses()).toEqual(['system-node-critical']);
  });

  test('a budget does not count the agents', () => {
    const { chart } = agentsNamespace({ resources: Resources.guaranteed({ cpu: Cpu.cores(4), memory: Size.gibibytes(8) }), expectedNodes: 100 },
      { budget: { cpu: Cpu.millis(750), memory: Size.mebibytes(768), pods: 3, storage: Size.gibibytes(1) } });
    expect(validationErrors(chart)).toEqual([]);
    const m = synth(chart);
    expect(hard(m)).toEqual({ 'pods': 3, 'requests.cpu': '750m', 'limits.cpu': '750m', 'requests.memory': '768Mi', 'limits.memory': '768Mi' });
    expect(one(m, 'ResourceQuota', 'storage').spec.hard).toEqual({ 'persistentvolumeclaims': 0, 'requests.storage': '1Gi' });
  });

  test('the quotas validate against the Kubernetes 1.27 schema', () => {
    const validator = loadSchemaValidator();
    for (const q of allOfKind(synth(agentsNamespace().chart), 'ResourceQuota')) expect(validator.validate(q)).toEqual([]);
  });
});

describe('NamespaceBaseline: budget', () => {
  /**
   * Needs at peak: CPU limits 3250m (web 2, db 750m, api 500m), memory limits 3328Mi
   * (web 2Gi, db 768Mi, api 512Mi), 9 pods, 30Gi of claims.
   */
  function budgeted(budget: Partial<NonNullable<NamespaceBaselineProps['budget']>>) {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: BURSTABLE, replicas: 3 });
    new Microservice(f.chart, 'api', { image: IMAGE, resources: GUARANTEED });
    new StatefulService(f.chart, 'db', { image: IMAGE, resources: GUARANTEED, replicas: 3, volumeClaims: [{ name: 'data', size: Size.gibibytes(10), mountPath: '/data' }] });
    return baseline({ budget: { cpu: Cpu.cores(100), memory: Size.gibibytes(100), ...budget } }, f);
  }

  test('within budget: the quota caps limits (and pods, storage) at the budget', () => {
    const { chart } = budgeted({ cpu: Cpu.millis(3500), memory: Size.mebibytes(3584), pods: 10, storage: Size.gibibytes(30) });
    expect(validationErrors(chart)).toEqual([]);
    const h = hard(synth(chart));
    expect([h['limits.cpu'], h['limits.memory'], h.pods, h['requests.storage']]).toEqual(['3500m', '3584Mi', 10, '30Gi']);
    expect(h.persistentvolumeclaims).toBe(4);
  });

  test('without a pods or storage budget those are sized from the workloads', () => {
    const h = hard(synth(budgeted({}).chart));
    expect([h['limits.cpu'], h['limits.memory'], h.pods, h['requests.storage']]).toEqual(['100', '100Gi', 11, '36Gi']);
  });

  test('CPU over budget fails synthesis and names the largest workloads', () => {
    const { chart, app } = budgeted({ cpu: Cpu.cores(2) });
    const message = '[test] c/ns: budget.cpu: received workloads needing 3250m of CPU limits at peak (largest: web 2, db 750m, api 500m); allowed: at most the budget of 2: raise the budget or shrink the workloads';
    expect(validationErrors(chart)).toEqual([message]);
    expect(() => app.synth()).toThrow(message);
  });

  test('memory over budget fails synthesis and names the largest workloads', () => {
    expect(validationErrors(budgeted({ memory: Size.gibibytes(3) }).chart)).toEqual([
      '[test] c/ns: budget.memory: received workloads needing 3328Mi of memory limits at peak (largest: web 2Gi, db 768Mi, api 512Mi); allowed: at most the budget of 3Gi: raise the budget or shrink the workloads',
    ]);
  });

  test('pods over budget fails synthesis', () => {
    expect(validationErrors(budgeted({ pods: 8 }).chart)).toEqual([
      '[test] c/ns: budget.pods: received workloads needing 9 pods at peak (replicas, autoscaling maximum and rollout surge); allowed: at most the budget of 8',
    ]);
  });

  test('storage over budget fails synthesis', () => {
    expect(validationErrors(budgeted({ storage: Size.gibibytes(20) }).chart)).toEqual([
      '[test] c/ns: budget.storage: received volume claims totalling 30Gi; allowed: at most the budget of 20Gi',
    ]);
  });

  test('every exceeded budget is reported at once', () => {
    expect(validationErrors(budgeted({ cpu: Cpu.cores(1), memory: Size.gibibytes(1), pods: 1, storage: Size.gibibytes(1) }).chart).map((e) => e.split(':')[1].trim()))
      .toEqual(['budget.cpu', 'budget.memory', 'budget.pods', 'budget.storage']);
  });

  test('workloads added after the baseline are counted too', () => {
    const f = setup();
    const { chart } = baseline({ budget: { cpu: Cpu.millis(500), memory: Size.gibibytes(1) } }, f);
    new Microservice(chart, 'late', { image: IMAGE, resources: GUARANTEED, replicas: 2 });
    expect(validationErrors(chart)).toEqual([
      '[test] c/ns: budget.cpu: received workloads needing 750m of CPU limits at peak (largest: late 750m); allowed: at most the budget of 500m: raise the budget or shrink the workloads',
    ]);
  });
});

describe('NamespaceBaseline: host paths', () => {
  const agentWithHostPath = (f: Fixture) =>
    new NodeAgent(f.chart, 'agent', { image: IMAGE, resources: GUARANTEED, hostPaths: [{ name: 'logs', hostPath: '/var/log' }] });

  test('a host-path workload in a restricted namespace fails synthesis', () => {
    const f = setup();
    agentWithHostPath(f);
    baseline({}, f);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/agent: hostPaths: received host path volumes in namespace shop (pod security "restricted"); allowed: host paths only in a namespace whose baseline has podSecurity PRIVILEGED (put node agents in a namespace of their own)',
    ]);
  });

  test('baseline Pod Security refuses host paths too', () => {
    const f = setup();
    agentWithHostPath(f);
    baseline({ podSecurity: PodSecurityLevel.BASELINE }, f);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/agent: hostPaths: received host path volumes in namespace shop (pod security "baseline"); allowed: host paths only in a namespace whose baseline has podSecurity PRIVILEGED (put node agents in a namespace of their own)',
    ]);
  });

  test('a privileged namespace accepts host paths', () => {
    const f = setup();
    agentWithHostPath(f);
    baseline({ podSecurity: PodSecurityLevel.PRIVILEGED }, f);
    expect(validationErrors(f.chart)).toEqual([]);
  });
});

describe('NamespaceBaseline validation (one test per rule)', () => {
  test('the name is a DNS-1123 label', () => {
    const allowed = 'a DNS-1123 label of at most 63 characters (or a chart with a namespace)';
    expectConfigError(() => baseline({ name: 'Shop_1' }), `[test] c/ns: name: received "Shop_1"; allowed: ${allowed}`);
    const long = 'n'.repeat(64);
    expectConfigError(() => baseline({ name: long }), `[test] c/ns: name: received "${long}"; allowed: ${allowed}`);
    expectConfigError(() => baseline({}, setup(null)), `[test] c/ns: name: received nothing; allowed: ${allowed}`);
  });

  test('quotaHeadroomPercent is an integer from 0 to 500', () => {
    const allowed = 'an integer from 0 to 500';
    expectConfigError(() => baseline({ quotaHeadroomPercent: 501 }), `[test] c/ns: quotaHeadroomPercent: received 501; allowed: ${allowed}`);
    expectConfigError(() => baseline({ quotaHeadroomPercent: -1 }), `[test] c/ns: quotaHeadroomPercent: received -1; allowed: ${allowed}`);
    expectConfigError(() => baseline({ quotaHeadroomPercent: 12.5 }), `[test] c/ns: quotaHeadroomPercent: received 12.5; allowed: ${allowed}`);
    expect(() => baseline({ quotaHeadroomPercent: 500 })).not.toThrow();
  });

  // Resources problems carry an already rendered `received` (workloads print it as-is through
  // throwFirst: `received 500m (limit 100m)`); the baseline renders it a second time, quoting it.
  test('containerDefaults are checked like container resources', () => {
    expectConfigError(() => baseline({
      containerDefaults: Resources.of({
        requests: { cpu: Cpu.millis(500), memory: Size.mebibytes(128) },
        limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
      }),
    }), '[test] c/ns: containerDefaults.requests.cpu: received 500m (limit 100m); allowed: a request no larger than the limit');
  });

  test('budget.cpu is above zero', () => {
    expectConfigError(() => baseline({ budget: { cpu: Cpu.ZERO, memory: Size.gibibytes(1) } }),
      '[test] c/ns: budget.cpu: received "0"; allowed: a CPU amount above zero');
  });

  test('budget.memory is above zero', () => {
    expectConfigError(() => baseline({ budget: { cpu: Cpu.cores(1), memory: Size.gibibytes(0) } }),
      '[test] c/ns: budget.memory: received "0"; allowed: a memory size above zero');
  });

  test('budget.pods is an integer >= 1', () => {
    expectConfigError(() => baseline({ budget: { cpu: Cpu.cores(1), memory: Size.gibibytes(1), pods: 0 } }),
      '[test] c/ns: budget.pods: received 0; allowed: an integer >= 1');
  });

  const ingress = (a: Partial<IngressAllowance>, f: Fixture = setup()) =>
    baseline({ ingress: [{ name: 'nack', namespace: 'nats-system', ports: [{ port: 4222 }], ...a }] }, f);

  test('ingress allowances: names are DNS labels', () => {
    expectConfigError(() => ingress({ name: 'NACK' }), '[test] c/ns: ingress[0].name: received "NACK"; allowed: a DNS label');
  });

  test('ingress allowances: the source is a namespace name', () => {
    expectConfigError(() => ingress({ namespace: 'Nats System' }), '[test] c/ns: ingress[0].namespace: received "Nats System"; allowed: a namespace name');
  });

  test('ingress allowances: at least one port, each valid', () => {
    expectConfigError(() => ingress({ ports: [] }),
      '[test] c/ns: ingress[0].ports: received []; allowed: at least one port (an open ingress defeats the default deny)');
    expectConfigError(() => ingress({ ports: [{ port: 70000 }] }),
      '[test] c/ns: ingress[0].ports[0].port: received 70000; allowed: an integer from 1 to 65535');
  });

  test('ingress allowances: the target workload is in the namespace', () => {
    const f = setup();
    const other = new Chart(f.app, 'other', { namespace: 'billing' });
    const w = new Microservice(other, 'api', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
    expectConfigError(() => ingress({ workload: w }, f),
      '[test] c/ns: ingress[0].workload: received "api in namespace billing"; allowed: a workload of namespace shop');
  });

  test('monitoring namespaces are namespace names', () => {
    expectConfigError(() => baseline({ monitoringNamespaces: ['monitoring', 'Prometheus'] }),
      '[test] c/ns: monitoringNamespaces[1]: received "Prometheus"; allowed: a namespace name');
  });

  const egress = (e: Partial<EgressAllowance>) => baseline({ egress: [{ name: 'db', cidr: '10.0.0.0/8', ports: [{ port: 5432 }], ...e }] });

  test('egress names are DNS labels', () => {
    expectConfigError(() => egress({ name: 'Bad_Name' }), '[test] c/ns: egress[0].name: received "Bad_Name"; allowed: a DNS label');
  });

  test('egress has exactly one of cidr and namespace', () => {
    const allowed = 'exactly one of cidr and namespace';
    expectConfigError(() => egress({ namespace: 'db' }), `[test] c/ns: egress[0]: received "cidr 10.0.0.0/8, namespace db"; allowed: ${allowed}`);
    expectConfigError(() => egress({ cidr: undefined }), `[test] c/ns: egress[0]: received "cidr unset, namespace unset"; allowed: ${allowed}`);
  });

  test('egress cidr is an IPv4 CIDR', () => {
    expectConfigError(() => egress({ cidr: '10.0.0.0' }), '[test] c/ns: egress[0].cidr: received "10.0.0.0"; allowed: an IPv4 CIDR such as 10.20.0.0/16');
    expectConfigError(() => egress({ cidr: 'fd00::/8' }), '[test] c/ns: egress[0].cidr: received "fd00::/8"; allowed: an IPv4 CIDR such as 10.20.0.0/16');
  });

  // The cidr pattern only checks the shape (\d{1,3} octets, \d{1,2} prefix), so octets above 255
  // and prefixes above 32 pass and the API server rejects the NetworkPolicy.
  test('egress cidr octets are at most 255 and the prefix at most 32', () => {
    expectConfigError(() => egress({ cidr: '10.0.0.0/33' }), '[test] c/ns: egress[0].cidr: received "10.0.0.0/33"; allowed: an IPv4 CIDR such as 10.20.0.0/16');
    expectConfigError(() => egress({ cidr: '300.1.2.3/8' }), '[test] c/ns: egress[0].cidr: received "300.1.2.3/8"; allowed: an IPv4 CIDR such as 10.20.0.0/16');
  });

  // describeValue renders arrays with Array.prototype.toString, so an empty list reads
  // `received ; allowed: ...`.
  test('egress has at least one port', () => {
    const allowed = 'at least one port (an open egress defeats the default deny)';
    expectConfigError(() => egress({ ports: undefined }), `[test] c/ns: egress[0].ports: received nothing; allowed: ${allowed}`);
    expectConfigError(() => egress({ ports: [] }), `[test] c/ns: egress[0].ports: received []; allowed: ${allowed}`);
  });

  test('egress ports are integers from 1 to 65535', () => {
    expectConfigError(() => egress({ ports: [{ port: 5432 }, { port: 70000 }] }),
      '[test] c/ns: egress[0].ports[1].port: received 70000; allowed: an integer from 1 to 65535');
    expectConfigError(() => egress({ ports: [{ port: 0 }] }),
      '[test] c/ns: egress[0].ports[0].port: received 0; allowed: an integer from 1 to 65535');
  });
});

describe('NamespaceBaseline: needs()', () => {
  test('sums pod resources times peak pods', () => {
    const f = setup();
    sizedWorkloads(f.chart);
    const t = baseline({}, f).ns.needs().totals;
    expect([t.requestsCpu, t.limitsCpu, t.requestsMemory / MI, t.limitsMemory / MI]).toEqual([2100, 4500, 2304, 4608]);
  });
});
