import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { configError } from '../platform/errors';
import {
  JetStreamFootprint, MANAGED_BY_LABELS, MAX_REPLICAS, StreamStorage, checkDescription, checkDuration, checkFitsOneServer,
  checkJetStream, checkCount, checkNackAccount, checkServerName, checkSize, checkStreamSubjects, registerFootprint,
  requireObjectName, resolveAccount, resolveReplicas, validateFootprint,
} from './jetstream-storage';
import { INatsCluster } from './nats-cluster';

/**
 * When a stream removes messages.
 *
 * Work-queue retention is immutable: nats-server refuses to switch a stream to or from it; a
 * change means deleting and recreating the stream.
 */
export enum StreamRetention {
  /** Keep messages until a limit (maxAge, maxBytes, maxMsgs) removes the oldest. */
  LIMITS = 'limits',
  /** Keep a message until every consumer has acknowledged it (and within the limits). */
  INTEREST = 'interest',
  /**
   * Remove a message once one consumer has acknowledged it: consumers must ack explicitly,
   * deliver all, have replicas equal to the stream's, and no two may filter overlapping subjects.
   */
  WORK_QUEUE = 'workqueue',
}

/** What a stream does with new messages once a limit is reached. */
export enum StreamDiscard {
  /** Remove the oldest messages to make room. */
  OLD = 'old',
  /** Refuse new messages. */
  NEW = 'new',
}

/**
 * A stream that consumers attach to: one defined in this app (`JetStreamStream`) or one that
 * exists already (`JetStreamStream.fromAttributes`).
 */
export interface IJetStreamStream extends IConstruct {
  /** The NATS system holding the stream. */
  readonly cluster: INatsCluster;
  /** The stream's name on the server. */
  readonly streamName: string;
  /** The Kubernetes object name of its Stream resource (consumer object names start with it). */
  readonly resourceName: string;
  /** Subjects the stream captures. */
  readonly subjects: string[];
  /** Replicas of each message. */
  readonly replicas: number;
  readonly retention: StreamRetention;
  /** The NATS account the stream lives in. */
  readonly account: string;
  /** The NACK Account resource NACK connects through, if any. */
  readonly nackAccount?: string;
}

/** Properties of a JetStreamStream. */
export interface JetStreamStreamProps {
  /** The NATS system the stream lives in; it must run JetStream. */
  readonly cluster: INatsCluster;
  /**
   * The stream's name on the server (ORDERS). No spaces, ".", "*", ">", "/" or "\". The
   * Kubernetes object is named after it, lower-cased, with other characters than letters,
   * digits and "-" turned into "-" (ORDERS_V2 → orders-v2).
   */
  readonly name: string;
  /** Subjects the stream captures (orders.>); none may overlap another stream's in the same account. */
  readonly subjects: string[];
  /**
   * Immutable after creation (a change means delete and recreate).
   * @default StreamStorage.FILE (always written: NACK's own default is memory)
   */
  readonly storage?: StreamStorage;
  /** @default - min(3, the cluster's JetStream servers) */
  readonly replicas?: number;
  /**
   * Work-queue retention is immutable after creation.
   * @default StreamRetention.LIMITS
   */
  readonly retention?: StreamRetention;
  /** Oldest message kept (at least 100ms). @default - no age limit */
  readonly maxAge?: Duration;
  /**
   * Size limit of the stream; counts, times replicas, against the cluster's storage of its type.
   * @default - no size limit (nothing reserved)
   */
  readonly maxBytes?: Size;
  /** @default - no message count limit */
  readonly maxMsgs?: number;
  /** Largest message accepted. @default - the server's max_payload */
  readonly maxMsgSize?: Size;
  /** @default StreamDiscard.OLD */
  readonly discard?: StreamDiscard;
  /**
   * Window in which a repeated Nats-Msg-Id is dropped (at least 100ms, at most maxAge).
   * @default - the server's: 2 minutes, or maxAge when shorter
   */
  readonly duplicateWindow?: Duration;
  /**
   * The NATS account the stream lives in (for the subject-overlap rule). NACK creates it in the
   * account of the credentials it connects with: its own, or those of `nackAccount`.
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
   * Keep the stream (and its messages) on the server when the Kubernetes resource is deleted.
   * @default true
   */
  readonly preventDelete?: boolean;
}

/** What an existing stream is, for consumers to attach to. */
export interface JetStreamStreamAttributes {
  readonly cluster: INatsCluster;
  /** The stream's name on the server. */
  readonly streamName: string;
  /** Subjects it captures (consumer filters are checked against them). */
  readonly subjects: string[];
  /** Its replicas (consumer replicas default to it). */
  readonly replicas: number;
  /** @default StreamRetention.LIMITS */
  readonly retention?: StreamRetention;
  /** @default - the cluster's only account, or $G */
  readonly account?: string;
  /** @default - NACK's own connection settings */
  readonly nackAccount?: string;
}

class ExistingStream extends Construct implements IJetStreamStream {
  public readonly cluster: INatsCluster;
  public readonly streamName: string;
  public readonly resourceName: string;
  public readonly subjects: string[];
  public readonly replicas: number;
  public readonly retention: StreamRetention;
  public readonly account: string;
  public readonly nackAccount?: string;

  constructor(scope: Construct, id: string, a: JetStreamStreamAttributes) {
    super(scope, id);
    checkServerName(this, 'streamName', a.streamName);
    this.cluster = a.cluster;
    this.streamName = a.streamName;
    this.resourceName = requireObjectName(this, 'streamName', a.streamName);
    this.subjects = checkStreamSubjects(this, a.subjects);
    // An existing cluster may not say how many JetStream servers it has (0).
    const most = Math.min(MAX_REPLICAS, a.cluster.jetStreamServers > 0 ? a.cluster.jetStreamServers : MAX_REPLICAS);
    if (!Number.isInteger(a.replicas) || a.replicas < 1 || a.replicas > most) {
      throw configError(this, 'replicas', a.replicas, `an integer from 1 to ${most}`);
    }
    this.replicas = a.replicas;
    this.retention = a.retention ?? StreamRetention.LIMITS;
    this.account = resolveAccount(this, a.cluster, a.account);
    checkNackAccount(this, a.nackAccount);
    this.nackAccount = a.nackAccount;
  }
}

const RETENTION: Record<StreamRetention, nack.StreamSpecRetention> = {
  [StreamRetention.LIMITS]: nack.StreamSpecRetention.LIMITS,
  [StreamRetention.INTEREST]: nack.StreamSpecRetention.INTEREST,
  [StreamRetention.WORK_QUEUE]: nack.StreamSpecRetention.WORKQUEUE,
};
const DISCARD: Record<StreamDiscard, nack.StreamSpecDiscard> = {
  [StreamDiscard.OLD]: nack.StreamSpecDiscard.OLD,
  [StreamDiscard.NEW]: nack.StreamSpecDiscard.NEW,
};
const STORAGE: Record<StreamStorage, nack.StreamSpecStorage> = {
  [StreamStorage.FILE]: nack.StreamSpecStorage.FILE,
  [StreamStorage.MEMORY]: nack.StreamSpecStorage.MEMORY,
};

/** Largest message size nats-server accepts in a stream config (int32). */
const MAX_MSG_SIZE = 2 ** 31 - 1;

/**
 * A JetStream stream, as a NACK `Stream` resource (jetstream.nats.io/v1beta2) attached to a
 * NATS cluster. Storage, replicas, retention and discard are always written (NACK's storage
 * default is memory, not the server's file); NACK connects to the cluster's client URL.
 *
 * Checked at synth time: the cluster runs JetStream; the name and subjects are valid for
 * nats-server; replicas 1-5 and within the cluster's JetStream servers; the account is one of
 * the cluster's; duplicateWindow within maxAge; maxBytes fits one server; and across the app:
 * no other stream, key-value or object store of the cluster and account uses the same name or
 * overlapping subjects, and the maxBytes × replicas reserved on the cluster fit its storage.
 *
 * Immutable on the server (a change means delete and recreate, which NACK does not do): storage
 * and work-queue retention.
 */
export class JetStreamStream extends Construct implements IJetStreamStream {
  /** A stream that exists outside this app, for consumers to attach to. */
  public static fromAttributes(scope: Construct, id: string, attributes: JetStreamStreamAttributes): IJetStreamStream {
    return new ExistingStream(scope, id, attributes);
  }

  public readonly cluster: INatsCluster;
  public readonly streamName: string;
  public readonly resourceName: string;
  public readonly subjects: string[];
  public readonly storage: StreamStorage;
  public readonly replicas: number;
  public readonly retention: StreamRetention;
  public readonly discard: StreamDiscard;
  public readonly account: string;
  public readonly nackAccount?: string;
  public readonly preventDelete: boolean;
  public readonly maxAge?: Duration;
  public readonly maxBytes?: Size;
  public readonly maxMsgs?: number;
  public readonly maxMsgSize?: Size;
  public readonly duplicateWindow?: Duration;
  public readonly description?: string;
  /** The NACK Stream object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: JetStreamStreamProps) {
    super(scope, id);
    const cluster = props.cluster;
    checkJetStream(this, cluster);
    checkServerName(this, 'name', props.name);
    this.cluster = cluster;
    this.streamName = props.name;
    this.resourceName = requireObjectName(this, 'name', props.name);
    this.subjects = checkStreamSubjects(this, props.subjects);
    this.storage = props.storage ?? StreamStorage.FILE;
    this.replicas = resolveReplicas(this, cluster, props.replicas);
    this.retention = props.retention ?? StreamRetention.LIMITS;
    this.discard = props.discard ?? StreamDiscard.OLD;
    this.account = resolveAccount(this, cluster, props.account);
    checkNackAccount(this, props.nackAccount);
    this.nackAccount = props.nackAccount;
    checkDescription(this, props.description);
    this.description = props.description;
    this.preventDelete = props.preventDelete ?? true;

    const maxAge = checkDuration(this, 'maxAge', props.maxAge, 100, ' (nats-server refuses shorter ages)');
    const duplicateWindow = checkDuration(this, 'duplicateWindow', props.duplicateWindow, 100, ' (nats-server refuses shorter windows)');
    if (props.maxAge && props.duplicateWindow
      && props.duplicateWindow.toMilliseconds({ integral: false }) > props.maxAge.toMilliseconds({ integral: false })) {
      throw configError(this, 'duplicateWindow', duplicateWindow, `at most maxAge (${maxAge}): nats-server refuses a duplicate window longer than the age limit`);
    }
    const maxBytes = checkSize(this, 'maxBytes', props.maxBytes);
    checkFitsOneServer(this, cluster, this.storage, maxBytes);
    const maxMsgSize = checkSize(this, 'maxMsgSize', props.maxMsgSize, MAX_MSG_SIZE, ' and below 2Gi');
    checkCount(this, 'maxMsgs', props.maxMsgs, 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1 (leave it out for no limit)');
    this.maxAge = props.maxAge;
    this.maxBytes = props.maxBytes;
    this.maxMsgs = props.maxMsgs;
    this.maxMsgSize = props.maxMsgSize;
    this.duplicateWindow = props.duplicateWindow;

    this.resource = new nack.Stream(this, 'Resource', {
      metadata: { name: this.resourceName, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        name: this.streamName,
        description: this.description,
        subjects: this.subjects,
        storage: STORAGE[this.storage],
        replicas: this.replicas,
        retention: RETENTION[this.retention],
        discard: DISCARD[this.discard],
        maxAge,
        maxBytes,
        maxMsgs: props.maxMsgs,
        maxMsgSize,
        duplicateWindow,
        account: this.nackAccount,
        preventDelete: this.preventDelete,
        servers: [cluster.clientUrl],
      },
    });

    const footprint: JetStreamFootprint = {
      construct: this,
      label: `stream ${this.streamName}`,
      cluster,
      account: this.account,
      streamName: this.streamName,
      subjects: this.subjects,
      storage: this.storage,
      replicas: this.replicas,
      maxBytes,
    };
    registerFootprint(footprint);
    this.node.addValidation({ validate: () => validateFootprint(footprint, 'name', 'subjects', this.resource, this.streamName) });
  }
}
