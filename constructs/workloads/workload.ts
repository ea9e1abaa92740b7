import { Chart, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { MessagingKind } from '../checks/graph';
import { SIDECAR_SOURCES, WORKLOADS, meshSidecarResources as sidecarResourcesOf } from '../checks/namespaces';
import { AppIndex } from '../core/app-index';
import { configError, describeValue, joinField, throwFirst } from '../core/errors';
import { isDns1035Label, isDnsLabel, isDnsSubdomain } from '../core/names';
import { ContainerSpec } from './container';
import type { IJetStreamBucket } from '../nats/jetstream-storage';
import type { IJetStreamConsumer } from '../nats/jetstream-consumer';
import type { IJetStreamStream } from '../nats/jetstream-stream';
import type { INatsCluster } from '../nats/nats-cluster';
import { ExternalWorkload, WorkloadAttributes, declareCall, declareMessaging, declareNatsConnection } from './external-workload';
import { HttpMethod, WorkloadPort, portProblems } from './port';
import { sizeQuantity } from '../core/quantity';
import { QosClass, ResourceTotals, Resources, podQosClass } from './resources';
import { plaintextCredentialProblem } from './secret-env';
import { Volume, VolumeMount, VolumeSource } from './volume';

/** Label keys the library sets. */
export const LABELS = {
  NAME: 'app.kubernetes.io/name',
  VERSION: 'app.kubernetes.io/version',
  COMPONENT: 'app.kubernetes.io/component',
  MANAGED_BY: 'app.kubernetes.io/managed-by',
  /** Istio's workload labels (telemetry and subsets). */
  APP: 'app',
  ISTIO_VERSION: 'version',
  /** The pod's QoS class as the library computed it. */
  QOS_CLASS: 'nats-mesh.io/qos-class',
  /** Set on pods the ingress gateway may reach. */
  EXPOSED: 'nats-mesh.io/exposed',
};

/** How replicas are spread across failure domains. */
export enum TopologySpread {
  /** No constraint. */
  NONE = 'none',
  /** At most one replica of difference between zones (hard), nodes not considered. */
  ZONES = 'zones',
  /** Zones (hard) and nodes (soft). */
  ZONES_AND_NODES = 'zones-and-nodes',
  /** Nodes only (soft). */
  NODES = 'nodes',
}

/** How a toleration matches a taint. */
export enum TolerationOperator {
  /** Key (and effect) match whatever the value. */
  EXISTS = 'Exists',
  /** Key, value (and effect) match. */
  EQUAL = 'Equal',
}

/** Effect of a taint. */
export enum TaintEffect {
  /** Pods are not scheduled. */
  NO_SCHEDULE = 'NoSchedule',
  /** Pods are scheduled only if nowhere else. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Running pods are evicted. */
  NO_EXECUTE = 'NoExecute',
}

/** A taint the pods accept. */
export interface Toleration {
  /** @default - every key (with operator EXISTS) */
  readonly key?: string;
  /** @default TolerationOperator.EQUAL when a value is given, else EXISTS */
  readonly operator?: TolerationOperator;
  /** @default - none */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: TaintEffect;
}

/** Identity the pods run as. */
export interface PodIdentity {
  /** @default 65532 (the distroless `nonroot` user) */
  readonly runAsUser?: number;
  /** @default 65532 */
  readonly runAsGroup?: number;
  /** @default - runAsGroup */
  readonly fsGroup?: number;
}

/**
 * What every workload accepts. The main container's fields are given at the top level.
 */
export interface WorkloadProps extends ContainerSpec {
  /**
   * Additional containers that run beside the main one for the pod's lifetime.
   * @default - none
   */
  readonly sidecars?: ContainerSpec[];
  /** @default - none */
  readonly initContainers?: ContainerSpec[];
  /**
   * Labels added to every object and pod.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /** @default - none */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Labels on the pods only (e.g. `sidecar.istio.io/inject`).
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Containers of the pod see each other's processes (a config reloader signalling a server).
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * Value of the `version` label (used by Istio subsets and telemetry).
   * @default - the image tag
   */
  readonly version?: string;
  /**
   * The application this workload is a version of (Istio's `app` label). A canary is a second
   * workload with the same `app` and another version: the application's Service (named after
   * the app) selects the pods of every version, a version's own Service only its own.
   * @default - the workload's name
   */
  readonly app?: string;
  /**
   * Run as this existing ServiceAccount instead of creating one named after the workload.
   * @default - a dedicated ServiceAccount is created
   */
  readonly serviceAccountName?: string;
  /**
   * Mount the ServiceAccount token (only for workloads that call the Kubernetes API).
   * @default false
   */
  readonly mountServiceAccountToken?: boolean;
  /** @default TopologySpread.NONE */
  readonly spread?: TopologySpread;
  /** @default - none */
  readonly nodeSelector?: { [key: string]: string };
  /** @default - none */
  readonly tolerations?: Toleration[];
  /**
   * PriorityClass of the pods.
   * @default - the cluster default (a NodeAgent: `system-node-critical`)
   */
  readonly priorityClassName?: string;
  /** @default Duration.seconds(30) */
  readonly terminationGracePeriod?: Duration;
  /** @default - uid and gid 65532 */
  readonly identity?: PodIdentity;
  /**
   * Reachable from the namespaces the baseline lists in `ingressNamespaces`, on the exposed ports
   * (NetworkPolicy `allow-from-ingress`). A workload that a gateway-bound ServiceRoute sends
   * traffic to needs no flag: the route opens the way from the gateway's pods, to every version.
   * @default false
   */
  readonly exposed?: boolean;
}

/** What a workload adds to its namespace, for quotas and network policy. */
export interface WorkloadFootprint {
  /** Kubernetes kind of the controller. */
  readonly kind: string;
  /** Workload name. */
  readonly name: string;
  /** Namespace, if known. */
  readonly namespace?: string;
  /** Most pods that can exist at once (replicas, autoscaling maximum and rollout surge). */
  readonly maxPods: number;
  /** Requests and limits of one pod. */
  readonly podResources: ResourceTotals;
  /** PersistentVolumeClaims it creates. */
  readonly persistentVolumeClaims: number;
  /** Storage those claims request, bytes. */
  readonly storageBytes: number;
  /** Labels that select its pods. */
  readonly selector: { [key: string]: string };
  /** Container ports. */
  readonly ports: WorkloadPort[];
  /** Reachable through the ingress gateway. */
  readonly exposed: boolean;
  /** Mounts host paths (needs a namespace that allows them). */
  readonly usesHostPaths: boolean;
  /** Its pods refuse sidecar injection. */
  readonly sidecarOptOut: boolean;
  /** PriorityClass of its pods, when it names one (a NamespaceBaseline's quota does not apply to a node agent's). */
  readonly priorityClassName?: string;
}

/** How many pods may be down at once during voluntary disruptions (node drains). */
export interface DisruptionBudget {
  /** @default 1 (when minAvailable is not set) */
  readonly maxUnavailable?: number;
  /** @default - not set */
  readonly minAvailable?: number;
}

/** Options of a workload's Service. */
export interface ServiceOptions {
  /** Service name. */
  readonly name: string;
  /** clusterIP None. */
  readonly headless?: boolean;
  /** Publish addresses of pods that are not ready (peer discovery). */
  readonly publishNotReadyAddresses?: boolean;
  /** `Local` keeps traffic on the caller's node (DaemonSets). */
  readonly internalTrafficPolicy?: string;
  /** Only these ports (by name). @default - every exposed port */
  readonly portNames?: string[];
}

/** The main container of a NodeAgent running as root (see `NodeAgentProps.runAsRoot`). */
export interface RootContainerOptions {
  /** Capabilities added back after dropping every one. */
  readonly capabilities: string[];
}

/** Options the concrete workload passes to the shared pod renderer. */
export interface PodTemplateOptions {
  /** Host paths are allowed (NodeAgent). */
  readonly allowHostPaths?: boolean;
  /**
   * Host paths that may be mounted writable: a NodeAgent's declared state directory, nothing else.
   * @default - none (every host path is mounted read-only)
   */
  readonly writableHostPaths?: string[];
  /**
   * Run the main container as root (uid 0), every capability dropped but these (NodeAgent).
   * @default - non-root like every container
   */
  readonly rootMainContainer?: RootContainerOptions;
  /** Volume names provided outside `volumes` (volumeClaimTemplates). */
  readonly externalVolumes?: string[];
  /** Add matchLabelKeys pod-template-hash to spread constraints (Deployments). */
  readonly spreadByRevision?: boolean;
}

const DEFAULT_UID = 65532;
const ISTIO_PROXY_UID = 1337;

/** How one workload calls another (see `IWorkload.calls`). */
export interface CallOptions {
  /**
   * Container ports of the target called (what NetworkPolicies and Istio authorization match).
   * @default - every port of the target
   */
  readonly ports?: number[];
  /**
   * HTTP paths (exact `/refunds`, prefix `/api/*`, suffix `*.js`), toward HTTP, HTTP2 or gRPC ports.
   * @default - any path
   */
  readonly paths?: string[];
  /** HTTP methods. @default - any method */
  readonly methods?: HttpMethod[];
}

/** How a workload logs in to a NATS system (see `IWorkload.connectsToNats`). */
export interface NatsConnectionOptions {
  /** The NATS user it logs in as (one of the cluster's users). */
  readonly user: string;
}

/**
 * A workload that takes part in the service graph: one of this library's (Microservice,
 * StatefulService, NodeAgent) or one that runs elsewhere (`Workload.fromAttributes`). Calls and
 * messaging are declared on it once; NetworkPolicies, Istio authorization and NATS permissions
 * are derived from those declarations.
 */
export interface IWorkload extends IConstruct {
  /** Name (of its controller and Service). */
  readonly name: string;
  /** Namespace. */
  readonly namespace?: string;
  /** The application (Istio `app` label) it is a version of; edges hold for every version. */
  readonly app: string;
  /** The ServiceAccount its pods run as (its mesh identity). */
  readonly serviceAccountName: string;
  /** Labels that select its pods. */
  readonly selectorLabels: { [key: string]: string };
  /** Container ports. */
  readonly ports: WorkloadPort[];
  /** Its pods run without an Istio sidecar. */
  readonly sidecarOptOut: boolean;
  /** Whether this app defines it (false for `Workload.fromAttributes`). */
  readonly managed: boolean;
  /** Declares that this workload calls `target`. */
  calls(target: IWorkload, options?: CallOptions): void;
}

/**
 * Base of Microservice, StatefulService and NodeAgent: one pod template renderer with the
 * library's security defaults, a dedicated ServiceAccount, and the footprint the namespace
 * baseline sums.
 */
export abstract class Workload extends Construct implements IWorkload {
  /** Whether `x` is a workload of this library. */
  public static isWorkload(x: unknown): x is Workload {
    return typeof x === 'object' && x !== null && (x as any)[WORKLOAD_SYMBOL] === true;
  }

  /** A workload that runs elsewhere (another app, an operator, a job), to declare its calls. */
  public static fromAttributes(scope: Construct, id: string, attributes: WorkloadAttributes): IWorkload {
    return new ExternalWorkload(scope, id, attributes);
  }

  /** This app defines it. */
  public readonly managed = true;

  /** Name of the controller, its Service and ServiceAccount. */
  public readonly name: string;
  /** Namespace: the one of the chart it is in. */
  public readonly namespace?: string;
  /** Labels that select the pods. */
  public readonly selectorLabels: { [key: string]: string };
  /** Labels on every object. */
  public readonly labels: { [key: string]: string };
  /** The ServiceAccount the pods run as. */
  public readonly serviceAccountName: string;
  /** QoS class of the pods from their own containers (see effectiveQosClass for the injected sidecar). */
  public readonly qosClass: QosClass;
  /** Version label value. */
  public readonly version: string;
  /** The application (Istio `app` label) this workload is a version of. */
  public readonly app: string;
  /** Labels the workload's Service selects: every version of the app, or only this workload. */
  public readonly serviceSelector: { [key: string]: string };
  /** Istio injects a sidecar into the pods unless they opt out (`sidecar.istio.io/inject: "false"`). */
  public readonly sidecarOptOut: boolean;
  /** Resources of every container (main, sidecars, init), in that order. */
  public readonly containerResources: Resources[];
  /** Container ports of the pod. */
  public readonly ports: WorkloadPort[];
  /** Whether the ingress gateway may reach it. */
  public readonly exposed: boolean;
  /** Topology spread. */
  public readonly spread: TopologySpread;
  /** PriorityClass of the pods, when one is named. */
  public readonly priorityClassName?: string;

  protected readonly props: WorkloadProps;
  private readonly hostPaths: boolean;

  protected constructor(scope: Construct, id: string, props: WorkloadProps, component: string, maxNameLength = 63) {
    super(scope, id);
    Object.defineProperty(this, WORKLOAD_SYMBOL, { value: true });
    this.props = props;
    this.name = props.name ?? id;
    if (!isDns1035Label(this.name) || this.name.length > maxNameLength) {
      throw configError(this, 'name', this.name, `a DNS-1035 label of at most ${maxNameLength} characters (lower-case letters, digits and '-', starting with a letter)`);
    }
    this.namespace = Chart.of(this).namespace;
    const all = this.allContainers();
    for (const c of all) this.checkContainer(c.spec, c.field);
    this.version = props.version ?? props.image.version;
    if (this.version.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(this.version)) {
      throw configError(this, 'version', this.version, props.version !== undefined
        ? 'a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit'
        : 'a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit (it defaults to the image tag: set `version`)');
    }
    this.exposed = props.exposed ?? false;
    this.app = props.app ?? this.name;
    if (!isDns1035Label(this.app)) {
      throw configError(this, 'app', this.app, 'a DNS-1035 label of at most 63 characters (the name of the application\'s Service)');
    }
    this.serviceSelector = this.app === this.name ? { [LABELS.APP]: this.app } : { [LABELS.NAME]: this.name };
    this.sidecarOptOut = props.podLabels?.[SIDECAR_INJECT_LABEL] === 'false';
    this.spread = props.spread ?? TopologySpread.NONE;
    this.selectorLabels = { [LABELS.NAME]: this.name };
    this.labels = {
      ...props.labels,
      [LABELS.NAME]: this.name,
      [LABELS.COMPONENT]: component,
      [LABELS.VERSION]: this.version,
      [LABELS.MANAGED_BY]: 'cdk8s-nats-mesh',
    };

    this.containerResources = all.map((c) => c.spec.resources);
    this.ports = all.filter((c) => c.kind !== 'init').flatMap((c) => c.spec.ports ?? []);
    this.hostPaths = all.some((c) => (c.spec.mounts ?? []).some((m) => m.volume.source === VolumeSource.HOST_PATH));
    // Init containers run before the others, so the pod's QoS class follows all of them.
    this.qosClass = podQosClass(this.containerResources);

    const identity = props.identity ?? {};
    for (const field of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
      const v = identity[field];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v <= 0 || v === ISTIO_PROXY_UID) {
        throw configError(this, `identity.${field}`, v, `a positive integer other than 0 (root) and ${ISTIO_PROXY_UID} (Istio's proxy)`);
      }
    }
    if (props.tolerations) this.checkTolerations(props.tolerations);
    if (props.priorityClassName !== undefined
      && !isDnsSubdomain(props.priorityClassName)) {
      throw configError(this, 'priorityClassName', props.priorityClassName, 'the name of a PriorityClass (a DNS-1123 subdomain such as system-node-critical)');
    }
    this.priorityClassName = props.priorityClassName;

    if (props.serviceAccountName !== undefined) {
      if (!isDnsSubdomain(props.serviceAccountName) || props.serviceAccountName === 'default') {
        throw configError(this, 'serviceAccountName', props.serviceAccountName, "a DNS-1123 name other than 'default' (each workload gets its own identity)");
      }
      this.serviceAccountName = props.serviceAccountName;
    } else {
      this.serviceAccountName = this.name;
      new kplus.ServiceAccount(this, 'ServiceAccount', {
        metadata: { name: this.name, labels: this.labels },
        automountToken: props.mountServiceAccountToken ?? false,
      });
    }
    AppIndex.of(this).add(WORKLOADS, this, this);
  }

  /** Declares that this workload calls `target` (see `CallOptions`); every version of both apps takes part. */
  public calls(target: IWorkload, options: CallOptions = {}): void {
    declareCall(this, target, options);
  }

  /** Declares that this workload logs in to `cluster` as `options.user`: a call to its servers on the client port. */
  public connectsToNats(cluster: INatsCluster, options: NatsConnectionOptions): void {
    declareNatsConnection(this, cluster, options);
  }

  /** Declares core NATS subjects this workload publishes to (requests included). */
  public publishes(subjects: string[]): void {
    declareMessaging(this, MessagingKind.PUBLISH, { subjects });
  }

  /** Declares core NATS subjects this workload subscribes to (requests it answers included). */
  public subscribes(subjects: string[]): void {
    declareMessaging(this, MessagingKind.SUBSCRIBE, { subjects });
  }

  /** Declares that this workload publishes into `stream` (all its subjects, or those given), with acknowledgements. */
  public publishesTo(stream: IJetStreamStream, subjects?: string[]): void {
    declareMessaging(this, MessagingKind.PUBLISH_TO_STREAM, { stream, subjects });
  }

  /** Declares that this workload reads from the durable consumer `consumer`. */
  public consumes(consumer: IJetStreamConsumer): void {
    declareMessaging(this, MessagingKind.CONSUME, { consumer, stream: consumer.stream });
  }

  /** Declares that this workload reads and writes the key-value or object store `bucket`. */
  public uses(bucket: IJetStreamBucket): void {
    declareMessaging(this, MessagingKind.USE_BUCKET, { bucket });
  }

  /** The pod's QoS class including the sidecar injected when its namespace is in the mesh. */
  public effectiveQosClass(): QosClass {
    const sidecar = this.sidecarOptOut ? undefined : meshSidecarResources(this, this.namespace);
    return sidecar ? podQosClass([...this.containerResources, sidecar]) : this.qosClass;
  }

  /** The pod annotations given in the props (the sidecar's resources are added at synth). */
  public get declaredPodAnnotations(): { readonly [key: string]: string } {
    return { ...this.props.podAnnotations };
  }

  /** Pod annotations: the given ones and, in a namespace enrolled in the mesh, the sidecar's resources. */
  private podAnnotations(): { [key: string]: string } | undefined {
    const sidecar = this.sidecarOptOut ? undefined : meshSidecarResources(this, this.namespace);
    const out: { [key: string]: string } = { ...this.props.podAnnotations };
    if (sidecar) {
      out['sidecar.istio.io/proxyCPU'] = sidecar.requests.cpu.toQuantity();
      out['sidecar.istio.io/proxyCPULimit'] = sidecar.limits.cpu.toQuantity();
      out['sidecar.istio.io/proxyMemory'] = sizeQuantity(sidecar.requests.memory);
      out['sidecar.istio.io/proxyMemoryLimit'] = sizeQuantity(sidecar.limits.memory);
    }
    return Object.keys(out).length ? out : undefined;
  }

  /** Replicas counted for quotas (including autoscaling maximum and rollout surge). */
  protected abstract maxPods(): number;

  /** Storage claimed per pod (StatefulService), as [claims, bytes]. */
  protected claimedStorage(): [number, number] {
    return [0, 0];
  }

  /** What this workload adds to its namespace. */
  public footprint(): WorkloadFootprint {
    const [claims, bytes] = this.claimedStorage();
    let perPod = ResourceTotals.zero();
    for (const r of this.containerResources) perPod = perPod.add(r);
    // Quotas count init containers as the larger of their own and the regular containers' sum;
    // summing all is the safe upper bound.
    const pods = this.maxPods();
    return {
      kind: this.kind,
      name: this.name,
      namespace: this.namespace,
      maxPods: pods,
      podResources: perPod,
      persistentVolumeClaims: claims * pods,
      storageBytes: bytes * pods,
      selector: this.selectorLabels,
      ports: this.ports,
      exposed: this.exposed,
      usesHostPaths: this.hostPaths,
      sidecarOptOut: this.sidecarOptOut,
      priorityClassName: this.priorityClassName,
    };
  }

  /** Kubernetes kind of the controller. */
  protected abstract get kind(): string;

  /** The pod template with the library's defaults: restricted pod security, resources, spread. */
  protected renderPodTemplate(options: PodTemplateOptions = {}): k8s.PodTemplateSpec {
    const props = this.props;
    const volumes = new Map<string, Volume>();
    const external = new Set(options.externalVolumes ?? []);
    let writableIndex = 0;

    const renderContainer = (spec: ContainerSpec, kind: string, field: string, defaultName: string): k8s.Container => {
      const name = spec.name ?? defaultName;
      if (!isDns1035Label(name)) {
        throw configError(this, joinField(field, 'name'), name, 'a DNS label of at most 63 characters');
      }
      if (kind === 'init' && (spec.ports?.length || spec.readiness || spec.liveness || spec.startup)) {
        throw configError(this, joinField(field, 'ports/probes'), 'ports or probes on an init container', 'none: init containers run to completion before the pod is ready');
      }
      for (const [probeName, probe] of [['readiness', spec.readiness], ['liveness', spec.liveness], ['startup', spec.startup]] as const) {
        const port = probe?.port;
        if (port !== undefined && !(spec.ports ?? []).some((p) => p.port === port)) {
          throw configError(this, joinField(field, probeName), `port ${port}`, `one of the container's ports (${(spec.ports ?? []).map((p) => p.port).join(', ') || 'none declared'})`);
        }
      }
      const envNames = new Set<string>();
      const env: k8s.EnvVar[] = [];
      const addEnv = (e: k8s.EnvVar) => {
        if (envNames.has(e.name)) throw configError(this, joinField(field, 'env'), e.name, 'each variable defined once');
        envNames.add(e.name);
        env.push(e);
      };
      for (const [k, v] of Object.entries(spec.env ?? {})) addEnv({ name: k, value: v });
      for (const [k, path] of Object.entries(spec.fieldEnv ?? {})) addEnv({ name: k, valueFrom: { fieldRef: { fieldPath: path } } });
      for (const s of spec.secretEnv ?? []) addEnv({ name: s.name, valueFrom: { secretKeyRef: { name: s.from, key: s.key, optional: s.optional } } });
      for (const s of spec.configMapEnv ?? []) addEnv({ name: s.name, valueFrom: { configMapKeyRef: { name: s.from, key: s.key, optional: s.optional } } });

      const envFrom: k8s.EnvFromSource[] = [
        ...(spec.envFromConfigMaps ?? []).map((n) => ({ configMapRef: { name: n } })),
        ...(spec.envFromSecrets ?? []).map((n) => ({ secretRef: { name: n } })),
      ];
      const mounts: k8s.VolumeMount[] = [];
      for (const [i, m] of (spec.mounts ?? []).entries()) {
        mounts.push(this.addMount(m, volumes, joinField(field, `mounts[${i}]`), options.allowHostPaths ?? false, options.writableHostPaths ?? []));
      }
      for (const path of spec.writablePaths ?? []) {
        const v = Volume.emptyDir(`writable-${writableIndex++}`, { sizeLimit: spec.resources.limits.ephemeralStorage });
        mounts.push(this.addMount({ volume: v, mountPath: path }, volumes, joinField(field, 'writablePaths'), false, []));
      }
      const readOnlyRoot = spec.readOnlyRootFilesystem ?? true;
      // Only a NodeAgent's main container may run as root, with what it asked for added back.
      const root = kind === 'main' ? options.rootMainContainer : undefined;
      return {
        name,
        image: spec.image.reference,
        imagePullPolicy: 'IfNotPresent',
        command: spec.command,
        args: spec.args,
        workingDir: spec.workingDir,
        ports: spec.ports?.length ? spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) : undefined,
        env: env.length ? env : undefined,
        envFrom: envFrom.length ? envFrom : undefined,
        resources: spec.resources.toKube(),
        readinessProbe: spec.readiness?.toKube(),
        livenessProbe: spec.liveness?.toKube(),
        startupProbe: spec.startup?.toKube(),
        lifecycle: spec.preStop ? { preStop: { exec: { command: spec.preStop } } } : undefined,
        volumeMounts: mounts.length ? mounts : undefined,
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: readOnlyRoot,
          runAsNonRoot: !root,
          // The pod's runAsUser applies to the other containers.
          runAsUser: root ? 0 : undefined,
          capabilities: { drop: ['ALL'], add: root?.capabilities.length ? [...root.capabilities] : undefined },
        },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      };
    };

    const main = renderContainer(props, 'main', '', this.name);
    const sidecars = (props.sidecars ?? []).map((s, i) => renderContainer(s, 'sidecar', `sidecars[${i}]`, ''));
    const inits = (props.initContainers ?? []).map((s, i) => renderContainer(s, 'init', `initContainers[${i}]`, ''));
    const names = new Set<string>();
    for (const c of [main, ...sidecars, ...inits]) {
      if (names.has(c.name)) throw configError(this, 'containers', c.name, 'a unique name for every container of the pod');
      names.add(c.name);
    }
    const portNames = new Map<string, number>();
    const servicePorts = new Set<number>();
    for (const p of this.ports) {
      if (portNames.has(p.name) || [...portNames.values()].includes(p.port)) {
        throw configError(this, 'ports', `${p.name}:${p.port}`, 'port names and numbers unique within the pod');
      }
      portNames.set(p.name, p.port);
      if (p.expose ?? true) {
        const servicePort = p.servicePort ?? p.port;
        if (servicePorts.has(servicePort)) {
          throw configError(this, 'ports', `${p.name} on Service port ${servicePort}`, 'a distinct Service port for every exposed port');
        }
        servicePorts.add(servicePort);
      }
    }
    for (const name of external) volumes.delete(name);

    const identity = props.identity ?? {};
    const uid = identity.runAsUser ?? DEFAULT_UID;
    const gid = identity.runAsGroup ?? DEFAULT_UID;
    return {
      metadata: {
        labels: {
          ...props.podLabels,
          ...this.labels,
          [LABELS.APP]: this.app,
          [LABELS.ISTIO_VERSION]: this.version,
          // With an injected sidecar the pod's class also depends on the sidecar's resources.
          [LABELS.QOS_CLASS]: Lazy.any({ produce: () => this.effectiveQosClass() }) as any,
          ...(this.exposed ? { [LABELS.EXPOSED]: 'true' } : {}),
        },
        // Resolved at synth: the namespace's mesh enrolment sizes the injected sidecar.
        annotations: Lazy.any({ produce: () => this.podAnnotations() }) as any,
      },
      spec: {
        serviceAccountName: this.serviceAccountName,
        automountServiceAccountToken: props.mountServiceAccountToken ?? false,
        enableServiceLinks: false,
        shareProcessNamespace: props.shareProcessNamespace,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: uid,
          runAsGroup: gid,
          fsGroup: identity.fsGroup ?? gid,
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        terminationGracePeriodSeconds: (props.terminationGracePeriod ?? Duration.seconds(30)).toSeconds(),
        priorityClassName: props.priorityClassName,
        nodeSelector: props.nodeSelector,
        tolerations: props.tolerations?.map((t) => ({
          key: t.key,
          operator: effectiveOperator(t),
          value: t.value,
          effect: t.effect,
        })),
        topologySpreadConstraints: this.spreadConstraints(options.spreadByRevision ?? false),
        initContainers: inits.length ? inits : undefined,
        containers: [main, ...sidecars],
        volumes: volumes.size ? [...volumes.values()].map((v) => v.toKube()) : undefined,
      },
    };
  }

  /** A Service for the exposed ports, every port declaring its protocol through appProtocol. */
  protected createService(id: string, options: ServiceOptions): k8s.KubeService | undefined {
    const ports = this.ports.filter((p) => (p.expose ?? true) && (!options.portNames || options.portNames.includes(p.name)));
    if (ports.length === 0 && !options.headless) return undefined;
    return new k8s.KubeService(this, id, {
      metadata: { name: options.name, labels: this.labels },
      spec: {
        type: 'ClusterIP',
        clusterIp: options.headless ? 'None' : undefined,
        publishNotReadyAddresses: options.publishNotReadyAddresses,
        internalTrafficPolicy: options.internalTrafficPolicy,
        selector: this.serviceSelector,
        ports: ports.map((p) => ({
          name: p.name,
          port: p.servicePort ?? p.port,
          targetPort: k8s.IntOrString.fromString(p.name),
          protocol: 'TCP',
          appProtocol: p.protocol.name,
        })),
      },
    });
  }

  /**
   * A PodDisruptionBudget for a workload that can run more than one replica (none for a single
   * replica: it would block node drains or protect nothing). `minReplicas` bounds minAvailable.
   */
  protected createDisruptionBudget(minReplicas: number, maxReplicas: number, budget: DisruptionBudget = {}): k8s.KubePodDisruptionBudget | undefined {
    if (budget.maxUnavailable !== undefined && budget.minAvailable !== undefined) {
      throw configError(this, 'disruptionBudget', budget, 'either maxUnavailable or minAvailable, not both');
    }
    if (budget.maxUnavailable !== undefined && (!Number.isInteger(budget.maxUnavailable) || budget.maxUnavailable < 1)) {
      throw configError(this, 'disruptionBudget.maxUnavailable', budget.maxUnavailable, 'an integer >= 1 (0 blocks every node drain)');
    }
    if (budget.minAvailable !== undefined && (!Number.isInteger(budget.minAvailable) || budget.minAvailable < 0 || budget.minAvailable >= minReplicas)) {
      throw configError(this, 'disruptionBudget.minAvailable', budget.minAvailable, `an integer from 0 to ${minReplicas - 1} (at least the replica count, ${minReplicas}, blocks every node drain)`);
    }
    if (maxReplicas <= 1) return undefined;
    return new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        selector: { matchLabels: this.selectorLabels },
        maxUnavailable: budget.minAvailable === undefined ? k8s.IntOrString.fromNumber(budget.maxUnavailable ?? 1) : undefined,
        minAvailable: budget.minAvailable !== undefined ? k8s.IntOrString.fromNumber(budget.minAvailable) : undefined,
      },
    });
  }

  /** Checks a replica-like count. */
  protected checkCount(field: string, value: number | undefined, min: number): void {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw configError(this, field, value, `an integer >= ${min}`);
    }
  }

  private addMount(m: VolumeMount, volumes: Map<string, Volume>, field: string, allowHostPaths: boolean, writableHostPaths: string[]): k8s.VolumeMount {
    const v = m.volume;
    if (v instanceof Volume) throwFirst(this, joinField(field, 'volume'), v.problems());
    if (!v || !isDnsLabel(v.name)) {
      throw configError(this, joinField(field, 'volume.name'), v?.name, 'a DNS label of at most 63 characters');
    }
    if (!m.mountPath?.startsWith('/')) {
      throw configError(this, joinField(field, 'mountPath'), m.mountPath, 'an absolute path');
    }
    if (v.source === VolumeSource.HOST_PATH) {
      const hostPath = v.reference ?? '';
      if (!hostPath.startsWith('/') || hostPath.split('/').includes('..')) {
        throw configError(this, joinField(field, 'volume.hostPath'), hostPath, 'an absolute path without ".."');
      }
      if (!allowHostPaths) {
        throw configError(this, joinField(field, 'volume'), `hostPath ${v.reference}`, 'no host paths outside a NodeAgent (Pod Security Standards "restricted")');
      }
      const stateDirectory = writableHostPaths.includes(hostPath);
      if (m.readOnly === false && !stateDirectory) {
        throw configError(this, joinField(field, 'readOnly'), false, 'host paths are mounted read-only only (a NodeAgent writes on the node only in its stateDirectory)');
      }
    }
    const existing = volumes.get(v.name);
    if (existing && existing !== v && JSON.stringify(existing.toKube()) !== JSON.stringify(v.toKube())) {
      throw configError(this, joinField(field, 'volume'), v.name, 'one definition per volume name (two different volumes share this name)');
    }
    volumes.set(v.name, v);
    const readOnlyDefault = [VolumeSource.SECRET, VolumeSource.CONFIG_MAP, VolumeSource.HOST_PATH].includes(v.source);
    return { name: v.name, mountPath: m.mountPath, readOnly: m.readOnly ?? readOnlyDefault, subPath: m.subPath };
  }

  /** Checks what the QoS class, footprint and labels are computed from, the probes, and that env holds no credential in plain text. */
  private checkContainer(spec: ContainerSpec, field: string) {
    throwFirst(this, joinField(field, 'image'), spec.image?.problems?.() ?? [{ field: '', received: describeValue(spec.image), allowed: 'a ContainerImage' }]);
    if (!spec.resources || typeof spec.resources.problems !== 'function') {
      throw configError(this, joinField(field, 'resources'), spec.resources, 'Resources.of(...) or Resources.guaranteed(...) with CPU and memory');
    }
    throwFirst(this, joinField(field, 'resources'), spec.resources.problems());
    (spec.ports ?? []).forEach((p, i) => throwFirst(this, joinField(field, `ports[${i}]`), portProblems(p)));
    for (const probe of ['readiness', 'liveness', 'startup'] as const) {
      if (spec[probe]) throwFirst(this, joinField(field, probe), spec[probe]!.problems());
    }
    const credential = plaintextCredentialProblem(spec.env, spec.allowPlaintextEnv);
    if (credential) throwFirst(this, field, [credential]);
  }

  private checkTolerations(tolerations: Toleration[]) {
    tolerations.forEach((t, i) => {
      if (t.operator === TolerationOperator.EXISTS && t.value !== undefined) {
        throw configError(this, `tolerations[${i}].value`, t.value, 'no value with operator Exists');
      }
      if (t.key === undefined && effectiveOperator(t) === TolerationOperator.EQUAL) {
        throw configError(this, `tolerations[${i}].key`, undefined, 'a key with operator Equal');
      }
    });
  }

  private spreadConstraints(byRevision: boolean): k8s.TopologySpreadConstraint[] | undefined {
    const selector = { matchLabels: this.selectorLabels };
    const matchLabelKeys = byRevision ? ['pod-template-hash'] : undefined;
    const zones: k8s.TopologySpreadConstraint = {
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector, matchLabelKeys,
    };
    const nodes: k8s.TopologySpreadConstraint = {
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector, matchLabelKeys,
    };
    switch (this.spread) {
      case TopologySpread.ZONES: return [zones];
      case TopologySpread.ZONES_AND_NODES: return [zones, nodes];
      case TopologySpread.NODES: return [nodes];
      default: return undefined;
    }
  }

  private allContainers(): Array<{ spec: ContainerSpec; kind: 'main' | 'sidecar' | 'init'; field: string }> {
    return [
      { spec: this.props, kind: 'main' as const, field: '' },
      ...(this.props.sidecars ?? []).map((spec, i) => ({ spec, kind: 'sidecar' as const, field: `sidecars[${i}]` })),
      ...(this.props.initContainers ?? []).map((spec, i) => ({ spec, kind: 'init' as const, field: `initContainers[${i}]` })),
    ];
  }
}

const WORKLOAD_SYMBOL = Symbol.for('cdk8s-nats-mesh.Workload');

/** Pod label that keeps Istio from injecting a sidecar (the annotation form is deprecated). */
export const SIDECAR_INJECT_LABEL = 'sidecar.istio.io/inject';

/** Something that enrols a namespace in the mesh and sizes its sidecars (a NamespaceBaseline). */
export interface IMeshSidecarSource {
  /** Sidecar resources for pods of `namespace`, or undefined when it is not enrolled. */
  sidecarResourcesFor(namespace: string | undefined): Resources | undefined;
}

/** Registers `source` for the app `scope` belongs to (recorded in the app's index). */
export function registerMeshSidecarSource(scope: IConstruct, source: IMeshSidecarSource): void {
  AppIndex.of(scope).add(SIDECAR_SOURCES, source);
}

/** The sidecar resources of `namespace`, from whatever enrols it anywhere in the app. */
export function meshSidecarResources(scope: IConstruct, namespace: string | undefined): Resources | undefined {
  return sidecarResourcesOf(AppIndex.of(scope), namespace);
}

/** The operator a toleration is rendered with: Equal when a value is given, else Exists. */
function effectiveOperator(t: Toleration): TolerationOperator {
  return t.operator ?? (t.value !== undefined ? TolerationOperator.EQUAL : TolerationOperator.EXISTS);
}
