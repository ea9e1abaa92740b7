import { Duration } from 'cdk8s';
import { ValueProblem, describeValue } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { Microservice } from '../workloads/microservice';
import { HttpMethod } from '../workloads/port';

/**
 * The typed route model of a ServiceRoute: ordered rules with matches, weighted destinations,
 * retries, timeouts, fault injection, mirroring, CORS, rewrites, redirects and direct responses.
 * The same model renders an Istio VirtualService and, optionally, a Gateway API HTTPRoute.
 */

/** Conditions under which Envoy retries a request (the tokens of Istio's `retryOn`). */
export enum RetryOn {
  /** The upstream answered 5xx, or did not answer (includes connect failures and resets). */
  HTTP_5XX = '5xx',
  /** 502, 503 or 504. */
  GATEWAY_ERROR = 'gateway-error',
  /** The upstream reset the connection or stream before answering. */
  RESET = 'reset',
  /** The connection could not be established. */
  CONNECT_FAILURE = 'connect-failure',
  /** 409 Conflict. */
  RETRIABLE_4XX = 'retriable-4xx',
  /** The upstream refused the HTTP/2 stream (REFUSED_STREAM). */
  REFUSED_STREAM = 'refused-stream',
  /** The status codes listed in `retriableStatusCodes`. */
  RETRIABLE_STATUS_CODES = 'retriable-status-codes',
  /** Envoy's rate limiter refused the request. */
  ENVOY_RATELIMITED = 'envoy-ratelimited',
  /** gRPC status CANCELLED. */
  GRPC_CANCELLED = 'cancelled',
  /** gRPC status DEADLINE_EXCEEDED. */
  GRPC_DEADLINE_EXCEEDED = 'deadline-exceeded',
  /** gRPC status INTERNAL. */
  GRPC_INTERNAL = 'internal',
  /** gRPC status RESOURCE_EXHAUSTED. */
  GRPC_RESOURCE_EXHAUSTED = 'resource-exhausted',
  /** gRPC status UNAVAILABLE. */
  GRPC_UNAVAILABLE = 'unavailable',
}

/**
 * Retry conditions that hold only when the request never reached the application (the
 * connection could not be made, the upstream refused the HTTP/2 stream before reading it, or
 * Envoy's rate limiter refused it): safe for any request. Every other condition fires after the
 * application may have acted on the request (`reset` after it was sent, a 5xx, 409 or gRPC status
 * the application answered).
 */
export const RETRY_ON_BEFORE_APPLICATION: readonly RetryOn[] = [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.ENVOY_RATELIMITED];

/** Methods whose requests may be repeated without changing the result (RFC 9110): all but POST, PATCH and CONNECT. */
export const IDEMPOTENT_METHODS: readonly HttpMethod[] = [
  HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE,
];

/** Istio's retry policy for a route rule without `retries` (Istio 1.23, `retry.DefaultPolicy`). */
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503)';

/**
 * Conditions on a request; all given conditions must hold. Give at most one of `pathPrefix`,
 * `pathExact` and `pathRegex`.
 *
 * Prefixes: Istio matches the string prefix (`/api` also matches `/apix`), Gateway API whole
 * path segments (`/api` matches `/api` and `/api/x`, not `/apix`). End a prefix with `/` or use
 * segment-shaped prefixes when both outputs must behave alike.
 */
export interface RouteMatch {
  /**
   * Path starts with this value (starts with `/`).
   * @default - any path
   */
  readonly pathPrefix?: string;
  /**
   * Path equals this value (starts with `/`).
   * @default - any path
   */
  readonly pathExact?: string;
  /**
   * Path matches this RE2 regular expression (not with Gateway API output).
   * @default - any path
   */
  readonly pathRegex?: string;
  /**
   * Request headers with exactly these values; names in lower case.
   * @default - no header condition
   */
  readonly headers?: { [name: string]: string };
  /**
   * One of these methods.
   * @default - any method
   */
  readonly methods?: HttpMethod[];
}

/** A weighted destination: a version of the route's application. */
export interface RouteDestination {
  /** A workload among the route's `versions` (or the route's service when it has no versions). */
  readonly workload: Microservice;
  /**
   * Share of the traffic, an integer percentage.
   * @default 100 for a single destination; required with several (they sum to 100)
   */
  readonly weight?: number;
}

/** Retry policy of a rule. */
export interface RouteRetries {
  /** Retries after the first try (0 disables retries). */
  readonly attempts: number;
  /**
   * Timeout of each try.
   * @default - the rule's timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * When to retry. On a rule whose requests are not idempotent (see `RouteRule.idempotent`), only
   * RETRY_ON_BEFORE_APPLICATION, and it must be given.
   * @default - Istio's default (connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes with 503)
   */
  readonly retryOn?: RetryOn[];
  /**
   * Status codes retried with RetryOn.RETRIABLE_STATUS_CODES (added to `retryOn` when given).
   * @default - none
   */
  readonly retriableStatusCodes?: number[];
}

/** Delay injected before forwarding. */
export interface FaultDelay {
  /** The delay. */
  readonly fixed: Duration;
  /**
   * Percentage of requests delayed (0-100).
   * @default 100
   */
  readonly percentage?: number;
}

/** Requests aborted with a status code. */
export interface FaultAbort {
  /** Status returned (200-599). */
  readonly httpStatus: number;
  /**
   * Percentage of requests aborted (0-100).
   * @default 100
   */
  readonly percentage?: number;
}

/** Fault injection (testing resilience); not with Gateway API output. */
export interface FaultInjection {
  /** @default - no delay */
  readonly delay?: FaultDelay;
  /** @default - no abort */
  readonly abort?: FaultAbort;
}

/** Copies of the requests sent to another workload; its answers are dropped. */
export interface RouteMirror {
  /**
   * A workload with its own Service other than the route's host (e.g. a shadow version). With
   * Gateway API output, a workload in another namespace needs a ReferenceGrant there.
   */
  readonly workload: Microservice;
  /**
   * Percentage of requests mirrored (0-100); Gateway API output mirrors all of them.
   * @default 100
   */
  readonly percentage?: number;
}

/** Cross-origin resource sharing answered by the proxy; not with Gateway API output. */
export interface CorsPolicy {
  /** Origins allowed, exactly (`https://shop.example.com`), or `*`. */
  readonly allowOrigins: string[];
  /** @default - none */
  readonly allowMethods?: HttpMethod[];
  /** @default - none */
  readonly allowHeaders?: string[];
  /** @default - none */
  readonly exposeHeaders?: string[];
  /**
   * How long browsers cache the preflight answer.
   * @default - not set
   */
  readonly maxAge?: Duration;
  /**
   * Browsers may send credentials (not with origin `*`).
   * @default - not set
   */
  readonly allowCredentials?: boolean;
}

/** Rewrites the path before forwarding. */
export interface RouteRewrite {
  /** The matched prefix (prefix matches) or the whole path (exact matches) is replaced by this. */
  readonly uri: string;
}

/** Answers with a redirect instead of forwarding. */
export interface RouteRedirect {
  /**
   * New path.
   * @default - unchanged
   */
  readonly uri?: string;
  /**
   * New host name.
   * @default - unchanged
   */
  readonly authority?: string;
  /**
   * Status code: 301, 302, 303, 307 or 308 (Gateway API: 301 or 302).
   * @default 301
   */
  readonly code?: number;
}

/** Answers directly instead of forwarding; not with Gateway API output. */
export interface DirectResponse {
  /** Status (200-599). */
  readonly status: number;
  /**
   * Body text.
   * @default - empty
   */
  readonly body?: string;
}

/**
 * One routing rule. Rules are tried in order and the first whose matches hold applies. A rule
 * either routes (destinations, rewrite, mirror, retries, timeout), redirects, or answers
 * directly.
 */
export interface RouteRule {
  /** Name (DNS label, unique in the route). */
  readonly name: string;
  /**
   * Any of these matches (OR); each match's conditions all hold (AND).
   * @default - every request (a catch-all rule, which must come last)
   */
  readonly matches?: RouteMatch[];
  /**
   * Destinations of this rule.
   * @default - the route's versions (or its service)
   */
  readonly destinations?: RouteDestination[];
  /**
   * Time allowed for the whole request, retries included.
   * @default - no timeout
   */
  readonly timeout?: Duration;
  /**
   * Retries. A routing rule without them is written with `retries: { attempts: 0 }`: Istio's
   * default policy (2 retries on connect-failure, refused-stream, unavailable, cancelled and 503)
   * would otherwise repeat requests the application has already acted on.
   * @default - no retries (attempts 0)
   */
  readonly retries?: RouteRetries;
  /**
   * Whether the requests this rule matches may be repeated without changing the result.
   * - `false`: never retried; `retries` with attempts above 0 are refused (payments, orders).
   * - `true`: any retry condition (reads, or an application that deduplicates repeated requests,
   *   e.g. by an idempotency key).
   * - unset: inferred from the methods the rule matches. A rule that can match POST, PATCH or
   *   CONNECT (a match without methods matches every method, and every gRPC call is a POST) may
   *   retry only on RETRY_ON_BEFORE_APPLICATION (connect-failure, refused-stream,
   *   envoy-ratelimited), named in `retryOn`; a rule that matches only GET, HEAD, OPTIONS, TRACE,
   *   PUT or DELETE, anything.
   * @default - inferred from the methods matched
   */
  readonly idempotent?: boolean;
  /** @default - none */
  readonly fault?: FaultInjection;
  /** @default - none */
  readonly mirror?: RouteMirror;
  /** @default - none */
  readonly cors?: CorsPolicy;
  /** @default - none */
  readonly rewrite?: RouteRewrite;
  /** @default - none */
  readonly redirect?: RouteRedirect;
  /** @default - none */
  readonly directResponse?: DirectResponse;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by ServiceRoute and TrafficPolicy (value checks and text forms).

/** RFC 7230 token in lower case. */
const LOWER_HEADER = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * Whether `host` is a fully qualified host name (`shop.example.com`, `*.example.com`): a
 * lower-case DNS name with at least one dot, optionally behind a leading `*.` wildcard.
 */
export function isExternalHost(host: string): boolean {
  if (typeof host !== 'string' || host.length > 253) return false;
  const name = host.startsWith('*.') ? host.slice(2) : host;
  return isDnsSubdomain(name) && name.includes('.');
}

/** Whether `name` is a lower-case HTTP header name. */
export function isLowerCaseHeaderName(name: string): boolean {
  return LOWER_HEADER.test(name);
}

/** Milliseconds of a Duration, unrounded. */
export function durationMillis(d: Duration): number {
  return d.toMilliseconds({ integral: false });
}

/** A problem when the Duration is not a whole number of milliseconds of at least 1ms. */
export function durationProblem(field: string, d: Duration | undefined): ValueProblem[] {
  if (d === undefined) return [];
  if (!(d instanceof Duration)) {
    return [{ field, received: describeValue(d), allowed: 'a Duration such as Duration.seconds(10)' }];
  }
  const ms = durationMillis(d);
  if (!Number.isInteger(ms) || ms < 1) {
    return [{ field, received: `${ms}ms`, allowed: 'a whole number of milliseconds, at least 1ms (Istio refuses shorter durations)' }];
  }
  return [];
}

/**
 * A Duration as Istio writes it: seconds with up to three decimals (`5s`, `0.25s`), which both
 * protobuf's and Go's duration parsers accept.
 */
export function istioDuration(d: Duration): string {
  const ms = Math.round(durationMillis(d));
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${(ms / 1000).toFixed(3).replace(/0+$/, '')}s`;
}

/** A Duration as Gateway API writes it (`1h2m3s4ms`, each number at most 5 digits). */
export function gatewayApiDuration(d: Duration): string {
  let ms = Math.round(durationMillis(d));
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as Array<[string, number]>) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.length ? parts.join('') : '0s';
}

/** A short duration for messages (`6s`, `1.5s`). */
export function showDuration(ms: number): string {
  return istioDuration(Duration.millis(ms));
}

/** A problem when the value is not a number from 0 to 100. */
export function percentageProblem(field: string, value: number | undefined): ValueProblem[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    return [{ field, received: describeValue(value), allowed: 'a percentage from 0 to 100' }];
  }
  return [];
}

/**
 * The DestinationRule subset name of a version label: lower case, runs of other characters
 * turned into `-`, prefixed with `v` unless it starts with a letter (`3.1.4` → `v3-1-4`).
 */
export function subsetName(version: string): string {
  let s = version.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(s)) s = `v${s}`;
  return s.slice(0, 63).replace(/-+$/, '');
}

/** A gateway server host split into its namespace part and host part (`ns/host`, `./host`, `*\/host`, `host`). */
export function splitGatewayHost(entry: string): { namespace?: string; host: string } {
  const i = entry.indexOf('/');
  return i < 0 ? { host: entry } : { namespace: entry.slice(0, i), host: entry.slice(i + 1) };
}

/**
 * Whether a gateway server host entry admits VirtualServices of `routeNamespace`: no namespace
 * part or `*` admits all, `.` the gateway's own namespace, otherwise that namespace only.
 */
export function gatewayHostAdmits(entry: string, gatewayNamespace: string, routeNamespace: string): boolean {
  const ns = splitGatewayHost(entry).namespace;
  if (ns === undefined || ns === '*') return true;
  if (ns === '.') return gatewayNamespace === routeNamespace;
  return ns === routeNamespace;
}

/**
 * Istio's host overlap: equal names, `*` matches everything, and `*.example.com` covers any name
 * ending in `.example.com` (either side may be the wildcard).
 */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  const covers = (wild: string, other: string) => wild.startsWith('*.') && other.endsWith(wild.slice(1));
  return covers(a, b) || covers(b, a);
}
