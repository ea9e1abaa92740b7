import { NatsServerVersion } from './nats-version';

/**
 * The typed model of nats.conf and its one renderer. NatsCluster builds a model from its props;
 * `renderNatsConf` writes the text nats-server parses and refuses keys the target server does not
 * know.
 */

/** A `$NAME` reference, resolved by nats-server from the environment (Secrets reach it this way). */
export class ConfVariable {
  constructor(public readonly name: string) {}
}

/** A duration written as nats-server parses it (`30s`, `2m`). */
export class ConfDuration {
  constructor(public readonly text: string) {}
}

/**
 * A value computed when the config is rendered, not when the model is built: what depends on
 * constructs declared later (the users' permissions derived from the service graph). Undefined
 * leaves the key out, like any undefined value.
 */
export class ConfLazy {
  constructor(public readonly produce: () => ConfValue | undefined) {}
}

/** Values of the model. Sizes are whole bytes (the unambiguous form on every server version). */
export type ConfValue = string | number | boolean | ConfVariable | ConfDuration | ConfLazy | ConfValue[] | ConfBlock;

/** The value itself, or what a ConfLazy produces now. */
function resolve(v: ConfValue | undefined): ConfValue | undefined {
  return v instanceof ConfLazy ? resolve(v.produce()) : v;
}

/** An ordered block of keys. Undefined values are left out. */
export interface ConfBlock {
  readonly [key: string]: ConfValue | undefined;
}

/** Keys newer than 2.9, with the first server version that accepts them (dotted path, [] = list item). */
export const KEYS_BY_VERSION: ReadonlyArray<{ readonly path: string; readonly since: NatsServerVersion }> = [
  { path: 'cluster.compression', since: NatsServerVersion.V2_10_0 },
  { path: 'leafnodes.remotes[].compression', since: NatsServerVersion.V2_10_0 },
  { path: 'gateway.compression', since: NatsServerVersion.V2_10_0 },
  { path: 'jetstream.sync_interval', since: NatsServerVersion.V2_10_0 },
  { path: 'jetstream.max_buffered_msgs', since: NatsServerVersion.V2_11_0 },
  { path: 'jetstream.max_buffered_size', since: NatsServerVersion.V2_11_0 },
  { path: 'jetstream.strict', since: NatsServerVersion.V2_11_0 },
];

/** A key the target server would refuse. */
export interface VersionProblem {
  readonly path: string;
  readonly since: NatsServerVersion;
}

/** Keys of `block` (recursively) that `version` does not know. */
export function keysNewerThan(block: ConfBlock, version: NatsServerVersion): VersionProblem[] {
  const used = new Set<string>();
  const walk = (lazyValue: ConfValue | undefined, path: string) => {
    const value = resolve(lazyValue);
    if (value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((v) => walk(v, `${path}[]`));
    } else if (isBlock(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (resolve(v) === undefined) continue;
        const p = path ? `${path}.${k}` : k;
        used.add(p);
        walk(v, p);
      }
    }
  };
  walk(block, '');
  return KEYS_BY_VERSION.filter((k) => used.has(k.path) && !version.atLeast(k.since));
}

function isBlock(v: unknown): v is ConfBlock {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ConfVariable) && !(v instanceof ConfDuration)
    && !(v instanceof ConfLazy);
}

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function renderScalar(v: ConfValue): string {
  if (v instanceof ConfVariable) return `$${v.name}`;
  if (v instanceof ConfDuration) return v.text;
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || !Number.isInteger(v)) throw new Error(`nats.conf numbers must be whole: received ${v}`);
    return String(v);
  }
  return v ? 'true' : 'false';
}

/** A double-quoted nats.conf string; control characters other than tab and newline are refused. */
function quote(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s)) {
    throw new Error(`nats.conf strings cannot hold control characters: received ${JSON.stringify(s)}`);
  }
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, '\\t').replace(/\n/g, '\\n')}"`;
}

function renderValue(lazyValue: ConfValue, indent: string): string {
  const v = resolve(lazyValue)!;
  if (Array.isArray(v)) {
    const items = v.map(resolve).filter((x): x is ConfValue => x !== undefined);
    if (items.length === 0) return '[]';
    const inner = `${indent}  `;
    return `[\n${items.map((x) => `${inner}${renderValue(x, inner)}`).join('\n')}\n${indent}]`;
  }
  if (isBlock(v)) return `{\n${renderEntries(v, `${indent}  `)}${indent}}`;
  return renderScalar(v);
}

function renderEntries(block: ConfBlock, indent: string): string {
  let out = '';
  for (const [key, lazyValue] of Object.entries(block)) {
    const value = resolve(lazyValue);
    if (value === undefined) continue;
    const k = BARE_KEY.test(key) ? key : JSON.stringify(key);
    out += isBlock(value) ? `${indent}${k} ${renderValue(value, indent)}\n` : `${indent}${k}: ${renderValue(value, indent)}\n`;
  }
  return out;
}

/**
 * Renders a model as nats.conf text. Throws when the model uses keys newer than `version`
 * (NatsCluster reports them with its own path first).
 */
export function renderNatsConf(model: ConfBlock, version: NatsServerVersion, header?: string): string {
  const problems = keysNewerThan(model, version);
  if (problems.length) {
    throw new Error(problems.map((p) => `${p.path} needs nats-server ${p.since} or newer (target ${version})`).join('; '));
  }
  const lines = header ? header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n' : '';
  return lines + renderEntries(model, '');
}
