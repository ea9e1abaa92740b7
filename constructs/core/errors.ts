import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { sizeQuantity } from './quantity';

/** Context key under which an app records the environment it is synthesizing. */
export const ENVIRONMENT_CONTEXT_KEY = 'cdk8s-nats-mesh:environment';

/**
 * Details of a rejected value.
 */
export interface ConfigErrorDetails {
  /** Environment being synthesized, when known. */
  readonly environment?: string;
  /** Construct path (or config path) the value belongs to. */
  readonly path: string;
  /** The field that holds the value, e.g. `resources.limits.memory`. */
  readonly field: string;
  /** The value received, rendered for humans. */
  readonly received: string;
  /** What would have been accepted. */
  readonly allowed: string;
}

/**
 * A configuration error found at synth time. Its message names the environment, the construct
 * path, the field, the value received and what is allowed.
 */
export class ConfigError extends Error {
  /** Formats the one-line message used by every check in the library. */
  public static format(d: ConfigErrorDetails): string {
    const env = d.environment ? `[${d.environment}] ` : '';
    return `${env}${d.path}: ${d.field}: received ${d.received}; allowed: ${d.allowed}`;
  }

  public readonly details: ConfigErrorDetails;

  constructor(details: ConfigErrorDetails) {
    super(ConfigError.format(details));
    this.name = 'ConfigError';
    this.details = details;
  }
}

/** A Size, a Duration or an object with a `toString` of its own (Cpu, a construct) as text; undefined for anything else. */
function asText(value: unknown): string | undefined {
  if (value instanceof Size) return sizeQuantity(value);
  if (value instanceof Duration) return value.toHumanString();
  if (!Array.isArray(value) && typeof value === 'object' && value !== null && typeof (value as any).toString === 'function'
    && (value as any).toString !== Object.prototype.toString) {
    return String(value);
  }
  return undefined;
}

/**
 * Renders a received value for an error message: strings quoted, Sizes as quantities, Durations
 * in words, objects with a `toString` of their own (Cpu, constructs) through it, anything else
 * as JSON (with the same forms inside). Never throws (circular values, functions).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return String(value);
  try {
    return asText(value) ?? JSON.stringify(value, (_key, v) => asText(v) ?? v);
  } catch {
    const kind = (value as any)?.constructor?.name;
    return kind && kind !== 'Object' ? `a ${kind}` : 'an object that cannot be shown';
  }
}

/** The environment recorded on the construct tree, if any. */
export function environmentOf(scope: IConstruct): string | undefined {
  return scope.node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
}

/** Builds the error for a value held by `scope`. */
export function configError(scope: IConstruct, field: string, received: unknown, allowed: string): ConfigError {
  return new ConfigError({
    environment: environmentOf(scope),
    path: scope.node.path || '(root)',
    field,
    received: describeValue(received),
    allowed,
  });
}

/**
 * A problem with a value that does not yet know where it is used: value types return these and
 * the construct that uses them adds its path and field prefix.
 */
export interface ValueProblem {
  /** Field relative to the value, e.g. `limits.memory`; empty for the value itself. */
  readonly field: string;
  /** The value received, rendered for humans. */
  readonly received: string;
  /** What would have been accepted. */
  readonly allowed: string;
}

/** Joins a field prefix and a relative field. */
export function joinField(prefix: string, field: string): string {
  if (!field) return prefix;
  if (!prefix) return field;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

/** Throws the first problem of a value as a ConfigError located at `scope`. */
export function throwFirst(scope: IConstruct, prefix: string, problems: ValueProblem[]): void {
  const p = problems[0];
  if (!p) return;
  throw new ConfigError({
    environment: environmentOf(scope),
    path: scope.node.path || '(root)',
    field: joinField(prefix, p.field),
    received: p.received,
    allowed: p.allowed,
  });
}

/** Metadata type under which constructs record warnings (valid output that deserves a second look). */
export const WARNING_METADATA = 'cdk8s-nats-mesh:warning';

/** Records a warning on `scope`; the synth entry point prints it with the environment and path. */
export function addWarning(scope: IConstruct, message: string): void {
  scope.node.addMetadata(WARNING_METADATA, message);
}

/** Every warning recorded below `root`, as `[env] path: message`, in tree order. */
export function collectWarnings(root: IConstruct): string[] {
  return root.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === WARNING_METADATA)
    .map((m) => `${environmentOf(c) ? `[${environmentOf(c)}] ` : ''}${c.node.path}: ${m.data}`));
}
