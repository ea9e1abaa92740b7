import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import {
  JetStreamFootprint, MANAGED_BY_LABELS, StreamStorage, checkBucketName, checkDescription, checkDuration,
  checkFitsOneServer, checkJetStream, checkNackAccount, checkSize, registerFootprint, requireObjectName, resolveAccount,
  resolveReplicas, validateFootprint,
} from './jetstream-storage';
import { INatsCluster } from './nats-cluster';

/** Properties of an ObjectStore. */
export interface ObjectStoreProps {
  /** The NATS system it lives in; it must run JetStream. */
  readonly cluster: INatsCluster;
  /**
   * Bucket name: letters, digits, "_" and "-". The server stream is `OBJ_<bucket>` on subjects
   * `$O.<bucket>.C.>` and `$O.<bucket>.M.>`; the Kubernetes object is named after the bucket,
   * lower-cased.
   */
  readonly bucket: string;
  /** How long an object lives (at least 100ms). @default - forever */
  readonly ttl?: Duration;
  /**
   * Size limit of the store; counts, times replicas, against the cluster's storage of its type.
   * @default - no size limit (nothing reserved)
   */
  readonly maxBytes?: Size;
  /**
   * Immutable after creation.
   * @default StreamStorage.FILE
   */
  readonly storage?: StreamStorage;
  /** @default - min(3, the cluster's JetStream servers) */
  readonly replicas?: number;
  /** The NATS account the store lives in. @default - the cluster's only account, or $G */
  readonly account?: string;
  /** A NACK Account resource to connect through, written as `spec.account`. @default - NACK's own connection settings */
  readonly nackAccount?: string;
  /** @default - none */
  readonly description?: string;
  /** Keep the store on the server when the resource is deleted. @default true */
  readonly preventDelete?: boolean;
}

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
export class ObjectStore extends Construct {
  public readonly cluster: INatsCluster;
  public readonly bucket: string;
  /** The stream holding the store (`OBJ_<bucket>`). */
  public readonly streamName: string;
  /** Kubernetes object name. */
  public readonly resourceName: string;
  public readonly storage: StreamStorage;
  public readonly replicas: number;
  public readonly account: string;
  public readonly nackAccount?: string;
  public readonly preventDelete: boolean;
  public readonly ttl?: Duration;
  public readonly maxBytes?: Size;
  public readonly description?: string;
  /** The NACK ObjectStore object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ObjectStoreProps) {
    super(scope, id);
    const cluster = props.cluster;
    checkJetStream(this, cluster);
    checkBucketName(this, props.bucket);
    this.cluster = cluster;
    this.bucket = props.bucket;
    this.streamName = `OBJ_${props.bucket}`;
    this.resourceName = requireObjectName(this, 'bucket', props.bucket);
    this.storage = props.storage ?? StreamStorage.FILE;
    this.replicas = resolveReplicas(this, cluster, props.replicas);
    this.account = resolveAccount(this, cluster, props.account);
    checkNackAccount(this, props.nackAccount);
    this.nackAccount = props.nackAccount;
    checkDescription(this, props.description);
    this.description = props.description;
    this.preventDelete = props.preventDelete ?? true;
    const ttl = checkDuration(this, 'ttl', props.ttl, 100, ' (nats-server refuses shorter ages)');
    const maxBytes = checkSize(this, 'maxBytes', props.maxBytes);
    checkFitsOneServer(this, cluster, this.storage, maxBytes);
    this.ttl = props.ttl;
    this.maxBytes = props.maxBytes;

    this.resource = new nack.ObjectStore(this, 'Resource', {
      metadata: { name: this.resourceName, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        bucket: this.bucket,
        description: this.description,
        ttl,
        maxBytes,
        storage: this.storage === StreamStorage.FILE ? nack.ObjectStoreSpecStorage.FILE : nack.ObjectStoreSpecStorage.MEMORY,
        replicas: this.replicas,
        account: this.nackAccount,
        preventDelete: this.preventDelete,
        servers: [cluster.clientUrl],
      },
    });

    const footprint: JetStreamFootprint = {
      construct: this,
      label: `object store ${this.bucket}`,
      cluster,
      account: this.account,
      streamName: this.streamName,
      subjects: [`$O.${this.bucket}.C.>`, `$O.${this.bucket}.M.>`],
      storage: this.storage,
      replicas: this.replicas,
      maxBytes,
    };
    registerFootprint(footprint);
    this.node.addValidation({ validate: () => validateFootprint(footprint, 'bucket', '', this.resource, this.bucket) });
  }
}
