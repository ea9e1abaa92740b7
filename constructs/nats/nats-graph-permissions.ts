/**
 * NATS permissions derived from the service graph: what the workloads that log in as one user
 * declare (constructs/checks/graph.ts), turned into the subjects that user may publish and
 * subscribe to. NatsCluster renders them for its users with `permissionsFromGraph`, lazily, at
 * synth (see `NatsUser.permissionsFromGraph` for the subjects of each declaration).
 */
import { MessagingEdge, MessagingKind, appKey, messagingOf, workloadsOfNatsUser } from '../checks/graph';
import { AppIndex } from '../core/app-index';
import type { IWorkload } from '../workloads/workload';
import { BucketType } from './jetstream-storage';
import { natsInboxPrefix } from './nats-auth';
import type { INatsCluster } from './nats-cluster';

/** The permissions of one user, as derived from the graph: sorted, each subject once. */
export interface GraphNatsPermissions {
  /** Subjects it may publish (empty: none, rendered as a deny of `>`). */
  readonly publishAllow: string[];
  /** Subjects it may subscribe to (its inbox always). */
  readonly subscribeAllow: string[];
  /** It answers requests (it subscribes to core subjects). */
  readonly allowResponses: boolean;
  /** The workloads it was derived from (those that log in as the user, and the other versions of their apps). */
  readonly workloads: readonly IWorkload[];
}

const sameCluster = (a: INatsCluster, b: INatsCluster) => a === b || a.clientUrl === b.clientUrl;

/** The messaging declarations that concern `cluster`: core subjects, and what names one of its streams, consumers or buckets. */
function onCluster(m: MessagingEdge, cluster: INatsCluster): boolean {
  const named = m.consumer?.stream.cluster ?? m.stream?.cluster ?? m.bucket?.cluster;
  return named === undefined || sameCluster(named, cluster);
}

/** Adds what one declaration needs to the two sets; returns whether it answers requests. */
function grant(m: MessagingEdge, pub: Set<string>, sub: Set<string>): boolean {
  switch (m.kind) {
    case MessagingKind.PUBLISH:
      for (const s of m.subjects ?? []) pub.add(s);
      return false;
    case MessagingKind.SUBSCRIBE:
      for (const s of m.subjects ?? []) sub.add(s);
      return true;
    case MessagingKind.PUBLISH_TO_STREAM:
      // The acknowledgement comes back to the inbox.
      for (const s of m.subjects ?? m.stream!.subjects) pub.add(s);
      return false;
    case MessagingKind.CONSUME: {
      const c = m.consumer!;
      const stream = c.stream.streamName;
      const name = `${stream}.${c.durableName}`;
      const { deliverSubject, ackPolicy } = c as { deliverSubject?: string; ackPolicy?: string };
      pub.add(`$JS.API.CONSUMER.INFO.${name}`);
      if (ackPolicy !== 'none') pub.add(`$JS.ACK.${name}.>`);
      if (deliverSubject === undefined) pub.add(`$JS.API.CONSUMER.MSG.NEXT.${name}`);
      else sub.add(deliverSubject);
      return false;
    }
    case MessagingKind.USE_BUCKET: {
      const b = m.bucket!;
      const stream = b.streamName;
      // What the nats.js client asks for (checked against nats-server by test/nats/permissions-live.test.ts).
      for (const s of ['$JS.API.INFO', `$JS.API.STREAM.INFO.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}`, `$JS.FC.${stream}.>`]) pub.add(s);
      if (b.bucketType === BucketType.OBJECT_STORE) {
        for (const s of [`$O.${b.bucket}.>`, `$JS.API.STREAM.MSG.GET.${stream}`, '$JS.API.STREAM.NAMES', `$JS.API.STREAM.PURGE.${stream}`]) pub.add(s);
      } else {
        for (const s of [`$KV.${b.bucket}.>`, `$JS.API.STREAM.MSG.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`,
          `$JS.API.CONSUMER.CREATE.${stream}.>`]) pub.add(s);
      }
      return false;
    }
    default:
      return false;
  }
}

const derivedKey = new WeakMap<INatsCluster, object>();

/**
 * The permissions user `user` of `cluster` needs: the union over the workloads that log in to
 * the cluster as the user (and every version of their apps) of what their messaging
 * declarations on that cluster need, plus the user's own inbox. Core subjects (`publishes`,
 * `subscribes`) count on every cluster the app logs in to. Kept until the index changes.
 */
export function graphNatsPermissions(index: AppIndex, cluster: INatsCluster, user: string): GraphNatsPermissions {
  let key = derivedKey.get(cluster);
  if (!key) {
    key = {};
    derivedKey.set(cluster, key);
  }
  const all = index.memo(key, () => new Map<string, GraphNatsPermissions>());
  const known = all.get(user);
  if (known) return known;

  const apps = new Map<string, IWorkload>();
  for (const c of workloadsOfNatsUser(index, cluster, user)) if (!apps.has(appKey(c.workload))) apps.set(appKey(c.workload), c.workload);
  const pub = new Set<string>();
  const sub = new Set<string>([`${natsInboxPrefix(user)}.>`]);
  let allowResponses = false;
  const workloads = new Set<IWorkload>();
  for (const w of apps.values()) {
    workloads.add(w);
    for (const m of messagingOf(index, w)) {
      workloads.add(m.workload);
      if (onCluster(m, cluster) && grant(m, pub, sub)) allowResponses = true;
    }
  }
  const result: GraphNatsPermissions = {
    publishAllow: [...pub].sort(),
    subscribeAllow: [...sub].sort(),
    allowResponses,
    workloads: [...workloads],
  };
  all.set(user, result);
  return result;
}
