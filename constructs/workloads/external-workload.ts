import { Construct, IConstruct } from 'constructs';
import { CALLS, MESSAGING, MessagingKind, NATS_CONNECTIONS } from '../checks/graph';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { BOOL, STRING_MAP, checkProps, instance, int, list, required, shape, str } from '../core/runtime-types';
import type { IJetStreamBucket } from '../nats/jetstream-storage';
import type { IJetStreamConsumer } from '../nats/jetstream-consumer';
import type { IJetStreamStream } from '../nats/jetstream-stream';
import type { INatsCluster } from '../nats/nats-cluster';
import { subjectProblem, subjectWithin } from '../nats/nats-auth';
import { HttpMethod, PortProtocol, REQUEST_PATH_PATTERN, WorkloadPort, portsOpaqueToHttp } from './port';
import type { CallOptions, IWorkload, NatsConnectionOptions } from './workload';

/** What a workload that runs elsewhere is, for the service graph. */
export interface WorkloadAttributes {
  /** Name of the workload (and, by default, of its ServiceAccount and app). */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** @default - the name */
  readonly serviceAccountName?: string;
  /** @default - the name */
  readonly app?: string;
  /** Labels that select its pods (NetworkPolicies select it by them). @default { app: <app> } */
  readonly podLabels?: { [key: string]: string };
  /** Container ports it listens on, when others call it. @default - none */
  readonly ports?: WorkloadPort[];
  /** Its pods have an Istio sidecar. @default true */
  readonly inMesh?: boolean;
}

const PORT_NUMBER = int(1, 65535, 'a port from 1 to 65535');

/** The types of what `Workload.fromAttributes` takes (its names are checked further by the construct). */
const WORKLOAD_ATTRIBUTES = shape({
  app: str(),
  serviceAccountName: str(),
  podLabels: STRING_MAP,
  ports: list(shape({
    name: str(),
    port: required(PORT_NUMBER),
    protocol: required(instance(PortProtocol, 'a PortProtocol (HTTP, HTTP2, HTTPS, GRPC, TCP, TLS)')),
    servicePort: PORT_NUMBER,
    expose: BOOL,
  }, 'a port { name, port, protocol }'), 'a list of ports { name, port, protocol }'),
  inMesh: BOOL,
}, 'the attributes of a workload: { name, namespace, ... }');

const METHODS = Object.values(HttpMethod) as string[];

/** A workload defined outside this app (`Workload.fromAttributes`). */
export class ExternalWorkload extends Construct implements IWorkload {
  public readonly name: string;
  public readonly namespace: string;
  public readonly app: string;
  public readonly serviceAccountName: string;
  public readonly selectorLabels: { [key: string]: string };
  public readonly ports: WorkloadPort[];
  public readonly sidecarOptOut: boolean;
  public readonly managed = false;

  constructor(scope: Construct, id: string, a: WorkloadAttributes) {
    checkProps(scope, id, a, WORKLOAD_ATTRIBUTES);
    super(scope, id);
    if (typeof a?.name !== 'string' || !isDnsSubdomain(a.name)) throw configError(this, 'name', a?.name, 'a workload name (a DNS-1123 name)');
    if (!isDnsLabel(a.namespace)) throw configError(this, 'namespace', a.namespace, 'a namespace name');
    this.name = a.name;
    this.namespace = a.namespace;
    this.app = a.app ?? a.name;
    this.serviceAccountName = a.serviceAccountName ?? a.name;
    if (!isDnsSubdomain(this.serviceAccountName) || this.serviceAccountName === 'default') {
      throw configError(this, 'serviceAccountName', this.serviceAccountName, "a DNS-1123 name other than 'default' (its mesh identity)");
    }
    this.selectorLabels = { ...(a.podLabels ?? { app: this.app }) };
    if (Object.keys(this.selectorLabels).length === 0) {
      throw configError(this, 'podLabels', a.podLabels, 'at least one label (an empty selector would pick every pod of the namespace)');
    }
    this.ports = [...(a.ports ?? [])];
    this.sidecarOptOut = a.inMesh === false;
  }

  /** Declares that this workload calls `target`. */
  public calls(target: IWorkload, options: CallOptions = {}): void {
    declareCall(this, target, options);
  }
}

function isWorkloadLike(x: unknown): x is IWorkload {
  return typeof x === 'object' && x !== null && typeof (x as any).app === 'string' && typeof (x as any).calls === 'function';
}

/** Checks and records `from.calls(to, options)`. */
export function declareCall(from: IWorkload, to: IWorkload, options: CallOptions): void {
  if (!isWorkloadLike(to)) throw configError(from, 'calls', to, 'a workload (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
  const field = `calls(${to.name})`;
  const { ports, paths, methods } = options ?? {};
  if (ports !== undefined) {
    if (!Array.isArray(ports) || ports.length === 0) throw configError(from, `${field}.ports`, ports, 'at least one port, or no ports (every port)');
    ports.forEach((p, j) => {
      const known = to.ports.length === 0 ? Number.isInteger(p) && p >= 1 && p <= 65535 : to.ports.some((x) => x.port === p);
      if (!known) {
        const list = to.ports.map((x) => `${x.port} (${x.name})`).join(', ');
        const byService = to.ports.find((x) => (x.servicePort ?? x.port) === p);
        throw configError(from, `${field}.ports[${j}]`, p, to.ports.length
          ? `a container port of ${to.name}: ${list}${byService ? ` (${p} is the Service port of ${byService.name}; policies match the container port ${byService.port})` : ''}`
          : 'a port from 1 to 65535');
      }
      if (ports.indexOf(p) !== j) throw configError(from, `${field}.ports[${j}]`, p, 'each port once');
    });
  } else if (to.ports.length === 0) {
    throw configError(from, `${field}.ports`, undefined, `the ports called: ${to.name} declares none`);
  }
  if (paths !== undefined) {
    if (!Array.isArray(paths) || paths.length === 0) throw configError(from, `${field}.paths`, paths, 'at least one path, or no paths (any path)');
    paths.forEach((p, j) => {
      if (!REQUEST_PATH_PATTERN.test(p ?? '')) throw configError(from, `${field}.paths[${j}]`, p, 'an exact path (/api/orders), a prefix (/api/*), a suffix (*.js) or *; no query string');
    });
  }
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) throw configError(from, `${field}.methods`, methods, 'at least one method, or no methods (any method)');
    methods.forEach((m, j) => {
      if (!METHODS.includes(m)) throw configError(from, `${field}.methods[${j}]`, m, `one of ${METHODS.join(', ')} (HttpMethod)`);
    });
  }
  const opaque = (paths !== undefined || methods !== undefined) && to.ports.length ? portsOpaqueToHttp(to.ports, ports) : undefined;
  if (opaque !== undefined) {
    throw configError(from, `${field}.${paths !== undefined ? 'paths' : 'methods'}`, `HTTP attributes on ${opaque} of ${to.name}`,
      'paths and methods only toward HTTP, HTTP2 or gRPC ports (the sidecar sees other ports as TCP, where HTTP attributes never match)');
  }
  AppIndex.of(from).add(CALLS, {
    from, to,
    ports: ports ? [...ports].sort((a, b) => a - b) : undefined,
    paths: paths ? [...paths] : undefined,
    methods: methods ? [...methods] : undefined,
    declaredAt: from,
  }, from);
}

/** Checks and records `workload.connectsToNats(cluster, options)`. */
export function declareNatsConnection(workload: IWorkload, cluster: INatsCluster, options: NatsConnectionOptions): void {
  if (typeof cluster?.clientUrl !== 'string') throw configError(workload, 'connectsToNats.cluster', cluster, 'a NATS cluster (NatsCluster or NatsCluster.fromAttributes)');
  const user = options?.user;
  if (typeof user !== 'string' || !/^[A-Za-z0-9_-]+$/.test(user)) {
    throw configError(workload, 'connectsToNats.user', user, 'the name of one of the cluster\'s users (letters, digits, "_" and "-")');
  }
  const index = AppIndex.of(workload);
  const other = index.list(NATS_CONNECTIONS).find((c) => c.workload === workload && c.cluster.clientUrl === cluster.clientUrl);
  if (other) throw configError(workload, 'connectsToNats.user', user, `one login per cluster (it already logs in to ${cluster.clusterName} as ${other.user})`);
  index.add(NATS_CONNECTIONS, { workload, cluster, user }, workload);
}

/** What a messaging declaration names. */
interface MessagingTarget {
  readonly subjects?: string[];
  readonly stream?: IJetStreamStream;
  readonly consumer?: IJetStreamConsumer;
  readonly bucket?: IJetStreamBucket;
}

/** Checks and records a messaging declaration of `workload`. */
export function declareMessaging(workload: IWorkload & IConstruct, kind: MessagingKind, target: MessagingTarget): void {
  const field = kind === MessagingKind.PUBLISH ? 'publishes' : kind === MessagingKind.SUBSCRIBE ? 'subscribes'
    : kind === MessagingKind.PUBLISH_TO_STREAM ? 'publishesTo' : kind === MessagingKind.CONSUME ? 'consumes' : 'uses';
  const subjects = target.subjects;
  if (kind === MessagingKind.PUBLISH || kind === MessagingKind.SUBSCRIBE) {
    if (!Array.isArray(subjects) || subjects.length === 0) throw configError(workload, field, subjects, 'at least one subject, such as order.new');
  }
  if (kind === MessagingKind.PUBLISH_TO_STREAM && typeof target.stream?.streamName !== 'string') {
    throw configError(workload, field, target.stream, 'a JetStream stream (JetStreamStream or JetStreamStream.fromAttributes)');
  }
  if (kind === MessagingKind.CONSUME && (typeof target.consumer?.durableName !== 'string' || typeof target.consumer?.stream?.streamName !== 'string')) {
    throw configError(workload, field, target.consumer, 'a durable consumer (JetStreamConsumer)');
  }
  if (kind === MessagingKind.USE_BUCKET && typeof target.bucket?.bucket !== 'string') {
    throw configError(workload, field, target.bucket, 'a key-value or object store (KeyValueStore, ObjectStore)');
  }
  (subjects ?? []).forEach((s, i) => {
    const problem = subjectProblem(s);
    if (problem) throw configError(workload, `${field}[${i}]`, s, problem);
    if (target.stream && !target.stream.subjects.some((t) => subjectWithin(s, t))) {
      throw configError(workload, `${field}[${i}]`, s,
        `a subject within the subjects of stream ${target.stream.streamName} (${target.stream.subjects.map((t) => JSON.stringify(t)).join(', ')})`);
    }
  });
  AppIndex.of(workload).add(MESSAGING, { workload, kind, ...target, subjects: subjects ? [...subjects] : undefined }, workload);
}
