import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { checkProps, shape } from '../core/runtime-types';
import { BucketType, IJetStreamBucket, JETSTREAM_RESOURCE_FIELDS, JetStreamResourceProps, JetStreamStoredResource, StreamStorage, bucketKind, nackMetadata } from './jetstream-storage';

/** Properties of an ObjectStore. */
export interface ObjectStoreProps extends JetStreamResourceProps {
  /**
   * Bucket name: letters, digits, "_" and "-". The server stream is `OBJ_<bucket>` on subjects
   * `$O.<bucket>.C.>` and `$O.<bucket>.M.>`; the Kubernetes object is named after the bucket,
   * lower-cased.
   */
  readonly bucket: string;
  /** How long an object lives (at least 100ms). @default - forever */
  readonly ttl?: Duration;
}

/** The types of an ObjectStore's props (the bucket name, sizes and durations are checked further by the store). */
const OBJECT_STORE_PROPS = shape(JETSTREAM_RESOURCE_FIELDS, 'the props of an ObjectStore: { cluster, bucket, ... }');

/**
 * A JetStream object store, as a NACK `ObjectStore` resource (jetstream.nats.io/v1beta2). NACK
 * reconciles ObjectStore resources only when its controller runs with `--control-loop`.
 * Storage and replicas are always written.
 *
 * Checked at synth time: the cluster runs JetStream; bucket name; replicas 1-5 and within the
 * cluster's JetStream servers; the account is one of the cluster's; maxBytes fits one server;
 * and across the app: no other stream of the cluster and account has its stream name or
 * subjects, and the maxBytes × replicas reserved fit the cluster's storage.
 *
 * Immutable on the server: storage.
 */
export class ObjectStore extends JetStreamStoredResource implements IJetStreamBucket {
  public readonly bucket: string;
  public readonly bucketType = BucketType.OBJECT_STORE;
  public readonly ttl?: Duration;
  /** The NACK ObjectStore object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ObjectStoreProps) {
    checkProps(scope, id, props, OBJECT_STORE_PROPS);
    super(scope, id, props, bucketKind('object store', `OBJ_${props.bucket}`, [`$O.${props.bucket}.C.>`, `$O.${props.bucket}.M.>`], props));
    this.bucket = props.bucket;
    this.ttl = props.ttl;

    this.resource = new nack.ObjectStore(this, 'Resource', {
      metadata: nackMetadata(this.resourceName),
      spec: {
        ...this.sharedSpec(),
        bucket: this.bucket,
        ttl: this.ageLimit,
        storage: this.storage === StreamStorage.FILE ? nack.ObjectStoreSpecStorage.FILE : nack.ObjectStoreSpecStorage.MEMORY,
      },
    });
    this.registerOnCluster();
  }
}
