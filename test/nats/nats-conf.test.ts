import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import { Cpu, NatsAuth, NatsCluster, NatsClusterProps, NatsExportKind, NatsServerVersion, NatsTls } from '../../constructs';
import { ConfBlock, ConfDuration, ConfLazy, ConfVariable, KEYS_BY_VERSION, keysNewerThan, renderNatsConf } from '../../constructs/nats/nats-conf';
import { SYSTEM_PATH, which } from '../support/nats/util';
import { setup } from '../workloads/helpers';

// Golden nats.conf files, `nats-server -t` on every golden config it can check unchanged, unit
// tests of the renderer, and proof that the version gate refuses what nats-server 2.9.10 rejects.
//
// Golden files are never written by this test: when the output changes on purpose, render the
// config, review it and replace the file by hand.

const GOLDEN_DIR = path.join(__dirname, 'golden');
const V2_9_10 = NatsServerVersion.V2_9_10;
/** A public user nkey (of a throwaway key pair): nats-server checks the form of nkeys with -t. */
const USER_NKEY = 'UDJOKK6Z56V7Z5EP2IKAUYYO4OFYGSKIPLE7TKL2QAMPDCUZZQGFWILD';

// ---------------------------------------------------------------------------------------------
// nats-server -t

const NATS_SERVER = which('nats-server');
const MISSING_SERVER = 'nats-server is not installed (not found in PATH or the system directories): the nats.conf checks need it. '
  + 'Install the Debian package: apt-get install nats-server (2.9.10).';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-conf-test-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface CheckResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs `nats-server -t -c <file>` on `text` with exactly the given environment (plus PATH). */
function natsServerCheck(text: string, env: Record<string, string> = {}): CheckResult {
  if (!NATS_SERVER) throw new Error(MISSING_SERVER);
  const dir = fs.mkdtempSync(path.join(tmp, 'conf-'));
  const file = path.join(dir, 'nats.conf');
  fs.writeFileSync(file, text);
  // The timeout only bounds a hung process; nothing is asserted about time.
  const r = spawnSync(NATS_SERVER, ['-t', '-c', file], { encoding: 'utf8', env: { PATH: SYSTEM_PATH, ...env }, timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function expectAccepted(text: string, env: Record<string, string> = {}): void {
  const r = natsServerCheck(text, env);
  expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('is valid') });
}

function expectRejected(text: string, message: string, env: Record<string, string> = {}): void {
  const r = natsServerCheck(text, env);
  expect(r.status).not.toBe(0);
  expect(r.output).toContain(message);
}

/** `$NAME` references of a rendered config (the renderer writes them as `key: $NAME` at a line end). */
function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(/^[^#\n]*:\s\$([A-Za-z_][A-Za-z0-9_]*)$/gm)].map((m) => m[1]))].sort();
}

/** A value for every variable: the pod name, a valid public nkey, plain passwords. */
function envFor(variables: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of variables) {
    if (v === 'SERVER_NAME') env[v] = 'nats-0';
    else if (v.startsWith('NATS_NKEY_')) env[v] = USER_NKEY;
    // The route URLs as Kubernetes composes them from the route Secret (a list, read as config syntax).
    else if (v === 'NATS_ROUTES') env[v] = `[${[0, 1, 2].map((i) => `"nats://routes:pw-routes@nats-${i}.nats-headless.shop.svc.cluster.local:6222"`).join(', ')}]`;
    else env[v] = `pw-${v.toLowerCase()}`;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Golden configs

const AUTH: NatsAuth = {
  accounts: [
    {
      name: 'ORDERS',
      users: [
        {
          name: 'orders-svc',
          passwordFrom: { secretName: 'nats-users', key: 'orders' },
          permissions: { publishAllow: ['orders.>'], subscribeAllow: ['orders.>', '_INBOX.>'], allowResponses: true },
        },
        { name: 'edge', nkeyFrom: { secretName: 'nats-users', key: 'edge-nkey' } },
      ],
      exports: [{ subject: 'orders.events.>', kind: NatsExportKind.STREAM }, { subject: 'orders.api.get', kind: NatsExportKind.SERVICE }],
    },
    {
      name: 'BILLING',
      users: [{ name: 'billing-svc', passwordFrom: { secretName: 'nats-users', key: 'billing' }, permissions: { publishDeny: ['orders.>'] } }],
      imports: [
        { account: 'ORDERS', subject: 'orders.events.>', kind: NatsExportKind.STREAM },
        { account: 'ORDERS', subject: 'orders.api.get', kind: NatsExportKind.SERVICE, localSubject: 'billing.orders.get' },
      ],
    },
  ],
  noAuthUser: 'billing-svc',
};

/** Route authorization from the Secret nats-routes (a cluster without TLS on its routes needs it). */
const ROUTE_AUTH = { secretName: 'nats-routes' };

/** A 3-server cluster with auth, leafnodes (listener and a remote), a gateway, WebSocket, MQTT and limits. */
function fullProps(tls: boolean): NatsClusterProps {
  return {
    replicas: 3,
    // Without TLS the routes are authorized with credentials; with it, by mutual TLS.
    routeAuth: tls ? undefined : ROUTE_AUTH,
    serverVersion: '2.9.10',
    resources: { cpu: Cpu.millis(1000), memory: Size.gibibytes(2) },
    jetStream: { fileStorage: Size.gibibytes(20), storageClassName: 'fast', memoryStorage: Size.mebibytes(512), domain: 'hub' },
    tls: tls ? {
      client: NatsTls.fromSecret('nats-client-tls'),
      cluster: NatsTls.fromSecret('nats-cluster-tls'),
      leafnodes: NatsTls.fromSecret('nats-leaf-tls'),
      gateway: NatsTls.fromSecret('nats-gateway-tls'),
      websocket: NatsTls.fromSecret('nats-ws-tls'),
      mqtt: NatsTls.fromSecret('nats-mqtt-tls', { verifyClients: true }),
    } : undefined,
    auth: AUTH,
    leafnodeListener: true,
    leafnodeRemotes: [{
      urls: [tls ? 'tls://hub.example.com:7422' : 'nats-leaf://hub.example.com:7422'],
      account: 'ORDERS',
      credentialsFrom: { secretName: 'hub-creds', key: 'leaf.creds' },
      tls,
    }],
    gateways: [{ name: 'eu', urls: ['nats://nats.eu.example.com:7222'] }],
    websocket: true,
    websocketAllowedOrigins: ['https://shop.example.com'],
    mqtt: true,
    limits: { maxPayload: Size.mebibytes(8), maxPending: Size.mebibytes(128), maxConnections: 10000 },
  };
}

interface GoldenCase {
  /** File under test/nats/golden. */
  readonly file: string;
  readonly namespace: string;
  readonly props: NatsClusterProps;
  /** Checked unchanged with `nats-server -t` (not with TLS: the certificate files only exist in the pod). */
  readonly natsServerCheck: boolean;
}

const GOLDEN: GoldenCase[] = [
  {
    file: 'standalone-dev.conf',
    namespace: 'dev',
    props: { resources: { cpu: Cpu.millis(250), memory: Size.mebibytes(512) }, jetStream: { fileStorage: Size.gibibytes(2) }, natsBox: true },
    natsServerCheck: true,
  },
  {
    file: 'jetstream-cluster-shop.conf',
    namespace: 'shop',
    props: {
      replicas: 3,
      serverVersion: '2.9.10',
      resources: { cpu: Cpu.millis(1000), memory: Size.gibibytes(2) },
      jetStream: { fileStorage: Size.gibibytes(20), storageClassName: 'fast', memoryStorage: Size.mebibytes(512) },
      routeAuth: ROUTE_AUTH,
    },
    natsServerCheck: true,
  },
  { file: 'full-plain.conf', namespace: 'shop', props: fullProps(false), natsServerCheck: true },
  // TLS: the config references /etc/nats-certs/... files that only exist in the pod; it is checked
  // unchanged by the live harness, not with -t here.
  { file: 'full-tls.conf', namespace: 'shop', props: fullProps(true), natsServerCheck: false },
];

function render(c: GoldenCase): NatsCluster {
  const { chart } = setup(c.namespace);
  return new NatsCluster(chart, 'nats', c.props);
}

describe('golden nats.conf files', () => {
  test('the golden directory holds exactly the golden cases', () => {
    expect(fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.conf')).sort()).toEqual(GOLDEN.map((c) => c.file).sort());
  });

  test.each(GOLDEN.map((c) => [c.file, c] as const))('%s: rendered config equals the golden file byte for byte', (file, c) => {
    const goldenPath = path.join(GOLDEN_DIR, file);
    if (!fs.existsSync(goldenPath)) {
      throw new Error(`golden file ${goldenPath} is missing: render the config, review it and add it by hand (this test never writes it)`);
    }
    const rendered = render(c).configText;
    const golden = fs.readFileSync(goldenPath);
    expect(rendered).toBe(golden.toString('utf8'));
    expect(Buffer.from(rendered, 'utf8').equals(golden)).toBe(true);
  });

  test.each(GOLDEN.filter((c) => c.natsServerCheck).map((c) => [c.file, c] as const))('%s: nats-server -t accepts it unchanged, with every $VARIABLE set', (_, c) => {
    const cluster = render(c);
    const variables = variablesOf(cluster.configText);
    // Exactly the variables the server container gets: SERVER_NAME, the Secret keys and the route authorization's.
    expect(variables).toEqual(['SERVER_NAME', ...cluster.configVariables].sort());
    expectAccepted(cluster.configText, envFor(variables));
  });

  test('the -t check is real: an unset variable is rejected', () => {
    const cluster = render(GOLDEN.find((c) => c.file === 'full-plain.conf')!);
    const env = envFor(variablesOf(cluster.configText));
    expectAccepted(cluster.configText, env);
    delete env.NATS_PASSWORD_BILLING_BILLING_SVC;
    expectRejected(cluster.configText, 'NATS_PASSWORD_BILLING_BILLING_SVC', env);
  });

  test('the TLS golden references certificate files only under the mounted Secret directories', () => {
    const text = render(GOLDEN.find((c) => c.file === 'full-tls.conf')!).configText;
    const files = [...text.matchAll(/(?:cert_file|key_file|ca_file|credentials): "([^"]+)"/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^\/etc\/nats-(certs\/(client|cluster|leafnodes|gateway|websocket|mqtt)\/(tls\.crt|tls\.key|ca\.crt)|creds\/remote-0\/leaf\.creds)$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Renderer

describe('renderNatsConf: scalars and quoting', () => {
  test('strings are double-quoted with escapes; numbers, booleans, variables and durations are bare', () => {
    const text = renderNatsConf({
      s: 'plain',
      q: 'a "quoted" \\ back\tslash',
      n: 4222,
      z: 0,
      neg: -1,
      big: 19327352832,
      t: true,
      f: false,
      v: new ConfVariable('SERVER_NAME'),
      d: new ConfDuration('30s'),
    }, V2_9_10);
    expect(text).toBe([
      's: "plain"',
      'q: "a \\"quoted\\" \\\\ back\\tslash"',
      'n: 4222',
      'z: 0',
      'neg: -1',
      'big: 19327352832',
      't: true',
      'f: false',
      'v: $SERVER_NAME',
      'd: 30s',
      '',
    ].join('\n'));
  });

  test('numbers look like numbers even as strings: "10Gi" stays a quoted string, sizes are whole bytes', () => {
    expect(renderNatsConf({ a: '10Gi', b: 10 * 2 ** 30 }, V2_9_10)).toBe('a: "10Gi"\nb: 10737418240\n');
  });

  test('keys: bare when they are identifiers, quoted otherwise', () => {
    const text = renderNatsConf({ max_payload: 1, ORDERS_2: 2, 'my key': 3, 'a.b': 4, 'orders-eu': 5, '1st': 6, $G: 7 }, V2_9_10);
    expect(text).toBe('max_payload: 1\nORDERS_2: 2\n"my key": 3\n"a.b": 4\n"orders-eu": 5\n"1st": 6\n"$G": 7\n');
  });

  test('undefined values are left out at every level; order is insertion order', () => {
    expect(renderNatsConf({ b: 1, a: undefined, c: { y: undefined, x: 2 }, d: undefined }, V2_9_10)).toBe('b: 1\nc {\n  x: 2\n}\n');
  });

  test.each([[1.5], [-0.5], [Number.NaN], [Number.POSITIVE_INFINITY], [0.1 + 0.2]])('whole numbers only: %p is refused, also when nested', (n) => {
    expect(() => renderNatsConf({ x: n }, V2_9_10)).toThrow(`nats.conf numbers must be whole: received ${n}`);
    expect(() => renderNatsConf({ jetstream: { max_file_store: n } }, V2_9_10)).toThrow(`nats.conf numbers must be whole: received ${n}`);
    expect(() => renderNatsConf({ routes: [1, n] }, V2_9_10)).toThrow(`nats.conf numbers must be whole: received ${n}`);
  });

  test('a header becomes comment lines, blank lines without trailing spaces', () => {
    expect(renderNatsConf({ port: 4222 }, V2_9_10, 'first\n\nthird')).toBe('# first\n#\n# third\nport: 4222\n');
    expect(renderNatsConf({}, V2_9_10)).toBe('');
    expect(renderNatsConf({}, V2_9_10, 'only')).toBe('# only\n');
  });
});

describe('renderNatsConf: lists and nested blocks', () => {
  test('lists: empty, scalars one per line, blocks and lists inside lists', () => {
    const text = renderNatsConf({
      empty: [],
      routes: ['nats://a:6222', 'nats://b:6222'],
      users: [{ user: 'a', permissions: { publish: { allow: ['x.>'] } } }, { nkey: new ConfVariable('NK') }],
      nested: [[1, 2], []],
    }, V2_9_10);
    expect(text).toBe([
      'empty: []',
      'routes: [',
      '  "nats://a:6222"',
      '  "nats://b:6222"',
      ']',
      'users: [',
      '  {',
      '    user: "a"',
      '    permissions {',
      '      publish {',
      '        allow: [',
      '          "x.>"',
      '        ]',
      '      }',
      '    }',
      '  }',
      '  {',
      '    nkey: $NK',
      '  }',
      ']',
      'nested: [',
      '  [',
      '    1',
      '    2',
      '  ]',
      '  []',
      ']',
      '',
    ].join('\n'));
  });

  test('blocks are written `key {` without a colon and indented by two spaces per level', () => {
    expect(renderNatsConf({ a: { b: { c: { d: 1 } }, e: {} } }, V2_9_10)).toBe('a {\n  b {\n    c {\n      d: 1\n    }\n  }\n  e {\n  }\n}\n');
  });

  test('nats-server parses what the renderer writes: escapes, quoted keys, nested blocks in lists', () => {
    const model: ConfBlock = {
      server_name: 'a "quoted" \\ name\twith tab',
      port: 4222,
      http_port: 8222,
      lame_duck_duration: new ConfDuration('30s'),
      accounts: {
        'my account': { users: [{ user: 'ü-user', password: 'p"w\\x', permissions: { publish: { allow: ['orders.>', 'orders.*.eu'] }, allow_responses: true } }] },
        'orders-eu': { users: [], exports: [{ stream: 'orders.>' }] },
      },
      authorization: undefined,
      max_payload: 1048576,
    };
    expectAccepted(renderNatsConf(model, V2_9_10, 'header\nwith $NOT_A_VARIABLE in a comment'));
  });
});

describe('keysNewerThan and KEYS_BY_VERSION', () => {
  /** A model holding `path` (dotted, `[]` = inside a list item) set to `value`. */
  function modelWith(keyPath: string, value: any): ConfBlock {
    const [head, ...rest] = keyPath.split('.');
    const list = head.endsWith('[]');
    const key = list ? head.slice(0, -2) : head;
    const inner = rest.length ? modelWith(rest.join('.'), value) : value;
    return { [key]: list ? [inner] : inner };
  }
  const before = (v: NatsServerVersion) => NatsServerVersion.of(v.patch > 0 ? `${v.major}.${v.minor}.${v.patch - 1}` : `${v.major}.${v.minor - 1}.99`);

  test('the gated keys', () => {
    expect(KEYS_BY_VERSION.map((k) => [k.path, k.since.toString()])).toEqual([
      ['cluster.compression', '2.10.0'],
      ['leafnodes.remotes[].compression', '2.10.0'],
      ['gateway.compression', '2.10.0'],
      ['jetstream.sync_interval', '2.10.0'],
      ['jetstream.max_buffered_msgs', '2.11.0'],
      ['jetstream.max_buffered_size', '2.11.0'],
      ['jetstream.strict', '2.11.0'],
    ]);
  });

  test.each(KEYS_BY_VERSION.map((k) => [k.path, k] as const))('%s: flagged before its version, accepted from it', (keyPath, k) => {
    const model = modelWith(keyPath, 's2_auto');
    const older = before(k.since);
    expect(keysNewerThan(model, older)).toEqual([k]);
    expect(keysNewerThan(model, V2_9_10)).toEqual([k]);
    expect(keysNewerThan(model, k.since)).toEqual([]);
    expect(keysNewerThan(model, NatsServerVersion.of('2.14.0'))).toEqual([]);
    expect(() => renderNatsConf(model, older)).toThrow(`${keyPath} needs nats-server ${k.since} or newer (target ${older})`);
    expect(renderNatsConf(model, k.since)).toContain(`${keyPath.split('.').pop()}: "s2_auto"`);
  });

  test('paths are exact: the same key elsewhere is not flagged', () => {
    expect(keysNewerThan({ compression: 's2_auto', jetstream: { cluster: { compression: 'x' } }, websocket: { compression: true } }, V2_9_10)).toEqual([]);
    // remotes is a list: a block in its place is a different path.
    expect(keysNewerThan({ leafnodes: { remotes: { compression: 'x' } } }, V2_9_10)).toEqual([]);
    expect(keysNewerThan({ leafnodes: { remotes: [{ url: 'x' }, { compression: 'x' }] } }, V2_9_10).map((p) => p.path)).toEqual(['leafnodes.remotes[].compression']);
  });

  test('undefined keys are not used', () => {
    expect(keysNewerThan({ jetstream: { sync_interval: undefined, strict: undefined } }, V2_9_10)).toEqual([]);
  });

  test('every problem is reported, in KEYS_BY_VERSION order', () => {
    const model: ConfBlock = { jetstream: { strict: true, sync_interval: new ConfDuration('1m') }, cluster: { name: 'a', compression: 's2_auto' } };
    expect(keysNewerThan(model, V2_9_10).map((p) => p.path)).toEqual(['cluster.compression', 'jetstream.sync_interval', 'jetstream.strict']);
    expect(keysNewerThan(model, NatsServerVersion.V2_10_0).map((p) => p.path)).toEqual(['jetstream.strict']);
    expect(() => renderNatsConf(model, V2_9_10)).toThrow(
      'cluster.compression needs nats-server 2.10.0 or newer (target 2.9.10); jetstream.sync_interval needs nats-server 2.10.0 or newer (target 2.9.10); '
      + 'jetstream.strict needs nats-server 2.11.0 or newer (target 2.9.10)');
  });
});

// ---------------------------------------------------------------------------------------------
// The installed nats-server and the version gate

describe('the version gate is real: nats-server 2.9.10 rejects what renderNatsConf refuses for 2.9.10', () => {
  test('the installed nats-server is older than 2.10.0 (the gate tests need it)', () => {
    if (!NATS_SERVER) throw new Error(MISSING_SERVER);
    const r = spawnSync(NATS_SERVER, ['--version'], { encoding: 'utf8', env: { PATH: SYSTEM_PATH }, timeout: 30_000 });
    const m = /v(\d+\.\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`);
    expect(m).not.toBeNull();
    expect(NatsServerVersion.of(m![1]).atLeast(NatsServerVersion.V2_10_0)).toBe(false);
  });

  /** Minimal valid surroundings for each gated key (and the same without it). */
  const CONTEXT: Record<string, (withKey: boolean) => ConfBlock> = {
    'cluster.compression': (k) => ({ cluster: { name: 'a', port: 6222, compression: k ? 's2_auto' : undefined } }),
    'leafnodes.remotes[].compression': (k) => ({ leafnodes: { remotes: [{ urls: ['nats-leaf://127.0.0.1:7422'], compression: k ? 's2_auto' : undefined }] } }),
    'gateway.compression': (k) => ({ gateway: { name: 'a', port: 7222, compression: k ? 's2_auto' : undefined } }),
    'jetstream.sync_interval': (k) => ({ jetstream: { max_file_store: 1073741824, sync_interval: k ? new ConfDuration('1m') : undefined } }),
    'jetstream.max_buffered_msgs': (k) => ({ jetstream: { max_file_store: 1073741824, max_buffered_msgs: k ? 10000 : undefined } }),
    'jetstream.max_buffered_size': (k) => ({ jetstream: { max_file_store: 1073741824, max_buffered_size: k ? 134217728 : undefined } }),
    'jetstream.strict': (k) => ({ jetstream: { max_file_store: 1073741824, strict: k ? true : undefined } }),
  };

  test('every gated key has a case here', () => {
    expect(Object.keys(CONTEXT).sort()).toEqual(KEYS_BY_VERSION.map((k) => k.path).sort());
  });

  test.each(KEYS_BY_VERSION.map((k) => [k.path, k] as const))('%s', (keyPath, k) => {
    const model = (withKey: boolean): ConfBlock => ({ server_name: 'gate', ...CONTEXT[keyPath](withKey) });
    // Refused by the renderer for 2.9.10 ...
    expect(() => renderNatsConf(model(true), V2_9_10)).toThrow(`${keyPath} needs nats-server ${k.since} or newer (target ${V2_9_10})`);
    // ... rendered for the version that knows it, and then rejected by the real 2.9.10 server ...
    const key = keyPath.split('.').pop()!;
    expectRejected(renderNatsConf(model(true), k.since), `unknown field "${key}"`);
    // ... which accepts the same config without the key.
    expectAccepted(renderNatsConf(model(false), V2_9_10));
  });

  test('cluster { compression: s2_auto } as written by hand', () => {
    const text = 'server_name: gate\ncluster {\n  name: a\n  port: 6222\n  compression: s2_auto\n}\n';
    expectRejected(text, 'unknown field "compression"');
    expect(() => renderNatsConf({ cluster: { name: 'a', compression: 's2_auto' } }, V2_9_10)).toThrow('cluster.compression needs nats-server 2.10.0 or newer (target 2.9.10)');
  });

  test('jetstream { sync_interval: 1m } as written by hand', () => {
    const text = 'server_name: gate\njetstream {\n  sync_interval: 1m\n}\n';
    expectRejected(text, 'unknown field "sync_interval"');
    expect(() => renderNatsConf({ jetstream: { sync_interval: new ConfDuration('1m') } }, V2_9_10)).toThrow('jetstream.sync_interval needs nats-server 2.10.0 or newer (target 2.9.10)');
  });

  test('NatsCluster with jetStream.syncInterval for 2.10.0 renders a config nats-server 2.9.10 rejects', () => {
    const { chart } = setup();
    const cluster = new NatsCluster(chart, 'nats', { serverVersion: '2.10.0', jetStream: { syncInterval: Duration.minutes(1) } });
    expectRejected(cluster.configText, 'unknown field "sync_interval"', envFor(variablesOf(cluster.configText)));
  });
});

// Server behaviour that the NatsCluster checks rest on.
describe('nats-server 2.9.10 facts behind the NatsCluster checks', () => {
  test('-t rejects a lame_duck_duration under 30s (NatsCluster refuses it too: lameDuckDuration at least 30s)', () => {
    expectRejected('lame_duck_duration: 20s\nlame_duck_grace_period: 10s\n', 'invalid lame_duck_duration of 20s, minimum is 30 seconds');
    expectAccepted('lame_duck_duration: 30s\nlame_duck_grace_period: 10s\n');
    const { chart } = setup();
    expect(() => new NatsCluster(chart, 'nats', { lameDuckDuration: Duration.seconds(20), lameDuckGracePeriod: Duration.seconds(5), terminationGracePeriod: Duration.seconds(40) }))
      .toThrow('c/nats: lameDuckDuration: received "20s"; allowed: at least 30s (nats-server refuses shorter lame duck durations)');
  });

  test('-t accepts importing a subject within a wildcard export and rejects a subject outside it (NatsCluster does the same)', () => {
    const conf = (subject: string) => renderNatsConf({
      accounts: {
        ORDERS: { users: [{ user: 'o', password: 'x' }], exports: [{ stream: 'orders.>' }] },
        BILLING: { users: [{ user: 'b', password: 'y' }], imports: [{ stream: { account: 'ORDERS', subject } }] },
      },
    }, V2_9_10);
    expectAccepted(conf('orders.eu.*'));
    expectRejected(conf('billing.>'), 'stream import not authorized');
    const auth = (subject: string): NatsAuth => ({
      accounts: [
        { name: 'ORDERS', users: [{ name: 'o', passwordFrom: { secretName: 's', key: 'o' } }], exports: [{ subject: 'orders.>', kind: NatsExportKind.STREAM }] },
        { name: 'BILLING', users: [{ name: 'b', passwordFrom: { secretName: 's', key: 'b' } }], imports: [{ account: 'ORDERS', subject, kind: NatsExportKind.STREAM }] },
      ],
    });
    expect(new NatsCluster(setup().chart, 'nats', { auth: auth('orders.eu.*') }).configText).toContain('subject: "orders.eu.*"');
    expect(() => new NatsCluster(setup().chart, 'nats', { auth: auth('billing.>') })).toThrow(
      'c/nats: auth.accounts[1].imports[0]: received "stream billing.> from ORDERS"; allowed: a subject that account ORDERS exports as a stream');
  });

  test('-t rejects a malformed nkey', () => {
    expectRejected('accounts {\n  A {\n    users: [\n      {\n        nkey: $NK\n      }\n    ]\n  }\n}\n', 'Not a valid public nkey for a user', { NK: 'not-an-nkey' });
  });
});

// nats.conf has no escapes for most control characters: the renderer refuses them.
describe('renderNatsConf: lazy values', () => {
  test('a ConfLazy is produced at each render: blocks, lists and scalars; undefined leaves the key out', () => {
    let subjects = ['a.b'];
    const model: ConfBlock = {
      permissions: new ConfLazy(() => ({ publish: { allow: subjects } })),
      gone: new ConfLazy(() => undefined),
      list: [1, new ConfLazy(() => 2)],
      name: new ConfLazy(() => 'x'),
    };
    expect(renderNatsConf(model, V2_9_10)).toBe('permissions {\n  publish {\n    allow: [\n      "a.b"\n    ]\n  }\n}\nlist: [\n  1\n  2\n]\nname: "x"\n');
    subjects = ['c.d'];
    expect(renderNatsConf(model, V2_9_10)).toContain('"c.d"');
  });

  test('the version gate sees the keys a ConfLazy produces', () => {
    const model: ConfBlock = { jetstream: new ConfLazy(() => ({ sync_interval: new ConfDuration('1m') })) };
    expect(keysNewerThan(model, V2_9_10).map((p) => p.path)).toEqual(['jetstream.sync_interval']);
  });
});

describe('renderNatsConf: control characters', () => {
  test('a string with a control character is refused', () => {
    expect(() => renderNatsConf({ server_name: 'bell\u0007backspace\b' }, V2_9_10)).toThrow(
      'nats.conf strings cannot hold control characters: received "bell\\u0007backspace\\b"');
  });

  test('tabs, newlines, quotes and backslashes are escaped and parsed back by nats-server', () => {
    const text = renderNatsConf({ server_name: 'a\tb "c" d\\e' }, V2_9_10);
    expect(text).toBe('server_name: "a\\tb \\"c\\" d\\\\e"\n');
    expectAccepted(text);
  });
});
