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
  /**
   * Permissions written by hand. Not together with `permissionsFromGraph`.
   * @default - everything within the account (unless `permissionsFromGraph`)
   */
  readonly permissions?: NatsPermissions;
  /**
   * Derive the user's permissions from the service graph at synth: the least the workloads that
   * log in as this user on this cluster (`w.connectsToNats(cluster, { user })`, every version of
   * their app) need for what they declare (`publishes`, `subscribes`, `publishesTo`, `consumes`,
   * `uses`), and nothing else; workloads declared after the cluster count. Refused together
   * with `permissions`. The name must be a subject token (letters, digits, "_" and "-").
   *
   * Clients must use the inbox prefix `_INBOX_<user>` (see `natsInboxPrefix`): the user may
   * subscribe to `_INBOX_<user>.>` and to no other inbox, so replies and JetStream
   * acknowledgements reach it there and nobody else reads them (nats.js
   * `connect({ inboxPrefix: '_INBOX_order' })`, Go `nats.CustomInboxPrefix("_INBOX_order")`,
   * Java `Options.Builder.inboxPrefix`, the CLI `--inbox-prefix`). A client on the default
   * `_INBOX.` gets a permissions violation on its first request. It answers requests through
   * `allow_responses` (granted when it subscribes to something), never through publish rights on
   * other users' inboxes.
   *
   * What each declaration grants (stream S, durable C, bucket B):
   * - `publishes(subjects)`: publish the subjects (requests included; replies come to the inbox);
   * - `subscribes(subjects)`: subscribe the subjects, and `allow_responses` to answer requests;
   * - `publishesTo(S, subjects)`: publish the subjects (default: the stream's); the
   *   acknowledgement comes to the inbox;
   * - `consumes(C)`: `$JS.API.CONSUMER.INFO.S.C`, `$JS.ACK.S.C.>` (unless ackPolicy NONE) and,
   *   for a pull consumer, `$JS.API.CONSUMER.MSG.NEXT.S.C`; for a push consumer, subscribe its
   *   deliverSubject. Bind to the consumer by stream and name (nats.js `js.consumers.get(S, C)`,
   *   Go `nats.Bind(S, C)`): looking the stream up by subject needs `$JS.API.STREAM.NAMES`;
   * - `uses(B)`, key-value bucket: publish `$KV.B.>`, `$JS.API.INFO`, `$JS.API.STREAM.INFO.KV_B`,
   *   `$JS.API.DIRECT.GET.KV_B` and `.KV_B.>`, `$JS.API.STREAM.MSG.GET.KV_B` (get, with or
   *   without direct get), `$JS.API.CONSUMER.CREATE.KV_B` and `.KV_B.>` (watch, keys, history:
   *   ephemeral ordered consumers), `$JS.FC.KV_B.>` (their flow control);
   * - `uses(B)`, object store: publish `$O.B.>`, `$JS.API.INFO`, `$JS.API.STREAM.INFO.OBJ_B`,
   *   `$JS.API.STREAM.MSG.GET.OBJ_B`, `$JS.API.STREAM.NAMES` (get and list look the stream up),
   *   `$JS.API.STREAM.PURGE.OBJ_B` (replacing and deleting an object purge its old chunks),
   *   `$JS.API.CONSUMER.CREATE.OBJ_B`, `$JS.FC.OBJ_B.>`.
   * Nothing creates, updates or deletes streams or consumers: that is NACK's, whose user keeps
   * explicit permissions (`$JS.API.>` and its inbox), since it manages every stream and consumer
   * of the account. A user nothing publishes as gets `publish { deny: [">"] }` (an empty allow
   * list would allow everything).
   * @default false
   */
  readonly permissionsFromGraph?: boolean;
}

/** The inbox prefix clients of a user with `permissionsFromGraph` must set: `_INBOX_<user>`. */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
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
