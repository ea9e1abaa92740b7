/**
 * Cross-construct rules of the JetStream resources (NACK objects), run once per app over the
 * index:
 * - streams, key-value and object stores: one stream name per cluster and account, no two streams
 *   capturing overlapping subjects, the cluster's storage not over-reserved;
 * - JetStream objects: no two of a kind share a name in a namespace;
 * - consumers: one durable name per stream, no overlapping filters on a work-queue stream;
 * - NACK Accounts: a unique name, and every resource connecting through one is on its cluster
 *   and in its account.
 * Of a conflicting pair, the one recorded later reports it.
 */
import type { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { AppIndex, IAppCheck, IndexKey, ProblemReport } from '../core/app-index';
import { formatBytes } from '../core/quantity';
import type { JetStreamConsumer } from '../nats/jetstream-consumer';
import type { JetStreamFootprint } from '../nats/jetstream-storage';
import type { IJetStreamStream } from '../nats/jetstream-stream';
import type { NackAccount } from '../nats/nack-account';
import type { INatsCluster } from '../nats/nats-cluster';
import { subjectsOverlap } from '../nats/nats-auth';

/** A resource that connects to NATS through a NACK Account: a stream-backed resource, or a consumer of a stream defined elsewhere. */
export interface NackAccountUser {
  readonly construct: IConstruct;
  /** The NACK Account it names. */
  readonly nackAccount: string;
  /** Namespace of its object (a NACK Account is looked up in the same one). */
  readonly namespace?: string;
  readonly cluster: INatsCluster;
  readonly account: string;
  /** For messages: `ORDERS`, `ORDERS (consumer audit)`. */
  readonly label: string;
}

/** Identity of a NATS system (two references to one cluster share its client URL). */
export function clusterKey(cluster: INatsCluster): string {
  return cluster.clientUrl;
}

/** StreamRetention.WORK_QUEUE (read as its value: the checks import no construct at run time). */
const WORK_QUEUE: string = 'workqueue';

const objectKey = (o: ApiObject) => `${o.kind}\0${o.metadata.namespace ?? ''}\0${o.metadata.name ?? ''}`;
const streamKey = (f: JetStreamFootprint) => clusterKey(f.cluster);
const consumerStreamKey = (c: JetStreamConsumer) => `${clusterKey(c.stream.cluster)}\0${c.stream.account}\0${c.stream.streamName}`;
const userKey = (u: NackAccountUser) => `${u.namespace ?? ''}\0${u.nackAccount}`;

/** The NACK object recorded first with the kind, namespace and name of `obj`, when it is not `obj`. */
export function earlierObjectTwin(index: AppIndex, obj: ApiObject): ApiObject | undefined {
  const first = index.find(JETSTREAM_OBJECTS, objectKey, objectKey(obj))[0];
  return first !== undefined && first !== obj ? first : undefined;
}

/** The object-name rule, reported on `scope` for its object `obj`. */
function objectNameProblem(index: AppIndex, report: ProblemReport, scope: IConstruct, obj: ApiObject, field: string, received: string): void {
  const twin = earlierObjectTwin(index, obj);
  if (!twin) return;
  report.add(scope, field, `${JSON.stringify(received)} (object name ${obj.metadata.name})`,
    `a name whose ${obj.kind} object name is unused in namespace ${obj.metadata.namespace ?? '(none)'} (${twin.node.scope?.node.path ?? twin.node.path} has it too; one would overwrite the other)`);
}

const streamsCheck: IAppCheck = {
  name: 'jetstream streams: names, subjects, storage',
  run(index, report) {
    for (const all of index.group(JETSTREAM_STREAMS, streamKey).values()) {
      const byAccount = new Map<string, JetStreamFootprint[]>();
      for (const f of all) {
        const earlier = byAccount.get(f.account) ?? [];
        checkStream(index, report, f, earlier);
        earlier.push(f);
        byAccount.set(f.account, earlier);
      }
      storageProblems(report, all);
    }
    referencedStreamProblems(index, report);
  },
};

/**
 * Streams defined elsewhere (`JetStreamStream.fromAttributes`) exist on the server: a stream of
 * the app whose subjects overlap one of theirs (in the same account) is refused by nats-server,
 * and NACK keeps retrying it.
 */
function referencedStreamProblems(index: AppIndex, report: ProblemReport): void {
  const referenced = index.list(REFERENCED_STREAMS);
  if (!referenced.length) return;
  for (const f of index.list(JETSTREAM_STREAMS)) {
    for (const [i, s] of f.subjects.entries()) {
      const other = referenced.find((r) => clusterKey(r.cluster) === clusterKey(f.cluster) && r.account === f.account
        && r.streamName !== f.streamName && r.subjects.some((t) => subjectsOverlap(s, t)));
      if (!other) continue;
      const t = other.subjects.find((x) => subjectsOverlap(s, x))!;
      report.add(f.construct, f.subjectsField ? `${f.subjectsField}[${i}]` : f.nameField,
        `${JSON.stringify(s)} of ${f.label}, which overlaps ${JSON.stringify(t)} of stream ${other.streamName} (defined elsewhere, referenced at ${other.node.path})`,
        `subjects that no other stream of account ${f.account} of cluster ${f.cluster.clusterName} captures, including streams defined outside this app (nats-server refuses the new stream; NACK keeps retrying)`);
      break;
    }
  }
}

/** Unique stream names, no overlapping subjects, unique object names: against the earlier streams of the same cluster and account. */
function checkStream(index: AppIndex, report: ProblemReport, f: JetStreamFootprint, earlier: JetStreamFootprint[]): void {
  const where = `account ${f.account} of cluster ${f.cluster.clusterName}`;
  const twin = earlier.find((o) => o.streamName === f.streamName);
  if (twin) {
    const received = f.nameText === f.streamName ? JSON.stringify(f.nameText) : `${JSON.stringify(f.nameText)} (stream ${f.streamName})`;
    report.add(f.construct, f.nameField, received,
      `a stream name not yet used in ${where} (${twin.construct.node.path} declares stream ${twin.streamName} too; both would manage one stream)`);
  }
  const others = earlier.filter((x) => x.streamName !== f.streamName);
  for (const [i, s] of f.subjects.entries()) {
    for (const o of others) {
      const t = o.subjects.find((x) => subjectsOverlap(s, x));
      if (t !== undefined) {
        const field = f.subjectsField ? `${f.subjectsField}[${i}]` : f.nameField;
        report.add(f.construct, field, `${JSON.stringify(s)} of ${f.label}, which overlaps ${JSON.stringify(t)} of ${o.label} (${o.construct.node.path})`,
          `subjects that no other stream of ${where} captures (nats-server refuses a stream whose subjects overlap another's)`);
        break;
      }
    }
  }
  if (!twin) objectNameProblem(index, report, f.construct, f.object, f.nameField, f.nameText);
}

/**
 * Each storage type of a cluster against the sum of maxBytes × replicas of the resources with a
 * size limit; reported by the resource whose reservation first goes over.
 */
function storageProblems(report: ProblemReport, all: readonly JetStreamFootprint[]): void {
  for (const storage of ['file', 'memory']) {
    const reserving = all.filter((o) => o.storage === storage && o.maxBytes !== undefined);
    const reserved = (o: JetStreamFootprint) => o.maxBytes! * o.replicas;
    let before = 0;
    for (const [i, f] of reserving.entries()) {
      const perServer = storage === 'file' ? f.cluster.maxFileStoreBytes : f.cluster.maxMemoryStoreBytes;
      const after = before + reserved(f);
      const capacity = perServer * f.cluster.jetStreamServers;
      if (perServer > 0 && before <= capacity && after > capacity) {
        const largest = reserving.slice(0, i + 1).sort((a, b) => reserved(b) - reserved(a)).slice(0, 3)
          .map((o) => `${o.label} ${formatBytes(o.maxBytes!)} × ${o.replicas} = ${formatBytes(reserved(o))}`).join(', ');
        const key = storage === 'file' ? 'max_file_store' : 'max_memory_store';
        report.add(f.construct, 'maxBytes', `${formatBytes(f.maxBytes!)} × ${f.replicas} replicas, bringing the ${storage} storage reserved on cluster ${f.cluster.clusterName} to ${formatBytes(after)} (largest reservations: ${largest})`,
          `at most ${formatBytes(capacity)} reserved in total (${key} ${formatBytes(perServer)} × ${f.cluster.jetStreamServers} JetStream servers): lower maxBytes or replicas, or give the servers more ${storage} storage`);
      }
      before = after;
    }
  }
}

const consumersCheck: IAppCheck = {
  name: 'jetstream consumers: durable names, work-queue filters',
  run(index, report) {
    for (const siblings of index.group(JETSTREAM_CONSUMERS, consumerStreamKey).values()) {
      siblings.forEach((c, i) => checkConsumer(index, report, c, siblings.slice(0, i)));
    }
  },
};

function checkConsumer(index: AppIndex, report: ProblemReport, c: JetStreamConsumer, earlier: readonly JetStreamConsumer[]): void {
  const twin = earlier.find((o) => o.durableName === c.durableName);
  const stream = c.stream.streamName;
  if (twin) {
    report.add(c, 'durableName', JSON.stringify(c.durableName), `a durable name unused on stream ${stream} (${twin.node.path} uses it too)`);
  } else {
    objectNameProblem(index, report, c, c.resource, 'durableName', c.durableName);
  }
  if (c.stream.retention !== WORK_QUEUE) return;
  const mine = c.filterSubjects.length ? c.filterSubjects : c.stream.subjects;
  for (const other of earlier.filter((o) => o.durableName !== c.durableName)) {
    const theirs = other.filterSubjects.length ? other.filterSubjects : other.stream.subjects;
    const pair = mine.flatMap((a) => theirs.filter((b) => subjectsOverlap(a, b)).map((b) => [a, b]))[0];
    if (pair) {
      const describe = (x: JetStreamConsumer, s: string) => x.filterSubjects.length ? JSON.stringify(s) : `${JSON.stringify(s)} (no filter: the whole stream)`;
      report.add(c, 'filterSubjects', `${describe(c, pair[0])}, which overlaps ${describe(other, pair[1])} of consumer ${other.durableName} at ${other.node.path}`,
        `filters no other consumer of work-queue stream ${stream} reads (nats-server gives each message of a work queue to one consumer, and refuses overlapping ones)`);
      break;
    }
  }
}

const nackAccountsCheck: IAppCheck = {
  name: 'NACK accounts: names, the cluster and account of their users',
  run(index, report) {
    for (const a of index.list(NACK_ACCOUNTS)) {
      const twin = earlierObjectTwin(index, a.resource);
      if (twin) {
        report.add(a, 'name', JSON.stringify(a.name),
          `a name unused by other Account objects in namespace ${a.resource.metadata.namespace ?? '(none)'} (${twin.node.scope?.node.path ?? twin.node.path} has it too; one would overwrite the other)`);
      }
      for (const user of index.find(NACK_ACCOUNT_USERS, userKey, `${a.namespace ?? ''}\0${a.name}`)) {
        if (clusterKey(user.cluster) !== clusterKey(a.cluster)) {
          report.add(a, 'cluster', `${a.cluster.clusterName} (${a.cluster.clientUrl}), which ${user.construct.node.path} (stream ${user.label}) connects through, on cluster ${user.cluster.clusterName} (${user.cluster.clientUrl})`,
            'the cluster of every JetStream resource whose nackAccount names this Account (NACK would log in to one system with the credentials of another)');
        } else if (a.account !== undefined && user.account !== a.account) {
          report.add(a, 'account', `${a.account}, which ${user.construct.node.path} (stream ${user.label}) connects through, declared in account ${user.account}`,
            'the account of every JetStream resource whose nackAccount names this Account (NACK creates them in the account it logs in to, not in the one their checks assume)');
        }
      }
    }
  },
};

/** Streams, key-value and object stores: what each takes from its cluster. */
export const JETSTREAM_STREAMS = new IndexKey<JetStreamFootprint>('jetstream streams', [streamsCheck]);
/** Every NACK object of the library (streams, stores, consumers, accounts), for the object-name rule. */
export const JETSTREAM_OBJECTS = new IndexKey<ApiObject>('jetstream objects');
/** Streams defined outside the app and referenced with `JetStreamStream.fromAttributes`. */
export const REFERENCED_STREAMS = new IndexKey<IJetStreamStream>('referenced streams', [streamsCheck]);
/** Durable consumers. */
export const JETSTREAM_CONSUMERS = new IndexKey<JetStreamConsumer>('jetstream consumers', [consumersCheck]);
/** NACK Account resources. */
export const NACK_ACCOUNTS = new IndexKey<NackAccount>('NACK accounts', [nackAccountsCheck]);
/** Resources that connect through a NACK Account. */
export const NACK_ACCOUNT_USERS = new IndexKey<NackAccountUser>('NACK account users');
