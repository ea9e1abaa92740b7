import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { checkProps, shape } from '../core/runtime-types';
import {
  BucketType, IJetStreamBucket, JETSTREAM_RESOURCE_FIELDS, JetStreamResourceProps, JetStreamStoredResource, StreamStorage, bucketKind, checkCount, checkSize, nackMetadata,
} from './jetstream-storage';

/** Properties of a KeyValueStore. */
export interface KeyValueStoreProps extends JetStreamResourceProps {
  /**
   * Bucket name: letters, digits, "_" and "-". The server stream is `KV_<bucket>` on subjects
   * `$KV.<bucket>.>`; the Kubernetes object is named after the bucket, lower-cased.
   */
  readonly bucket: string;
  /** Values kept per key, 1 to 64. @default 1 */
  readonly history?: number;
  /** How long a value lives (at least 100ms). @default - forever */
  readonly ttl?: Duration;
  /** Largest value. @default - the server's max_payload */
  readonly maxValueSize?: Size;
}

/** Largest history nats-server keeps per key (KeyValueMaxHistory). */
const MAX_HISTORY = 64;
const MAX_VALUE_SIZE = 2 ** 31 - 1;

/** The types of a KeyValueStore's props (the bucket name, numbers, sizes and durations are checked further by the store). */
const KEY_VALUE_STORE_PROPS = shape(JETSTREAM_RESOURCE_FIELDS, 'the props of a KeyValueStore: { cluster, bucket, ... }');

/**
 * A JetStream key-value bucket, as a NACK `KeyValue` resource (jetstream.nats.io/v1beta2).
 * NACK reconciles KeyValue resources only when its controller runs with `--control-loop`.
 * Storage, replicas and history are always written.
 *
 * Checked at synth time: the cluster runs JetStream; bucket name; history 1-64; replicas 1-5
 * and within the cluster's JetStream servers; the account is one of the cluster's; maxBytes fits
 * one server; and across the app: no other stream of the cluster and account has its stream
 * name or subjects, and the maxBytes × replicas reserved fit the cluster's storage.
 *
 * Immutable on the server: storage.
 */
export class KeyValueStore extends JetStreamStoredResource implements IJetStreamBucket {
  public readonly bucket: string;
  public readonly bucketType = BucketType.KEY_VALUE;
  public readonly history: number;
  public readonly ttl?: Duration;
  public readonly maxValueSize?: Size;
  /** The NACK KeyValue object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: KeyValueStoreProps) {
    checkProps(scope, id, props, KEY_VALUE_STORE_PROPS);
    const history = props.history ?? 1;
    super(scope, id, props, {
      ...bucketKind('key-value bucket', `KV_${props.bucket}`, [`$KV.${props.bucket}.>`], props),
      checkOwn: (self) => {
        checkCount(self, 'history', history, 1, MAX_HISTORY, `an integer from 1 to ${MAX_HISTORY} (values kept per key)`);
      },
    });
    this.bucket = props.bucket;
    this.history = history;
    this.ttl = props.ttl;
    const maxValueSize = checkSize(this, 'maxValueSize', props.maxValueSize, MAX_VALUE_SIZE, ' and below 2Gi');
    this.maxValueSize = props.maxValueSize;

    this.resource = new nack.KeyValue(this, 'Resource', {
      metadata: nackMetadata(this.resourceName),
      spec: {
        ...this.sharedSpec(),
        bucket: this.bucket,
        history: this.history,
        ttl: this.ageLimit,
        maxValueSize,
        storage: this.storage === StreamStorage.FILE ? nack.KeyValueSpecStorage.FILE : nack.KeyValueSpecStorage.MEMORY,
      },
    });
    this.registerOnCluster();
  }
}
