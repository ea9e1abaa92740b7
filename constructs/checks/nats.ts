/**
 * The NATS side of the service graph, checked once per app over the index (collected, not
 * thrown; each problem shown on the workload whose declaration it concerns):
 * - a messaging declaration that names a stream, consumer or bucket of a cluster the workload's
 *   app does not log in to (`connectsToNats`), or of another account than the user it logs in as;
 *   core subjects (`publishes`, `subscribes`) without any NATS login;
 * - `connectsToNats` with a user the cluster does not have;
 * - a consumer a workload consumes whose stream no stream of the app holds (neither a
 *   JetStreamStream nor `JetStreamStream.fromAttributes`);
 * - core subjects granted to a user with `permissionsFromGraph` that reach other users' inboxes
 *   or the JetStream and system APIs (a first-token wildcard, `_INBOX...`, `$JS`, `$KV`, ...);
 * - a user with `permissionsFromGraph` that no workload logs in as: a warning (addWarning on the
 *   cluster), not an error.
 *
 * The records: every NATS system of the app (NatsCluster with its users, NatsCluster.fromAttributes
 * without); streams are read from JETSTREAM_STREAMS and REFERENCED_STREAMS. The check runs when a NATS system exists:
 * every stream, consumer and bucket names one; it is also listed on MESSAGING and
 * NATS_CONNECTIONS, so that core subjects without any NATS system in the app are checked too.
 */
import { MessagingKind } from './messaging-kind';
import { MessagingEdge, NatsConnection, MESSAGING, NATS_CONNECTIONS, natsConnectionsOf } from './graph';
import { JETSTREAM_STREAMS, REFERENCED_STREAMS, clusterKey } from './jetstream';
import { AppIndex, IAppCheck, IndexKey, ProblemReport } from '../core/app-index';
import { addWarning } from '../core/errors';
import type { IJetStreamStream } from '../nats/jetstream-stream';
import { PROXY_CONFIG_ANNOTATION, parseMeshProxyConfig } from '../mesh/proxy-config';
import { natsInboxPrefix } from '../nats/nats-auth';
import { meshSidecarResources } from './namespaces';
import type { IConstruct } from 'constructs';
import type { Workload } from '../workloads/workload';
import type { INatsCluster, NatsClusterUser } from '../nats/nats-cluster';

/** A NATS system of the app: its users when the app defines it (NatsCluster), none when it exists elsewhere. */
export interface NatsSystemRecord {
  readonly cluster: INatsCluster;
  /** Its users (empty without auth); undefined when unknown (NatsCluster.fromAttributes). */
  readonly users?: readonly NatsClusterUser[];
}

/** First tokens only JetStream, the system and NATS itself publish and subscribe on. */
const RESERVED = ['$JS', '$JSC', '$KV', '$O', '$SYS', '$NRG'];

const FIELDS: Record<MessagingKind, string> = {
  [MessagingKind.PUBLISH]: 'publishes',
  [MessagingKind.SUBSCRIBE]: 'subscribes',
  [MessagingKind.PUBLISH_TO_STREAM]: 'publishesTo',
  [MessagingKind.CONSUME]: 'consumes',
  [MessagingKind.USE_BUCKET]: 'uses',
};

/** `consumes(payment-charge)`, `publishesTo(ORDERS)`, `uses(carts)`, `publishes`. */
function fieldOf(m: MessagingEdge): string {
  const field = FIELDS[m.kind];
  if (m.consumer) return `${field}(${m.consumer.durableName})`;
  if (m.bucket) return `${field}(${m.bucket.bucket})`;
  if (m.stream) return `${field}(${m.stream.streamName})`;
  return field;
}

/** What a declaration names, for messages. */
function describeTarget(m: MessagingEdge): string {
  if (m.consumer) return `consumer ${m.consumer.durableName} of stream ${m.consumer.stream.streamName}`;
  if (m.bucket) return `${m.bucket.bucketType === 'object' ? 'object store' : 'key-value bucket'} ${m.bucket.bucket}`;
  return `stream ${m.stream!.streamName}`;
}

const sameCluster = (a: INatsCluster, b: INatsCluster) => clusterKey(a) === clusterKey(b);

/** The users of `cluster` when some record of it knows them. */
function usersOf(index: AppIndex, cluster: INatsCluster): readonly NatsClusterUser[] | undefined {
  return index.list(NATS_SYSTEMS).find((s) => s.users !== undefined && sameCluster(s.cluster, cluster))?.users;
}

function checkLogins(index: AppIndex, report: ProblemReport): void {
  for (const c of index.list(NATS_CONNECTIONS)) {
    const users = usersOf(index, c.cluster);
    // A cluster without auth has no users to match (and ignores the credentials).
    if (!users?.length || users.some((u) => u.name === c.user)) continue;
    report.add(c.workload, 'connectsToNats.user', `${JSON.stringify(c.user)} on NATS cluster ${c.cluster.clusterName}`,
      `one of the users of cluster ${c.cluster.clusterName}: ${users.map((u) => u.name).join(', ')} (nats-server would refuse the login)`);
  }
}

function checkMessaging(index: AppIndex, report: ProblemReport, m: MessagingEdge): void {
  const w = m.workload;
  const logins = natsConnectionsOf(index, w);
  const cluster = m.consumer?.stream.cluster ?? m.stream?.cluster ?? m.bucket?.cluster;
  const field = fieldOf(m);
  if (!cluster) {
    if (logins.length === 0) {
      report.add(w, field, `core NATS subjects ${JSON.stringify(m.subjects ?? [])} of ${w.name}, whose app ${w.app} logs in to no NATS cluster`,
        `a connectsToNats(cluster, { user }) for ${w.name} or another version of ${w.app}: the subjects are granted to the user it logs in as`);
    }
    return;
  }
  const login = logins.find((c) => sameCluster(c.cluster, cluster));
  if (!login) {
    const elsewhere = logins.length ? ` (it logs in to ${logins.map((c) => `${c.cluster.clusterName} as ${c.user}`).join(', ')})` : '';
    report.add(w, field, `${describeTarget(m)} on NATS cluster ${cluster.clusterName}, which ${w.name} does not log in to${elsewhere}`,
      `a connectsToNats(${cluster.clusterName}, { user }) for ${w.name} or another version of ${w.app} before it uses the cluster's streams, consumers and buckets (their permissions are granted to the user it logs in as)`);
    return;
  }
  const account = m.consumer?.stream.account ?? m.stream?.account ?? m.bucket?.account;
  const user = usersOf(index, cluster)?.find((u) => u.name === login.user);
  if (user && account !== undefined && user.account !== account) {
    report.add(w, field, `${describeTarget(m)} of account ${account}, while ${w.name} logs in to ${cluster.clusterName} as ${user.name} of account ${user.account}`,
      `a login as a user of account ${account}: JetStream resources are reachable only from their own account`);
  }
}

/** Whether a stream of the app (or one declared by attributes) holds the consumer's stream. */
function streamHeld(index: AppIndex, s: IJetStreamStream): boolean {
  return index.list(JETSTREAM_STREAMS).some((f) => sameCluster(f.cluster, s.cluster) && f.account === s.account && f.streamName === s.streamName)
    || index.list(REFERENCED_STREAMS).some((e) => sameCluster(e.cluster, s.cluster) && e.account === s.account && e.streamName === s.streamName);
}

function checkConsumedStream(index: AppIndex, report: ProblemReport, m: MessagingEdge): void {
  const c = m.consumer;
  if (m.kind !== MessagingKind.CONSUME || !c || streamHeld(index, c.stream)) return;
  const s = c.stream;
  report.add(m.workload, fieldOf(m), `consumer ${c.durableName} of stream ${s.streamName} (account ${s.account} of cluster ${s.cluster.clusterName}), which no stream of this app holds`,
    `a consumer of a stream the app declares: a JetStreamStream, or JetStreamStream.fromAttributes for one that exists elsewhere (nothing creates stream ${s.streamName} here, so NACK cannot create the consumer)`);
}

/** Why a core subject granted to a graph-derived user is refused, or undefined. */
function reservedProblem(subject: string): string | undefined {
  const first = subject.split('.')[0];
  if (first === '*' || first === '>') return 'a first-token wildcard also matches other users\' inboxes (_INBOX_<user>.<id>)';
  if (first.startsWith('_INBOX')) return 'inboxes are granted per user (its own: _INBOX_<user>.>), never declared';
  if (RESERVED.includes(first)) return `${first} subjects are reached through publishesTo, consumes and uses, which grant only what each needs`;
  return undefined;
}

function checkReserved(index: AppIndex, report: ProblemReport, m: MessagingEdge): void {
  if (m.kind !== MessagingKind.PUBLISH && m.kind !== MessagingKind.SUBSCRIBE) return;
  const graphUser = natsConnectionsOf(index, m.workload).find((c) => usersOf(index, c.cluster)?.some((u) => u.name === c.user && u.permissionsFromGraph));
  if (!graphUser) return;
  (m.subjects ?? []).forEach((s, i) => {
    const why = reservedProblem(s);
    if (why) {
      report.add(m.workload, `${FIELDS[m.kind]}[${i}]`, `${JSON.stringify(s)}, granted to NATS user ${graphUser.user} of cluster ${graphUser.cluster.clusterName} (permissionsFromGraph)`,
        `a subject of the application's own, not starting with a wildcard, _INBOX or ${RESERVED.join(', ')}: ${why}`);
    }
  });
}

/** Warnings already recorded, by cluster (a later synth runs the checks again). */
const warned = new WeakMap<INatsCluster, Set<string>>();

function warnUnusedGraphUsers(system: NatsSystemRecord, logins: readonly NatsConnection[]): void {
  const cluster = system.cluster;
  for (const u of system.users ?? []) {
    if (!u.permissionsFromGraph || logins.some((c) => c.user === u.name && sameCluster(c.cluster, cluster))) continue;
    const done = warned.get(cluster) ?? new Set<string>();
    warned.set(cluster, done);
    if (done.has(u.name)) continue;
    done.add(u.name);
    addWarning(cluster, `user ${u.name} (account ${u.account}) has permissionsFromGraph, but no workload logs in as it (connectsToNats(cluster, { user: ${JSON.stringify(u.name)} })): `
      + `it may subscribe to its inbox ${natsInboxPrefix(u.name)}.> and publish nothing`);
  }
}

/** Runs every rule above. */
/**
 * A workload in the mesh that logs in to NATS connects at start-up, through its sidecar: before
 * the sidecar is ready the connection fails, and clients that give up crash-loop. Istio's
 * `holdApplicationUntilProxyStarts` (annotation `proxy.istio.io/config`) starts the application
 * once the proxy runs.
 */
function checkProxyFirst(index: AppIndex, report: ProblemReport, logins: readonly NatsConnection[]): void {
  const seen = new Set<IConstruct>();
  for (const c of logins) {
    const w = c.workload;
    if (!w.managed || seen.has(w) || w.sidecarOptOut || !meshSidecarResources(index, w.namespace)) continue;
    seen.add(w);
    const annotation = (w as Workload).declaredPodAnnotations[PROXY_CONFIG_ANNOTATION]; // managed: a Workload
    const hold = annotation === undefined ? undefined : parseMeshProxyConfig(annotation).config?.holdApplicationUntilProxyStarts;
    if (hold === true) continue;
    report.add(w, `podAnnotations["${PROXY_CONFIG_ANNOTATION}"]`, annotation === undefined ? 'nothing' : JSON.stringify(annotation),
      `holdApplicationUntilProxyStarts: true, e.g. meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: true }): ${w.name} logs in to NATS cluster ${c.cluster.clusterName} through its sidecar, and a connection made before the sidecar is ready fails`);
  }
}

export const natsGraphCheck: IAppCheck = {
  name: 'NATS in the service graph: logins, users, consumed streams, graph-derived permissions',
  run(index, report) {
    checkLogins(index, report);
    for (const m of index.list(MESSAGING)) {
      checkMessaging(index, report, m);
      checkConsumedStream(index, report, m);
      checkReserved(index, report, m);
    }
    const logins = index.list(NATS_CONNECTIONS);
    for (const system of index.list(NATS_SYSTEMS)) warnUnusedGraphUsers(system, logins);
    checkProxyFirst(index, report, logins);
  },
};

/** NATS systems of the app: NatsCluster (with its users) and NatsCluster.fromAttributes. */
export const NATS_SYSTEMS = new IndexKey<NatsSystemRecord>('NATS systems', [natsGraphCheck]);
