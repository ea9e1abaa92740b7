/**
 * Shared internals of the JetStream resources (streams, consumers, key-value and object stores):
 * the storage enum, value rendering, the rules every resource checks the same way, and the base
 * class of the stream-backed ones. Only `StreamStorage` and the base class with the types it
 * takes are part of the public API.
 */
import { ApiObject, ApiObjectMetadata, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { BOOL, Check, Fields, isObject, oneOf, required, rule, str } from '../core/runtime-types';
import { JETSTREAM_OBJECTS, JETSTREAM_STREAMS, NACK_ACCOUNT_USERS } from '../checks/jetstream';
import { formatBytes, sizeBytes, sizeProblem } from '../core/quantity';
import { INatsCluster } from './nats-cluster';
import { subjectProblem, subjectsOverlap, subjectWithin } from './nats-auth';

/**
 * Where a stream (or a key-value or object store, which are streams) keeps its messages.
 *
 * Immutable: nats-server refuses to change the storage of an existing stream; a change means
 * deleting and recreating it (and its data).
 */
export enum StreamStorage {
  /** On the servers' JetStream volumes (`max_file_store`); survives restarts. */
  FILE = 'file',
  /** In server memory (`max_memory_store`); lost when every replica restarts. */
  MEMORY = 'memory',
}

/** The kind of a JetStream bucket. */
export enum BucketType {
  /** A key-value store (stream `KV_<bucket>`, subjects `$KV.<bucket>.>`). */
  KEY_VALUE = 'kv',
  /** An object store (stream `OBJ_<bucket>`, subjects `$O.<bucket>.>`). */
  OBJECT_STORE = 'object',
}

/** A key-value or object store that workloads use (see `IWorkload.uses`). */
export interface IJetStreamBucket extends IConstruct {
  /** The bucket name. */
  readonly bucket: string;
  /** Key-value or object store. */
  readonly bucketType: BucketType;
  /** The stream holding it (`KV_<bucket>`, `OBJ_<bucket>`). */
  readonly streamName: string;
  readonly cluster: INatsCluster;
  readonly account: string;
}

/** The group/version of the NACK resources. */
export const JETSTREAM_API_VERSION = 'jetstream.nats.io/v1beta2';
/** The label every JetStream resource of the library carries. */
export const MANAGED_BY_LABELS = { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' };
/** nats-server's longest stream or consumer name (JSMaxNameLen). */
export const MAX_NAME_LENGTH = 255;
/** nats-server's longest description (JSMaxDescriptionLen). */
export const MAX_DESCRIPTION_LENGTH = 4096;
/** nats-server's replica limit (StreamMaxReplicas). */
export const MAX_REPLICAS = 5;

/**
 * What one stream-backed resource takes from its cluster: its name and subjects in its account
 * and the storage it reserves. Recorded in the app's index and read by the app-wide rules
 * (constructs/checks/jetstream.ts).
 */
export interface JetStreamFootprint {
  /** The construct that declared it. */
  readonly construct: IConstruct;
  /** For messages: `stream ORDERS`, `key-value bucket sessions`, `object store files`. */
  readonly label: string;
  readonly cluster: INatsCluster;
  readonly account: string;
  /** The stream's name on the server (`ORDERS`, `KV_sessions`, `OBJ_files`). */
  readonly streamName: string;
  /** The subjects the stream captures (for KV and object stores, the ones the client library sets). */
  readonly subjects: string[];
  readonly storage: StreamStorage;
  readonly replicas: number;
  /** The stream's size limit in bytes; undefined when unlimited. */
  readonly maxBytes?: number;
  /** The prop that names it (`name`, `bucket`), for messages. */
  readonly nameField: string;
  /** Its value. */
  readonly nameText: string;
  /** The prop of its own subjects (`subjects`); empty when the client libraries set them. */
  readonly subjectsField: string;
  /** Its NACK object. */
  readonly object: ApiObject;
}

/** Two references name the same NATS system when they share the client URL. */
export function sameCluster(a: INatsCluster, b: INatsCluster): boolean {
  return a === b || a.clientUrl === b.clientUrl;
}

export { formatBytes };

/** Milliseconds of a Duration, unrounded. */
function millis(d: Duration): number {
  return d.toMilliseconds({ integral: false });
}

/** A Duration as Go's time.Duration text, which NACK parses (`30s`, `720h`, `1h30m`, `1s500ms`). */
export function goDuration(d: Duration): string {
  let ms = millis(d);
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as Array<[string, number]>) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  if (ms > 0) parts.push(`${ms}ms`);
  return parts.length ? parts.join('') : '0s';
}

/**
 * Checks a Duration: whole milliseconds and at least `minMs`. Returns its Go text, or undefined
 * when absent.
 */
export function checkDuration(scope: IConstruct, field: string, d: Duration | undefined, minMs: number, why: string): string | undefined {
  if (d === undefined) return undefined;
  if (!(d instanceof Duration)) throw configError(scope, field, d, 'a Duration such as Duration.seconds(30)');
  const ms = millis(d);
  if (!Number.isInteger(ms) || ms < minMs) {
    const received = Number.isInteger(ms) && ms >= 0 ? goDuration(d) : `${ms}ms`;
    throw configError(scope, field, received, `a whole number of milliseconds, at least ${goDuration(Duration.millis(minMs))}${why}`);
  }
  return goDuration(d);
}

/** Checks a Size: whole bytes, at least 1 and at most `max`. Returns its bytes, or undefined when absent. */
export function checkSize(scope: IConstruct, field: string, s: Size | undefined, max = Number.MAX_SAFE_INTEGER, maxText = ''): number | undefined {
  if (s === undefined) return undefined;
  if (!(s instanceof Size)) throw configError(scope, field, s, 'a Size such as Size.gibibytes(1)');
  const problem = sizeProblem(s);
  const bytes = sizeBytes(s);
  if (problem || bytes < 1 || bytes > max) {
    throw configError(scope, field, problem ? `${bytes} bytes` : s, `a whole number of bytes above zero${maxText}`);
  }
  return bytes;
}

/** Checks an optional count: an integer from `min` to `max`. */
export function checkCount(scope: IConstruct, field: string, n: number | undefined, min: number, max: number, allowed: string): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > max) throw configError(scope, field, n, allowed);
  return n;
}

/** A NATS system, as JetStream resources and clients refer to it (a NatsCluster or NatsCluster.fromAttributes). */
export const NATS_CLUSTER_REF: Check = rule('a NATS cluster (NatsCluster or NatsCluster.fromAttributes)', (v) => isObject(v)
  && typeof v.clusterName === 'string' && typeof v.clientUrl === 'string' && typeof v.jetStreamServers === 'number' && Array.isArray(v.accountNames));

/** The cluster must run JetStream. */
export function checkJetStream(scope: IConstruct, cluster: INatsCluster): void {
  if (NATS_CLUSTER_REF.problem(cluster)) throw configError(scope, 'cluster', cluster, NATS_CLUSTER_REF.expects);
  if (!(cluster.jetStreamServers > 0)) {
    throw configError(scope, 'cluster', `${cluster.clusterName} (JetStream disabled: 0 JetStream servers)`,
      'a NATS cluster that runs JetStream (enableJetStream, or jetStreamServers for an existing cluster)');
  }
}

/**
 * Replicas of a stream-backed resource: 1 to 5 and no more than the cluster's JetStream servers.
 * Defaults to min(3, servers).
 */
export function resolveReplicas(scope: IConstruct, cluster: INatsCluster, replicas: number | undefined): number {
  const r = replicas ?? Math.min(3, cluster.jetStreamServers);
  if (!Number.isInteger(r) || r < 1 || r > MAX_REPLICAS) {
    throw configError(scope, 'replicas', r, `an integer from 1 to ${MAX_REPLICAS} (nats-server's replica limit)`);
  }
  if (r > cluster.jetStreamServers) {
    throw configError(scope, 'replicas', r,
      `at most ${cluster.jetStreamServers}, the JetStream servers of cluster ${cluster.clusterName} (each replica needs a server of its own)`);
  }
  return r;
}

/**
 * The NATS account a resource lives in: the given one, which must be one of the cluster's, or
 * the cluster's only account, or the global account `$G`.
 */
export function resolveAccount(scope: IConstruct, cluster: INatsCluster, account: string | undefined): string {
  const names = cluster.accountNames;
  const list = names.join(', ');
  if (account !== undefined) {
    if (!names.includes(account)) throw configError(scope, 'account', account, `one of the accounts of cluster ${cluster.clusterName}: ${list}`);
    return account;
  }
  if (names.length === 1) return names[0];
  if (names.includes('$G')) return '$G';
  throw configError(scope, 'account', undefined,
    `one of the accounts of cluster ${cluster.clusterName} (${list}): it has several, so name the one the resource belongs to`);
}

/** Checks a description's length. */
export function checkDescription(scope: IConstruct, description: string | undefined): void {
  if (description !== undefined && typeof description !== 'string') throw configError(scope, 'description', description, 'a text');
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw configError(scope, 'description', `${description.length} characters`, `at most ${MAX_DESCRIPTION_LENGTH} characters (nats-server's limit)`);
  }
}

/** Checks a NACK Account resource name (a connection profile). */
export function checkNackAccount(scope: IConstruct, name: string | undefined): void {
  if (name !== undefined && typeof name !== 'string') throw configError(scope, 'nackAccount', name, 'the name of a NACK Account resource');
  if (name !== undefined && !isDnsSubdomain(name)) {
    throw configError(scope, 'nackAccount', name, 'the name of a NACK Account resource (a DNS subdomain: lower-case letters, digits, "-" and ".")');
  }
}

/** Checks a stream or consumer name as nats-server does: no whitespace, `.`, `*`, `>` or path separators. */
export function checkServerName(scope: IConstruct, field: string, name: string): void {
  if (typeof name !== 'string' || !/^[^\s.*>/\\]+$/.test(name) || name.length > MAX_NAME_LENGTH) {
    throw configError(scope, field, name,
      `a name of 1 to ${MAX_NAME_LENGTH} characters without spaces, ".", "*", ">", "/" or "\\" (nats-server refuses others)`);
  }
}

/** Checks a key-value or object store bucket name as the NATS client libraries do. */
export function checkBucketName(scope: IConstruct, bucket: string): void {
  if (typeof bucket !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(bucket) || bucket.length > MAX_NAME_LENGTH - 4) {
    throw configError(scope, 'bucket', bucket, `a bucket name of letters, digits, "_" and "-" (^[a-zA-Z0-9_-]+$), at most ${MAX_NAME_LENGTH - 4} characters`);
  }
}

/**
 * The Kubernetes object name for a NATS name: lower-cased, runs of anything but letters, digits
 * and "-" replaced by one "-", trimmed of "-". Undefined when nothing is left or it is too long.
 */
export function objectName(text: string): string | undefined {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  return s.length > 0 && s.length <= 253 ? s : undefined;
}

/** The object name for `text`, or a ConfigError on `field`. */
export function requireObjectName(scope: IConstruct, field: string, text: string): string {
  const name = objectName(text);
  if (!name) {
    throw configError(scope, field, text,
      'a name that leaves a Kubernetes object name when lower-cased, with other characters than letters, digits and "-" turned into "-" (at least one letter or digit, at most 253 characters)');
  }
  return name;
}

/** JetStream and system API subjects a stream that acknowledges messages must not capture. */
const API_NAMESPACES = ['$JS.>', '$JSC.>', '$NRG.>', '$SYS.>'];

/**
 * Checks a stream's own subjects: each valid, none capturing the JetStream or system API (the
 * stream would answer the server's own requests; nats-server refuses it), no two overlapping.
 */
export function checkStreamSubjects(scope: IConstruct, subjects: string[] | undefined): string[] {
  if (!Array.isArray(subjects) || subjects.length === 0) {
    throw configError(scope, 'subjects', subjects, 'at least one subject, such as orders.>');
  }
  subjects.forEach((s, i) => {
    const field = `subjects[${i}]`;
    const problem = subjectProblem(s);
    if (problem) throw configError(scope, field, s, problem);
    const api = API_NAMESPACES.find((ns) => subjectsOverlap(s, ns)
      && !subjectWithin(s, '$JS.EVENT.>') && !subjectWithin(s, '$SYS.ACCOUNT.>'));
    if (api) {
      throw configError(scope, field, s,
        `a subject outside the JetStream and system APIs (${API_NAMESPACES.join(', ')}): nats-server refuses a stream that would capture them (it would answer the server's own requests)`);
    }
    const other = subjects.findIndex((t, j) => j < i && subjectsOverlap(s, t));
    if (other >= 0) {
      throw configError(scope, field, s,
        `a subject that does not overlap the stream's other subjects (it overlaps subjects[${other}] ${JSON.stringify(subjects[other])}; nats-server refuses overlapping subjects in one stream)`);
    }
  });
  return [...subjects];
}

/**
 * A single reservation must fit on one server: each replica lives whole on one server.
 */
export function checkFitsOneServer(scope: IConstruct, cluster: INatsCluster, storage: StreamStorage, maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  const perServer = storage === StreamStorage.FILE ? cluster.maxFileStoreBytes : cluster.maxMemoryStoreBytes;
  if (perServer > 0 && maxBytes > perServer) {
    const key = storage === StreamStorage.FILE ? 'max_file_store' : 'max_memory_store';
    throw configError(scope, 'maxBytes', Size.kibibytes(maxBytes / 1024),
      `at most ${formatBytes(perServer)}, the ${key} of one server of cluster ${cluster.clusterName} (each replica is stored whole on one server)`);
  }
}

/** Metadata of a NACK object of the library: its name and the managed-by label. */
export function nackMetadata(name: string): ApiObjectMetadata {
  return { name, labels: { ...MANAGED_BY_LABELS } };
}

/** Properties every stream-backed resource takes: a JetStreamStream, KeyValueStore or ObjectStore. */
export interface JetStreamResourceProps {
  /** The NATS system it lives in; it must run JetStream. */
  readonly cluster: INatsCluster;
  /**
   * Size limit of the stream, bucket or store; counts, times replicas, against the cluster's
   * storage of its type.
   * @default - no size limit (nothing reserved)
   */
  readonly maxBytes?: Size;
  /**
   * Immutable after creation (a change means delete and recreate).
   * @default StreamStorage.FILE (always written: NACK's own default is memory)
   */
  readonly storage?: StreamStorage;
  /** @default - min(3, the cluster's JetStream servers) */
  readonly replicas?: number;
  /**
   * The NATS account it lives in (for the rules on stream names and subjects). NACK creates it
   * in the account of the credentials it connects with: its own, or those of `nackAccount`.
   * @default - the cluster's only account, or the global account $G
   */
  readonly account?: string;
  /**
   * A NACK Account resource (a connection profile: servers, TLS, credentials) in the same
   * namespace, written as `spec.account`.
   * @default - NACK's own connection settings
   */
  readonly nackAccount?: string;
  /** @default - none */
  readonly description?: string;
  /**
   * Keep the stream, bucket or store (and its data) on the server when the Kubernetes resource
   * is deleted.
   * @default true
   */
  readonly preventDelete?: boolean;
}

/**
 * The types of what every stream-backed resource takes (their values, sizes and durations are
 * checked by the resource).
 */
export const JETSTREAM_RESOURCE_FIELDS: Fields = {
  cluster: required(NATS_CLUSTER_REF),
  storage: oneOf(Object.values(StreamStorage), 'StreamStorage'),
  account: str(),
  nackAccount: str('the name of a NACK Account resource'),
  description: str(),
  preventDelete: BOOL,
};

/**
 * What sets one kind of stream-backed resource apart, for `JetStreamStoredResource`: its names,
 * subjects and age limit, and the checks of its own, which run at fixed points among the shared
 * ones (so that a resource with several problems always reports the same one first).
 */
export interface IJetStreamResourceKind {
  /** The prop that names the resource (`name`, `bucket`), for messages. */
  readonly nameField: string;
  /** Its value; the Kubernetes object is named after it. */
  readonly name: string;
  /** The stream's name on the server (`ORDERS`, `KV_sessions`, `OBJ_files`). */
  readonly streamName: string;
  /** For messages: `stream ORDERS`, `key-value bucket sessions`, `object store files`. */
  readonly label: string;
  /** The subjects the stream captures. */
  readonly subjects: string[];
  /**
   * The prop the subjects were given in (`subjects`), whose values are checked as a stream's;
   * empty when the client libraries set them (key-value and object stores).
   */
  readonly subjectsField: string;
  /** The prop of the age limit (`maxAge`, `ttl`), for messages. */
  readonly ageField: string;
  /** The age limit (at least 100ms). @default - none */
  readonly age?: Duration;
  /** Checks the name: first, once the cluster is known to run JetStream. */
  checkName(scope: IConstruct): void;
  /** Checks of its own that come after the name and subjects, before replicas. */
  checkOwn?(scope: IConstruct): void;
  /** Checks of its own against the age limit (as Go text, when set), before maxBytes. */
  checkWithAge?(scope: IConstruct, age?: string): void;
}

/**
 * The kind of a key-value or object store: named after its bucket (checked as the client
 * libraries do), on subjects the client libraries set, with a `ttl`.
 */
export function bucketKind(label: string, streamName: string, subjects: string[], props: { readonly bucket: string; readonly ttl?: Duration }): IJetStreamResourceKind {
  const bucket = props.bucket;
  return {
    nameField: 'bucket',
    name: bucket,
    streamName,
    label: `${label} ${bucket}`,
    subjects,
    subjectsField: '',
    ageField: 'ttl',
    age: props.ttl,
    checkName: (scope) => checkBucketName(scope, bucket),
  };
}

/** The spec fields NACK's Stream, KeyValue and ObjectStore share, as every stream-backed resource writes them. */
export interface JetStreamSharedSpec {
  readonly description?: string;
  readonly replicas: number;
  /** The size limit in bytes. */
  readonly maxBytes?: number;
  /** The NACK Account resource connected through. */
  readonly account?: string;
  readonly preventDelete: boolean;
  /** The cluster's client URL. */
  readonly servers: string[];
}

/**
 * A resource backed by a JetStream stream: a stream, a key-value store or an object store. It
 * resolves and checks what they have in common, in this order: the cluster runs JetStream; the
 * name (the kind's check), its Kubernetes object name and the subjects; the kind's own checks;
 * replicas 1-5 and within the cluster's JetStream servers; the account is one of the cluster's;
 * the NACK Account name; the description; the age limit (then the kind's checks against it);
 * maxBytes, which must fit one server.
 *
 * A subclass then checks and sets what is its own, creates its NACK object (with
 * `sharedSpec()`) and calls `registerOnCluster()`, which records what it takes from the cluster
 * for the app-wide rules (constructs/checks/jetstream.ts): no other stream of the cluster and account with its stream name or
 * subjects, and the maxBytes × replicas reserved within the cluster's storage.
 */
export abstract class JetStreamStoredResource extends Construct {
  /** The NATS system it lives in. */
  public readonly cluster: INatsCluster;
  /** The stream's name on the server (holding a key-value bucket `KV_<bucket>`, an object store `OBJ_<bucket>`). */
  public readonly streamName: string;
  /** Kubernetes object name. */
  public readonly resourceName: string;
  public readonly storage: StreamStorage;
  public readonly replicas: number;
  /** The NATS account it lives in. */
  public readonly account: string;
  /** The NACK Account resource NACK connects through, if any. */
  public readonly nackAccount?: string;
  public readonly preventDelete: boolean;
  public readonly maxBytes?: Size;
  public readonly description?: string;
  /** The NACK object. */
  public abstract readonly resource: ApiObject;

  /** The subjects the stream captures (checked, when they are the user's). */
  protected readonly streamSubjects: string[];
  /** The age limit as Go duration text, as NACK takes it; undefined when there is none. */
  protected readonly ageLimit?: string;
  private readonly kind: IJetStreamResourceKind;
  private readonly maxByteCount?: number;

  protected constructor(scope: Construct, id: string, props: JetStreamResourceProps, kind: IJetStreamResourceKind) {
    super(scope, id);
    const cluster = props.cluster;
    checkJetStream(this, cluster);
    kind.checkName(this);
    this.kind = kind;
    this.cluster = cluster;
    this.streamName = kind.streamName;
    this.resourceName = requireObjectName(this, kind.nameField, kind.name);
    this.streamSubjects = kind.subjectsField ? checkStreamSubjects(this, kind.subjects) : kind.subjects;
    kind.checkOwn?.(this);
    this.storage = props.storage ?? StreamStorage.FILE;
    this.replicas = resolveReplicas(this, cluster, props.replicas);
    this.account = resolveAccount(this, cluster, props.account);
    checkNackAccount(this, props.nackAccount);
    this.nackAccount = props.nackAccount;
    checkDescription(this, props.description);
    this.description = props.description;
    this.preventDelete = props.preventDelete ?? true;
    this.ageLimit = checkDuration(this, kind.ageField, kind.age, 100, ' (nats-server refuses shorter ages)');
    kind.checkWithAge?.(this, this.ageLimit);
    this.maxByteCount = checkSize(this, 'maxBytes', props.maxBytes);
    checkFitsOneServer(this, cluster, this.storage, this.maxByteCount);
    this.maxBytes = props.maxBytes;
  }

  /** The spec fields of its NACK object that every stream-backed resource writes alike. */
  protected sharedSpec(): JetStreamSharedSpec {
    return {
      description: this.description,
      replicas: this.replicas,
      maxBytes: this.maxByteCount,
      account: this.nackAccount,
      preventDelete: this.preventDelete,
      servers: [this.cluster.clientUrl],
    };
  }

  /**
   * Records what the resource takes from its cluster and adds it to the app-wide rules; called once
   * by the subclass, when its NACK object exists.
   */
  protected registerOnCluster(): void {
    const kind = this.kind;
    const index = AppIndex.of(this);
    index.add(JETSTREAM_STREAMS, {
      construct: this,
      label: kind.label,
      cluster: this.cluster,
      account: this.account,
      streamName: this.streamName,
      subjects: this.streamSubjects,
      storage: this.storage,
      replicas: this.replicas,
      maxBytes: this.maxByteCount,
      nameField: kind.nameField,
      nameText: kind.name,
      subjectsField: kind.subjectsField,
      object: this.resource,
    }, this);
    index.add(JETSTREAM_OBJECTS, this.resource);
    if (this.nackAccount !== undefined) {
      index.add(NACK_ACCOUNT_USERS, {
        construct: this, nackAccount: this.nackAccount, namespace: this.resource.metadata.namespace,
        cluster: this.cluster, account: this.account, label: this.streamName,
      });
    }
  }
}
