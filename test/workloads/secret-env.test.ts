import { Size, Testing } from 'cdk8s';
import {
  ContainerSpec, MicroserviceProps, Microservice, NamespaceBaseline, NatsCluster, NodeAgent, PodSecurityLevel, PortProtocol, StatefulService,
} from '../../constructs';
import { credentialInValue, credentialWordFor, credentialWordOf } from '../../constructs/workloads/secret-env';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, configErrorOf, expectConfigError, one, podSpec, setup, synth } from './helpers';

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };

function microservice(props: Partial<MicroserviceProps>) {
  const { chart } = setup();
  new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props });
  return chart;
}

/** What is allowed instead of a plain-text NAME, in every message of the rule. */
function instead(name: string): string {
  return `its value from a Secret through secretEnv ({ name: "${name}", from: "<Secret>", key: "<key>" }), `
    + `or, when it is no secret, allowPlaintextEnv: { "${name}": "<why it is none>" }`;
}

// Fake credentials of the right shapes (none of them real).
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const NKEY_SEED = `SU${'A'.repeat(56)}`;
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----';
// Provider tokens, built from repeated characters so that no scanner mistakes them for real ones.
const GITHUB = `ghp_${'Ab1'.repeat(12)}`;
const GITHUB_PAT = `github_pat_${'Ab1'.repeat(8)}_${'Cd2'.repeat(20)}`;
const GITLAB = `glpat-${'Ab1-'.repeat(5)}`;
const SLACK = `xoxb-${'1'.repeat(12)}-${'2'.repeat(12)}-${'Ab'.repeat(12)}`;
const STRIPE = `sk_live_${'Ab1'.repeat(8)}`;
const GOOGLE = `AIza${'Ab1_-'.repeat(7)}`;

describe('names that read like credentials', () => {
  test.each([
    ['DB_PASSWORD', 'PASSWORD'], ['MYSQL_ROOT_PASSWORD', 'PASSWORD'], ['dbPassword', 'PASSWORD'], ['db-passwd', 'PASSWD'],
    ['SSH_PASSPHRASE', 'PASSPHRASE'], ['CLIENT_SECRET', 'SECRET'], ['AWS_SECRET_ACCESS_KEY', 'SECRET'], ['GITHUB_TOKEN', 'TOKEN'],
    ['REFRESH_TOKEN', 'TOKEN'], ['TOKEN', 'TOKEN'], ['DOCKER_CREDENTIALS', 'CREDENTIALS'], ['NATS_CREDS', 'CREDS'], ['APIKEY', 'APIKEY'],
    ['STRIPE_API_KEY', 'API_KEY'], ['apiKey', 'API_KEY'], ['SSH_PRIVATE_KEY', 'PRIVATE_KEY'], ['MINIO_ACCESS_KEY', 'ACCESS_KEY'],
    ['JWT_SIGNING_KEY', 'SIGNING_KEY'], ['NATS_PASSWORD_SHOP_ORDER', 'PASSWORD'], ['SMTP_PASS', 'PASS'], ['DB_PWD', 'PWD'],
    ['REDIS_AUTH', 'AUTH'], ['PROXY_AUTHORIZATION', 'AUTHORIZATION'], ['TOKEN_CACHE', 'TOKEN'],
    // A credential word ending a word written without separators.
    ['PGPASSWORD', 'PASSWORD'], ['DBPASSWORD', 'PASSWORD'], ['MYSQL_ROOTPASSWORD', 'PASSWORD'], ['GITHUBTOKEN', 'TOKEN'], ['clientSecret', 'SECRET'],
    ['AppSecrets', 'SECRETS'], ['AWS_SECRETACCESSKEY', 'ACCESSKEY'],
    // PW, like PWD, as the last word of a longer name.
    ['LDAP_BIND_PW', 'PW'], ['smtpPw', 'PW'],
    // More kinds of keys.
    ['JWT_KEY', 'JWT_KEY'], ['SESSION_KEY', 'SESSION_KEY'], ['AUTH_KEY', 'AUTH_KEY'], ['HMAC_KEY', 'HMAC_KEY'], ['jwtKey', 'JWT_KEY'],
  ])('%s (%s)', (name, word) => {
    expect(credentialWordOf(name)).toBe(word);
  });

  test.each([
    // Something about a credential rather than the credential: its last word says what.
    'TOKEN_TTL_SECONDS', 'PASSWORD_FILE', 'POSTGRES_PASSWORD_FILE', 'SECRET_NAME', 'SECRETS_DIR', 'CREDENTIALS_PATH', 'PASSWORD_MIN_LENGTH',
    'ACCESS_TOKEN_LIFETIME', 'OAUTH_TOKEN_URL', 'CSRF_TOKEN_HEADER', 'AWS_ACCESS_KEY_ID', 'API_KEY_HEADER', 'TOKEN_ISSUER', 'AUTH_URL',
    // PASS, PWD and AUTH count only as the last word of a longer name.
    'PASS_THROUGH', 'PWD', 'AUTH_MODE', 'AUTH_SERVICE_HOST',
    // KEY alone is no credential; neither are plurals that count things.
    'CACHE_KEY', 'PARTITION_KEY', 'MAX_TOKENS', 'NATS_USER', 'NATS_URL', 'NATS_INBOX_PREFIX', 'GOMEMLIMIT', 'BYPASS_CACHE',
    // Where a secret is kept, how passwords are hashed, how tokens are signed.
    'SECRETS_MANAGER_REGION', 'SECRET_STORE', 'SECRETS_BACKEND', 'PASSWORD_HASH_ROUNDS', 'PASSWORD_ENCODER', 'PASSWORD_HASHER',
    'PASSWORD_ENCODING', 'TOKEN_SIGNING_ALG', 'JWT_ALGO', 'TOKEN_ALGORITHMS', 'PBKDF2_PASSWORD_ITERATIONS', 'BCRYPT_PASSWORD_COST',
    'OTEL_EXPORTER_OTLP_HEADERS', 'AUTHORIZATION_HEADER', 'JWT_KEY_ID', 'SESSION_KEY_PREFIX',
    // Words that only start with a credential word, and words that end with PASS, PWD or AUTH (only whole words count for those).
    'PASSWORDLESS', 'PASSWORDLESS_LOGIN', 'TOKENIZER', 'TOKENIZERS', 'TOKENIZER_PATH', 'SECRETARY', 'SECRETARY_EMAIL', 'DBPASS', 'BYPASS',
    'COMPASS_HEADING', 'OLDPWD', 'OAUTH', 'PW', 'SESSION', 'HMAC',
  ])('%s reads like none', (name) => {
    expect(credentialWordOf(name)).toBeUndefined();
  });
});

describe('values that are plainly no credential, under a name that reads like one', () => {
  test.each([
    // An absolute path: a file is no secret, its content would be.
    ['GOOGLE_APPLICATION_CREDENTIALS', '/var/run/secrets/google/key.json'], ['DB_PASSWORD', '/run/secrets/db-password'], ['TLS_SECRETS', '/etc/tls/'],
    // Flags, in any case.
    ['ENABLE_AUTH', 'true'], ['REQUIRE_AUTH', 'TRUE'], ['DISABLE_AUTH', 'false'], ['SKIP_AUTH', '1'], ['NO_AUTH', 'yes'], ['USE_AUTH', 'on'],
    ['BASIC_AUTH', 'true'], ['USE_SECRETS', 'true'], ['TOKEN_REFRESH', 'Disabled'], ['VERIFY_TOKEN', 'off'], ['REDIS_AUTH', ' no '], ['CHECK_AUTH', '0'],
    // A whole number, when the credential word is not the name's last word.
    ['PASSWORD_HASH_ROUNDS', '10'], ['PASSWORD_RETRIES', '3'], ['TOKEN_REFRESH_LEEWAY', '-30'],
    // The name of an authentication mechanism, for AUTH and AUTHORIZATION: how, not with what.
    ['NATS_AUTH', 'nkey'], ['NATS_AUTH', 'JWT'], ['KAFKA_AUTH', 'scram'], ['PROXY_AUTHORIZATION', 'basic'], ['REDIS_AUTH', 'none'],
    // Names about a credential, whatever their value.
    ['SECRETS_MANAGER_REGION', 'eu-west-1'], ['SECRET_STORE', 'vault'], ['PASSWORD_ENCODER', 'bcrypt'], ['TOKEN_SIGNING_ALG', 'RS256'],
  ])('%s=%j', (name, value) => {
    expect(credentialWordFor(name, value)).toBeUndefined();
  });

  test.each([
    // A numeric password, under a name whose last word is the credential word.
    ['DB_PASSWORD', '123456', 'PASSWORD'], ['REDIS_AUTH', '8675309', 'AUTH'], ['API_KEY', '4242424242', 'API_KEY'],
    // `password` is no mechanism: it would let the most common password through.
    ['NATS_AUTH', 'password', 'AUTH'], ['REDIS_AUTH', 'hunter2', 'AUTH'],
    // A mechanism's name counts for AUTH words only; a path must be one.
    ['DB_PASSWORD', 'basic', 'PASSWORD'], ['DB_PASSWORD', '/Tr0ub4dor&3', 'PASSWORD'], ['DB_PASSWORD', '//not/a/path', 'PASSWORD'],
    ['DB_PASSWORD', 'true-ish', 'PASSWORD'], ['PGPASSWORD', 'hunter2', 'PASSWORD'], ['LDAP_BIND_PW', 'hunter2', 'PW'], ['SESSION_KEY', 'k3y', 'SESSION_KEY'],
  ])('%s=%j still reads like a credential (%s)', (name, value, word) => {
    expect(credentialWordFor(name, value)).toBe(word);
  });
});

describe('values that hold credentials', () => {
  test.each([
    ['nats://app:s3cret@nats:4222', 'a URL with a password (nats://app:***@nats:4222)'],
    ['postgres://u:p@db/x', 'a URL with a password (postgres://u:***@db)'],
    ['redis://:hunter2@redis.shop.svc:6379/0', 'a URL with a password (redis://:***@redis.shop.svc:6379)'],
    ['["nats://a:$(P)@h:1", "nats://b:x@h:2"]', 'a URL with a password (nats://b:***@h:2)'],
    [PEM, 'a PEM private key (-----BEGIN RSA PRIVATE KEY-----)'],
    ['-----BEGIN PRIVATE KEY-----\nabc', 'a PEM private key (-----BEGIN PRIVATE KEY-----)'],
    [JWT, 'a JSON Web Token (eyJ***)'],
    [`Bearer ${JWT}`, 'a JSON Web Token (eyJ***)'],
    [NKEY_SEED, 'a NATS nkey seed (SU***)'],
    [`SA${'B'.repeat(56)}`, 'a NATS nkey seed (SA***)'],
    [`SO${'C'.repeat(56)}`, 'a NATS nkey seed (SO***)'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key ID (AKIA***)'],
    // A password with an '@' runs to the last '@' before the host: none of it is shown.
    ['redis://:p@ss@redis:6379', 'a URL with a password (redis://:***@redis:6379)'],
    ['redis://app:p@ss@w@rd@redis.shop.svc:6379/0?db=1', 'a URL with a password (redis://app:***@redis.shop.svc:6379)'],
    ['["nats://a:x@y@h:1", "nats://b:z@h:2"]', 'a URL with a password (nats://a:***@h:1)'],
    // Provider tokens, anywhere in a value.
    [GITHUB, 'a GitHub token (ghp_***)'],
    [`token ${GITHUB.replace('ghp_', 'gho_')}`, 'a GitHub token (gho_***)'],
    [GITHUB.replace('ghp_', 'ghs_'), 'a GitHub token (ghs_***)'],
    [GITHUB.replace('ghp_', 'ghu_'), 'a GitHub token (ghu_***)'],
    [`https://x-access-token:${GITHUB}@github.com/acme/web`, 'a URL with a password (https://x-access-token:***@github.com)'],
    [GITHUB_PAT, 'a GitHub token (github_pat_***)'],
    [`PRIVATE-TOKEN=${GITLAB}`, 'a GitLab token (glpat-***)'],
    [SLACK, 'a Slack token (xoxb-***)'],
    [SLACK.replace('xoxb-', 'xoxp-'), 'a Slack token (xoxp-***)'],
    [STRIPE, 'a Stripe live key (sk_live_***)'],
    [STRIPE.replace('sk_', 'rk_'), 'a Stripe live key (rk_live_***)'],
    [`https://maps.example.com/api?key=${GOOGLE}`, 'a Google API key (AIza***)'],
    // HTTP credentials: the scheme in any case, then a token of 8 characters or more.
    ['Bearer abc123def456ghi789', 'an HTTP credential (Bearer ***)'],
    ['bearer Zm9vYmFyYmF6', 'an HTTP credential (bearer ***)'],
    ['Authorization=Basic dXNlcjpwYXNz', 'an HTTP credential (Basic ***)'],
    ['Authorization=Basic%20dXNlcjpwYXNzd29yZA==,x-team=shop', 'an HTTP credential (Basic ***)'],
    ['{"Authorization": "BASIC dXNlcjpwYXNz"}', 'an HTTP credential (BASIC ***)'],
    // A password in a query or connection string.
    ['postgres://db.shop.svc/app?sslmode=require&password=hunter2', 'a password parameter (password=***)'],
    ['Server=db;Database=app;User Id=sa;Password=hunter2;', 'a password parameter (Password=***)'],
    ['Password=hunter2;Server=db', 'a password parameter (Password=***)'],
    ['Driver={ODBC Driver 18};Server=db;UID=sa;PWD={hunter2};', 'a password parameter (PWD=***)'],
    ["host=db user=app password='hunter 2'", 'a password parameter (password=***)'],
    ['--db-password=hunter2 --verbose', 'a password parameter (password=***)'],
  ])('%j: %s', (value, found) => {
    expect(credentialInValue(value)).toBe(found);
  });

  test.each([
    'nats://nats.shop.svc.cluster.local:4222', 'nats://app@nats:4222', 'https://user@example.com/x', 'mailto:ops@example.com',
    // Variable references are expanded from elsewhere (Kubernetes expands $(NAME) from the pod's other variables).
    '["nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@nats-0.nats-headless:6222"]', 'postgres://u:${DB_PASSWORD}@db/x', 'postgres://u:$PW@db/x',
    '-----BEGIN CERTIFICATE-----', 'eyJhbGciOiJIUzI1NiJ9', `U${'A'.repeat(55)}`, 'SUPERCALIFRAGILISTIC', 'AKIA1234',
    // Too short, or not at the start of a token, or no token at all.
    'ghp_short', `xghp_${'a'.repeat(36)}`, 'glpat-short', 'xoxb-123', 'sk_test_abcdefghijklmnop', 'sk_live_short', 'AIzaShort',
    // A scheme followed by text, a challenge, or a reference to a variable, is no credential.
    'Basic authentication required', 'Bearer Authentication', 'BASIC AUTHENTICATION', 'Bearer token', 'Basic realm="shop"', 'Basic realm=shop-internal',
    'Bearer $(API_TOKEN)', 'Authorization=Bearer ${API_TOKEN}', 'MyBearer abc123def456',
    // An empty password parameter, one that is a reference, or a word that only ends with password.
    'postgres://db/app?password=', 'Server=db;Password=$(DB_PASSWORD);', 'password=${DB_PASSWORD}', 'passwordless=true', 'the password is in Vault',
    'OLDPWD=/home/app', 'reset_password_url=https://x/reset',
  ])('%j holds none', (value) => {
    expect(credentialInValue(value)).toBeUndefined();
  });
});

describe('a workload refuses credentials in plain text', () => {
  test('a name that reads like a credential, in the main container', () => {
    expectConfigError(() => microservice({ env: { LOG_LEVEL: 'info', DB_PASSWORD: 'hunter2' } }),
      `[test] c/web: env.DB_PASSWORD: received a plain-text value for DB_PASSWORD, a name that reads like a credential (PASSWORD); allowed: ${instead('DB_PASSWORD')}`);
  });

  test('a value that holds a credential, shown masked: the message never holds the secret', () => {
    let message = '';
    try {
      microservice({ env: { NATS_URL: 'nats://app:s3cret@nats:4222' } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`[test] c/web: env.NATS_URL: received a URL with a password (nats://app:***@nats:4222) in plain text; allowed: ${instead('NATS_URL')}`);
    expect(message).not.toContain('s3cret');
    expectConfigError(() => microservice({ env: { TLS_KEY: PEM } }),
      `[test] c/web: env.TLS_KEY: received a PEM private key (-----BEGIN RSA PRIVATE KEY-----) in plain text; allowed: ${instead('TLS_KEY')}`);
    expectConfigError(() => microservice({ env: { 'x-api-jwt': JWT } }),
      `[test] c/web: env["x-api-jwt"]: received a JSON Web Token (eyJ***) in plain text; allowed: ${instead('x-api-jwt')}`);
  });

  test('a password with an \'@\' is masked up to the last \'@\' before the host', () => {
    const message = configErrorOf(() => microservice({ env: { REDIS_URL: 'redis://:p@ss@redis:6379' } })).message;
    expect(message).toBe(`[test] c/web: env.REDIS_URL: received a URL with a password (redis://:***@redis:6379) in plain text; allowed: ${instead('REDIS_URL')}`);
    expect(message).not.toMatch(/p@ss|ss@/);
  });

  test.each([
    ['PGPASSWORD', 'hunter2', 'a plain-text value for PGPASSWORD, a name that reads like a credential (PASSWORD)'],
    ['DBPASSWORD', 'hunter2', 'a plain-text value for DBPASSWORD, a name that reads like a credential (PASSWORD)'],
    ['LDAP_BIND_PW', 'hunter2', 'a plain-text value for LDAP_BIND_PW, a name that reads like a credential (PW)'],
    ['JWT_KEY', 'hunter2', 'a plain-text value for JWT_KEY, a name that reads like a credential (JWT_KEY)'],
    ['SESSION_KEY', 'hunter2', 'a plain-text value for SESSION_KEY, a name that reads like a credential (SESSION_KEY)'],
    ['AUTH_KEY', 'hunter2', 'a plain-text value for AUTH_KEY, a name that reads like a credential (AUTH_KEY)'],
    ['HMAC_KEY', 'hunter2', 'a plain-text value for HMAC_KEY, a name that reads like a credential (HMAC_KEY)'],
    ['DB_PASSWORD', '123456', 'a plain-text value for DB_PASSWORD, a name that reads like a credential (PASSWORD)'],
    ['GIT_REMOTE', `https://${GITHUB}@github.com/acme/web`, 'a GitHub token (ghp_***) in plain text'],
    ['GH_RELEASE', GITHUB_PAT, 'a GitHub token (github_pat_***) in plain text'],
    ['CI_JOB', GITLAB, 'a GitLab token (glpat-***) in plain text'],
    ['SLACK_WEBHOOK_BOT', SLACK, 'a Slack token (xoxb-***) in plain text'],
    ['STRIPE_ACCOUNT', STRIPE, 'a Stripe live key (sk_live_***) in plain text'],
    ['MAPS_CONFIG', `{"key":"${GOOGLE}"}`, 'a Google API key (AIza***) in plain text'],
    ['AUTHORIZATION_HEADER', 'Bearer abc123def456ghi789', 'an HTTP credential (Bearer ***) in plain text'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'Authorization=Basic dXNlcjpwYXNz', 'an HTTP credential (Basic ***) in plain text'],
    ['DATABASE_URL', 'postgres://db.shop.svc/app?sslmode=require&password=hunter2', 'a password parameter (password=***) in plain text'],
    ['CONNECTION_STRING', 'Server=db;Database=app;User Id=sa;Password=hunter2;', 'a password parameter (Password=***) in plain text'],
    // The value rules apply whatever the name, names about a credential included.
    ['TOKEN_SIGNING_ALG', GITHUB, 'a GitHub token (ghp_***) in plain text'],
    ['PASSWORD_HASH_ROUNDS', 'Bearer abc123def456ghi789', 'an HTTP credential (Bearer ***) in plain text'],
    ['SECRET_STORE', 'vault://app:hunter2@vault:8200', 'a URL with a password (vault://app:***@vault:8200) in plain text'],
  ])('%s: refused, the secret never shown', (name, value, received) => {
    const message = configErrorOf(() => microservice({ env: { LOG_LEVEL: 'info', [name]: value } })).message;
    expect(message).toBe(`[test] c/web: env.${name}: received ${received}; allowed: ${instead(name)}`);
    for (const secret of ['hunter2', '123456', 'dXNlcjpwYXNz', 'abc123def456ghi789', GITHUB, GITHUB_PAT, GITLAB, SLACK, STRIPE, GOOGLE]) {
      expect(message).not.toContain(secret);
    }
  });

  test('flags, whole numbers, file paths, mechanisms and names about a credential are not refused', () => {
    const env = {
      GOOGLE_APPLICATION_CREDENTIALS: '/var/run/secrets/google/key.json',
      ENABLE_AUTH: 'true', REQUIRE_AUTH: 'true', DISABLE_AUTH: 'false', SKIP_AUTH: '1', NO_AUTH: 'yes', USE_AUTH: 'on', BASIC_AUTH: 'true',
      NATS_AUTH: 'nkey', SECRETS_MANAGER_REGION: 'eu-west-1', SECRET_STORE: 'vault', USE_SECRETS: 'true', PASSWORD_HASH_ROUNDS: '10',
      PASSWORD_ENCODER: 'bcrypt', TOKEN_SIGNING_ALG: 'RS256', PASSWORDLESS: 'true', TOKENIZER: 'cl100k', SECRETARY: 'ops@example.com',
      LOGIN_BANNER: 'Basic authentication required',
    };
    const chart = microservice({ env });
    const synthesized = podSpec(one(synth(chart), 'Deployment')).containers[0].env;
    expect(synthesized).toEqual(Object.entries(env).map(([name, value]) => ({ name, value })));
  });

  test('in sidecars and init containers, at their own fields', () => {
    const { chart } = setup();
    expectConfigError(() => new StatefulService(chart, 'db', {
      image: IMAGE, resources: GUARANTEED,
      sidecars: [{ name: 'backup', image: SIDECAR_IMAGE, resources: GUARANTEED, env: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' } }],
    }), `[test] c/db: sidecars[0].env.AWS_ACCESS_KEY_ID: received an AWS access key ID (AKIA***) in plain text; allowed: ${instead('AWS_ACCESS_KEY_ID')}`);
    const f = setup('agents');
    new NamespaceBaseline(f.chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED });
    const init: ContainerSpec = { name: 'seed', image: SIDECAR_IMAGE, resources: GUARANTEED, env: { NATS_SEED: NKEY_SEED } };
    expectConfigError(() => new NodeAgent(f.chart, 'agent', { image: IMAGE, resources: GUARANTEED, initContainers: [init] }),
      `[test] c/agent: initContainers[0].env.NATS_SEED: received a NATS nkey seed (SU***) in plain text; allowed: ${instead('NATS_SEED')}`);
  });

  test('secretEnv, an empty value and references to other variables are not plain-text credentials', () => {
    const chart = microservice({
      env: { DB_PASSWORD: '', DATABASE_PASSWORD: '$(DB_PASSWORD)', DATABASE_URL: 'postgres://app:$(DB_PASSWORD)@db:5432/app', TOKEN_TTL_SECONDS: '3600' },
      secretEnv: [{ name: 'DB_PASSWORD_FROM_SECRET', from: 'db', key: 'password' }],
    });
    const env = podSpec(one(synth(chart), 'Deployment')).containers[0].env;
    expect(env.map((e: any) => e.name)).toEqual(['DB_PASSWORD', 'DATABASE_PASSWORD', 'DATABASE_URL', 'TOKEN_TTL_SECONDS', 'DB_PASSWORD_FROM_SECRET']);
  });

  test('a NatsCluster composes its route URLs from Secret keys: no credential in its env', () => {
    const { chart } = setup();
    new NatsCluster(chart, 'nats', { replicas: 3, routeAuth: { secretName: 'nats-routes' }, resources: { cpu: GUARANTEED.limits.cpu, memory: Size.gibibytes(1) } });
    const server = podSpec(one(synth(chart), 'StatefulSet')).containers[0];
    expect(server.env.find((e: any) => e.name === 'NATS_ROUTES').value).toContain('nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@nats-0.');
  });
});

describe('allowPlaintextEnv: the explicit opt-out, one variable at a time, with the reason', () => {
  test('excuses its variable from every rule; the value stays in env', () => {
    const chart = microservice({
      env: { TOKEN_CACHE: 'redis-tokens', DEMO_DATABASE_URL: 'postgres://demo:demo@demo-db:5432/demo' },
      allowPlaintextEnv: {
        TOKEN_CACHE: 'the name of a cache, not a token',
        DEMO_DATABASE_URL: 'the public demo database, whose password is in its documentation',
      },
    });
    const env = podSpec(one(synth(chart), 'Deployment')).containers[0].env;
    expect(env).toEqual([
      { name: 'TOKEN_CACHE', value: 'redis-tokens' },
      { name: 'DEMO_DATABASE_URL', value: 'postgres://demo:demo@demo-db:5432/demo' },
    ]);
  });

  test('excuses only the variables it names', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: 'redis-tokens', API_TOKEN: 'abc' }, allowPlaintextEnv: { TOKEN_CACHE: 'the name of a cache' } }),
      `[test] c/web: env.API_TOKEN: received a plain-text value for API_TOKEN, a name that reads like a credential (TOKEN); allowed: ${instead('API_TOKEN')}`);
  });

  test('per container: the main container\'s opt-out does not cover a sidecar', () => {
    expectConfigError(() => microservice({
      env: { TOKEN_CACHE: 'redis-a' },
      allowPlaintextEnv: { TOKEN_CACHE: 'the name of a cache' },
      sidecars: [{ name: 'helper', image: SIDECAR_IMAGE, resources: GUARANTEED, env: { TOKEN_CACHE: 'redis-b' } }],
    }), `[test] c/web: sidecars[0].env.TOKEN_CACHE: received a plain-text value for TOKEN_CACHE, a name that reads like a credential (TOKEN); allowed: ${instead('TOKEN_CACHE')}`);
  });

  test('refuses a name env does not define, so that no excuse outlives its variable', () => {
    expectConfigError(() => microservice({ env: { LOG_LEVEL: 'info' }, allowPlaintextEnv: { TOKEN_CACHE: 'the name of a cache' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "TOKEN_CACHE", which env does not define; allowed: names of variables of env only (remove an entry when its variable goes)');
    expectConfigError(() => microservice({ allowPlaintextEnv: { TOKEN_CACHE: 'the name of a cache' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "TOKEN_CACHE", which env does not define; allowed: names of variables of env only (remove an entry when its variable goes)');
  });

  test('refuses an empty reason', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: 'redis-a' }, allowPlaintextEnv: { TOKEN_CACHE: '  ' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "  "; allowed: why the value of TOKEN_CACHE is no secret (a non-empty text)');
  });

  test('refuses the value itself, or a credential, as the reason (it is not a second env), without showing it', () => {
    expectConfigError(() => microservice({ env: { DB_PASSWORD: 'hunter2' }, allowPlaintextEnv: { DB_PASSWORD: 'hunter2' } }),
      '[test] c/web: allowPlaintextEnv.DB_PASSWORD: received the variable\'s own value; allowed: why the value of DB_PASSWORD is no secret, not a value: allowPlaintextEnv excuses variables of env, it sets none');
    expectConfigError(() => microservice({ env: { DB_URL: 'postgres://db/x' }, allowPlaintextEnv: { DB_URL: 'postgres://app:hunter2@db/x' } }),
      '[test] c/web: allowPlaintextEnv.DB_URL: received a URL with a password (postgres://app:***@db); allowed: why the value of DB_URL is no secret, not a value: allowPlaintextEnv excuses variables of env, it sets none');
  });

  test('refuses reasons that are not text', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: 'redis-a' }, allowPlaintextEnv: { TOKEN_CACHE: true } as any }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received true; allowed: why the variable is no secret (a text)');
  });
});

test('checking the env of a thousand services stays cheap', () => {
  const { chart } = setup();
  const started = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) {
    new Microservice(chart, `s${i}`, {
      image: IMAGE, resources: GUARANTEED, ports: [HTTP],
      env: { NATS_URL: 'nats://nats.shop.svc.cluster.local:4222', NATS_USER: `s${i}`, NATS_INBOX_PREFIX: `_INBOX_s${i}`, LOG_LEVEL: 'info' },
      secretEnv: [{ name: 'NATS_PASSWORD', from: 'nats-users', key: `s${i}` }],
    });
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Construction of 1000 services, checks included, in well under the time the bench allows a synth.
  expect(ms).toBeLessThan(10_000);
  expect(Testing.synth(chart)).toHaveLength(3000);
});
