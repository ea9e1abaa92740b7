import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { configError } from '../core/errors';
import { Volume, VolumeMount } from './volume';
import { TolerationOperator, Workload, WorkloadProps } from './workload';

/** A node directory a NodeAgent reads (always mounted read-only). */
export interface HostPathMount {
  /** Volume name. */
  readonly name: string;
  /** Directory on the node, e.g. `/var/log`. */
  readonly hostPath: string;
  /** @default - the same path as on the node */
  readonly mountPath?: string;
}

/** Properties of a NodeAgent. */
export interface NodeAgentProps extends WorkloadProps {
  /** @default - none */
  readonly hostPaths?: HostPathMount[];
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
   * Nodes the namespace quota should plan for.
   * @default 3
   */
  readonly expectedNodes?: number;
  /**
   * Create a Service with internalTrafficPolicy Local, so that pods reach the agent on their node.
   * @default false
   */
  readonly nodeLocalService?: boolean;
}

/**
 * A per-node agent (log shipper, metrics exporter): DaemonSet with its own ServiceAccount,
 * tolerations, rolling update limits and host paths mounted read-only, nothing else.
 */
export class NodeAgent extends Workload {
  /** The DaemonSet. */
  public readonly daemonSet: k8s.KubeDaemonSet;
  /** The node-local Service, if asked for. */
  public readonly service?: k8s.KubeService;
  /** Nodes the quota plans for. */
  public readonly expectedNodes: number;
  /** Rollout surge per node. */
  public readonly maxSurge: number;

  constructor(scope: Construct, id: string, props: NodeAgentProps) {
    const hostMounts: VolumeMount[] = (props.hostPaths ?? []).map((h) => ({
      volume: Volume.hostPath(h.name, h.hostPath),
      mountPath: h.mountPath ?? h.hostPath,
      readOnly: true,
    }));
    const tolerations = props.tolerateAllTaints ? [{ operator: TolerationOperator.EXISTS }, ...(props.tolerations ?? [])] : props.tolerations;
    super(scope, id, { ...props, tolerations, mounts: [...(props.mounts ?? []), ...hostMounts] }, 'node-agent');
    (props.hostPaths ?? []).forEach((h, i) => {
      if (!h.hostPath?.startsWith('/') || h.hostPath.split('/').includes('..')) {
        throw configError(this, `hostPaths[${i}].hostPath`, h.hostPath, 'an absolute path without ".."');
      }
    });
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
        template: this.renderPodTemplate({ allowHostPaths: true }),
      },
    });
    if (props.nodeLocalService) {
      this.service = this.createService('Service', { name: this.name, internalTrafficPolicy: 'Local' });
    }
  }

  protected get kind(): string {
    return 'DaemonSet';
  }

  protected maxPods(): number {
    // During a surged rollout up to maxSurge nodes briefly run two agents.
    return this.expectedNodes + this.maxSurge;
  }
}
