import { Chart, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Cpu } from '../workloads/cpu';
import { sizeBytes, sizeQuantity } from '../core/quantity';
import { RESOURCES, ResourceTotals, Resources } from '../workloads/resources';
import { DEFAULT_SIDECAR_RESOURCES, MeshEnrolment } from '../mesh/mesh-enrolment';
import { IWorkload, LABELS, Workload, WorkloadFootprint } from '../workloads/workload';
import { allCalls, versionsOf } from '../checks/graph';
import { GATEWAY_EXPOSURES } from '../checks/mesh';
import { NAMESPACE_BASELINES, SIDECAR_SOURCES, workloadsIn } from '../checks/namespaces';
import { AppIndex } from '../core/app-index';
import { ConfigError, configError, environmentOf, throwFirst } from '../core/errors';
import { selectorText } from '../core/hosts';
import { isDnsLabel } from '../core/names';
import { BOOL, SIZE, STRING_MAP, checkProps, instance, list, oneOf, rule, shape, str } from '../core/runtime-types';

/** Pod Security Standards level enforced on a namespace. */
export enum PodSecurityLevel {
  /** Hardened pods only (the library's workloads meet it). */
  RESTRICTED = 'restricted',
  /**
   * Known privilege escalations blocked: host paths and capabilities beyond the runtime's
   * defaults are refused (NET_ADMIN and NET_RAW among them, so Istio's `istio-init` too).
   */
  BASELINE = 'baseline',
  /**
   * Anything; for node agents that read host paths or run as root, and for a namespace enrolled
   * in the mesh without Istio CNI. Restricted is still audited and warned.
   */
  PRIVILEGED = 'privileged',
}

/** Transport protocol of a NetworkPolicy port. */
export enum NetworkProtocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
}

/** A port in a NetworkPolicy rule. */
export interface NetworkPort {
  /** Port number. */
  readonly port: number;
  /** @default NetworkProtocol.TCP */
  readonly protocol?: NetworkProtocol;
}

/** Destinations outside the namespace that its pods may reach. */
export interface EgressAllowance {
  /** Used in the NetworkPolicy name `allow-egress-<name>`. */
  readonly name: string;
  /**
   * An address range, e.g. `10.20.0.0/16`.
   * @default - not limited by address (use `namespace`)
   */
  readonly cidr?: string;
  /**
   * Another namespace of the cluster.
   * @default - not limited by namespace (use `cidr`)
   */
  readonly namespace?: string;
  /** Ports allowed. */
  readonly ports: NetworkPort[];
}

/** Pods of another namespace that may reach pods of this one (e.g. an operator managing them). */
export interface IngressAllowance {
  /** Used in the NetworkPolicy name `allow-ingress-<name>`. */
  readonly name: string;
  /** The namespace the connections come from. */
  readonly namespace: string;
  /** Ports allowed. */
  readonly ports: NetworkPort[];
  /**
   * Only the pods of this workload may be reached.
   * @default - every pod of the namespace
   */
  readonly workload?: Workload;
}

/**
 * A hard cap on what the namespace may use. Synthesis fails when the workloads in it need more.
 * Node agents are not counted: the quota does not apply to them (see `NamespaceBaseline.quota`).
 */
export interface ResourceBudget {
  /** Sum of CPU limits. */
  readonly cpu: Cpu;
  /** Sum of memory limits. */
  readonly memory: Size;
  /** @default - not capped */
  readonly pods?: number;
  /** Sum of persistent storage requests. @default - not capped */
  readonly storage?: Size;
}

/** Properties of a NamespaceBaseline. */
export interface NamespaceBaselineProps {
  /** @default - the chart's namespace */
  readonly name?: string;
  /** @default - none */
  readonly labels?: { [key: string]: string };
  /** @default PodSecurityLevel.RESTRICTED */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Requests and limits given to containers that set none (the library's own always set them).
   * @default cpu 100m/500m, memory 128Mi/512Mi
   */
  readonly containerDefaults?: Resources;
  /**
   * Hard budget; without it the quota is the workloads' own total plus `quotaHeadroomPercent`.
   * @default - sized from the workloads
   */
  readonly budget?: ResourceBudget;
  /**
   * Headroom over the workloads' total when the quota is sized from them.
   * @default 20
   */
  readonly quotaHeadroomPercent?: number;
  /**
   * Namespaces (e.g. the ingress gateway's) whose pods may reach the workloads with
   * `exposed: true`, on their exposed ports (policy `allow-from-ingress`, written only when the
   * namespace has such a workload). Workloads a gateway-bound route sends traffic to need neither
   * this nor `exposed`: the route opens them to its gateways' pods (`allow-gateway-to-<app>`).
   * @default - none
   */
  readonly ingressNamespaces?: string[];
  /**
   * Namespaces (e.g. Prometheus's) allowed to scrape the pods' metrics ports: container ports
   * named `metrics` or ending in `-metrics` (`prom-metrics` of the NATS exporter).
   * @default - none
   */
  readonly monitoringNamespaces?: string[];
  /**
   * Every pod of the namespace may reach every other one (`allow-within-namespace`), whatever
   * the service graph declares. An opt-in for teams that do not declare their graph yet: by
   * default the namespace's NetworkPolicies are derived from the declared calls only
   * (`allow-to-<app>`, `allow-from-<app>`, see `NamespaceBaseline.graphPolicies`).
   * (It defaulted to true before the policies were derived from the graph.)
   * @default false
   */
  readonly allowWithinNamespace?: boolean;
  /** @default - none */
  readonly egress?: EgressAllowance[];
  /** @default - none */
  readonly ingress?: IngressAllowance[];
  /**
   * Enrol the namespace in the Istio mesh (sidecar injection), with the sidecar's resources
   * counted in the quota, the sidecars' egress to istiod and, for `monitoringNamespaces`, their
   * metrics ports 15020 and 15090. A namespace enforcing RESTRICTED or BASELINE pod security can
   * be enrolled only with `cni: true` (see `MeshEnrolment.cni`); so can one enrolled through an
   * `istio-injection: enabled` or `istio.io/rev` label.
   * @default - not enrolled
   */
  readonly mesh?: MeshEnrolment;
}

/** A NetworkPolicy the baseline derives from the service graph (see `NamespaceBaseline.graphPolicies`). */
export interface DerivedNetworkPolicy {
  /** `metadata.name`. */
  readonly name: string;
  /** What it admits, for people reading a failing check. */
  readonly description: string;
  /** The policy's spec. */
  readonly spec: k8s.NetworkPolicySpec;
}

/** What the quota must hold, for the workloads of one namespace. */
interface NamespaceNeeds {
  /** Resources of the pods the compute quota counts (node agents excluded), at peak. */
  readonly totals: ResourceTotals;
  /** Pods the compute quota counts, at peak. */
  readonly pods: number;
  /** Volume claims of every workload. */
  readonly claims: number;
  /** Storage those claims request, bytes. */
  readonly storageBytes: number;
  /** The workloads the compute quota counts. */
  readonly workloads: WorkloadFootprint[];
  /** The workloads it does not apply to: those whose priority class is a node agent's. */
  readonly exempt: WorkloadFootprint[];
}

const NAMESPACES = list(str('a namespace name'), 'a list of namespace names');
const NETWORK_PORTS = list(shape({ protocol: oneOf(Object.values(NetworkProtocol), 'NetworkProtocol') }, 'a port { port, protocol }'),
  'a list of ports { port, protocol }');

/** The types of a NamespaceBaseline's props (names, numbers, amounts and addresses are checked further by the baseline). */
const NAMESPACE_BASELINE_PROPS = shape({
  name: str(),
  labels: STRING_MAP,
  podSecurity: oneOf(Object.values(PodSecurityLevel), 'PodSecurityLevel'),
  containerDefaults: RESOURCES,
  budget: shape({
    cpu: instance(Cpu, 'a Cpu such as Cpu.cores(64)'),
    memory: instance(Size, 'a Size such as Size.gibibytes(64)'),
    storage: SIZE,
  }, 'a budget { cpu, memory, pods, storage }'),
  ingressNamespaces: NAMESPACES,
  monitoringNamespaces: NAMESPACES,
  allowWithinNamespace: BOOL,
  egress: list(shape({ name: str('a DNS label'), cidr: str('an IPv4 CIDR such as 10.20.0.0/16'), namespace: str('a namespace name'), ports: NETWORK_PORTS },
    'an egress allowance { name, cidr or namespace, ports }'), 'a list of egress allowances { name, cidr or namespace, ports }'),
  ingress: list(shape({
    name: str('a DNS label'), namespace: str('a namespace name'), ports: NETWORK_PORTS,
    workload: rule('a workload of this library (Microservice, StatefulService, NodeAgent)', (w) => Workload.isWorkload(w)),
  }, 'an ingress allowance { name, namespace, ports, workload }'), 'a list of ingress allowances { name, namespace, ports, workload }'),
  mesh: shape({ revision: str(), controlPlaneNamespace: str('a namespace name'), sidecarResources: RESOURCES }, 'a mesh enrolment { cni, revision, ... }'),
}, 'the props of a NamespaceBaseline: { name, podSecurity, budget, ... }');

const MI = 2 ** 20;
/** Envoy's Prometheus endpoint (`/stats/prometheus`) on every injected sidecar. */
const ENVOY_STATS_PORT = 15090;
/** The pilot-agent's merged metrics (application and Envoy, `/stats/prometheus`), Istio's metrics merging. */
const MERGED_METRICS_PORT = 15020;
/** Quota resources a PriorityClass-scoped ResourceQuota may hold (the API server refuses any other). */
const SCOPED_QUOTA_RESOURCES = ['pods', 'requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory'];

/**
 * A namespace set up for the library's workloads: the Namespace with Pod Security Standards
 * labels, a LimitRange, a ResourceQuota sized from (or checked against) the workloads in it, a
 * default-deny NetworkPolicy and the allows the platform needs (DNS, the istio control plane,
 * monitoring, declared ingress and egress), and the allows derived from the service graph: the
 * declared calls into and out of the namespace's applications, and the gateway-bound routes to
 * them (see `graphPolicies`).
 */
export class NamespaceBaseline extends Construct {
  /** Namespace name. */
  public readonly namespaceName: string;
  /** Pod security level enforced. */
  public readonly podSecurity: PodSecurityLevel;
  /** The Namespace object. */
  public readonly namespace: kplus.Namespace;
  /** The chart holding the Namespace object, written first (see constructs/checks/namespaces.ts). */
  public readonly namespaceChart: Chart;
  /**
   * The ResourceQuota `workloads`: pods, CPU and memory, and (unless the namespace runs node
   * agents) persistent and ephemeral storage. In a namespace that runs a NodeAgent it never
   * applies to the agents: it is scoped to pods whose priority class is not one of the agents'
   * (`scopeSelector` PriorityClass NotIn), so however many nodes the cluster grows to, no agent
   * pod is refused for quota. Such a namespace also gets the quota `storage` (volume claims; a
   * PriorityClass-scoped quota cannot hold storage) and `node-agents`, scoped to the agents'
   * priority classes with no limit at all: clusters that admit pods of the critical classes
   * (`system-node-critical`) only in namespaces with a quota matching them (GKE) then admit the
   * agents. Ephemeral storage is not capped there (an unscoped cap would apply to the agents).
   */
  public readonly quota: k8s.KubeResourceQuota;
  /**
   * Enrolled in the Istio mesh, through `mesh` or an `istio-injection: enabled` or
   * `istio.io/rev` label.
   */
  public readonly meshEnrolled: boolean;

  /** Sidecar resources when the namespace is enrolled in the mesh. */
  public readonly sidecarResources?: Resources;

  /** The hard budget, when one is given (checked against the workloads in constructs/checks/namespaces.ts). */
  public readonly budget?: ResourceBudget;
  /** Every pod of the namespace may reach every other one (read by the service graph's checks). */
  public readonly allowWithinNamespace: boolean;
  private readonly headroom: number;
  private readonly ingressNamespaces: string[];
  /** Parent of the policies derived at synth (see createNetworkPolicies). */
  private readonly graphScope: Construct;
  /** The policies last created under it, as JSON. */
  private renderedGraph?: string;
  /** Names of the policies written in the constructor, with their construct ids. */
  private readonly fixedPolicies = new Map<string, string>();
  /** Parent of the quotas written only when the namespace runs node agents (see renderAgentQuotas). */
  private readonly agentQuotaScope: Construct;
  /** The node agents' priority classes the agent quotas were last created for. */
  private renderedAgentQuotas?: string;

  constructor(scope: Construct, id: string, props: NamespaceBaselineProps = {}) {
    checkProps(scope, id, props, NAMESPACE_BASELINE_PROPS);
    super(scope, id);
    const name = props.name ?? Chart.of(this).namespace;
    if (!isDnsLabel(name)) {
      throw configError(this, 'name', name, 'a DNS-1123 label of at most 63 characters (or a chart with a namespace)');
    }
    this.namespaceName = name;
    this.podSecurity = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    this.budget = props.budget;
    this.allowWithinNamespace = props.allowWithinNamespace ?? false;
    this.ingressNamespaces = [...(props.ingressNamespaces ?? [])];
    this.headroom = props.quotaHeadroomPercent ?? 20;
    if (!Number.isInteger(this.headroom) || this.headroom < 0 || this.headroom > 500) {
      throw configError(this, 'quotaHeadroomPercent', this.headroom, 'an integer from 0 to 500');
    }
    const defaults = props.containerDefaults ?? Resources.of({
      requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
      limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(512) },
    });
    throwFirst(this, 'containerDefaults', defaults.problems());
    if (props.budget) this.checkBudget(props.budget);

    const meshLabels = this.meshLabels(props);
    if (props.mesh) {
      this.sidecarResources = props.mesh.sidecarResources ?? DEFAULT_SIDECAR_RESOURCES;
      throwFirst(this, 'mesh.sidecarResources', this.sidecarResources.problems());
    }
    this.meshEnrolled = props.mesh !== undefined || isEnrolledByLabel(props.labels ?? {});
    this.checkMeshPodSecurity(props);
    const index = AppIndex.of(this);
    index.add(SIDECAR_SOURCES, this);

    // The Namespace lives in a chart of its own (`namespace-<name>`, with the labels of this
    // baseline's chart), which every chart of the namespace depends on: cdk8s then writes it first
    // in file order (`0000-namespace-shop.k8s.yaml`), so `kubectl apply -f <dir>` creates the
    // namespace before its objects, and the dependency costs one object per object that waits.
    const root = this.node.root as Construct;
    const chartId = `namespace-${name}`;
    if (root.node.tryFindChild(chartId)) {
      throw configError(this, 'name', name, 'a namespace no other NamespaceBaseline of the app creates (one baseline per namespace)');
    }
    this.namespaceChart = new Chart(root, chartId, { labels: Chart.of(this).labels });
    this.namespace = new kplus.Namespace(this.namespaceChart, 'Namespace', {
      metadata: {
        name,
        labels: {
          ...props.labels,
          ...meshLabels,
          'pod-security.kubernetes.io/enforce': this.podSecurity,
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED,
          'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
        },
      },
    });

    const kube = defaults.toKube();
    new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { name: 'container-defaults', namespace: name },
      spec: { limits: [{ type: 'Container', defaultRequest: kube.requests, default: kube.limits }] },
    });

    this.quota = new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'workloads', namespace: name },
      spec: {
        hard: Lazy.any({ produce: () => this.renderQuota() }) as any,
        scopeSelector: Lazy.any({ produce: () => this.quotaScope('NotIn') }) as any,
      },
    });
    // The quotas of a namespace that runs node agents are known only once the app is declared
    // (agents may be created after the baseline): created at synth, like the graph policies.
    this.agentQuotaScope = new Construct(this, 'AgentQuotas');
    this.node.addValidation({ validate: () => this.renderAgentQuotas() });

    this.graphScope = this.createNetworkPolicies(name, props);
    index.add(NAMESPACE_BASELINES, this, this);
  }

  /** Sidecar resources for pods of `namespace` (IMeshSidecarSource). */
  public sidecarResourcesFor(namespace: string | undefined): Resources | undefined {
    return namespace === this.namespaceName ? this.sidecarResources : undefined;
  }

  /** Injection labels; a namespace carries `istio-injection` or `istio.io/rev`, never both. */
  private meshLabels(props: NamespaceBaselineProps): { [key: string]: string } {
    const labels = props.labels ?? {};
    const injection = labels['istio-injection'];
    const revision = props.mesh?.revision ?? labels['istio.io/rev'];
    if (injection !== undefined && revision !== undefined) {
      throw configError(this, 'labels', `istio-injection: ${injection} and istio.io/rev: ${revision}`,
        'one of istio-injection and istio.io/rev: with both, Istio ignores the revision label');
    }
    if (props.mesh && injection === 'disabled') {
      throw configError(this, 'labels', 'istio-injection: disabled', 'no opt-out label on a namespace enrolled in the mesh (mesh)');
    }
    if (props.mesh?.revision !== undefined && !isDnsLabel(props.mesh.revision)) {
      throw configError(this, 'mesh.revision', props.mesh.revision, 'a revision name such as 1-23 (a label value)');
    }
    if (!props.mesh) return {};
    return revision !== undefined ? { 'istio.io/rev': revision } : { 'istio-injection': 'enabled' };
  }

  /** Workloads of this library that run in this namespace, anywhere in the app. */
  public workloads(): Workload[] {
    return [...workloadsIn(AppIndex.of(this), this.namespaceName)];
  }

  /**
   * The priority classes of the node agents (NodeAgent, a DaemonSet) in the namespace, sorted:
   * the `workloads` quota does not apply to pods of these classes (see `quota`). Empty when the
   * namespace runs no node agent.
   */
  public nodeAgentPriorityClasses(): string[] {
    const classes = new Set<string>();
    for (const w of this.workloads()) {
      const f = w.footprint();
      if (f.kind === 'DaemonSet' && f.priorityClassName) classes.add(f.priorityClassName);
    }
    return [...classes].sort();
  }

  /**
   * What the quota must hold for the workloads in the namespace (sidecars included). Pods of the
   * node agents' priority classes are left out of the compute totals and the pod count (the quota
   * does not apply to them); their volume claims, if any, still count.
   */
  public needs(): NamespaceNeeds {
    const exemptClasses = new Set(this.nodeAgentPriorityClasses());
    const all = this.workloads().map((w) => w.footprint()).map((f) => this.sidecarResources && !f.sidecarOptOut
      ? { ...f, podResources: f.podResources.add(this.sidecarResources) } : f);
    const isExempt = (f: WorkloadFootprint) => f.priorityClassName !== undefined && exemptClasses.has(f.priorityClassName);
    const workloads = all.filter((f) => !isExempt(f));
    let totals = ResourceTotals.zero();
    for (const f of workloads) totals = totals.plus(f.podResources.times(f.maxPods));
    return {
      totals,
      pods: workloads.reduce((n, f) => n + f.maxPods, 0),
      claims: all.reduce((n, f) => n + f.persistentVolumeClaims, 0),
      storageBytes: all.reduce((n, f) => n + f.storageBytes, 0),
      workloads,
      exempt: all.filter(isExempt),
    };
  }

  /** The `workloads` quota: compute, and storage unless the namespace runs node agents. */
  private renderQuota(): { [key: string]: k8s.Quantity } {
    const needs = this.needs();
    const grow = (n: number) => n * (100 + this.headroom) / 100;
    const cpu = (m: number) => k8s.Quantity.fromString(Cpu.millis(Math.ceil(m / 10) * 10).toQuantity());
    const mem = (b: number) => k8s.Quantity.fromString(sizeQuantity(Size.mebibytes(Math.ceil(b / MI))));
    const t = needs.totals;
    const hard: { [key: string]: k8s.Quantity } = {
      'requests.cpu': cpu(grow(t.requestsCpu)),
      'requests.memory': mem(grow(t.requestsMemory)),
      'limits.cpu': this.budget ? cpu(this.budget.cpu.millicores) : cpu(grow(t.limitsCpu)),
      'limits.memory': this.budget ? mem(sizeBytes(this.budget.memory)) : mem(grow(t.limitsMemory)),
      'pods': k8s.Quantity.fromNumber(this.budget?.pods ?? Math.ceil(grow(needs.pods))),
      ...this.renderStorageQuota(needs),
    };
    if (t.limitsEphemeral > 0) hard['limits.ephemeral-storage'] = mem(grow(t.limitsEphemeral));
    if (t.requestsEphemeral > 0) hard['requests.ephemeral-storage'] = mem(grow(t.requestsEphemeral));
    if (this.nodeAgentPriorityClasses().length === 0) return hard;
    // Scoped to a priority class, a quota may only hold pod counts, CPU and memory.
    return Object.fromEntries(Object.entries(hard).filter(([k]) => SCOPED_QUOTA_RESOURCES.includes(k)));
  }

  /** Volume claims and their storage (in `workloads`, or in `storage` beside node agents). */
  private renderStorageQuota(needs: NamespaceNeeds = this.needs()): { [key: string]: k8s.Quantity } {
    const grow = (n: number) => n * (100 + this.headroom) / 100;
    const mem = (b: number) => k8s.Quantity.fromString(sizeQuantity(Size.mebibytes(Math.ceil(b / MI))));
    return {
      'persistentvolumeclaims': k8s.Quantity.fromNumber(Math.ceil(grow(needs.claims))),
      'requests.storage': this.budget?.storage ? mem(sizeBytes(this.budget.storage)) : mem(grow(needs.storageBytes)),
    };
  }

  /** A scope selector on the node agents' priority classes; none when the namespace runs no agent. */
  private quotaScope(operator: 'In' | 'NotIn'): k8s.ScopeSelector | undefined {
    const classes = this.nodeAgentPriorityClasses();
    if (classes.length === 0) return undefined;
    return { matchExpressions: [{ scopeName: 'PriorityClass', operator, values: classes }] };
  }

  /**
   * Creates the quotas `storage` and `node-agents` when the namespace runs node agents
   * (validation hook, see the constructor), again only when the agents' priority classes change.
   */
  private renderAgentQuotas(): string[] {
    const classes = this.nodeAgentPriorityClasses();
    const key = JSON.stringify(classes);
    if (key === this.renderedAgentQuotas) return [];
    for (const child of [...this.agentQuotaScope.node.children]) this.agentQuotaScope.node.tryRemoveChild(child.node.id);
    if (classes.length) {
      new k8s.KubeResourceQuota(this.agentQuotaScope, 'Storage', {
        metadata: { name: 'storage', namespace: this.namespaceName },
        spec: { hard: Lazy.any({ produce: () => this.renderStorageQuota() }) as any },
      });
      // No `hard`: it limits nothing, and only makes the agents' pods admissible where a critical
      // priority class needs a quota that matches it.
      new k8s.KubeResourceQuota(this.agentQuotaScope, 'NodeAgents', {
        metadata: { name: 'node-agents', namespace: this.namespaceName },
        spec: { scopeSelector: Lazy.any({ produce: () => this.quotaScope('In') }) as any },
      });
    }
    this.renderedAgentQuotas = key;
    return [];
  }

  /**
   * Without Istio CNI every injected pod has Istio's `istio-init` init container, which runs as
   * root with NET_ADMIN and NET_RAW: only "privileged" pod security admits it.
   */
  private checkMeshPodSecurity(props: NamespaceBaselineProps): void {
    const cni = props.mesh?.cni;
    if (cni !== undefined && typeof cni !== 'boolean') throw configError(this, 'mesh.cni', cni, 'true or false');
    if (!this.meshEnrolled || this.podSecurity === PodSecurityLevel.PRIVILEGED || cni === true) return;
    const why = 'without Istio CNI every injected pod gets the istio-init container, which runs as root with the NET_ADMIN and NET_RAW capabilities, '
      + `and Pod Security "${this.podSecurity}" refuses it (only "privileged" admits it)`;
    if (props.mesh) {
      throw configError(this, 'mesh.cni', `${cni ?? 'unset'}, with podSecurity ${this.podSecurity}`,
        `true, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why}`);
    }
    const labels = props.labels ?? {};
    const label = labels['istio.io/rev'] !== undefined ? `istio.io/rev: ${labels['istio.io/rev']}` : 'istio-injection: enabled';
    throw configError(this, 'labels', `${label}, with podSecurity ${this.podSecurity}`,
      `mesh: { cni: true } instead of the label, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why}`);
  }

  private checkBudget(b: ResourceBudget) {
    if (!b.cpu || b.cpu.problem() || b.cpu.millicores === 0) {
      // An amount that could not be read says why; any other is shown as the quantity it is.
      const unread = b.cpu && Number.isNaN(b.cpu.millicores);
      throw configError(this, 'budget.cpu', unread ? b.cpu : b.cpu?.toQuantity(), unread ? b.cpu.problem()! : 'a CPU amount above zero');
    }
    if (!b.memory || sizeBytes(b.memory) === 0) throw configError(this, 'budget.memory', b.memory ? sizeQuantity(b.memory) : undefined, 'a memory size above zero');
    if (b.pods !== undefined && (!Number.isInteger(b.pods) || b.pods < 1)) throw configError(this, 'budget.pods', b.pods, 'an integer >= 1');
  }

  /** Writes the policies known from the props, and returns the scope of those derived at synth. */
  private createNetworkPolicies(namespace: string, props: NamespaceBaselineProps): Construct {
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => {
      this.fixedPolicies.set(name, id);
      return new k8s.KubeNetworkPolicy(this, id, { metadata: { name, namespace }, spec });
    };
    const nsSelector = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

    policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('AllowDns', 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ ...nsSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' }],
      }],
    });
    if (this.allowWithinNamespace) {
      policy('AllowWithinNamespace', 'allow-within-namespace', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      });
    }
    this.ingressNamespaces.forEach((ns, i) => {
      if (!isDnsLabel(ns)) throw configError(this, `ingressNamespaces[${i}]`, ns, 'a namespace name');
    });

    // The policies derived from the service graph and the gateway routes: which ones exist is only
    // known once the whole app is declared, and cdk8s has no hook that runs before synthesis. But
    // both `App.synth()` and `Chart.toJson()` (hence `Testing.synth`) validate the whole app and
    // only then collect a chart's API objects, walking the construct tree afresh
    // (node_modules/cdk8s/lib/app.js: `_synthChart` runs `validate` then `chartToKube`; `synth`
    // validates, then calls `toJson` on every chart). So the baseline creates them from a
    // validation of its own, under a scope created here (their place in the output is fixed).
    // Validation runs several times per synth (once per chart, once more in App.synth): the
    // objects are recreated only when the computed policies differ from those last created, so
    // each is created once per synth, and again only if the graph changed between two synths.
    // (Chart.toJson resolves construct dependencies before it validates: a dependency added on
    // the baseline reaches these objects from the next chart's synthesis on, not the first.)
    // The alternatives do not hold: one ApiObject renders exactly one manifest (overriding
    // `toJson` cannot emit several), a Lazy spec cannot select several applications in one
    // NetworkPolicy, and a fixed number of objects cannot follow the graph.
    const graphScope = new Construct(this, 'GraphPolicies');
    this.node.addValidation({ validate: () => this.renderGraphPolicies() });

    if (props.mesh) {
      const controlPlane = props.mesh.controlPlaneNamespace ?? 'istio-system';
      if (!isDnsLabel(controlPlane)) {
        throw configError(this, 'mesh.controlPlaneNamespace', controlPlane, 'a namespace name');
      }
      // Sidecars fetch their configuration and certificates from istiod (XDS and CA on 15012).
      policy('AllowMeshControlPlane', 'allow-istio-control-plane', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ ...nsSelector(controlPlane), podSelector: { matchLabels: { app: 'istiod' } } }],
          ports: [{ port: k8s.IntOrString.fromNumber(15012), protocol: 'TCP' }],
        }],
      });
    }
    const monitoring = props.monitoringNamespaces ?? [];
    monitoring.forEach((ns, i) => {
      if (!isDnsLabel(ns)) throw configError(this, `monitoringNamespaces[${i}]`, ns, 'a namespace name');
    });
    if (monitoring.length) {
      policy('AllowMonitoring', 'allow-from-monitoring', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{
          from: monitoring.map(nsSelector),
          ports: Lazy.any({ produce: () => this.metricsPorts() }) as any,
        }],
      });
    }
    (props.ingress ?? []).forEach((a, i) => {
      if (!isDnsLabel(a.name)) throw configError(this, `ingress[${i}].name`, a.name, 'a DNS label');
      if (!isDnsLabel(a.namespace)) throw configError(this, `ingress[${i}].namespace`, a.namespace, 'a namespace name');
      if (!a.ports?.length) throw configError(this, `ingress[${i}].ports`, a.ports, 'at least one port (an open ingress defeats the default deny)');
      a.ports.forEach((p, j) => {
        if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw configError(this, `ingress[${i}].ports[${j}].port`, p.port, 'an integer from 1 to 65535');
      });
      if (a.workload && a.workload.namespace !== namespace) {
        throw configError(this, `ingress[${i}].workload`, `${a.workload.name} in namespace ${a.workload.namespace}`, `a workload of namespace ${namespace}`);
      }
      policy(`AllowIngress${i}`, `allow-ingress-${a.name}`, {
        podSelector: a.workload ? { matchLabels: a.workload.selectorLabels } : {},
        policyTypes: ['Ingress'],
        ingress: [{
          from: [nsSelector(a.namespace)],
          ports: a.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? NetworkProtocol.TCP })),
        }],
      });
    });
    (props.egress ?? []).forEach((e, i) => {
      if (!isDnsLabel(e.name)) throw configError(this, `egress[${i}].name`, e.name, 'a DNS label');
      if ((e.cidr === undefined) === (e.namespace === undefined)) {
        throw configError(this, `egress[${i}]`, `cidr ${e.cidr ?? 'unset'}, namespace ${e.namespace ?? 'unset'}`, 'exactly one of cidr and namespace');
      }
      if (e.cidr !== undefined && !isIpv4Cidr(e.cidr)) {
        throw configError(this, `egress[${i}].cidr`, e.cidr, 'an IPv4 CIDR such as 10.20.0.0/16');
      }
      if (!e.ports?.length) throw configError(this, `egress[${i}].ports`, e.ports, 'at least one port (an open egress defeats the default deny)');
      e.ports.forEach((p, j) => {
        if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw configError(this, `egress[${i}].ports[${j}].port`, p.port, 'an integer from 1 to 65535');
      });
      policy(`AllowEgress${i}`, `allow-egress-${e.name}`, {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [e.cidr !== undefined ? { ipBlock: { cidr: e.cidr } } : nsSelector(e.namespace!)],
          ports: e.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? NetworkProtocol.TCP })),
        }],
      });
    });
    return graphScope;
  }

  /**
   * Named metrics ports of the namespace's workloads (a policy port may be a container port name)
   * and, in a namespace enrolled in the mesh, the sidecars' metrics ports: 15020 (merged
   * application and Envoy metrics, what Istio's `prometheus.io/port` annotation points at) and
   * 15090 (Envoy's own).
   */
  private metricsPorts(): k8s.NetworkPolicyPort[] {
    const names = new Set<string>();
    for (const w of this.workloads()) {
      for (const p of w.ports) if (p.name === 'metrics' || p.name.endsWith('-metrics')) names.add(p.name);
    }
    // With no metrics port, a port that no container has keeps the policy from opening anything.
    if (names.size === 0 && !this.meshEnrolled) names.add('metrics');
    const named = [...names].sort().map((name) => ({ port: k8s.IntOrString.fromString(name), protocol: 'TCP' }));
    const sidecar = this.meshEnrolled ? [MERGED_METRICS_PORT, ENVOY_STATS_PORT] : [];
    return [...named, ...sidecar.map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }))];
  }

  /**
   * The NetworkPolicies derived from the app as declared so far, in the order they are written:
   * - `allow-to-<app>` for every application of the namespace that declared calls reach: its pods
   *   (`app: <app>`, every version) admit each calling application's pods, one rule per caller,
   *   on the ports called;
   * - `allow-from-<app>` for every application of the namespace that calls others: its pods may
   *   reach each target application's pods, one rule per target, on the ports called;
   * - `allow-gateway-to-<app>` for every application of the namespace a gateway-bound route sends
   *   traffic to: its pods admit the gateways' pods on the routed workloads' exposed ports (the
   *   route's port when it names one);
   * - `allow-from-ingress` when `ingressNamespaces` are given and a workload of the namespace has
   *   `exposed: true` (and exposed ports).
   * A call holds for every version of both applications (a canary calls and is called like its
   * primary). A peer in another namespace is matched by namespace and pods; a workload declared
   * with `Workload.fromAttributes` by its `podLabels`. The ports of a call are those declared,
   * or every port of the target's versions. Ingress is written by the target's baseline, egress
   * by the caller's: a namespace without a baseline in this app gets neither.
   * The objects themselves are created at synth (edges may be declared after the baseline).
   */
  public graphPolicies(): DerivedNetworkPolicy[] {
    const index = AppIndex.of(this);
    const ns = this.namespaceName;
    const ingress = new Map<string, PolicyDraft>();
    const egress = new Map<string, PolicyDraft>();
    for (const e of allCalls(index)) {
      if (e.to.namespace !== ns && e.from.namespace !== ns) continue;
      const ports = e.ports ?? versionsOf(index, e.to).flatMap((v) => v.ports.map((p) => p.port));
      // Never empty through the declarations (a call to a workload without ports names its
      // ports), and an empty list would open every port.
      if (ports.length === 0) continue;
      const from = peerOf(e.from);
      const to = peerOf(e.to);
      if (e.to.namespace === ns) draftOf(ingress, to).add(from, ports);
      if (e.from.namespace === ns) draftOf(egress, from).add(to, ports);
    }
    const gateways = new Map<string, PolicyDraft>();
    for (const x of index.list(GATEWAY_EXPOSURES)) {
      for (const w of x.workloads) {
        if (w.namespace !== ns) continue;
        const exposed = w.ports.filter((p) => p.expose !== false).map((p) => p.port)
          .filter((p) => x.ports === undefined || x.ports.includes(p));
        if (exposed.length === 0) continue;
        // Gateways are merged by their pods: two Gateways served by one gateway workload share a rule.
        for (const g of x.gateways) {
          draftOf(gateways, peerOf(w)).add({
            namespace: g.workloadNamespace,
            app: `gateway pods ${selectorText(g.workloadSelector)} in ${g.workloadNamespace}`,
            selector: { ...g.workloadSelector },
          }, exposed);
        }
      }
    }

    const out: DerivedNetworkPolicy[] = [];
    for (const d of sortedDrafts(ingress)) {
      out.push({
        name: `allow-to-${d.peer.app}`,
        description: `calls to app ${d.peer.app} (from ${d.rules().map((r) => describePeer(r.peer, ns)).join(', ')})`,
        spec: {
          podSelector: { matchLabels: d.peer.selector },
          policyTypes: ['Ingress'],
          ingress: d.rules().map((r) => ({ from: [peerSelector(r.peer, ns)], ports: renderPorts(r.ports) })),
        },
      });
    }
    for (const d of sortedDrafts(egress)) {
      out.push({
        name: `allow-from-${d.peer.app}`,
        description: `calls from app ${d.peer.app} (to ${d.rules().map((r) => describePeer(r.peer, ns)).join(', ')})`,
        spec: {
          podSelector: { matchLabels: d.peer.selector },
          policyTypes: ['Egress'],
          egress: d.rules().map((r) => ({ to: [peerSelector(r.peer, ns)], ports: renderPorts(r.ports) })),
        },
      });
    }
    for (const d of sortedDrafts(gateways)) {
      out.push({
        name: `allow-gateway-to-${d.peer.app}`,
        description: `gateway-bound routes to app ${d.peer.app} (from ${d.rules().map((r) => r.peer.app).join(', ')})`,
        spec: {
          podSelector: { matchLabels: d.peer.selector },
          policyTypes: ['Ingress'],
          // Always with the namespace: a gateway's selector means nothing outside its namespace.
          ingress: d.rules().map((r) => ({
            from: [{ ...namespaceSelector(r.peer.namespace), podSelector: { matchLabels: r.peer.selector } }],
            ports: renderPorts(r.ports),
          })),
        },
      });
    }
    const exposedPorts = new Set<number>();
    for (const w of this.workloads()) {
      if (!w.exposed) continue;
      for (const p of w.ports) if (p.expose ?? true) exposedPorts.add(p.port);
    }
    // Without an exposed port the policy would open nothing (and an empty list would mean every port).
    if (this.ingressNamespaces.length && exposedPorts.size) {
      out.push({
        name: 'allow-from-ingress',
        description: `the namespaces ${this.ingressNamespaces.join(', ')} (ingressNamespaces) to the workloads with exposed: true`,
        spec: {
          podSelector: { matchLabels: { [LABELS.EXPOSED]: 'true' } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: this.ingressNamespaces.map(namespaceSelector),
            ports: renderPorts(exposedPorts),
          }],
        },
      });
    }
    return out;
  }

  /**
   * Creates the derived policies (validation hook, see createNetworkPolicies): the same ones, in
   * the same order, at every synth of the same app.
   */
  private renderGraphPolicies(): string[] {
    const policies = this.graphPolicies();
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const p of policies) {
      const fixed = this.fixedPolicies.get(p.name);
      const earlier = seen.get(p.name) ?? (fixed !== undefined ? `the baseline's ${fixed} policy (from its props)` : undefined);
      if (earlier !== undefined) {
        problems.push(new ConfigError({
          environment: environmentOf(this),
          path: this.node.path,
          field: 'networkPolicies',
          received: `two NetworkPolicies named ${p.name}: ${earlier}, and ${p.description}`,
          allowed: 'distinct names (rename the application, its `app`, whose derived policy takes a name the baseline already writes)',
        }).message);
      }
      seen.set(p.name, p.description);
    }
    if (problems.length) return problems;
    const rendered = JSON.stringify(policies.map((p) => [p.name, p.spec]));
    if (rendered === this.renderedGraph) return [];
    for (const child of [...this.graphScope.node.children]) this.graphScope.node.tryRemoveChild(child.node.id);
    for (const p of policies) {
      new k8s.KubeNetworkPolicy(this.graphScope, p.name, { metadata: { name: p.name, namespace: this.namespaceName }, spec: p.spec });
    }
    this.renderedGraph = rendered;
    return [];
  }
}

/** The pods at one end of a call: an application in a namespace, and the labels selecting its pods. */
interface Peer {
  readonly namespace: string;
  readonly app: string;
  readonly selector: { [key: string]: string };
}

/** A managed workload's pods by `app` (every version); one defined elsewhere by its pod labels. */
function peerOf(w: IWorkload): Peer {
  return { namespace: w.namespace ?? '', app: w.app, selector: w.managed ? { [LABELS.APP]: w.app } : { ...w.selectorLabels } };
}

const peerKey = (p: Peer) => `${p.namespace}/${p.app}/${selectorText(p.selector)}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One policy being derived: the pods it selects and, per peer, the ports. */
class PolicyDraft {
  private readonly byPeer = new Map<string, { peer: Peer; ports: Set<number> }>();

  constructor(public readonly peer: Peer) {}

  /** A rule for `peer` on `ports`, merged with the rule of the same peer if any. */
  public add(peer: Peer, ports: Iterable<number>): void {
    const key = peerKey(peer);
    const rule = this.byPeer.get(key) ?? { peer, ports: new Set<number>() };
    for (const p of ports) rule.ports.add(p);
    this.byPeer.set(key, rule);
  }

  /** The rules, by peer namespace, application and selector. */
  public rules(): Array<{ peer: Peer; ports: Set<number> }> {
    return [...this.byPeer.entries()].sort(([a], [b]) => compare(a, b)).map(([, r]) => r);
  }
}

/** The draft for the application of `peer` (the first workload seen gives the selector). */
function draftOf(drafts: Map<string, PolicyDraft>, peer: Peer): PolicyDraft {
  const key = `${peer.namespace}/${peer.app}`;
  let d = drafts.get(key);
  if (!d) {
    d = new PolicyDraft(peer);
    drafts.set(key, d);
  }
  return d;
}

function sortedDrafts(drafts: Map<string, PolicyDraft>): PolicyDraft[] {
  return [...drafts.values()].sort((a, b) => compare(a.peer.app, b.peer.app));
}

function namespaceSelector(ns: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } };
}

/** The peer's pods; in another namespace, with that namespace. */
function peerSelector(peer: Peer, ns: string): k8s.NetworkPolicyPeer {
  const pods = { podSelector: { matchLabels: peer.selector } };
  return peer.namespace === ns ? pods : { ...namespaceSelector(peer.namespace), ...pods };
}

function describePeer(peer: Peer, ns: string): string {
  return peer.namespace === ns ? peer.app : `${peer.namespace}/${peer.app}`;
}

/** The ports, sorted, over TCP. */
function renderPorts(ports: Set<number>): k8s.NetworkPolicyPort[] {
  return [...ports].sort((a, b) => a - b).map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
}

/** A namespace label that makes Istio inject sidecars into its pods. */
function isEnrolledByLabel(labels: { [key: string]: string }): boolean {
  return labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined;
}

/** True for an IPv4 CIDR with octets up to 255 and a prefix up to 32. */
export function isIpv4Cidr(text: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}
