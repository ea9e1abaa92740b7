/** One key of a Kubernetes Secret. */
export interface SecretKeyRef {
  /** Secret name (in the cluster's namespace). */
  readonly secretName: string;
  /** Key within it. */
  readonly key: string;
}

/** Subjects a user may publish or subscribe to. */
export interface NatsPermissions {
  /** @default - every subject */
  readonly publishAllow?: string[];
  /** @default - none */
  readonly publishDeny?: string[];
  /** @default - every subject */
  readonly subscribeAllow?: string[];
  /** @default - none */
  readonly subscribeDeny?: string[];
  /**
   * May publish replies to requests it received, whatever `publishAllow` says.
   * @default false
   */
  readonly allowResponses?: boolean;
}

/**
 * A user. Its password or nkey is read from a Secret at start-up (through an environment
 * variable), never written into the ConfigMap.
 */
export interface NatsUser {
  /** User name (for passwords) and a readable label. */
  readonly name: string;
  /** @default - nkey authentication (`nkeyFrom`) */
  readonly passwordFrom?: SecretKeyRef;
  /** Public nkey (`U...`). @default - password authentication (`passwordFrom`) */
  readonly nkeyFrom?: SecretKeyRef;
  /** @default - everything within the account */
  readonly permissions?: NatsPermissions;
}

/** Whether an account exports a message stream or a request/reply service. */
export enum NatsExportKind {
  /** Messages published on the subject. */
  STREAM = 'stream',
  /** Requests on the subject, answered by the exporting account. */
  SERVICE = 'service',
}

/** A subject an account shares. */
export interface NatsExport {
  readonly subject: string;
  readonly kind: NatsExportKind;
}

/** A subject taken from another account's exports. */
export interface NatsImport {
  readonly account: string;
  readonly subject: string;
  readonly kind: NatsExportKind;
  /** @default - the same subject */
  readonly localSubject?: string;
}

/** An isolated subject space with its users. */
export interface NatsAccount {
  /** Account name (upper case by convention: ORDERS). */
  readonly name: string;
  readonly users: NatsUser[];
  /**
   * May use JetStream.
   * @default true when the cluster runs JetStream
   */
  readonly jetStream?: boolean;
  /** @default - none */
  readonly exports?: NatsExport[];
  /** @default - none */
  readonly imports?: NatsImport[];
}

/** Accounts and users of the cluster. */
export interface NatsAuth {
  readonly accounts: NatsAccount[];
  /**
   * The system account (monitoring and server events). Created with no users unless listed in
   * `accounts`.
   * @default 'SYS'
   */
  readonly systemAccount?: string;
  /**
   * Connections without credentials are this user (of one of the accounts).
   * @default - credentials required
   */
  readonly noAuthUser?: string;
}

/** Why a subject cannot be used, or undefined. Wildcards: `*` one token, `>` the rest. */
export function subjectProblem(subject: string, allowWildcards = true): string | undefined {
  if (typeof subject !== 'string' || subject.length === 0 || /\s/.test(subject)) return 'a subject without spaces, such as order.new';
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '') return 'dot-separated tokens, none empty';
    if ((t === '*' || t === '>') && !allowWildcards) return 'a literal subject (no * or >)';
    if (t === '>' && i !== tokens.length - 1) return '">" only as the last token';
    if (t !== '*' && t !== '>' && /[*>]/.test(t)) return 'wildcards as whole tokens only (order.* not order*)';
  }
  return undefined;
}

/** True when every subject `inner` matches is also matched by `outer`. */
export function subjectWithin(inner: string, outer: string): boolean {
  const a = inner.split('.');
  const b = outer.split('.');
  for (let i = 0; i < a.length; i++) {
    const o = b[i];
    if (o === undefined) return false;
    if (o === '>') return true;
    if (a[i] === '>') return false;
    if (o === '*') continue;
    if (a[i] === '*' || a[i] !== o) return false;
  }
  return a.length === b.length;
}

/** True when some subject matches both patterns. */
export function subjectsOverlap(x: string, y: string): boolean {
  const a = x.split('.');
  const b = y.split('.');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const p = a[i];
    const q = b[i];
    if (p === '>' || q === '>') return p !== undefined && q !== undefined;
    if (p === undefined || q === undefined) return false;
    if (p !== '*' && q !== '*' && p !== q) return false;
  }
  return true;
}
