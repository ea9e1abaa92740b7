/**
 * Credentials written in plain text into a container's `env`, where every reader of the
 * manifests (the repository, `kubectl get -o yaml`, GitOps tools, logs of the apply) sees them.
 * A variable is refused when its NAME or its VALUE looks like a credential, unless the container
 * says, in `allowPlaintextEnv`, why it is none.
 *
 * Names are split into words at `_`, `-`, `.` and lower-to-upper case changes (`dbPassword` is
 * DB PASSWORD) and compared in upper case. A name reads like a credential when
 * - one of its words is one of CREDENTIAL_WORDS (PASSWORD, SECRET, TOKEN, CREDENTIALS, ...) or
 *   ends with one (PGPASSWORD, DBPASSWORD: names written without separators; PASSWORDLESS,
 *   TOKENIZER and SECRETARY end otherwise), or two neighbouring words are `<KEY_KINDS> KEY`
 *   (API_KEY, PRIVATE_KEY, JWT_KEY, SESSION_KEY, HMAC_KEY, ...), unless its LAST word is one of
 *   ABOUT_WORDS: then it names something about the credential, not the credential
 *   (TOKEN_TTL_SECONDS, PASSWORD_FILE, SECRET_NAME, AUTH_URL, AWS_ACCESS_KEY_ID,
 *   SECRETS_MANAGER_REGION, TOKEN_SIGNING_ALG);
 * - or its last word, in a name of two words or more, is one of TRAILING_CREDENTIAL_WORDS
 *   (DB_PASS, DB_PWD, LDAP_BIND_PW, REDIS_AUTH, PROXY_AUTHORIZATION), words too common elsewhere
 *   to count anywhere else or inside a longer word (PASS_THROUGH, BYPASS, AUTH_MODE, OAUTH, the
 *   shell's PWD and OLDPWD; so DBPASS is not caught: spell it DB_PASS).
 * Such a name may still hold a value that is plainly no credential (spaces around it aside):
 * - an empty value, or one made only of references to other variables (`$(DB_PASSWORD)`, which
 *   Kubernetes expands, `${DB_PASSWORD}`, `$DB_PASSWORD`);
 * - a flag, one of FLAG_VALUES in any case (true, false, yes, no, on, off, enabled, disabled,
 *   1, 0: ENABLE_AUTH=true, USE_SECRETS=true, SKIP_AUTH=1);
 * - a whole number (digits, maybe after `-`), unless the credential word (or `<KIND> KEY`) is
 *   the name's last word (PASSWORD_RETRIES=3 passes; DB_PASSWORD=123456 and
 *   REDIS_AUTH=8675309 are numeric passwords, refused);
 * - an absolute path (`/var/run/secrets/google/key.json`: a file is no secret, its content would
 *   be), of segments made of letters, digits and `. _ ~ + = , @ -`;
 * - for AUTH and AUTHORIZATION, the name of an authentication mechanism, one of AUTH_MECHANISMS
 *   in any case (NATS_AUTH=nkey, PROXY_AUTHORIZATION=basic): it says how, not with what. The
 *   word `password` is not one of them: it would let the most common password through.
 *
 * A value reads like a credential, whatever its name (the flags, numbers and paths above
 * included), when it holds anywhere in it one of VALUE_PATTERNS:
 * - a URL with a password (`nats://app:s3cret@nats:4222`; the password runs to the last `@`
 *   before the host, so `redis://:p@ss@redis:6379` is shown `redis://:***@redis:6379`; one made
 *   only of variable references such as `$(DB_PASSWORD)`, which Kubernetes expands from a
 *   Secret, is none);
 * - a PEM private key, a JSON Web Token, a NATS nkey seed or an AWS access key ID;
 * - a GitHub token (`ghp_`, `gho_`, `ghs_`, `ghu_` or `ghr_` and 36 or more letters or digits,
 *   or `github_pat_` and 22 or more letters, digits or `_`), a GitLab personal access token
 *   (`glpat-` and 20 or more letters, digits, `_` or `-`), a Slack token (`xoxb-`, `xoxp-`,
 *   `xoxa-`, `xoxr-` or `xoxs-` and 10 or more letters, digits or `-`), a Stripe live key
 *   (`sk_live_` or `rk_live_` and 16 or more letters or digits) or a Google API key (`AIza` and
 *   35 letters, digits, `_` or `-`), none of them right after a letter or digit;
 * - an HTTP credential: `Bearer` or `Basic` in any case, not right after a letter or digit,
 *   then spaces (or `%20`) and a token of 8 characters or more (RFC 7235's token68: letters,
 *   digits, `. _ ~ + / -`, then `=` padding; `Authorization=Basic dXNlcjpwYXNz`); a token that
 *   is a word of text (`Basic authentication`, `Authentication`, `AUTHENTICATION`) is none, and
 *   so is one made of variable references (`Bearer $(API_TOKEN)`), which is no token68;
 * - a password parameter of a query or connection string: `password=`, `passwd=` or `pwd=` in
 *   any case, not after a letter or digit (`?password=`, `;Password=`, `PWD=`, `--db-password=`),
 *   with a value (quoted, or up to the next `&`, `;`, space, quote or comma) that is neither
 *   empty nor made only of variable references (`Password=$(DB_PASSWORD);`).
 * The message shows what was found with the secret part masked (`ghp_***`, `Bearer ***`,
 * `password=***`), never the secret.
 */
import { ValueProblem, joinField } from '../core/errors';
import { keyField } from '../core/runtime-types';

/** Words that make a name read like a credential wherever they stand, alone or ending a longer word (PGPASSWORD). */
export const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'PASSWORD', 'PASSWD', 'PASSPHRASE', 'SECRET', 'SECRETS', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS',
  'CREDS', 'APIKEY', 'PRIVATEKEY', 'ACCESSKEY', 'SECRETKEY',
]);

/** Words that make a name read like a credential as its last word only, in a name of two words or more. */
export const TRAILING_CREDENTIAL_WORDS: ReadonlySet<string> = new Set(['PASS', 'PWD', 'PW', 'AUTH', 'AUTHORIZATION']);

/** Words that, followed by KEY, name a key that is a credential (KEY alone names too much else: CACHE_KEY). */
export const KEY_KINDS: ReadonlySet<string> = new Set([
  'API', 'PRIVATE', 'ACCESS', 'SIGNING', 'ENCRYPTION', 'MASTER', 'JWT', 'SESSION', 'AUTH', 'HMAC',
]);

/**
 * Last words that make a name about a credential rather than the credential itself: where it is,
 * who issues it, how long it lives, whether it is on, how it is made or checked.
 */
export const ABOUT_WORDS: ReadonlySet<string> = new Set([
  'FILE', 'FILES', 'PATH', 'DIR', 'DIRECTORY', 'URL', 'URI', 'ENDPOINT', 'HOST', 'PORT', 'ADDR', 'ADDRESS', 'NAME', 'REF', 'ARN',
  'ID', 'TTL', 'SECONDS', 'SECS', 'MS', 'MILLIS', 'MINUTES', 'HOURS', 'DAYS', 'TIMEOUT', 'EXPIRY', 'EXPIRATION', 'LIFETIME',
  'DURATION', 'INTERVAL', 'AGE', 'LENGTH', 'LEN', 'SIZE', 'MIN', 'MAX', 'COUNT', 'LIMIT', 'ENABLED', 'DISABLED', 'ENABLE',
  'DISABLE', 'REQUIRED', 'MODE', 'METHOD', 'TYPE', 'KIND', 'POLICY', 'HEADER', 'HEADERS', 'PREFIX', 'ISSUER', 'AUDIENCE', 'SCOPE',
  'SCOPES', 'ALGORITHM', 'ALGORITHMS', 'ALG', 'ALGO', 'FORMAT', 'ENCODING', 'ENCODER', 'HASHER', 'ROUNDS', 'ITERATIONS', 'COST',
  'VERSION', 'PROVIDER', 'REALM', 'REGION', 'STORE', 'BACKEND',
]);

/** Values that are a flag, compared in lower case: a name that reads like a credential holding one holds none. */
export const FLAG_VALUES: ReadonlySet<string> = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'enabled', 'disabled', '1', '0']);

/** Names of authentication mechanisms, compared in lower case: what an AUTH or AUTHORIZATION variable holds when it says how, not with what. */
export const AUTH_MECHANISMS: ReadonlySet<string> = new Set([
  'none', 'anonymous', 'basic', 'bearer', 'digest', 'token', 'jwt', 'nkey', 'nkeys', 'oauth', 'oauth2', 'oidc', 'mtls', 'tls',
  'x509', 'ldap', 'kerberos', 'saml', 'sasl', 'scram', 'iam',
]);

/** The words of a variable name, in upper case (`dbPassword`, `DB_PASSWORD`, `db-password`: DB PASSWORD). */
export function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().split(/[^A-Z0-9]+/).filter((w) => w.length > 0);
}

/** The credential word of a name, and whether it is the name's last word. */
interface NameCredential {
  readonly word: string;
  readonly last: boolean;
}

/** The one of CREDENTIAL_WORDS that `word` is or ends with (the longest), or undefined. */
function credentialWordEnding(word: string): string | undefined {
  if (CREDENTIAL_WORDS.has(word)) return word;
  let found: string | undefined;
  for (const c of CREDENTIAL_WORDS) {
    if (word.endsWith(c) && (found === undefined || c.length > found.length)) found = c;
  }
  return found;
}

/** What makes the name of `words` read like a credential, or undefined when nothing does. */
function nameCredential(words: readonly string[]): NameCredential | undefined {
  const last = words[words.length - 1];
  if (words.length > 1 && TRAILING_CREDENTIAL_WORDS.has(last)) return { word: last, last: true };
  if (last === undefined || ABOUT_WORDS.has(last)) return undefined;
  for (let i = 0; i < words.length; i++) {
    const word = credentialWordEnding(words[i]);
    if (word !== undefined) return { word, last: i === words.length - 1 };
    if (words[i] === 'KEY' && i > 0 && KEY_KINDS.has(words[i - 1])) return { word: `${words[i - 1]}_KEY`, last: i === words.length - 1 };
  }
  return undefined;
}

/** The word (or `<KIND> KEY` pair) that makes `name` read like a credential, or undefined when it does not. */
export function credentialWordOf(name: string): string | undefined {
  return nameCredential(nameWords(name))?.word;
}

/** A value made only of references to other variables (`$(DB_PASSWORD)`, `${DB_PASSWORD}`, `$DB_PASSWORD`). */
const REFERENCES_ONLY = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)+$/;
/** A whole number. */
const WHOLE_NUMBER = /^-?[0-9]+$/;
/** An absolute path of plain segments: letters, digits and `. _ ~ + = , @ -` between single slashes. */
const ABSOLUTE_PATH = /^(?:\/[A-Za-z0-9._~+=,@-]+)+\/?$/;

/**
 * The word (or `<KIND> KEY` pair) that makes the plain-text variable `name` read like a
 * credential, or undefined when its name does not, or its value is plainly none (empty,
 * references only, a flag, a whole number, an absolute path, an authentication mechanism: see
 * the rules at the top of this file).
 */
export function credentialWordFor(name: string, value: string): string | undefined {
  const v = value.trim();
  if (v === '' || REFERENCES_ONLY.test(v)) return undefined;
  const found = nameCredential(nameWords(name));
  if (found === undefined) return undefined;
  const lower = v.toLowerCase();
  if (FLAG_VALUES.has(lower) || ABSOLUTE_PATH.test(v) || (WHOLE_NUMBER.test(v) && !found.last)) return undefined;
  if ((found.word === 'AUTH' || found.word === 'AUTHORIZATION') && AUTH_MECHANISMS.has(lower)) return undefined;
  return found.word;
}

/** scheme://user:password@host, anywhere in a value (a list of URLs included); the password runs to the last `@` before the host. */
const URL_WITH_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'[\],]*):([^\s/?#"',]+)@([^\s/?#@"',\]]*)/gi;
/** `Bearer` or `Basic`, then a token (RFC 7235's token68), anywhere in a value. */
const HTTP_CREDENTIAL = /(?<![A-Za-z0-9])(bearer|basic)(?:[ \t]+|%20)([A-Za-z0-9._~+/-]{8,}=*)(?![A-Za-z0-9._~+/=-])/gi;
/** A token that is a word of text (`authentication`, `Authentication`, `AUTHENTICATION`), not a credential. */
const WORD = /^(?:[A-Z]?[a-z]+|[A-Z]+)$/;
/** A password parameter of a query or connection string, and its value. */
const PASSWORD_PARAMETER = /(?<![A-Za-z0-9])(password|passwd|pwd)[ \t]*=[ \t]*("[^"]*"|'[^']*'|[^&;\s"',]*)/gi;

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

/** Shows the first `length` characters of what was found (its well-known prefix), then `***`. */
function prefix(length: number): (found: string) => string {
  return (found) => `${found.slice(0, length)}***`;
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
  matching('a NATS nkey seed', /(?:^|[^A-Z2-7])(S[UAONCX][A-Z2-7]{56})(?![A-Z2-7])/, prefix(2)),
  matching('an AWS access key ID', /(?:^|[^A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])/, prefix(4)),
  matching('a GitHub token', /(?<![A-Za-z0-9])(gh[opsur]_[A-Za-z0-9]{36,})/, prefix(4)),
  matching('a GitHub token', /(?<![A-Za-z0-9])(github_pat_[A-Za-z0-9_]{22,})/, prefix(11)),
  matching('a GitLab token', /(?<![A-Za-z0-9])(glpat-[A-Za-z0-9_-]{20,})/, prefix(6)),
  matching('a Slack token', /(?<![A-Za-z0-9])(xox[bpars]-[A-Za-z0-9-]{10,})/, prefix(5)),
  matching('a Stripe live key', /(?<![A-Za-z0-9])((?:sk|rk)_live_[A-Za-z0-9]{16,})/, prefix(8)),
  matching('a Google API key', /(?<![A-Za-z0-9])(AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/, prefix(4)),
  {
    what: 'an HTTP credential',
    find: (value) => {
      for (const m of value.matchAll(HTTP_CREDENTIAL)) {
        if (!WORD.test(m[2].replace(/=+$/, ''))) return `${m[1]} ***`;
      }
      return undefined;
    },
  },
  {
    what: 'a password parameter',
    find: (value) => {
      for (const m of value.matchAll(PASSWORD_PARAMETER)) {
        const given = /^(["']).*\1$/.test(m[2]) ? m[2].slice(1, -1) : m[2];
        if (given !== '' && !REFERENCES_ONLY.test(given)) return `${m[1]}=***`;
      }
      return undefined;
    },
  },
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
    const word = typeof value === 'string' ? credentialWordFor(name, value) : undefined;
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
