/**
 * Credentials written in plain text into a container's `env`, where every reader of the
 * manifests (the repository, `kubectl get -o yaml`, GitOps tools, logs of the apply) sees them.
 * A variable is refused when its NAME or its VALUE looks like a credential, unless the container
 * says, in `allowPlaintextEnv`, why it is none.
 *
 * Names are split into words at `_`, `-`, `.` and lower-to-upper case changes (`dbPassword` is
 * DB PASSWORD) and compared in upper case. A name reads like a credential when
 * - one of its words is one of CREDENTIAL_WORDS (PASSWORD, SECRET, TOKEN, CREDENTIALS, ...),
 *   or two neighbouring words are `<KEY_KINDS> KEY` (API_KEY, PRIVATE_KEY, ACCESS_KEY, ...),
 *   unless its LAST word is one of ABOUT_WORDS: then it names something about the credential,
 *   not the credential (TOKEN_TTL_SECONDS, PASSWORD_FILE, SECRET_NAME, AUTH_URL, AWS_ACCESS_KEY_ID);
 * - or its last word, in a name of two words or more, is one of TRAILING_CREDENTIAL_WORDS
 *   (DB_PASS, DB_PWD, REDIS_AUTH, PROXY_AUTHORIZATION), words too common elsewhere to count
 *   anywhere (PASS_THROUGH, AUTH_MODE, the shell's PWD).
 * Such a name may still hold an empty value, or one made only of references to other variables
 * (`$(DB_PASSWORD)`, which Kubernetes expands, `${DB_PASSWORD}`, `$DB_PASSWORD`): neither is a
 * credential.
 *
 * A value reads like a credential, whatever its name, when it holds (anywhere in it) one of
 * VALUE_PATTERNS: a URL with a password (`nats://app:s3cret@nats:4222`; a password made only of
 * variable references such as `$(DB_PASSWORD)`, which Kubernetes expands from a Secret, is
 * none), a PEM private key, a JSON Web Token, a NATS nkey seed or an AWS access key ID. The
 * message shows what was found with the secret part masked, never the secret.
 */
import { ValueProblem, joinField } from '../core/errors';
import { keyField } from '../core/runtime-types';

/** Words that make a name read like a credential wherever they stand. */
export const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS',
  'CREDS', 'APIKEY', 'PRIVATEKEY', 'ACCESSKEY', 'SECRETKEY',
]);

/** Words that make a name read like a credential as its last word only, in a name of two words or more. */
export const TRAILING_CREDENTIAL_WORDS: ReadonlySet<string> = new Set(['PASS', 'PWD', 'AUTH', 'AUTHORIZATION']);

/** Words that, followed by KEY, name a key that is a credential (KEY alone names too much else: CACHE_KEY). */
export const KEY_KINDS: ReadonlySet<string> = new Set(['API', 'PRIVATE', 'ACCESS', 'SIGNING', 'ENCRYPTION', 'MASTER']);

/**
 * Last words that make a name about a credential rather than the credential itself: where it is,
 * who issues it, how long it lives, whether it is on.
 */
export const ABOUT_WORDS: ReadonlySet<string> = new Set([
  'FILE', 'FILES', 'PATH', 'DIR', 'DIRECTORY', 'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'ADDR', 'ADDRESS', 'NAME', 'REF', 'ARN',
  'ID', 'TTL', 'SECONDS', 'SECS', 'MS', 'MILLIS', 'MINUTES', 'HOURS', 'DAYS', 'TIMEOUT', 'EXPIRY', 'EXPIRATION', 'LIFETIME',
  'DURATION', 'INTERVAL', 'AGE', 'LENGTH', 'LEN', 'SIZE', 'MIN', 'MAX', 'COUNT', 'LIMIT', 'ENABLED', 'DISABLED', 'ENABLE',
  'DISABLE', 'REQUIRED', 'MODE', 'METHOD', 'TYPE', 'KIND', 'POLICY', 'HEADER', 'PREFIX', 'ISSUER', 'AUDIENCE', 'SCOPE',
  'SCOPES', 'ALGORITHM', 'FORMAT', 'VERSION', 'PROVIDER', 'REALM',
]);

/** The words of a variable name, in upper case (`dbPassword`, `DB_PASSWORD`, `db-password`: DB PASSWORD). */
export function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().split(/[^A-Z0-9]+/).filter((w) => w.length > 0);
}

/** The word (or `<KIND> KEY` pair) that makes `name` read like a credential, or undefined when it does not. */
export function credentialWordOf(name: string): string | undefined {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (words.length > 1 && TRAILING_CREDENTIAL_WORDS.has(last)) return last;
  if (ABOUT_WORDS.has(last)) return undefined;
  for (let i = 0; i < words.length; i++) {
    if (CREDENTIAL_WORDS.has(words[i])) return words[i];
    if (words[i] === 'KEY' && i > 0 && KEY_KINDS.has(words[i - 1])) return `${words[i - 1]}_KEY`;
  }
  return undefined;
}

/** A value made only of references to other variables (`$(DB_PASSWORD)`, `${DB_PASSWORD}`, `$DB_PASSWORD`). */
const REFERENCES_ONLY = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)+$/;
/** scheme://user:password@host, anywhere in a value (a list of URLs included). */
const URL_WITH_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'[\],]*):([^\s/?#@"',]+)@([^\s/?#"',\]]*)/gi;

/** A kind of credential a value may hold, and how it is shown masked. */
interface ValuePattern {
  /** What it is, for messages. */
  readonly what: string;
  /** The credential as found (first match), masked; undefined when the value holds none. */
  find(value: string): string | undefined;
}

/** Finds the first match of `pattern`'s group 1 and shows it through `mask`. */
function matching(what: string, pattern: RegExp, mask: (found: string) => string): ValuePattern {
  return { what, find: (value) => { const m = pattern.exec(value); return m ? mask(m[1]) : undefined; } };
}

/** The kinds of credentials refused in values, in the order they are looked for. */
export const VALUE_PATTERNS: readonly ValuePattern[] = [
  {
    what: 'a URL with a password',
    find: (value) => {
      for (const m of value.matchAll(URL_WITH_PASSWORD)) {
        if (!REFERENCES_ONLY.test(m[3])) return `${m[1]}${m[2]}:***@${m[4]}`;
      }
      return undefined;
    },
  },
  matching('a PEM private key', /(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----)/, (header) => header),
  matching('a JSON Web Token', /(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/, () => 'eyJ***'),
  matching('a NATS nkey seed', /(?:^|[^A-Z2-7])(S[UAONCX][A-Z2-7]{56})(?![A-Z2-7])/, (seed) => `${seed.slice(0, 2)}***`),
  matching('an AWS access key ID', /(?:^|[^A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])/, (id) => `${id.slice(0, 4)}***`),
];

/** What `value` holds that reads like a credential, masked (`a URL with a password (nats://app:***@nats:4222)`), or undefined. */
export function credentialInValue(value: string): string | undefined {
  for (const p of VALUE_PATTERNS) {
    const found = p.find(value);
    if (found !== undefined) return `${p.what} (${found})`;
  }
  return undefined;
}

/** What is allowed instead of the plain-text `name`. */
function instead(name: string): string {
  return `its value from a Secret through secretEnv ({ name: ${JSON.stringify(name)}, from: "<Secret>", key: "<key>" }), `
    + `or, when it is no secret, allowPlaintextEnv: { ${JSON.stringify(name)}: "<why it is none>" }`;
}

/**
 * The first plain-text credential of a container's `env` not excused in `allowPlaintextEnv`, or
 * the first entry of `allowPlaintextEnv` that excuses nothing (no such variable, no reason, or
 * the value itself given as the reason); fields relative to the container.
 */
export function plaintextCredentialProblem(env: { [name: string]: string } | undefined, allow: { [name: string]: string } | undefined): ValueProblem | undefined {
  const vars = env ?? {};
  for (const [name, reason] of Object.entries(allow ?? {})) {
    const field = joinField('allowPlaintextEnv', keyField(name));
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      return { field, received: `${JSON.stringify(name)}, which env does not define`, allowed: 'names of variables of env only (remove an entry when its variable goes)' };
    }
    if (reason.trim().length === 0) {
      return { field, received: JSON.stringify(reason), allowed: `why the value of ${name} is no secret (a non-empty text)` };
    }
    const leak = reason === vars[name] ? "the variable's own value" : credentialInValue(reason);
    if (leak !== undefined) {
      return { field, received: leak, allowed: `why the value of ${name} is no secret, not a value: allowPlaintextEnv excuses variables of env, it sets none` };
    }
  }
  for (const [name, value] of Object.entries(vars)) {
    if (allow && Object.prototype.hasOwnProperty.call(allow, name)) continue;
    const field = joinField('env', keyField(name));
    const word = typeof value === 'string' && value !== '' && !REFERENCES_ONLY.test(value) ? credentialWordOf(name) : undefined;
    if (word !== undefined) {
      return { field, received: `a plain-text value for ${name}, a name that reads like a credential (${word})`, allowed: instead(name) };
    }
    const found = typeof value === 'string' ? credentialInValue(value) : undefined;
    if (found !== undefined) {
      return { field, received: `${found} in plain text`, allowed: instead(name) };
    }
  }
  return undefined;
}
