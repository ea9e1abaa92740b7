import { ValueProblem, describeValue } from '../core/errors';

/**
 * The application protocol of a port, declared on every Service port (as `appProtocol`) so that
 * Istio and other proxies never have to guess. Server-first protocols such as NATS must be TCP.
 */
export class PortProtocol {
  /** HTTP/1.1 (and h2c upgrade). */
  public static readonly HTTP = new PortProtocol('http');
  /** Cleartext HTTP/2. */
  public static readonly HTTP2 = new PortProtocol('http2');
  /** HTTPS terminated by the application. */
  public static readonly HTTPS = new PortProtocol('https');
  /** gRPC (enables request-level load balancing in a mesh). */
  public static readonly GRPC = new PortProtocol('grpc');
  /** Opaque TCP; required for server-first protocols (NATS, MQTT, databases). */
  public static readonly TCP = new PortProtocol('tcp');
  /** TLS passed through untouched. */
  public static readonly TLS = new PortProtocol('tls');

  private constructor(
    /** The `appProtocol` value, also the Istio port-name prefix. */
    public readonly name: string,
  ) {}

  /** The value. */
  public toString(): string {
    return this.name;
  }
}

/**
 * A port a container listens on.
 */
export interface WorkloadPort {
  /** Port name: at most 15 lower-case letters, digits and '-', with at least one letter. */
  readonly name: string;
  /** Port the container listens on. */
  readonly port: number;
  /** Application protocol. */
  readonly protocol: PortProtocol;
  /**
   * Port number on the Service, when it differs from the container port.
   * @default - same as `port`
   */
  readonly servicePort?: number;
  /**
   * Whether the Service exposes this port.
   * @default true
   */
  readonly expose?: boolean;
}

/** Ports Istio's sidecar keeps for itself. */
export const ISTIO_RESERVED_PORTS = { from: 15000, to: 15090 };

/** Everything wrong with a port (empty when it can be used). */
export function portProblems(p: WorkloadPort): ValueProblem[] {
  const out: ValueProblem[] = [];
  if (typeof p !== 'object' || p === null || Array.isArray(p)) {
    return [{ field: '', received: describeValue(p), allowed: 'a port { name, port, protocol }' }];
  }
  if (typeof p.name !== 'string' || !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name) || p.name.includes('--')) {
    out.push({ field: 'name', received: describeValue(p.name), allowed: 'an IANA service name: 1-15 lower-case letters, digits and single dashes, with a letter' });
  }
  for (const [field, value] of [['port', p.port], ['servicePort', p.servicePort]] as const) {
    if (value === undefined && field === 'servicePort') continue;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
      out.push({ field, received: describeValue(value), allowed: 'an integer from 1 to 65535' });
    } else if ((value as number) >= ISTIO_RESERVED_PORTS.from && (value as number) <= ISTIO_RESERVED_PORTS.to) {
      out.push({ field, received: String(value), allowed: `a port outside ${ISTIO_RESERVED_PORTS.from}-${ISTIO_RESERVED_PORTS.to}, which Istio's sidecar reserves` });
    }
  }
  if (p.expose !== undefined && typeof p.expose !== 'boolean') {
    out.push({ field: 'expose', received: describeValue(p.expose), allowed: 'true or false' });
  }
  if (!(p.protocol instanceof PortProtocol)) {
    out.push({ field: 'protocol', received: String(p.protocol), allowed: 'a PortProtocol (HTTP, HTTP2, HTTPS, GRPC, TCP, TLS)' });
  }
  return out;
}

/** HTTP request methods a call, a route match or an authorization rule may name. */
export enum HttpMethod {
  /** GET. */
  GET = 'GET',
  /** HEAD. */
  HEAD = 'HEAD',
  /** POST (every gRPC call). */
  POST = 'POST',
  /** PUT. */
  PUT = 'PUT',
  /** PATCH. */
  PATCH = 'PATCH',
  /** DELETE. */
  DELETE = 'DELETE',
  /** OPTIONS (CORS preflight). */
  OPTIONS = 'OPTIONS',
  /** CONNECT. */
  CONNECT = 'CONNECT',
  /** TRACE. */
  TRACE = 'TRACE',
}

/** Protocols whose requests the sidecar parses, so that paths and methods can match. */
export const HTTP_AWARE_PROTOCOLS: ReadonlySet<string> = new Set([PortProtocol.HTTP.name, PortProtocol.HTTP2.name, PortProtocol.GRPC.name]);

/**
 * The ports where HTTP attributes (paths, methods) of a call or an ALLOW rule could not match,
 * when that is a mistake: among the ports named (all of `targetPorts` when none is), any that the
 * sidecar sees as TCP; with no port named, only when none of them is HTTP-aware (the attributes
 * then never match). Described for a message (`port 5432 (db, TCP)`), or undefined when fine.
 */
export function portsOpaqueToHttp(targetPorts: readonly WorkloadPort[], ports: readonly number[] | undefined): string | undefined {
  const called = ports === undefined ? targetPorts : targetPorts.filter((x) => ports.includes(x.port));
  const opaque = called.filter((x) => !HTTP_AWARE_PROTOCOLS.has(x.protocol.name));
  const wrong = ports !== undefined ? opaque.length > 0 : opaque.length === called.length;
  return wrong ? opaque.map((x) => `port ${x.port} (${x.name}, ${x.protocol.name})`).join(', ') : undefined;
}

/** A request path as Istio authorization matches it: exact, prefix (`/api/*`), suffix (`*.js`) or `*`. */
export const REQUEST_PATH_PATTERN = /^(\*|\*[^*?#\s]+|\/[^*?#\s]*\*?)$/;
