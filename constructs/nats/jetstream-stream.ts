import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { REFERENCED_STREAMS } from '../checks/jetstream';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { checkProps, oneOf, required, shape, str } from '../core/runtime-types';
import {
  JETSTREAM_RESOURCE_FIELDS, JetStreamResourceProps, JetStreamStoredResource, MAX_REPLICAS, NATS_CLUSTER_REF, StreamStorage, checkCount, checkDuration, checkNackAccount,
  checkServerName, checkSize, checkStreamSubjects, goDuration, nackMetadata, requireObjectName, resolveAccount,
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
export interface JetStreamStreamProps extends JetStreamResourceProps {
  /**
   * The stream's name on the server (ORDERS). No spaces, ".", "*", ">", "/" or "\". The
   * Kubernetes object is named after it, lower-cased, with other characters than letters,
   * digits and "-" turned into "-" (ORDERS_V2 → orders-v2).
   */
  readonly name: string;
  /** Subjects the stream captures (orders.>); none may overlap another stream's in the same account. */
  readonly subjects: string[];
  /**
   * Work-queue retention is immutable after creation.
   * @default StreamRetention.LIMITS
   */
  readonly retention?: StreamRetention;
  /** Oldest message kept (at least 100ms). @default - no age limit */
  readonly maxAge?: Duration;
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

/** The types of what `JetStreamStream.fromAttributes` takes (its name, subjects and replicas are checked further). */
const STREAM_ATTRIBUTES = shape({
  cluster: required(NATS_CLUSTER_REF),
  retention: oneOf(Object.values(StreamRetention), 'StreamRetention'),
  account: str(),
  nackAccount: str('the name of a NACK Account resource'),
}, 'the attributes of a stream: { cluster, streamName, subjects, replicas, ... }');

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
    checkProps(scope, id, a, STREAM_ATTRIBUTES);
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
    // The streams of the app must not capture its subjects (constructs/checks/jetstream.ts).
    AppIndex.of(this).add(REFERENCED_STREAMS, this);
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

/** The duplicate window: at least 100ms and, when the stream has an age limit, within it. */
function checkDuplicateWindow(scope: IConstruct, props: JetStreamStreamProps, maxAge: string | undefined): void {
  const window = checkDuration(scope, 'duplicateWindow', props.duplicateWindow, 100, ' (nats-server refuses shorter windows)');
  if (props.maxAge && props.duplicateWindow
    && props.duplicateWindow.toMilliseconds({ integral: false }) > props.maxAge.toMilliseconds({ integral: false })) {
    throw configError(scope, 'duplicateWindow', window, `at most maxAge (${maxAge}): nats-server refuses a duplicate window longer than the age limit`);
  }
}

/** The types of a JetStreamStream's props (names, subjects, numbers, sizes and durations are checked further by the stream). */
const STREAM_PROPS = shape({
  ...JETSTREAM_RESOURCE_FIELDS,
  retention: oneOf(Object.values(StreamRetention), 'StreamRetention'),
  discard: oneOf(Object.values(StreamDiscard), 'StreamDiscard'),
}, 'the props of a JetStreamStream: { cluster, name, subjects, ... }');

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
export class JetStreamStream extends JetStreamStoredResource implements IJetStreamStream {
  /** A stream that exists outside this app, for consumers to attach to. */
  public static fromAttributes(scope: Construct, id: string, attributes: JetStreamStreamAttributes): IJetStreamStream {
    return new ExistingStream(scope, id, attributes);
  }

  public readonly subjects: string[];
  public readonly retention: StreamRetention;
  public readonly discard: StreamDiscard;
  public readonly maxAge?: Duration;
  public readonly maxMsgs?: number;
  public readonly maxMsgSize?: Size;
  public readonly duplicateWindow?: Duration;
  /** The NACK Stream object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: JetStreamStreamProps) {
    checkProps(scope, id, props, STREAM_PROPS);
    super(scope, id, props, {
      nameField: 'name',
      name: props.name,
      streamName: props.name,
      label: `stream ${props.name}`,
      subjects: props.subjects,
      subjectsField: 'subjects',
      ageField: 'maxAge',
      age: props.maxAge,
      checkName: (self) => checkServerName(self, 'name', props.name),
      checkWithAge: (self, maxAge) => checkDuplicateWindow(self, props, maxAge),
    });
    this.subjects = this.streamSubjects;
    this.retention = props.retention ?? StreamRetention.LIMITS;
    this.discard = props.discard ?? StreamDiscard.OLD;
    const maxMsgSize = checkSize(this, 'maxMsgSize', props.maxMsgSize, MAX_MSG_SIZE, ' and below 2Gi');
    checkCount(this, 'maxMsgs', props.maxMsgs, 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1 (leave it out for no limit)');
    this.maxAge = props.maxAge;
    this.maxMsgs = props.maxMsgs;
    this.maxMsgSize = props.maxMsgSize;
    this.duplicateWindow = props.duplicateWindow;

    this.resource = new nack.Stream(this, 'Resource', {
      metadata: nackMetadata(this.resourceName),
      spec: {
        ...this.sharedSpec(),
        name: this.streamName,
        subjects: this.subjects,
        storage: STORAGE[this.storage],
        retention: RETENTION[this.retention],
        discard: DISCARD[this.discard],
        maxAge: this.ageLimit,
        maxMsgs: this.maxMsgs,
        maxMsgSize,
        duplicateWindow: this.duplicateWindow && goDuration(this.duplicateWindow),
      },
    });
    this.registerOnCluster();
  }
}
