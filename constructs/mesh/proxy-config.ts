import { Duration } from 'cdk8s';
import { istioDuration } from './route-model';

/**
 * The per-pod sidecar settings Istio reads from the pod annotation `proxy.istio.io/config`: a
 * ProxyConfig in YAML or JSON, applied over the mesh's `defaultConfig` by the injector. Istio
 * 1.23 parses it as YAML turned into protobuf JSON: durations are strings of seconds with an `s`
 * (`"40s"`, not `40` nor `1m`), booleans are booleans; a value it cannot parse fails the
 * injection, so the pod is not created. Unknown keys are ignored.
 */
export const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';

/** Istio's own default `terminationDrainDuration` (ProxyConfig), when neither the mesh nor the pod sets one. */
export const ISTIO_DEFAULT_TERMINATION_DRAIN = Duration.seconds(5);

/** The sidecar settings this library writes into `proxy.istio.io/config`. */
export interface MeshProxyConfig {
  /**
   * How long the sidecar keeps forwarding the pod's existing connections after the pod is asked
   * to stop (it then exits, and every connection through it drops).
   * @default - the mesh's (Istio: 5s)
   */
  readonly terminationDrainDuration?: Duration;
  /**
   * Start the application's containers only once the sidecar is ready, so that connections the
   * application opens at start-up do not fail (before the sidecar listens, they are refused).
   * @default - the mesh's (Istio: false)
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
}

/**
 * The `proxy.istio.io/config` annotation for `config`, in the JSON form Istio reads
 * (`{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"40s"}`); an empty object
 * when nothing is set. Merge it into a workload's `podAnnotations`.
 */
export function meshProxyConfigAnnotation(config: MeshProxyConfig): { [key: string]: string } {
  const out: Record<string, unknown> = {};
  if (config.holdApplicationUntilProxyStarts !== undefined) out.holdApplicationUntilProxyStarts = config.holdApplicationUntilProxyStarts;
  if (config.terminationDrainDuration !== undefined) out.terminationDrainDuration = istioDuration(config.terminationDrainDuration);
  return Object.keys(out).length ? { [PROXY_CONFIG_ANNOTATION]: JSON.stringify(out) } : {};
}

/** What a `proxy.istio.io/config` value sets of the keys this library checks. */
export interface ParsedMeshProxyConfig {
  /** `terminationDrainDuration` in milliseconds, when set. */
  readonly terminationDrainDurationMillis?: number;
  /** `holdApplicationUntilProxyStarts`, when set. */
  readonly holdApplicationUntilProxyStarts?: boolean;
}

/** A protobuf JSON Duration: decimal seconds with an `s`. */
const PROTO_DURATION = /^(\d+)(\.\d{1,9})?s$/;

/**
 * Reads the top-level `terminationDrainDuration` and `holdApplicationUntilProxyStarts` of a
 * `proxy.istio.io/config` value (JSON, a YAML flow mapping or block YAML); returns why Istio
 * would refuse them instead (`problem`). Nested keys are skipped.
 */
export function parseMeshProxyConfig(text: string): { config?: ParsedMeshProxyConfig; problem?: string } {
  if (typeof text !== 'string') return { problem: 'a ProxyConfig in YAML or JSON (a string)' };
  const entries = topLevelEntries(text);
  if (entries === undefined) return { problem: 'a ProxyConfig in YAML or JSON that Istio can parse (the injection fails otherwise)' };
  let drain: number | undefined;
  let hold: boolean | undefined;
  for (const [key, value] of entries) {
    if (key === 'terminationDrainDuration') {
      const m = typeof value === 'string' ? PROTO_DURATION.exec(value) : null;
      if (!m) {
        return { problem: `terminationDrainDuration as seconds with an "s", such as 40s (received ${JSON.stringify(value)}: Istio refuses other forms and the injection fails)` };
      }
      drain = Math.round(Number(`${m[1]}${m[2] ?? ''}`) * 1000);
    } else if (key === 'holdApplicationUntilProxyStarts') {
      if (typeof value !== 'boolean') {
        return { problem: `holdApplicationUntilProxyStarts as true or false (received ${JSON.stringify(value)}: Istio refuses other values and the injection fails)` };
      }
      hold = value;
    }
  }
  return { config: { terminationDrainDurationMillis: drain, holdApplicationUntilProxyStarts: hold } };
}

/** Top-level key/value pairs of JSON, a YAML flow mapping or block YAML; undefined when unreadable. */
function topLevelEntries(text: string): Array<[string, unknown]> | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : undefined;
    } catch {
      // A YAML flow mapping ({terminationDrainDuration: 40s}); nested values are not read.
      if (!trimmed.endsWith('}')) return undefined;
      const inner = trimmed.slice(1, -1);
      if (/[{}[\]]/.test(inner)) return splitPairs(inner.replace(/\{[^{}]*\}|\[[^[\]]*\]/g, '""'));
      return splitPairs(inner);
    }
  }
  const out: Array<[string, unknown]> = [];
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) || /^\s*(#|$)/.test(line) || line.startsWith('---')) continue;
    const pair = pairOf(line);
    if (!pair) return undefined;
    out.push(pair);
  }
  return out;
}

function splitPairs(inner: string): Array<[string, unknown]> | undefined {
  const out: Array<[string, unknown]> = [];
  for (const part of inner.split(',')) {
    if (part.trim() === '') continue;
    const pair = pairOf(part.trim());
    if (!pair) return undefined;
    out.push(pair);
  }
  return out;
}

/** `key: value` with YAML 1.1's scalars (Istio's YAML reader): quoted strings, booleans (true, yes, on, ...), numbers, plain strings. */
function pairOf(text: string): [string, unknown] | undefined {
  const m = /^["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:(?:\s+(.*?))?\s*$/.exec(text.replace(/\s+#.*$/, ''));
  if (!m) return undefined;
  const raw = (m[2] ?? '').trim();
  let value: unknown;
  if (raw === '') value = null;
  else if (/^".*"$/.test(raw) || /^'.*'$/.test(raw)) value = raw.slice(1, -1);
  else if (/^(true|false|yes|no|on|off)$/i.test(raw)) value = ['true', 'yes', 'on'].includes(raw.toLowerCase());
  else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else value = raw;
  return [m[1], value];
}
