import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConfigError, addWarning, configError, environmentOf, joinField } from '../core/errors';
import { isDns1035Label, isDnsLabel } from '../core/names';
import { BOOL, STRINGS, checkProps, flatFields, list, oneOf, rule, shape, str } from '../core/runtime-types';
import { ContainerSpec } from './container';
import { sizeBytes, sizeProblem, sizeQuantity } from '../core/quantity';
import { Volume, VolumeMount } from './volume';
import { DisruptionBudget, Workload, WorkloadProps } from './workload';
import { DISRUPTION_BUDGET, WORKLOAD_FIELDS } from './workload-props';

/** How a StatefulSet starts and stops its pods. */
export enum PodManagementPolicy {
  /** One at a time, in order, each waiting for the previous to be ready. */
  ORDERED_READY = 'OrderedReady',
  /** All at once: required by clusters whose members must find each other before they are ready. */
  PARALLEL = 'Parallel',
}

/** How a StatefulSet rolls out a new template. */
export enum StatefulUpdateStrategy {
  /** Replace pods from the highest ordinal down (above `partition`). */
  ROLLING_UPDATE = 'RollingUpdate',
  /** Replace a pod only when it is deleted by hand. */
  ON_DELETE = 'OnDelete',
}

/** Access mode of a volume claim. */
export enum VolumeAccessMode {
  /** Mounted read-write by one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Mounted read-write by one pod (CSI volumes). */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
  /** Mounted read-write by many nodes. */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** A persistent volume each replica gets. */
export interface VolumeClaim {
  /** Claim template name (also the volume name); PVCs are named `<name>-<statefulset>-<ordinal>`. */
  readonly name: string;
  /** Requested size. */
  readonly size: Size;
  /** Where the main container mounts it. */
  readonly mountPath: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default VolumeAccessMode.READ_WRITE_ONCE */
  readonly accessMode?: VolumeAccessMode;
}

/** Properties of a StatefulService. */
export interface StatefulServiceProps extends WorkloadProps {
  /** @default 1 */
  readonly replicas?: number;
  /** @default - no persistent volumes */
  readonly volumeClaims?: VolumeClaim[];
  /** @default PodManagementPolicy.ORDERED_READY */
  readonly podManagementPolicy?: PodManagementPolicy;
  /** @default StatefulUpdateStrategy.ROLLING_UPDATE */
  readonly updateStrategy?: StatefulUpdateStrategy;
  /**
   * With a rolling update, only pods with an ordinal >= partition are updated (staged rollouts).
   * @default 0
   */
  readonly partition?: number;
  /**
   * Publish DNS records of pods before they are ready (peers that must find each other to
   * become ready need this).
   * @default false
   */
  readonly publishNotReadyAddresses?: boolean;
  /**
   * Name of the headless governing Service.
   * @default `<name>-headless`
   */
  readonly headlessServiceName?: string;
  /**
   * Also create a ClusterIP Service named after the workload for clients.
   * @default true when the container has exposed ports
   */
  readonly clientService?: boolean;
  /**
   * Ports of the client Service, by name.
   * @default - every exposed port
   */
  readonly clientServicePorts?: string[];
  /**
   * Delete the claims when the StatefulSet is deleted or scaled down.
   * @default false (claims are kept: data outlives the workload)
   */
  readonly deleteClaimsWithWorkload?: boolean;
  /** @default - maxUnavailable 1 when replicated */
  readonly disruptionBudget?: DisruptionBudget;
}

/** The types of a StatefulService's props (names, sizes and numbers are checked further by the construct). */
const STATEFUL_SERVICE_PROPS = shape({
  ...WORKLOAD_FIELDS,
  volumeClaims: list(shape({
    name: str(),
    size: rule('a Size such as Size.gibibytes(10)', (v) => v === undefined || v instanceof Size),
    mountPath: str('an absolute path'),
    storageClassName: str(),
    accessMode: oneOf(Object.values(VolumeAccessMode), 'VolumeAccessMode'),
  }, 'a volume claim { name, size, mountPath }'), 'a list of volume claims { name, size, mountPath }'),
  podManagementPolicy: oneOf(Object.values(PodManagementPolicy), 'PodManagementPolicy'),
  updateStrategy: oneOf(Object.values(StatefulUpdateStrategy), 'StatefulUpdateStrategy'),
  publishNotReadyAddresses: BOOL,
  headlessServiceName: str(),
  clientService: BOOL,
  clientServicePorts: STRINGS,
  deleteClaimsWithWorkload: BOOL,
  disruptionBudget: DISRUPTION_BUDGET,
}, 'the props of a StatefulService: { image, resources, ... }');

/**
 * A stateful workload: StatefulSet with stable pod names and a volume per replica, its headless
 * governing Service, an optional client Service, its own ServiceAccount and a
 * PodDisruptionBudget when replicated.
 *
 * With volume claims, a container that has a liveness probe but no startup probe gets a warning:
 * recovering its data after a crash (a database replaying its log) takes as long as the data
 * needs, and the liveness probe restarts it when that is longer than the probe's failure window,
 * again and again. A startup probe holds the liveness probe back until the container has started.
 */
export class StatefulService extends Workload {
  /** The StatefulSet. */
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The headless governing Service. */
  public readonly headlessService: k8s.KubeService;
  /** The client Service, if any. */
  public readonly clientService?: k8s.KubeService;
  /** The PodDisruptionBudget, when replicated. */
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** Replicas. */
  public readonly replicas: number;
  /** Name of the headless Service (the StatefulSet's serviceName). */
  public readonly headlessServiceName: string;
  /** Pod management policy. */
  public readonly podManagementPolicy: PodManagementPolicy;
  /** The claim templates. */
  public readonly volumeClaims: VolumeClaim[];

  constructor(scope: Construct, id: string, props: StatefulServiceProps) {
    checkProps(scope, id, props, STATEFUL_SERVICE_PROPS);
    const claims = props.volumeClaims ?? [];
    const claimMounts: VolumeMount[] = claims.map((c) => ({ volume: Volume.fromClaim(c.name), mountPath: c.mountPath, readOnly: false }));
    // The StatefulSet's name goes into the controller-revision-hash label of its pods (63
    // characters at most, with an 11-character suffix), so it may be 52 characters at most.
    super(scope, id, { ...flatFields(props), mounts: [...(props.mounts ?? []), ...claimMounts] }, 'stateful-service', 52);
    this.checkCount('replicas', props.replicas, 0);
    this.checkCount('partition', props.partition, 0);
    this.replicas = props.replicas ?? 1;
    this.volumeClaims = claims;
    this.podManagementPolicy = props.podManagementPolicy ?? PodManagementPolicy.ORDERED_READY;
    this.headlessServiceName = props.headlessServiceName ?? `${this.name}-headless`;
    if (!isDns1035Label(this.headlessServiceName)
      || ((props.clientService ?? true) && this.headlessServiceName === this.name)) {
      throw configError(this, 'headlessServiceName', this.headlessServiceName,
        "a DNS-1035 label of at most 63 characters, other than the workload's name (the client Service has that name)");
    }
    const strategy = props.updateStrategy ?? StatefulUpdateStrategy.ROLLING_UPDATE;
    if (props.partition !== undefined && strategy !== StatefulUpdateStrategy.ROLLING_UPDATE) {
      throw configError(this, 'partition', props.partition, 'a partition only with the RollingUpdate strategy');
    }
    const seen = new Set<string>();
    claims.forEach((c, i) => {
      if (!isDnsLabel(c.name) || seen.has(c.name)) {
        throw configError(this, `volumeClaims[${i}].name`, c.name, 'a unique DNS label');
      }
      seen.add(c.name);
      const problem = c.size ? sizeProblem(c.size) : 'a size';
      if (problem || sizeBytes(c.size) === 0) {
        throw new ConfigError({
          environment: environmentOf(this), path: this.node.path, field: `volumeClaims[${i}].size`,
          received: c.size ? `${sizeBytes(c.size)} bytes` : 'nothing', allowed: problem ?? 'more than zero',
        });
      }
    });

    this.headlessService = this.createService('HeadlessService', {
      name: this.headlessServiceName,
      headless: true,
      publishNotReadyAddresses: props.publishNotReadyAddresses,
    })!;
    if (props.clientService ?? true) {
      this.clientService = this.createService('ClientService', { name: this.name, portNames: props.clientServicePorts });
    }
    const deleteClaims = props.deleteClaimsWithWorkload ?? false;
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        replicas: this.replicas,
        serviceName: this.headlessServiceName,
        podManagementPolicy: this.podManagementPolicy,
        revisionHistoryLimit: 5,
        updateStrategy: {
          type: strategy,
          rollingUpdate: strategy === StatefulUpdateStrategy.ROLLING_UPDATE && props.partition !== undefined
            ? { partition: props.partition } : undefined,
        },
        persistentVolumeClaimRetentionPolicy: claims.length
          ? { whenDeleted: deleteClaims ? 'Delete' : 'Retain', whenScaled: deleteClaims ? 'Delete' : 'Retain' }
          : undefined,
        selector: { matchLabels: this.selectorLabels },
        template: this.renderPodTemplate({ externalVolumes: claims.map((c) => c.name) }),
        volumeClaimTemplates: claims.length ? claims.map((c) => ({
          metadata: { name: c.name, labels: this.selectorLabels },
          spec: {
            accessModes: [c.accessMode ?? VolumeAccessMode.READ_WRITE_ONCE],
            storageClassName: c.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(c.size)) } },
          },
        })) : undefined,
      },
    });
    this.disruptionBudget = this.createDisruptionBudget(this.replicas, this.replicas, props.disruptionBudget);
    if (claims.length) this.warnLivenessWithoutStartup(props);
  }

  /** Warns about containers whose liveness probe would cut a crash recovery of the claimed data short. */
  private warnLivenessWithoutStartup(props: StatefulServiceProps): void {
    const containers: Array<[string, ContainerSpec]> = [['', props], ...(props.sidecars ?? []).map((c, i) => [`sidecars[${i}]`, c] as [string, ContainerSpec])];
    for (const [field, c] of containers) {
      if (!c.liveness || c.startup) continue;
      const window = c.liveness.failureWindow.toSeconds();
      addWarning(this, `${joinField(field, 'startup')}: received nothing, beside ${joinField(field, 'liveness')} that restarts a container not answering for ${window} s, `
        + `in a workload with volume claims (${this.volumeClaims.map((v) => v.name).join(', ')}) to recover after a crash; `
        + 'allowed: a startup probe that outlasts the longest recovery, e.g. every 10 s with failureThreshold 60 (10 minutes): '
        + 'without one, the liveness probe restarts any longer recovery, again and again');
    }
  }

  protected get kind(): string {
    return 'StatefulSet';
  }

  protected maxPods(): number {
    return this.replicas;
  }

  protected claimedStorage(): [number, number] {
    return [this.volumeClaims.length, this.volumeClaims.reduce((sum, c) => sum + sizeBytes(c.size), 0)];
  }
}
