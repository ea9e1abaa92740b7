import { Size, Testing } from 'cdk8s';
import {
  ContainerSpec, MicroserviceProps, Microservice, NamespaceBaseline, NatsCluster, NodeAgent, PodSecurityLevel, PortProtocol, StatefulService,
} from '../../constructs';
import { credentialInValue, credentialWordOf } from '../../constructs/workloads/secret-env';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, expectConfigError, one, podSpec, setup, synth } from './helpers';

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

describe('names that read like credentials', () => {
  test.each([
    ['DB_PASSWORD', 'PASSWORD'], ['MYSQL_ROOT_PASSWORD', 'PASSWORD'], ['dbPassword', 'PASSWORD'], ['db-passwd', 'PASSWD'],
    ['SSH_PASSPHRASE', 'PASSPHRASE'], ['CLIENT_SECRET', 'SECRET'], ['AWS_SECRET_ACCESS_KEY', 'SECRET'], ['GITHUB_TOKEN', 'TOKEN'],
    ['REFRESH_TOKEN', 'TOKEN'], ['TOKEN', 'TOKEN'], ['DOCKER_CREDENTIALS', 'CREDENTIALS'], ['NATS_CREDS', 'CREDS'], ['APIKEY', 'APIKEY'],
    ['STRIPE_API_KEY', 'API_KEY'], ['apiKey', 'API_KEY'], ['SSH_PRIVATE_KEY', 'PRIVATE_KEY'], ['MINIO_ACCESS_KEY', 'ACCESS_KEY'],
    ['JWT_SIGNING_KEY', 'SIGNING_KEY'], ['NATS_PASSWORD_SHOP_ORDER', 'PASSWORD'], ['SMTP_PASS', 'PASS'], ['DB_PWD', 'PWD'],
    ['REDIS_AUTH', 'AUTH'], ['PROXY_AUTHORIZATION', 'AUTHORIZATION'], ['TOKEN_CACHE', 'TOKEN'],
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
  ])('%s reads like none', (name) => {
    expect(credentialWordOf(name)).toBeUndefined();
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
  ])('%j: %s', (value, found) => {
    expect(credentialInValue(value)).toBe(found);
  });

  test.each([
    'nats://nats.shop.svc.cluster.local:4222', 'nats://app@nats:4222', 'https://user@example.com/x', 'mailto:ops@example.com',
    // Variable references are expanded from elsewhere (Kubernetes expands $(NAME) from the pod's other variables).
    '["nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@nats-0.nats-headless:6222"]', 'postgres://u:${DB_PASSWORD}@db/x', 'postgres://u:$PW@db/x',
    '-----BEGIN CERTIFICATE-----', 'eyJhbGciOiJIUzI1NiJ9', `U${'A'.repeat(55)}`, 'SUPERCALIFRAGILISTIC', 'AKIA1234',
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
      env: { TOKEN_CACHE: '/var/cache/tokens', DEMO_DATABASE_URL: 'postgres://demo:demo@demo-db:5432/demo' },
      allowPlaintextEnv: {
        TOKEN_CACHE: 'a directory, not a token',
        DEMO_DATABASE_URL: 'the public demo database, whose password is in its documentation',
      },
    });
    const env = podSpec(one(synth(chart), 'Deployment')).containers[0].env;
    expect(env).toEqual([
      { name: 'TOKEN_CACHE', value: '/var/cache/tokens' },
      { name: 'DEMO_DATABASE_URL', value: 'postgres://demo:demo@demo-db:5432/demo' },
    ]);
  });

  test('excuses only the variables it names', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: '/var/cache', API_TOKEN: 'abc' }, allowPlaintextEnv: { TOKEN_CACHE: 'a directory' } }),
      `[test] c/web: env.API_TOKEN: received a plain-text value for API_TOKEN, a name that reads like a credential (TOKEN); allowed: ${instead('API_TOKEN')}`);
  });

  test('per container: the main container\'s opt-out does not cover a sidecar', () => {
    expectConfigError(() => microservice({
      env: { TOKEN_CACHE: '/a' },
      allowPlaintextEnv: { TOKEN_CACHE: 'a directory' },
      sidecars: [{ name: 'helper', image: SIDECAR_IMAGE, resources: GUARANTEED, env: { TOKEN_CACHE: '/b' } }],
    }), `[test] c/web: sidecars[0].env.TOKEN_CACHE: received a plain-text value for TOKEN_CACHE, a name that reads like a credential (TOKEN); allowed: ${instead('TOKEN_CACHE')}`);
  });

  test('refuses a name env does not define, so that no excuse outlives its variable', () => {
    expectConfigError(() => microservice({ env: { LOG_LEVEL: 'info' }, allowPlaintextEnv: { TOKEN_CACHE: 'a directory' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "TOKEN_CACHE", which env does not define; allowed: names of variables of env only (remove an entry when its variable goes)');
    expectConfigError(() => microservice({ allowPlaintextEnv: { TOKEN_CACHE: 'a directory' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "TOKEN_CACHE", which env does not define; allowed: names of variables of env only (remove an entry when its variable goes)');
  });

  test('refuses an empty reason', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: '/a' }, allowPlaintextEnv: { TOKEN_CACHE: '  ' } }),
      '[test] c/web: allowPlaintextEnv.TOKEN_CACHE: received "  "; allowed: why the value of TOKEN_CACHE is no secret (a non-empty text)');
  });

  test('refuses the value itself, or a credential, as the reason (it is not a second env), without showing it', () => {
    expectConfigError(() => microservice({ env: { DB_PASSWORD: 'hunter2' }, allowPlaintextEnv: { DB_PASSWORD: 'hunter2' } }),
      '[test] c/web: allowPlaintextEnv.DB_PASSWORD: received the variable\'s own value; allowed: why the value of DB_PASSWORD is no secret, not a value: allowPlaintextEnv excuses variables of env, it sets none');
    expectConfigError(() => microservice({ env: { DB_URL: 'postgres://db/x' }, allowPlaintextEnv: { DB_URL: 'postgres://app:hunter2@db/x' } }),
      '[test] c/web: allowPlaintextEnv.DB_URL: received a URL with a password (postgres://app:***@db); allowed: why the value of DB_URL is no secret, not a value: allowPlaintextEnv excuses variables of env, it sets none');
  });

  test('refuses reasons that are not text', () => {
    expectConfigError(() => microservice({ env: { TOKEN_CACHE: '/a' }, allowPlaintextEnv: { TOKEN_CACHE: true } as any }),
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
