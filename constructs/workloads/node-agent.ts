import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NAMESPACE_BASELINES } from '../checks/namespaces';
import { AppIndex } from '../core/app-index';
import { ConfigError, configError, environmentOf } from '../core/errors';
import { BOOL, checkProps, flatFields, list, oneOf, shape, str } from '../core/runtime-types';
import type { PodSecurityLevel } from '../platform/namespace-baseline';
import { Volume, VolumeMount } from './volume';
import { TolerationOperator, Workload, WorkloadProps } from './workload';
import { WORKLOAD_FIELDS } from './workload-props';

/** The priority class of node agents unless one is given: what the kubelet evicts last, and may preempt to place them. */
export const NODE_AGENT_PRIORITY_CLASS = 'system-node-critical';

/** Linux capabilities, as Kubernetes names them (without the `CAP_` prefix). */
const LINUX_CAPABILITIES = [
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN', 'DAC_OVERRIDE',
  'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE', 'LINUX_IMMUTABLE', 'MAC_ADMIN',
  'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYSLOG', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT',
  'SYS_PTRACE', 'SYS_RAWIO', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'WAKE_ALARM',
];

/** Directories under /var/lib that belong to the node's own software, never to an agent. */
const SYSTEM_STATE_DIRECTORIES = [
  'kubelet', 'containerd', 'docker', 'containers', 'crio', 'etcd', 'cni', 'calico', 'cilium', 'kube-proxy',
  'systemd', 'dpkg', 'apt', 'rpm', 'dbus', 'private',
];
const STATE_DIRECTORY = /^\/var\/lib\/([a-z0-9]([-a-z0-9._]*[a-z0-9])?)$/;

/** A node directory a NodeAgent reads (always mounted read-only). */
export interface HostPathMount {
  /** Volume name. */
  readonly name: string;
  /** Directory on the node, e.g. `/var/log`. */
  readonly hostPath: string;
  /** @default - the same path as on the node */
  readonly mountPath?: string;
}

/**
 * A node directory a NodeAgent keeps its state in across restarts (a log shipper's read
 * positions), mounted writable into the main container: the one host path an agent may write.
 */
export interface NodeStateDirectory {
  /**
   * Directory on the node: one of the agent's own directly under /var/lib, e.g.
   * `/var/lib/fluent-bit`. The kubelet creates it when missing, owned by root with mode 0755.
   */
  readonly hostPath: string;
  /** @default - the same path as on the node */
  readonly mountPath?: string;
}

/** Properties of a NodeAgent. */
export interface NodeAgentProps extends WorkloadProps {
  /** @default - none */
  readonly hostPaths?: HostPathMount[];
  /**
   * Run the main container as root (uid 0). Everything else of the restricted profile is kept:
   * every capability dropped but `capabilities`, no privilege escalation, not privileged, a
   * read-only root filesystem; the other containers stay non-root. For agents that read files
   * only root may read, such as the container logs containerd writes (owned by root, mode 0640).
   * Allowed only in a namespace whose pod security is PRIVILEGED: set up by a NamespaceBaseline of
   * this app, or declared with `namespacePodSecurity` for a namespace managed elsewhere.
   * @default false
   */
  readonly runAsRoot?: boolean;
  /**
   * The Pod Security level of the agent's namespace when no NamespaceBaseline of this app sets
   * it up (a namespace another team or tool manages). `runAsRoot` there needs
   * `PodSecurityLevel.PRIVILEGED`; host paths are refused under anything else. Where a baseline
   * of this app sets the namespace up, its level counts: leave this out, or give the same level.
   * @default - the level of the app's baseline for the namespace; unknown without one
   */
  readonly namespacePodSecurity?: PodSecurityLevel;
  /**
   * Linux capabilities added back to the main container (names without `CAP_`), e.g.
   * `DAC_READ_SEARCH` to read files that root does not own and may not read by their mode. Only
   * with `runAsRoot`: a non-root process gets no added capability (Kubernetes grants no ambient
   * capabilities). Root needs none to read files it owns.
   * @default - none (every capability dropped)
   */
  readonly capabilities?: string[];
  /**
   * A node directory mounted writable into the main container, for state that must outlive the
   * pod (a log shipper's read positions). Only with `runAsRoot`: the kubelet creates the
   * directory owned by root with mode 0755, so no other user could write it.
   * @default - none (every host path is read-only)
   */
  readonly stateDirectory?: NodeStateDirectory;
  /**
   * Run on every node whatever its taints (control-plane and dedicated nodes included).
   * @default false
   */
  readonly tolerateAllTaints?: boolean;
  /**
   * Nodes whose agent may be down at once during a rollout.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * Start the new agent on a node before stopping the old one (no gap, two agents briefly).
   * @default 0
   */
  readonly maxSurge?: number;
  /**
   * Nodes the agent is expected to run on: an estimate for the footprint (`maxPods`) only. It
   * caps nothing: a NamespaceBaseline's quota does not apply to node agents, so the DaemonSet
   * places a pod on every node however many there are.
   * @default 3
   */
  readonly expectedNodes?: number;
  /**
   * Create a Service with internalTrafficPolicy Local, so that pods reach the agent on their node.
   * @default false
   */
  readonly nodeLocalService?: boolean;
}

/** What runAsRoot needs of the namespace. */
const ROOT_ALLOWED = 'a root container only in a namespace whose pod security is PRIVILEGED: a NamespaceBaseline of this app with podSecurity PRIVILEGED, '
  + 'or, for a namespace managed elsewhere, namespacePodSecurity: PodSecurityLevel.PRIVILEGED '
  + '(Pod Security "restricted" refuses uid 0: keep node agents in a namespace of their own)';

/** The values of PodSecurityLevel (read as values: the platform layer builds on this one). */
const POD_SECURITY_LEVELS = ['restricted', 'baseline', 'privileged'];
const PRIVILEGED_LEVEL = 'privileged';

/** The types of a NodeAgent's props (paths, capabilities and numbers are checked further by the construct). */
const NODE_AGENT_PROPS = shape({
  ...WORKLOAD_FIELDS,
  hostPaths: list(shape({ name: str(), hostPath: str('an absolute path'), mountPath: str('an absolute path') }, 'a host path { name, hostPath, mountPath }'),
    'a list of host paths { name, hostPath, mountPath }'),
  runAsRoot: BOOL,
  namespacePodSecurity: oneOf(POD_SECURITY_LEVELS, 'PodSecurityLevel'),
  stateDirectory: shape({ hostPath: str('a directory under /var/lib'), mountPath: str('an absolute path') }, 'a state directory { hostPath, mountPath }'),
  tolerateAllTaints: BOOL,
  nodeLocalService: BOOL,
}, 'the props of a NodeAgent: { image, resources, ... }');

/**
 * A per-node agent (log shipper, metrics exporter): DaemonSet with its own ServiceAccount,
 * tolerations, rolling update limits, host paths mounted read-only (and, when declared, a
 * writable state directory), the `system-node-critical` priority class unless another is given,
 * and, when asked for, a main container running as root with only the capabilities asked for.
 */
export class NodeAgent extends Workload {
  /** The DaemonSet. */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** The node-local Service, if asked for. */
  public readonly service?: k8s.KubeService;
  /** Nodes the agent is expected to run on (an estimate; it caps nothing). */
  public readonly expectedNodes: number;
  /** Rollout surge per node. */
  public readonly maxSurge: number;
  /** The main container runs as root. */
  public readonly runAsRoot: boolean;
  /** The declared Pod Security level of its namespace (`namespacePodSecurity`), if any. */
  public readonly namespacePodSecurity?: PodSecurityLevel;
  private readonly hasHostPaths: boolean;

  constructor(scope: Construct, id: string, props: NodeAgentProps) {
    checkProps(scope, id, props, NODE_AGENT_PROPS);
    const hostMounts: VolumeMount[] = (props.hostPaths ?? []).map((h) => ({
      volume: Volume.hostPath(h.name, h.hostPath),
      mountPath: h.mountPath ?? h.hostPath,
      readOnly: true,
    }));
    const state = props.stateDirectory;
    const stateMounts: VolumeMount[] = state ? [{
      volume: Volume.hostPath('state', state.hostPath, { createIfMissing: true }),
      mountPath: state.mountPath ?? state.hostPath,
      readOnly: false,
    }] : [];
    const tolerations = props.tolerateAllTaints ? [{ operator: TolerationOperator.EXISTS }, ...(props.tolerations ?? [])] : props.tolerations;
    super(scope, id, {
      ...flatFields(props),
      tolerations,
      priorityClassName: props.priorityClassName ?? NODE_AGENT_PRIORITY_CLASS,
      mounts: [...(props.mounts ?? []), ...hostMounts, ...stateMounts],
    }, 'node-agent');
    (props.hostPaths ?? []).forEach((h, i) => {
      if (!h.hostPath?.startsWith('/') || h.hostPath.split('/').includes('..')) {
        throw configError(this, `hostPaths[${i}].hostPath`, h.hostPath, 'an absolute path without ".."');
      }
    });
    this.runAsRoot = props.runAsRoot ?? false;
    this.namespacePodSecurity = props.namespacePodSecurity;
    this.hasHostPaths = hostMounts.length + stateMounts.length > 0;
    const capabilities = this.checkCapabilities(props.capabilities ?? []);
    if (state) this.checkStateDirectory(state);
    this.checkCount('maxUnavailable', props.maxUnavailable, 0);
    this.checkCount('maxSurge', props.maxSurge, 0);
    this.checkCount('expectedNodes', props.expectedNodes, 1);
    const maxUnavailable = props.maxUnavailable ?? 1;
    const maxSurge = props.maxSurge ?? 0;
    this.maxSurge = maxSurge;
    if (maxUnavailable === 0 && maxSurge === 0) {
      throw configError(this, 'maxSurge/maxUnavailable', '0/0', 'at least one of them above 0, or a rollout cannot progress');
    }
    this.expectedNodes = props.expectedNodes ?? 3;
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selectorLabels },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
            maxSurge: k8s.IntOrString.fromNumber(maxSurge),
          },
        },
        template: this.renderPodTemplate({
          allowHostPaths: true,
          writableHostPaths: state ? [state.hostPath] : [],
          rootMainContainer: this.runAsRoot ? { capabilities } : undefined,
        }),
      },
    });
    if (props.nodeLocalService) {
      this.service = this.createService('Service', { name: this.name, internalTrafficPolicy: 'Local' });
    }
    if (this.runAsRoot || this.namespacePodSecurity !== undefined) this.node.addValidation({ validate: () => this.namespaceProblems() });
  }

  private checkCapabilities(capabilities: string[]): string[] {
    if (!Array.isArray(capabilities)) throw configError(this, 'capabilities', capabilities, 'a list of Linux capability names');
    const seen = new Set<string>();
    capabilities.forEach((c, i) => {
      if (typeof c !== 'string' || !LINUX_CAPABILITIES.includes(c) || seen.has(c)) {
        throw configError(this, `capabilities[${i}]`, c, 'a Linux capability named once, without the CAP_ prefix, such as DAC_READ_SEARCH');
      }
      seen.add(c);
    });
    if (capabilities.length && !this.runAsRoot) {
      throw configError(this, 'capabilities', capabilities,
        'none without runAsRoot: true (a non-root process gets no added capability: Kubernetes grants no ambient capabilities)');
    }
    return capabilities;
  }

  private checkStateDirectory(state: NodeStateDirectory): void {
    const m = STATE_DIRECTORY.exec(state.hostPath ?? '');
    if (!m || SYSTEM_STATE_DIRECTORIES.includes(m[1])) {
      throw configError(this, 'stateDirectory.hostPath', state.hostPath,
        `a directory of the agent's own directly under /var/lib, such as /var/lib/fluent-bit (not one of the node's: ${SYSTEM_STATE_DIRECTORIES.join(', ')})`);
    }
    if (!this.runAsRoot) {
      throw configError(this, 'stateDirectory', state.hostPath,
        'a state directory only with runAsRoot: true (the kubelet creates it owned by root with mode 0755: no other user can write it)');
    }
  }

  /** A root container only in a namespace whose baseline is PRIVILEGED (validation hook). */
  /**
   * What the pod security of its namespace refuses: root without PRIVILEGED (set up by a baseline
   * of the app, or declared), host paths under a declared level that is not PRIVILEGED (levels of
   * the app's baselines are checked with its workloads), and a declared level that differs from
   * the app's baseline.
   */
  private namespaceProblems(): string[] {
    const problem = (field: string, received: string, allowed: string) => new ConfigError({
      environment: environmentOf(this), path: this.node.path, field, received, allowed,
    }).message;
    const baselines = AppIndex.of(this).list(NAMESPACE_BASELINES).filter((b) => b.namespaceName === this.namespace);
    const declared = this.namespacePodSecurity;
    if (baselines.length) {
      const other = baselines.find((b) => b.podSecurity !== declared);
      if (declared !== undefined && other) {
        return [problem('namespacePodSecurity', `"${declared}", while the NamespaceBaseline ${other.node.path} sets namespace ${this.namespace} up with "${other.podSecurity}"`,
          'nothing (a baseline of this app sets the namespace up and its level counts), or the same level')];
      }
      const unprivileged = baselines.find((b) => b.podSecurity !== PRIVILEGED_LEVEL);
      if (!this.runAsRoot || !unprivileged) return [];
      return [problem('runAsRoot', `true, in namespace ${this.namespace} (pod security "${unprivileged.podSecurity}")`, ROOT_ALLOWED)];
    }
    if (declared === PRIVILEGED_LEVEL) return [];
    if (declared !== undefined) {
      const what = this.runAsRoot ? 'a root container' : this.hasHostPaths ? 'host path volumes' : undefined;
      return what ? [problem('namespacePodSecurity', `"${declared}", for ${what} in namespace ${this.namespace}`,
        `"privileged" (Pod Security "${declared}" refuses ${what}: keep node agents in a namespace of their own)`)] : [];
    }
    return this.runAsRoot
      ? [problem('runAsRoot', `true, in namespace ${this.namespace ?? '(none)'}, which no NamespaceBaseline of this app sets up and namespacePodSecurity does not declare`, ROOT_ALLOWED)]
      : [];
  }

  protected get kind(): string {
    return 'DaemonSet';
  }

  protected maxPods(): number {
    // During a surged rollout up to maxSurge nodes briefly run two agents.
    return this.expectedNodes + this.maxSurge;
  }
}
