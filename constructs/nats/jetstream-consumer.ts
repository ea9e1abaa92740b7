import { ApiObject, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { JETSTREAM_CONSUMERS, JETSTREAM_OBJECTS, NACK_ACCOUNT_USERS } from '../checks/jetstream';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import {
  DURATION, STRINGS, checkProps, instance, isObject, oneOf, required, rule, shape, str,
} from '../core/runtime-types';
import {
  JetStreamStoredResource, MAX_REPLICAS, checkCount, checkDescription, checkDuration, checkServerName, nackMetadata,
  requireObjectName,
} from './jetstream-storage';
import { IJetStreamStream, StreamRetention } from './jetstream-stream';
import { subjectProblem, subjectsOverlap, subjectWithin } from './nats-auth';
import { NatsServerVersion } from './nats-version';

/**
 * How a consumer's messages are acknowledged. Immutable: nats-server refuses to change it on an
 * existing consumer (a change means delete and recreate).
 */
export enum ConsumerAckPolicy {
  /** Every message is acknowledged on its own; unacknowledged ones are redelivered after ackWait. */
  EXPLICIT = 'explicit',
  /** Acknowledging a message acknowledges every earlier one. */
  ALL = 'all',
  /** No acknowledgements: a delivered message counts as processed (not on work-queue streams). */
  NONE = 'none',
}

/**
 * Where a new consumer starts in its stream. Immutable: nats-server refuses to change it on an
 * existing consumer.
 */
export enum ConsumerDeliverPolicy {
  /** From the first message (the only choice on work-queue streams). */
  ALL = 'all',
  /** From the last message. */
  LAST = 'last',
  /** Only messages that arrive after the consumer is created. */
  NEW = 'new',
  /** From `startSequence`. */
  BY_START_SEQUENCE = 'byStartSequence',
  /** From the first message at or after `startTime`. */
  BY_START_TIME = 'byStartTime',
  /** The last message of each subject, then new ones (needs filter subjects). */
  LAST_PER_SUBJECT = 'lastPerSubject',
}

/** Properties of a JetStreamConsumer. */
export interface JetStreamConsumerProps {
  /** The stream it reads. */
  readonly stream: IJetStreamStream;
  /**
   * The durable consumer's name, unique within its stream. No spaces, ".", "*", ">", "/" or "\".
   * The Kubernetes object is named `<stream object>-<durable name>`, lower-cased.
   */
  readonly durableName: string;
  /**
   * Subjects to read, each within one of the stream's subjects; written as `filterSubject` when
   * there is one. Several need nats-server 2.10.
   * @default - every subject of the stream
   */
  readonly filterSubjects?: string[];
  /**
   * Immutable after creation.
   * @default ConsumerAckPolicy.EXPLICIT (always written: NACK's own default is none)
   */
  readonly ackPolicy?: ConsumerAckPolicy;
  /**
   * How long a delivered message may stay unacknowledged before it is redelivered.
   * @default Duration.seconds(30) (always written: NACK's own default is 1ns, instant redelivery)
   */
  readonly ackWait?: Duration;
  /**
   * Immutable after creation.
   * @default ConsumerDeliverPolicy.ALL
   */
  readonly deliverPolicy?: ConsumerDeliverPolicy;
  /** First stream sequence to deliver; only with BY_START_SEQUENCE. @default - none */
  readonly startSequence?: number;
  /** First message time to deliver; only with BY_START_TIME. @default - none */
  readonly startTime?: Date;
  /** Deliveries of a message before it is given up. @default - unlimited */
  readonly maxDeliver?: number;
  /** Unacknowledged messages in flight before delivery pauses. @default - the server's 1000 */
  readonly maxAckPending?: number;
  /**
   * At most the stream's; exactly the stream's on interest and work-queue streams.
   * @default - the stream's replicas
   */
  readonly replicas?: number;
  /**
   * Subject to push messages to (a literal outside the stream's subjects), making it a push
   * consumer.
   * @default - a pull consumer
   */
  readonly deliverSubject?: string;
  /** Queue group of a push consumer's subscribers. @default - none */
  readonly deliverGroup?: string;
  /** @default - none */
  readonly description?: string;
}

/** A stream, as a consumer refers to it (a JetStreamStream or JetStreamStream.fromAttributes). */
const STREAM_REF = rule('a JetStream stream (JetStreamStream or JetStreamStream.fromAttributes)', (v) => isObject(v)
  && typeof v.streamName === 'string' && typeof v.resourceName === 'string' && typeof v.replicas === 'number' && Array.isArray(v.subjects));

/** The types of a consumer's props, for callers no compiler checked; most values are checked below. */
const CONSUMER_PROPS = shape({
  stream: required(STREAM_REF),
  durableName: required(str()),
  filterSubjects: STRINGS,
  ackPolicy: oneOf(Object.values(ConsumerAckPolicy), 'ConsumerAckPolicy'),
  ackWait: DURATION,
  deliverPolicy: oneOf(Object.values(ConsumerDeliverPolicy), 'ConsumerDeliverPolicy'),
  // Numbers and dates: their values (and types) are checked below, with messages of their own.
  startSequence: rule('a number', (v) => typeof v === 'number'),
  startTime: instance(Date, 'a Date'),
  deliverSubject: str(),
  deliverGroup: str(),
  description: str(),
}, 'the props of a JetStreamConsumer: { stream, durableName, ... }');

const ACK: Record<ConsumerAckPolicy, nack.ConsumerSpecAckPolicy> = {
  [ConsumerAckPolicy.EXPLICIT]: nack.ConsumerSpecAckPolicy.EXPLICIT,
  [ConsumerAckPolicy.ALL]: nack.ConsumerSpecAckPolicy.ALL,
  [ConsumerAckPolicy.NONE]: nack.ConsumerSpecAckPolicy.NONE,
};
const DELIVER: Record<ConsumerDeliverPolicy, nack.ConsumerSpecDeliverPolicy> = {
  [ConsumerDeliverPolicy.ALL]: nack.ConsumerSpecDeliverPolicy.ALL,
  [ConsumerDeliverPolicy.LAST]: nack.ConsumerSpecDeliverPolicy.LAST,
  [ConsumerDeliverPolicy.NEW]: nack.ConsumerSpecDeliverPolicy.NEW,
  [ConsumerDeliverPolicy.BY_START_SEQUENCE]: nack.ConsumerSpecDeliverPolicy.BY_START_SEQUENCE,
  [ConsumerDeliverPolicy.BY_START_TIME]: nack.ConsumerSpecDeliverPolicy.BY_START_TIME,
  [ConsumerDeliverPolicy.LAST_PER_SUBJECT]: nack.ConsumerSpecDeliverPolicy.LAST_PER_SUBJECT,
};

/**
 * A durable JetStream consumer, as a NACK `Consumer` resource (jetstream.nats.io/v1beta2). Pull
 * by default, push when `deliverSubject` is given. ackPolicy (explicit), ackWait (30s),
 * deliverPolicy and replicas are always written: NACK's defaults (ack none, ackWait 1ns) would
 * redeliver at once or be refused on work-queue streams.
 *
 * Checked at synth time: the durable name; filter subjects valid, within the stream's subjects
 * and not overlapping each other (several need nats-server 2.10); start positions matching the
 * deliver policy; replicas within the stream's (equal on interest and work-queue streams);
 * explicit acks and deliver-all on work-queue streams; a push subject the stream does not
 * capture; and across the app: durable names unique per stream, and no two consumers of a
 * work-queue stream with overlapping filters.
 *
 * Immutable on the server (a change means delete and recreate): ackPolicy and deliverPolicy.
 */
/** A durable consumer that workloads read from (see `IWorkload.consumes`). */
export interface IJetStreamConsumer extends IConstruct {
  /** Its stream. */
  readonly stream: IJetStreamStream;
  /** Its durable name. */
  readonly durableName: string;
}

export class JetStreamConsumer extends Construct implements IJetStreamConsumer {
  public readonly stream: IJetStreamStream;
  public readonly durableName: string;
  /** Kubernetes object name. */
  public readonly resourceName: string;
  /** Filter subjects; empty when the consumer reads every subject of the stream. */
  public readonly filterSubjects: string[];
  public readonly ackPolicy: ConsumerAckPolicy;
  public readonly ackWait: Duration;
  public readonly deliverPolicy: ConsumerDeliverPolicy;
  public readonly replicas: number;
  /** True for a pull consumer (no deliverSubject). */
  public readonly pull: boolean;
  public readonly startSequence?: number;
  public readonly startTime?: Date;
  public readonly maxDeliver?: number;
  public readonly maxAckPending?: number;
  public readonly deliverSubject?: string;
  public readonly deliverGroup?: string;
  public readonly description?: string;
  /** The NACK Consumer object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: JetStreamConsumerProps) {
    checkProps(scope, id, props, CONSUMER_PROPS);
    super(scope, id);
    const stream = props.stream;
    this.stream = stream;
    checkServerName(this, 'durableName', props.durableName);
    this.durableName = props.durableName;
    this.resourceName = `${stream.resourceName}-${requireObjectName(this, 'durableName', props.durableName)}`;
    if (this.resourceName.length > 253) {
      throw configError(this, 'durableName', props.durableName, `a shorter name: the object name ${this.resourceName.slice(0, 40)}... is over 253 characters`);
    }
    checkDescription(this, props.description);
    this.description = props.description;

    this.filterSubjects = this.checkFilters(props.filterSubjects ?? []);
    this.ackPolicy = props.ackPolicy ?? ConsumerAckPolicy.EXPLICIT;
    this.ackWait = props.ackWait ?? Duration.seconds(30);
    const ackWait = checkDuration(this, 'ackWait', this.ackWait, 1, '')!;
    this.deliverPolicy = props.deliverPolicy ?? ConsumerDeliverPolicy.ALL;
    this.checkStart(props);
    this.startSequence = props.startSequence;
    this.startTime = props.startTime;
    this.maxDeliver = checkCount(this, 'maxDeliver', props.maxDeliver, 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1 (leave it out for unlimited)');
    this.maxAckPending = checkCount(this, 'maxAckPending', props.maxAckPending, 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1');
    if (this.maxAckPending !== undefined && this.ackPolicy === ConsumerAckPolicy.NONE) {
      throw configError(this, 'maxAckPending', this.maxAckPending, 'no maxAckPending with ackPolicy NONE (nothing is pending an ack; nats-server refuses it on push consumers)');
    }

    const replicas = props.replicas ?? stream.replicas;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
      throw configError(this, 'replicas', replicas, `an integer from 1 to ${MAX_REPLICAS} (nats-server's replica limit)`);
    }
    if (replicas > stream.replicas) {
      throw configError(this, 'replicas', replicas, `at most ${stream.replicas}, the replicas of stream ${stream.streamName} (nats-server refuses more)`);
    }
    if (stream.retention !== StreamRetention.LIMITS && replicas !== stream.replicas) {
      throw configError(this, 'replicas', replicas,
        `exactly ${stream.replicas}, the replicas of stream ${stream.streamName}: nats-server requires equal replicas on ${stream.retention === StreamRetention.WORK_QUEUE ? 'work-queue' : 'interest'} streams`);
    }
    this.replicas = replicas;

    if (stream.retention === StreamRetention.WORK_QUEUE) {
      if (this.ackPolicy !== ConsumerAckPolicy.EXPLICIT) {
        throw configError(this, 'ackPolicy', this.ackPolicy.toUpperCase(),
          `EXPLICIT on work-queue stream ${stream.streamName} (nats-server refuses other ack policies there: a message leaves the queue when its consumer acks it)`);
      }
      if (this.deliverPolicy !== ConsumerDeliverPolicy.ALL) {
        throw configError(this, 'deliverPolicy', deliverPolicyName(this.deliverPolicy),
          `ALL on work-queue stream ${stream.streamName} (nats-server refuses other deliver policies there)`);
      }
    }

    this.deliverSubject = props.deliverSubject;
    this.pull = props.deliverSubject === undefined;
    if (props.deliverSubject !== undefined) {
      const problem = subjectProblem(props.deliverSubject, false);
      if (problem) throw configError(this, 'deliverSubject', props.deliverSubject, problem);
      const captured = stream.subjects.find((s) => subjectWithin(props.deliverSubject!, s));
      if (captured !== undefined) {
        throw configError(this, 'deliverSubject', props.deliverSubject,
          `a subject stream ${stream.streamName} does not capture (it captures ${JSON.stringify(captured)}; nats-server refuses a delivery cycle)`);
      }
    }
    if (props.deliverGroup !== undefined) {
      if (this.pull) throw configError(this, 'deliverGroup', props.deliverGroup, 'a deliverGroup only with deliverSubject (a queue group of a push consumer)');
      if (!/^[^\s.*>]+$/.test(props.deliverGroup)) throw configError(this, 'deliverGroup', props.deliverGroup, 'a queue group name without spaces, ".", "*" or ">"');
    }
    this.deliverGroup = props.deliverGroup;

    const filters = this.filterSubjects;
    this.resource = new nack.Consumer(this, 'Resource', {
      metadata: nackMetadata(this.resourceName),
      spec: {
        streamName: stream.streamName,
        durableName: this.durableName,
        description: this.description,
        deliverPolicy: DELIVER[this.deliverPolicy],
        optStartSeq: this.startSequence,
        optStartTime: this.startTime?.toISOString(),
        deliverSubject: this.deliverSubject,
        deliverGroup: this.deliverGroup,
        ackPolicy: ACK[this.ackPolicy],
        ackWait,
        maxDeliver: this.maxDeliver,
        filterSubject: filters.length === 1 ? filters[0] : undefined,
        filterSubjects: filters.length > 1 ? filters : undefined,
        maxAckPending: this.maxAckPending,
        replicas: this.replicas,
        account: stream.nackAccount,
        servers: [stream.cluster.clientUrl],
      },
    });
    // The rules against other consumers and NACK objects: constructs/checks/jetstream.ts.
    const index = AppIndex.of(this);
    index.add(JETSTREAM_CONSUMERS, this, this);
    index.add(JETSTREAM_OBJECTS, this.resource);
    if (!(stream instanceof JetStreamStoredResource) && stream.nackAccount !== undefined) {
      index.add(NACK_ACCOUNT_USERS, {
        construct: this, nackAccount: stream.nackAccount, namespace: this.resource.metadata.namespace,
        cluster: stream.cluster, account: stream.account, label: `${stream.streamName} (consumer ${this.durableName})`,
      });
    }
  }

  private checkFilters(filters: string[]): string[] {
    const stream = this.stream;
    filters.forEach((f, i) => {
      const field = `filterSubjects[${i}]`;
      const problem = subjectProblem(f);
      if (problem) throw configError(this, field, f, problem);
      if (!stream.subjects.some((s) => subjectWithin(f, s))) {
        throw configError(this, field, f,
          `a subject within the subjects of stream ${stream.streamName} (${stream.subjects.map((s) => JSON.stringify(s)).join(', ')}): nats-server refuses a filter the stream cannot hold`);
      }
      const other = filters.findIndex((g, j) => j < i && subjectsOverlap(f, g));
      if (other >= 0) {
        throw configError(this, field, f, `a filter that does not overlap the others (it overlaps filterSubjects[${other}] ${JSON.stringify(filters[other])}; nats-server refuses overlapping filters)`);
      }
    });
    if (filters.length > 1 && !stream.cluster.serverVersion.atLeast(NatsServerVersion.V2_10_0)) {
      throw configError(this, 'filterSubjects', filters, `one filter subject on nats-server ${stream.cluster.serverVersion} (several need 2.10)`);
    }
    return [...filters];
  }

  private checkStart(props: JetStreamConsumerProps): void {
    const policy = this.deliverPolicy;
    const name = deliverPolicyName(policy);
    if (policy === ConsumerDeliverPolicy.BY_START_SEQUENCE) {
      if (props.startSequence === undefined) throw configError(this, 'startSequence', undefined, 'a stream sequence of at least 1 with deliverPolicy BY_START_SEQUENCE');
    } else if (props.startSequence !== undefined) {
      throw configError(this, 'startSequence', props.startSequence, `no startSequence with deliverPolicy ${name} (only with BY_START_SEQUENCE)`);
    }
    if (props.startSequence !== undefined && (!Number.isInteger(props.startSequence) || props.startSequence < 1)) {
      throw configError(this, 'startSequence', props.startSequence, 'a stream sequence of at least 1');
    }
    if (policy === ConsumerDeliverPolicy.BY_START_TIME) {
      if (props.startTime === undefined) throw configError(this, 'startTime', undefined, 'a time with deliverPolicy BY_START_TIME');
    } else if (props.startTime !== undefined) {
      throw configError(this, 'startTime', validDate(props.startTime) ? props.startTime.toISOString() : 'an invalid date',
        `no startTime with deliverPolicy ${name} (only with BY_START_TIME)`);
    }
    if (props.startTime !== undefined && !validDate(props.startTime)) {
      throw configError(this, 'startTime', 'an invalid date', 'a valid date');
    }
    if (policy === ConsumerDeliverPolicy.LAST_PER_SUBJECT && this.filterSubjects.length === 0) {
      throw configError(this, 'filterSubjects', undefined, 'at least one filter subject with deliverPolicy LAST_PER_SUBJECT (nats-server refuses it without)');
    }
  }
}

function deliverPolicyName(p: ConsumerDeliverPolicy): string {
  return Object.entries(ConsumerDeliverPolicy).find(([, v]) => v === p)?.[0] ?? p;
}

function validDate(d: Date): boolean {
  return d instanceof Date && !Number.isNaN(d.getTime());
}
