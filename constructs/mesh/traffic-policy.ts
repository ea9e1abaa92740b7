import { Duration } from 'cdk8s';
import {
  DestinationRuleSpecTrafficPolicy, DestinationRuleSpecTrafficPolicyConnectionPoolHttp, DestinationRuleSpecTrafficPolicyConnectionPoolTcp,
  DestinationRuleSpecTrafficPolicyLoadBalancer, DestinationRuleSpecTrafficPolicyLoadBalancerSimple, DestinationRuleSpecTrafficPolicyOutlierDetection,
} from '../imports/networking.istio.io';
import { ValueProblem } from '../core/errors';
import { shape } from '../core/runtime-types';
import { durationProblem, isLowerCaseHeaderName, istioDuration, percentageProblem } from './route-model';

/** How the client proxy spreads requests over the endpoints of a service (or subset). */
export class LoadBalancer {
  /** Each endpoint in turn. */
  public static readonly ROUND_ROBIN = new LoadBalancer('ROUND_ROBIN');
  /** The endpoint with the fewest active requests among two picked at random (Istio's default). */
  public static readonly LEAST_REQUEST = new LoadBalancer('LEAST_REQUEST');
  /** A random endpoint. */
  public static readonly RANDOM = new LoadBalancer('RANDOM');
  /** The address the caller asked for, without load balancing. */
  public static readonly PASSTHROUGH = new LoadBalancer('PASSTHROUGH');

  /** Requests with the same value of this header go to the same endpoint (session affinity). */
  public static consistentHashByHeader(headerName: string): LoadBalancer {
    return new LoadBalancer(undefined, headerName);
  }

  private constructor(
    /** The simple algorithm, when not hashing. */
    public readonly simple?: string,
    /** The header hashed, when hashing. */
    public readonly hashHeader?: string,
  ) {}

  /** Human-readable form. */
  public toString(): string {
    return this.simple ?? `consistent hash of header ${this.hashHeader}`;
  }
}

/** TCP-level limits of the connection pool to each endpoint host. */
export interface TcpConnectionPool {
  /**
   * Most connections to the destination.
   * @default - Istio's default (2^32-1)
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default - Istio's default (10s)
   */
  readonly connectTimeout?: Duration;
}

/** HTTP-level limits of the connection pool. */
export interface HttpConnectionPool {
  /**
   * Most requests queued while waiting for a connection.
   * @default - Istio's default (2^32-1)
   */
  readonly http1MaxPendingRequests?: number;
  /**
   * Most active requests to the destination.
   * @default - Istio's default (2^32-1)
   */
  readonly http2MaxRequests?: number;
  /**
   * Requests per connection before it is closed (1 disables keep-alive).
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * Idle time after which an upstream connection is closed.
   * @default - Istio's default (1h)
   */
  readonly idleTimeout?: Duration;
}

/** Connection pool limits (circuit breaking by volume). */
export interface ConnectionPool {
  /** @default - Istio's defaults */
  readonly tcp?: TcpConnectionPool;
  /** @default - Istio's defaults */
  readonly http?: HttpConnectionPool;
}

/** Ejection of failing endpoints from the load-balancing pool (circuit breaking by errors). */
export interface OutlierDetection {
  /**
   * Consecutive 5xx answers (or connection errors) that eject an endpoint; 0 disables.
   * @default 5
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Time between ejection sweeps.
   * @default - Istio's default (10s)
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection time (multiplied by the number of ejections).
   * @default - Istio's default (30s)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Most endpoints ejected at once, as a whole percentage.
   * @default - Istio's default (10)
   */
  readonly maxEjectionPercent?: number;
}

/** Connection pool, outlier detection and load balancing toward a service or one subset of it. */
export interface TrafficPolicy {
  /** @default - Istio's defaults */
  readonly connectionPool?: ConnectionPool;
  /** @default - no outlier detection */
  readonly outlierDetection?: OutlierDetection;
  /** @default - LEAST_REQUEST (Istio's default) */
  readonly loadBalancer?: LoadBalancer;
}

const INT32_MAX = 2_147_483_647;

/** The types of a traffic policy's parts (their values are checked by trafficPolicyProblems). */
const TRAFFIC_POLICY_TYPES = shape({
  connectionPool: shape({
    tcp: shape({}, 'TCP limits { maxConnections, connectTimeout }'),
    http: shape({}, 'HTTP limits { http1MaxPendingRequests, http2MaxRequests, maxRequestsPerConnection, idleTimeout }'),
  }, 'a connection pool { tcp, http }'),
  outlierDetection: shape({}, 'outlier detection { consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent }'),
}, 'a traffic policy { connectionPool, outlierDetection, loadBalancer }');

function countProblem(field: string, value: number | undefined, min: number): ValueProblem[] {
  if (value === undefined) return [];
  if (!Number.isInteger(value) || value < min || value > INT32_MAX) {
    return [{ field, received: String(value), allowed: `an integer from ${min} to ${INT32_MAX}` }];
  }
  return [];
}

/** Everything wrong with a traffic policy (fields relative to it); empty when it can be used. */
export function trafficPolicyProblems(tp: TrafficPolicy): ValueProblem[] {
  const wrongType = TRAFFIC_POLICY_TYPES.problem(tp);
  if (wrongType) return [wrongType];
  const out: ValueProblem[] = [];
  const tcp = tp.connectionPool?.tcp;
  const http = tp.connectionPool?.http;
  const od = tp.outlierDetection;
  out.push(...countProblem('connectionPool.tcp.maxConnections', tcp?.maxConnections, 1));
  out.push(...durationProblem('connectionPool.tcp.connectTimeout', tcp?.connectTimeout));
  out.push(...countProblem('connectionPool.http.http1MaxPendingRequests', http?.http1MaxPendingRequests, 1));
  out.push(...countProblem('connectionPool.http.http2MaxRequests', http?.http2MaxRequests, 1));
  if (http?.maxRequestsPerConnection === 0) {
    out.push({ field: 'connectionPool.http.maxRequestsPerConnection', received: '0', allowed: 'an integer from 1 (0 means unlimited: leave it unset)' });
  } else {
    out.push(...countProblem('connectionPool.http.maxRequestsPerConnection', http?.maxRequestsPerConnection, 1));
  }
  out.push(...durationProblem('connectionPool.http.idleTimeout', http?.idleTimeout));
  out.push(...countProblem('outlierDetection.consecutive5xxErrors', od?.consecutive5xxErrors, 0));
  out.push(...durationProblem('outlierDetection.interval', od?.interval));
  out.push(...durationProblem('outlierDetection.baseEjectionTime', od?.baseEjectionTime));
  if (od?.maxEjectionPercent !== undefined && !Number.isInteger(od.maxEjectionPercent)) {
    out.push({ field: 'outlierDetection.maxEjectionPercent', received: String(od.maxEjectionPercent), allowed: 'a whole percentage from 0 to 100' });
  } else {
    out.push(...percentageProblem('outlierDetection.maxEjectionPercent', od?.maxEjectionPercent));
  }
  const lb = tp.loadBalancer;
  if (lb !== undefined) {
    if (!(lb instanceof LoadBalancer)) {
      out.push({ field: 'loadBalancer', received: String(lb), allowed: 'a LoadBalancer (ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, consistentHashByHeader(name))' });
    } else if (lb.hashHeader !== undefined && !isLowerCaseHeaderName(lb.hashHeader)) {
      out.push({ field: 'loadBalancer', received: JSON.stringify(lb.hashHeader), allowed: 'a lower-case HTTP header name to hash' });
    }
  }
  return out;
}

/**
 * The DestinationRule `trafficPolicy` of a policy, or undefined when it sets nothing. The same
 * shape serves subsets and both API versions (all served versions share one schema).
 */
export function renderTrafficPolicy(tp: TrafficPolicy | undefined): DestinationRuleSpecTrafficPolicy | undefined {
  if (!tp) return undefined;
  const dur = (d: Duration | undefined) => (d === undefined ? undefined : istioDuration(d));
  const tcp = tp.connectionPool?.tcp;
  const http = tp.connectionPool?.http;
  const renderedTcp: DestinationRuleSpecTrafficPolicyConnectionPoolTcp | undefined = tcp && (tcp.maxConnections !== undefined || tcp.connectTimeout !== undefined)
    ? { maxConnections: tcp.maxConnections, connectTimeout: dur(tcp.connectTimeout) } : undefined;
  const renderedHttp: DestinationRuleSpecTrafficPolicyConnectionPoolHttp | undefined = http && Object.values(http).some((v) => v !== undefined)
    ? {
      http1MaxPendingRequests: http.http1MaxPendingRequests,
      http2MaxRequests: http.http2MaxRequests,
      maxRequestsPerConnection: http.maxRequestsPerConnection,
      idleTimeout: dur(http.idleTimeout),
    } : undefined;
  const od = tp.outlierDetection;
  const outlierDetection: DestinationRuleSpecTrafficPolicyOutlierDetection | undefined = od
    ? {
      consecutive5XxErrors: od.consecutive5xxErrors ?? 5,
      interval: dur(od.interval),
      baseEjectionTime: dur(od.baseEjectionTime),
      maxEjectionPercent: od.maxEjectionPercent,
    } : undefined;
  const policy: DestinationRuleSpecTrafficPolicy = {
    connectionPool: renderedTcp || renderedHttp ? { tcp: renderedTcp, http: renderedHttp } : undefined,
    outlierDetection,
    loadBalancer: renderLoadBalancer(tp.loadBalancer),
  };
  return Object.values(policy).some((v) => v !== undefined) ? policy : undefined;
}

function renderLoadBalancer(lb: LoadBalancer | undefined): DestinationRuleSpecTrafficPolicyLoadBalancer | undefined {
  if (!lb) return undefined;
  if (lb.hashHeader !== undefined) return { consistentHash: { httpHeaderName: lb.hashHeader } };
  return { simple: lb.simple as DestinationRuleSpecTrafficPolicyLoadBalancerSimple };
}
