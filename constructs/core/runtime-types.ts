/**
 * Checks of what constructs receive, for callers no TypeScript compiler checked (plain
 * JavaScript, values read from JSON or YAML, `as any`): a value of the wrong type becomes the
 * library's usual ConfigError (environment, construct path, field, value received, what is
 * allowed) before anything inside the construct trips over it with a TypeError, or writes it into
 * the manifests as it is.
 *
 * A `Check` says what a value must be (`expects`) and finds its first problem. Checks compose:
 * lists, maps and objects whose fields are optional unless marked `required`. A check visits each
 * value once and stops at the first problem, so checking a construct's props costs no more than
 * reading them.
 */
import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ConfigError, ValueProblem, describeValue, environmentOf, joinField } from './errors';
import { sizeProblem } from './quantity';

/** What a value must be, and its first problem. */
export interface Check {
  /** What is allowed, for messages: `a string`, `true or false`, `a Size such as Size.mebibytes(256)`. */
  readonly expects: string;
  /** As a field of an object: the field must be given. */
  readonly required?: boolean;
  /** The first problem of `value` (its field relative to the value), or undefined when it fits. */
  problem(value: unknown): ValueProblem | undefined;
}

/** A problem with the value itself. */
function wrong(value: unknown, allowed: string): ValueProblem {
  return { field: '', received: describeValue(value), allowed };
}

/** A check from a predicate: the value fits when `fits` holds. */
export function rule(expects: string, fits: (value: unknown) => boolean): Check {
  return { expects, problem: (v) => (fits(v) ? undefined : wrong(v, expects)) };
}

/** The same check, as a field that must be given. */
export function required(check: Check): Check {
  return { ...check, required: true };
}

/** A string. */
export function str(expects = 'a string'): Check {
  return rule(expects, (v) => typeof v === 'string');
}

/** true or false (a string such as "false" would be truthy). */
export const BOOL: Check = rule('true or false', (v) => typeof v === 'boolean');

/** A finite number. */
export function num(expects = 'a number'): Check {
  return rule(expects, (v) => typeof v === 'number' && Number.isFinite(v));
}

/** An integer from `min` (to `max`, when given). */
export function int(min: number, max?: number, expects?: string): Check {
  const text = expects ?? (max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  return rule(text, (v) => Number.isInteger(v) && (v as number) >= min && (max === undefined || (v as number) <= max));
}

/** One of the values of a string enum, e.g. `oneOf(Object.values(TopologySpread), 'TopologySpread')`. */
export function oneOf(values: readonly string[], typeName: string): Check {
  return rule(`one of ${values.join(', ')} (${typeName})`, (v) => typeof v === 'string' && values.includes(v));
}

/**
 * An instance of a class, and then what `problemOf` finds wrong with it: what is allowed instead
 * (`Cpu.problem()`), or a problem of one of its fields.
 */
export function instance<T>(type: Function & { prototype: T }, expects: string, problemOf?: (value: T) => string | ValueProblem | undefined): Check {
  return {
    expects,
    problem: (v) => {
      if (!(v instanceof type)) return wrong(v, expects);
      const p = problemOf?.(v as T);
      return typeof p === 'string' ? wrong(v, p) : p;
    },
  };
}

/** A cdk8s Size the manifests can hold: whole, non-negative bytes. */
export const SIZE: Check = instance(Size, 'a Size such as Size.mebibytes(256)', sizeProblem);

/** Milliseconds of a Duration, or NaN when it holds no number. */
function durationMillis(d: Duration): number {
  try {
    return d.toMilliseconds({ integral: false });
  } catch {
    return Number.NaN;
  }
}

/** A cdk8s Duration of a finite, non-negative length. */
export const DURATION: Check = instance(Duration, 'a Duration such as Duration.seconds(30)',
  (d) => (durationMillis(d) >= 0 && Number.isFinite(durationMillis(d)) ? undefined : 'a Duration of a finite, non-negative length'));

/** A Duration of whole seconds (the fields Kubernetes writes in seconds: probes, grace periods). */
export const WHOLE_SECONDS: Check = instance(Duration, 'a Duration such as Duration.seconds(30)', (d) => {
  const ms = durationMillis(d);
  return Number.isInteger(ms) && ms >= 0 && ms % 1000 === 0 ? undefined : 'a Duration of whole seconds, such as Duration.seconds(30) (Kubernetes counts this in seconds)';
});

/** Whether `v` is an object (not null, not a list): a construct, an instance of a class, a literal. */
export function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether `v` is an object of plain data, as a map is written: a literal (or parsed from JSON),
 * not an instance of a class. Maps are read by their own entries, so a map built otherwise
 * (`Object.create(defaults)`) would lose what it inherits: it is refused instead.
 */
export function isPlainObject(v: unknown): v is { [key: string]: unknown } {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The classes of values taken whole, which are never an object of fields (options, props). */
const VALUE_CLASSES: readonly Function[] = [Size, Duration, Date, RegExp, Map, Set];

/**
 * Whether `v` is a value taken whole (a cdk8s Size or Duration, a Date, the library's Cpu, ...)
 * rather than an object of fields. A Cpu is known by its members (`millicores` and
 * `toQuantity`): the core does not import the workloads it serves.
 */
export function isValueObject(v: object): boolean {
  if (VALUE_CLASSES.some((type) => v instanceof type)) return true;
  const cpu = v as { millicores?: unknown; toQuantity?: unknown };
  return typeof cpu.millicores === 'number' && typeof cpu.toQuantity === 'function';
}

/**
 * Whether `v` is an object of fields as props and options are written: a literal, an instance
 * of a class of props, or an object made with `Object.create(defaults)` (whose fields are read
 * through its prototypes too); not a list, and not a value taken whole (a Size given where an
 * object of options belongs is a mistake).
 */
export function isFieldsObject(v: unknown): v is { [key: string]: unknown } {
  return isObject(v) && !isValueObject(v);
}

/**
 * The fields of an object of fields, own and inherited (`Object.create(defaults)`, getters of a
 * class of props), as a literal that can be spread; methods are left out. A literal is returned
 * as it is.
 */
export function flatFields<T extends object>(v: T): T {
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return v;
  const out: { [key: string]: unknown } = {};
  for (let o: object | null = v; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || Object.prototype.hasOwnProperty.call(out, key)) continue;
      const value = (v as { [key: string]: unknown })[key];
      if (typeof value === 'function' && o !== v) continue;
      out[key] = value;
    }
  }
  return out as T;
}

/** A list whose every item passes `item`. */
export function list(item: Check, expects = `a list, each ${item.expects}`): Check {
  return {
    expects,
    problem: (v) => {
      if (!Array.isArray(v)) return wrong(v, expects);
      for (let i = 0; i < v.length; i++) {
        const p = item.problem(v[i]);
        if (p) return { ...p, field: joinField(`[${i}]`, p.field) };
      }
      return undefined;
    },
  };
}

/** A list of strings. */
export const STRINGS: Check = list(str(), 'a list of strings');

/** The field of a key of a map: `NAME`, or `["app.kubernetes.io/name"]` when it is not a plain word. */
export function keyField(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
}

/** An object used as a map: every value passes `item`. */
export function map(item: Check, expects = `an object of names to values, each ${item.expects}`): Check {
  return {
    expects,
    problem: (v) => {
      if (!isPlainObject(v)) return wrong(v, expects);
      for (const [key, value] of Object.entries(v)) {
        const p = item.problem(value);
        if (p) return { ...p, field: joinField(keyField(key), p.field) };
      }
      return undefined;
    },
  };
}

/** Labels, annotations and the like: names to string values. */
export const STRING_MAP: Check = map(str(), 'an object of names to strings');

/** The fields an object may have, each with its check (others are not looked at). */
export type Fields = { readonly [field: string]: Check };

/**
 * An object of fields (see isFieldsObject: a literal, an instance of a class of props, an object
 * with prototypes): given ones pass their checks, `required` ones are given.
 */
export function shape(fields: Fields, expects: string): Check {
  const check = fieldsOf(fields);
  return { expects, problem: (v) => (isFieldsObject(v) ? check(v) : wrong(v, expects)) };
}

/** The first problem of the fields of any object (an instance of a class too; fields read through its prototypes), by their checks. */
export function fieldsOf(fields: Fields): (value: object) => ValueProblem | undefined {
  const entries = Object.entries(fields);
  return (v) => {
    for (const [field, check] of entries) {
      const value = (v as { [key: string]: unknown })[field];
      if (value === undefined && !check.required) continue;
      const p = check.problem(value);
      if (p) return { ...p, field: joinField(field, p.field) };
    }
    return undefined;
  };
}

/**
 * Checks the props of the construct `id` that is being created under `scope` (callable before
 * `super`, when the construct does not exist yet) and throws the first problem as a ConfigError
 * located at that construct.
 */
export function checkProps(scope: IConstruct, id: string, props: unknown, check: Check): void {
  const p = check.problem(props);
  if (!p) return;
  const parent = scope.node.path;
  throw new ConfigError({
    environment: environmentOf(scope),
    path: parent ? `${parent}/${id}` : id,
    field: p.field || 'props',
    received: p.received,
    allowed: p.allowed,
  });
}
