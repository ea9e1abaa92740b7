/**
 * The service graph: who talks to whom, declared once and recorded in the app's index, from
 * which the enforcement layers are derived (Istio authorization, NetworkPolicies, NATS
 * permissions) and against which they are checked.
 *
 * Declarations (methods of the workloads, see `IWorkload`):
 * - `a.calls(b, { ports, paths, methods })`: a request/response call from a to b;
 * - gateway-bound routes (`ServiceRoute` with `gateways`, or `declareGatewayExposure`): the
 *   gateway calls the route's workloads;
 * - `a.connectsToNats(cluster, { user })`, then `a.publishes(subjects)`, `a.subscribes(subjects)`,
 *   `a.publishesTo(stream)`, `a.consumes(consumer)`, `a.uses(bucket)`: messaging through NATS.
 *   A NATS connection is itself a call to the cluster's servers on the client port.
 *
 * Versions: an edge to or from a workload holds for every workload of the same `app` in the same
 * namespace (a canary is called, and calls, like its primary).
 */
import type { IConstruct } from 'constructs';
import { AppIndex, IndexKey } from '../core/app-index';
import type { ExternalService } from '../mesh/external-service';
import type { IJetStreamBucket } from '../nats/jetstream-storage';
import type { IJetStreamConsumer } from '../nats/jetstream-consumer';
import type { IJetStreamStream } from '../nats/jetstream-stream';
import type { INatsCluster } from '../nats/nats-cluster';
import type { HttpMethod } from '../workloads/port';
import type { IWorkload } from '../workloads/workload';
import { enforcementCheck } from './enforcement';
import { MessagingKind } from './messaging-kind';
import { natsGraphCheck } from './nats';
import { WORKLOADS } from './namespaces';

/** A declared call. */
export interface CallEdge {
  readonly from: IWorkload;
  readonly to: IWorkload;
  /** Container ports of the target; undefined: every port. */
  readonly ports?: number[];
  /** HTTP paths (Istio authorization syntax); undefined: any. */
  readonly paths?: string[];
  /** HTTP methods; undefined: any. */
  readonly methods?: HttpMethod[];
  /** Where it was declared, for messages. */
  readonly declaredAt: IConstruct;
  /** Set on the calls a NATS connection implies. */
  readonly nats?: INatsCluster;
}

/** A workload's login to a NATS system. */
export interface NatsConnection {
  readonly workload: IWorkload;
  readonly cluster: INatsCluster;
  /** The NATS user it logs in as. */
  readonly user: string;
}

export { MessagingKind } from './messaging-kind';

/** A messaging declaration of a workload. */
export interface MessagingEdge {
  readonly workload: IWorkload;
  readonly kind: MessagingKind;
  /** Subjects (PUBLISH, SUBSCRIBE, PUBLISH_TO_STREAM). */
  readonly subjects?: string[];
  readonly stream?: IJetStreamStream;
  readonly consumer?: IJetStreamConsumer;
  readonly bucket?: IJetStreamBucket;
}

/** A call to a service outside the cluster (`ExternalService.addCaller`). */
export interface ExternalCall {
  readonly from: IWorkload;
  readonly service: ExternalService;
  readonly ports: number[];
}

/** Calls to services outside the cluster. */
export const EXTERNAL_CALLS = new IndexKey<ExternalCall>('external calls', () => [enforcementCheck]);

/** Declared calls. */
export const CALLS = new IndexKey<CallEdge>('calls', () => [enforcementCheck]);
/** NATS logins. */
export const NATS_CONNECTIONS = new IndexKey<NatsConnection>('NATS connections', () => [enforcementCheck, natsGraphCheck]);
/** Messaging declarations. */
export const MESSAGING = new IndexKey<MessagingEdge>('messaging', () => [natsGraphCheck]);

/** `<namespace>/<app>`: the versions of one application. */
export function appKey(w: IWorkload): string {
  return `${w.namespace ?? ''}/${w.app}`;
}

/** Every workload of the app of `w` in its namespace (managed ones), or `w` alone. */
export function versionsOf(index: AppIndex, w: IWorkload): readonly IWorkload[] {
  if (!w.managed) return [w];
  const versions = index.find(WORKLOADS, appKey, appKey(w));
  return versions.length ? versions : [w];
}

const allCallsKey = {};

/**
 * Every call of the app: the declared ones and those NATS connections imply (to the cluster's
 * servers, on the client port), each once.
 */
export function allCalls(index: AppIndex): readonly CallEdge[] {
  return index.memo(allCallsKey, () => {
    const out: CallEdge[] = [...index.list(CALLS)];
    for (const c of index.list(NATS_CONNECTIONS)) {
      const servers = c.cluster.serverWorkload;
      if (servers) out.push({ from: c.workload, to: servers, ports: [c.cluster.clientPort], declaredAt: c.workload, nats: c.cluster });
    }
    return out;
  });
}

const incomingKey = {};
const outgoingKey = {};

function callsBy(index: AppIndex, memoKey: object, end: (e: CallEdge) => IWorkload): ReadonlyMap<string, readonly CallEdge[]> {
  return index.memo(memoKey, () => {
    const map = new Map<string, CallEdge[]>();
    for (const e of allCalls(index)) {
      const k = appKey(end(e));
      const list = map.get(k);
      if (list) list.push(e);
      else map.set(k, [e]);
    }
    return map;
  });
}

/** Calls to any version of `w`'s app, in the order declared. */
export function callsTo(index: AppIndex, w: IWorkload): readonly CallEdge[] {
  return callsBy(index, incomingKey, (e) => e.to).get(appKey(w)) ?? [];
}

/** Calls from any version of `w`'s app, in the order declared. */
export function callsFrom(index: AppIndex, w: IWorkload): readonly CallEdge[] {
  return callsBy(index, outgoingKey, (e) => e.from).get(appKey(w)) ?? [];
}

/** The NATS logins of any version of `w`'s app. */
export function natsConnectionsOf(index: AppIndex, w: IWorkload): readonly NatsConnection[] {
  return index.find(NATS_CONNECTIONS, connectionApp, appKey(w));
}

/** The messaging declarations of any version of `w`'s app. */
export function messagingOf(index: AppIndex, w: IWorkload): readonly MessagingEdge[] {
  return index.find(MESSAGING, messagingApp, appKey(w));
}

/** The workloads that log in to `cluster` as `user`. */
export function workloadsOfNatsUser(index: AppIndex, cluster: INatsCluster, user: string): readonly NatsConnection[] {
  return index.list(NATS_CONNECTIONS).filter((c) => c.user === user && c.cluster.clientUrl === cluster.clientUrl);
}

const connectionApp = (c: NatsConnection) => appKey(c.workload);
const messagingApp = (m: MessagingEdge) => appKey(m.workload);
