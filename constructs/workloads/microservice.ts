import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { configError } from '../core/errors';
import { checkProps, flatFields, int, required, shape } from '../core/runtime-types';
import { Probe } from './probe';
import { DisruptionBudget, Workload, WorkloadProps } from './workload';
import { DISRUPTION_BUDGET, WORKLOAD_FIELDS } from './workload-props';

/** Horizontal autoscaling on CPU (and optionally memory) utilization of the requests. */
export interface AutoscalingOptions {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas (counted in the namespace quota). */
  readonly maxReplicas: number;
  /** @default 70 */
  readonly targetCpuUtilization?: number;
  /** @default - memory not considered */
  readonly targetMemoryUtilization?: number;
}

/** Properties of a Microservice. */
export interface MicroserviceProps extends WorkloadProps {
  /**
   * Replicas (ignored when `autoscaling` is set: the autoscaler owns the count).
   * @default 1
   */
  readonly replicas?: number;
  /** @default - fixed replica count */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Extra pods a rolling update may start (counted in the namespace quota).
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * Pods a rolling update may take down before replacements are ready.
   * @default 0
   */
  readonly maxUnavailable?: number;
  /** @default - maxUnavailable 1 when the service has more than one replica */
  readonly disruptionBudget?: DisruptionBudget;
}

/** The types of a Microservice's props (its numbers' values are checked by the construct). */
const MICROSERVICE_PROPS = shape({
  ...WORKLOAD_FIELDS,
  autoscaling: shape({ minReplicas: required(int(1)), maxReplicas: required(int(1)) },
    'autoscaling { minReplicas, maxReplicas, targetCpuUtilization, targetMemoryUtilization }'),
  disruptionBudget: DISRUPTION_BUDGET,
}, 'the props of a Microservice: { image, resources, ... }');

/**
 * A stateless service: Deployment, ClusterIP Service for its ports, its own ServiceAccount,
 * a PodDisruptionBudget when replicated and an optional HorizontalPodAutoscaler.
 */
export class Microservice extends Workload {
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service, when the container has ports. */
  public readonly service?: k8s.KubeService;
  /** The PodDisruptionBudget, when replicated. */
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The autoscaler, when asked for. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** Replica count (the autoscaler's minimum when autoscaling). */
  public readonly replicas: number;
  /** Most replicas (the autoscaler's maximum when autoscaling). */
  public readonly maxReplicas: number;
  /** Rolling update surge. */
  public readonly maxSurge: number;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    checkProps(scope, id, props, MICROSERVICE_PROPS);
    const firstPort = props.ports?.[0];
    super(scope, id, {
      ...flatFields(props),
      readiness: props.readiness ?? (firstPort ? Probe.tcpSocket(firstPort.port, {}) : undefined),
    }, 'microservice');
    this.checkCount('replicas', props.replicas, 1);
    this.checkCount('maxSurge', props.maxSurge, 0);
    this.checkCount('maxUnavailable', props.maxUnavailable, 0);
    this.maxSurge = props.maxSurge ?? 1;
    const maxUnavailable = props.maxUnavailable ?? 0;
    if (this.maxSurge === 0 && maxUnavailable === 0) {
      throw configError(this, 'maxSurge/maxUnavailable', '0/0', 'at least one of them above 0, or a rollout cannot progress');
    }
    const auto = props.autoscaling;
    if (auto) {
      this.checkCount('autoscaling.minReplicas', auto.minReplicas, 1);
      this.checkCount('autoscaling.maxReplicas', auto.maxReplicas, 1);
      if (auto.maxReplicas < auto.minReplicas) {
        throw configError(this, 'autoscaling.maxReplicas', auto.maxReplicas, `at least minReplicas (${auto.minReplicas})`);
      }
      for (const f of ['targetCpuUtilization', 'targetMemoryUtilization'] as const) {
        const v = auto[f];
        if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100)) {
          throw configError(this, `autoscaling.${f}`, v, 'a whole percentage of the request from 1 to 100');
        }
      }
    }
    this.replicas = auto ? auto.minReplicas : props.replicas ?? 1;
    this.maxReplicas = auto ? auto.maxReplicas : this.replicas;

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        replicas: auto ? undefined : this.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selectorLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: k8s.IntOrString.fromNumber(this.maxSurge),
            maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
          },
        },
        template: this.renderPodTemplate({ spreadByRevision: true }),
      },
    });
    this.service = this.createService('Service', { name: this.name });
    // An autoscaled service that can grow past one replica gets its budget too.
    this.disruptionBudget = this.createDisruptionBudget(this.replicas, this.maxReplicas, props.disruptionBudget);
    if (auto) {
      const metrics: k8s.MetricSpecV2[] = [];
      const utilization = (name: string, target: number): k8s.MetricSpecV2 => ({
        type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: target } },
      });
      metrics.push(utilization('cpu', auto.targetCpuUtilization ?? 70));
      if (auto.targetMemoryUtilization !== undefined) metrics.push(utilization('memory', auto.targetMemoryUtilization));
      this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.name, labels: this.labels },
        spec: {
          scaleTargetRef: { apiVersion: this.deployment.apiVersion, kind: this.deployment.kind, name: this.name },
          minReplicas: auto.minReplicas,
          maxReplicas: auto.maxReplicas,
          metrics,
        },
      });
    }
  }

  protected get kind(): string {
    return 'Deployment';
  }

  protected maxPods(): number {
    return this.maxReplicas + this.maxSurge;
  }
}
