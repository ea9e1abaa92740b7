// Every environment's generated nats.conf, unchanged, on the real nats-server: `nats-server -t`,
// then started (the -t check skips the cross-field rules the server runs at start-up). The
// clustered environments run as real 3-server clusters (one network namespace per pod, so the
// Kubernetes host names in the routes resolve) and must keep every JetStream message through the
// loss and return of a server. TLS listeners get certificates the test generates.
// Needs root, iproute2 and nats-server (installed by .ci/run): without them these tests fail.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { connect, ConnectionOptions, JetStreamManager, NatsConnection, RetentionPolicy, StorageType, StringCodec } from 'nats';
import { parseAllDocuments } from 'yaml';
import { JetStreamStream, NATS_ROUTE_ENV, NatsCluster, StreamStorage, natsInboxPrefix } from '../../constructs';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS, PlatformEnvironment } from '../../src/environments';
import { NATS_USERS_SECRET } from '../../src/messaging-chart';
import { checkConfig, makeTestPki, NatsCluster as LiveCluster, startNatsCluster } from '../support/nats';
import { kubeletEnv } from './kube-env';

jest.setTimeout(240_000);

interface EnvUnderTest {
  env: PlatformEnvironment;
  nats: NatsCluster;
  streams: JetStreamStream[];
  /**
   * Environment variables of the server container that the config reads: the Secret-backed
   * passwords and, with route authorization, the route credentials and NATS_ROUTES as the kubelet
   * composes it from them.
   */
  secrets: Record<string, string>;
  /** Certificates at the paths the config references (empty without TLS). */
  files: Record<string, string>;
  /** The CA that signed them, for clients. */
  ca?: string;
}

/** Builds an environment's app (nothing written) and collects what the live test needs. */
function load(env: PlatformEnvironment): EnvUnderTest {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-live-'));
  const app = buildEnvironment(env, outdir);
  const all = app.node.findAll();
  const nats = all.find((c): c is NatsCluster => c instanceof NatsCluster)!;
  const streams = all.filter((c): c is JetStreamStream => c instanceof JetStreamStream);
  // The Secrets the platform team provisions, with generated values.
  const data: Record<string, Record<string, string>> = {};
  for (const s of nats.secretEnv) (data[s.from] ??= {})[s.key] = `pw-${s.key}-${Math.random().toString(36).slice(2)}`;
  if (nats.routeAuthSecretName) {
    data[nats.routeAuthSecretName] = { [NATS_ROUTE_ENV.USER]: 'routes', [NATS_ROUTE_ENV.PASSWORD]: `p${Math.random().toString(36).slice(2)}` };
  }
  const container = nats.servers.statefulSet.toJson().spec.template.spec.containers.find((c: any) => (c.args ?? []).includes('--config'));
  const resolved = kubeletEnv(container, data, `${nats.clusterName}-0`);
  const secrets: Record<string, string> = {};
  for (const name of nats.configVariables) secrets[name] = resolved[name];
  const tlsDirs = [...new Set([...nats.configText.matchAll(/"(\/etc\/nats-certs\/[a-z]+)\/tls\.crt"/g)].map((m) => m[1]))];
  const files: Record<string, string> = {};
  let ca: string | undefined;
  if (tlsDirs.length) {
    const short = nats.podHostnames.map((h) => h.split('.')[0]);
    const pki = makeTestPki([...nats.podHostnames, ...short, new URL(nats.clientUrl.replace('nats:', 'http:')).hostname]);
    ca = pki.ca;
    for (const dir of tlsDirs) Object.assign(files, { [`${dir}/tls.crt`]: pki.cert, [`${dir}/tls.key`]: pki.key, [`${dir}/ca.crt`]: pki.ca });
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { env, nats, streams, secrets, files, ca };
}

const environments = ENVIRONMENTS.map(load);

async function start(t: EnvUnderTest): Promise<LiveCluster> {
  return startNatsCluster({
    pods: t.nats.podHostnames.map((fqdn) => ({ name: fqdn.split('.')[0], hostnames: [fqdn] })),
    config: t.nats.configText,
    env: () => t.secrets,
    files: t.files,
    mountDirs: ['/data', '/var/run/nats'],
  });
}

/**
 * Connects as a user of the platform (the order service by default, on its own inbox prefix, as
 * its permissions require; `nack` manages the streams), with TLS when the environment has it.
 */
function connectAs(t: EnvUnderTest, live: LiveCluster, pod: string, user = 'order'): Promise<NatsConnection> {
  const key = t.nats.secretEnv.find((s) => s.key === user && s.from === NATS_USERS_SECRET)!;
  const options: ConnectionOptions = {
    servers: [live.pod(pod).clientUrl],
    user,
    pass: t.secrets[key.name],
    reconnect: false,
    timeout: 5_000,
    inboxPrefix: user === 'nack' ? undefined : natsInboxPrefix(user),
  };
  if (t.ca) {
    const fqdn = t.nats.podHostnames.find((h) => h.startsWith(`${pod}.`))!;
    (options as any).tls = { ca: t.ca, servername: fqdn };
  }
  return connect(options);
}

/** Creates the platform's ORDERS stream as its NACK resource describes it. */
async function createOrders(jsm: JetStreamManager, t: EnvUnderTest): Promise<JetStreamStream> {
  const orders = t.streams.find((s) => s.streamName === 'ORDERS')!;
  await jsm.streams.add({
    name: orders.streamName,
    subjects: orders.subjects,
    num_replicas: orders.replicas,
    storage: orders.storage === StreamStorage.FILE ? StorageType.File : StorageType.Memory,
    retention: RetentionPolicy.Limits,
    duplicate_window: Duration.minutes(2).toMilliseconds() * 1_000_000,
  });
  return orders;
}

describe.each(environments.map((t) => [t.env.name, t] as const))('environment %s: generated nats.conf on nats-server', (_name, t) => {
  test('the ConfigMap in dist/ holds exactly the rendered config', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../../dist', t.env.name, '0001-messaging.k8s.yaml'), 'utf8');
    const cm = parseAllDocuments(text).map((d) => d.toJSON()).find((o) => o?.kind === 'ConfigMap' && o.metadata.name === `${t.nats.clusterName}-config`);
    expect(cm.data['nats.conf']).toBe(t.nats.configText);
  });

  test('`nats-server -t` accepts it', () => {
    const r = checkConfig(t.nats.configText, { SERVER_NAME: `${t.nats.clusterName}-0`, ...t.secrets }, t.files);
    expect([r.ok, r.output]).toEqual([true, expect.stringContaining('is valid')]);
  });

  test('`nats-server -t` refuses it without the Secret-backed variables', () => {
    const r = checkConfig(t.nats.configText, { SERVER_NAME: `${t.nats.clusterName}-0` }, t.files);
    expect(r.ok).toBe(false);
    // The first one the server meets: a user's password, or the route authorization's when the cluster has it.
    expect(r.output).toMatch(t.nats.routeAuthSecretName
      ? /variable reference for 'NATS_ROUTES' on line \d+ can not be found/
      : /variable reference for 'NATS_PASSWORD_SHOP_[A-Z]+' on line \d+ can not be found/);
  });
});

test('dev: the standalone server starts and stores a JetStream message', async () => {
  const t = environments.find((e) => e.env.name === 'dev')!;
  expect(t.nats.replicas).toBe(1);
  const live = await start(t);
  try {
    await live.waitHealthy('nats-0', 30_000, { jsEnabledOnly: true });
    const nack = await connectAs(t, live, 'nats-0', 'nack');
    const nc = await connectAs(t, live, 'nats-0');
    try {
      const orders = await createOrders(await nack.jetstreamManager(), t);
      expect(orders.replicas).toBe(1);
      const ack = await nc.jetstream().publish('order.new', StringCodec().encode('{"order":1}'));
      expect([ack.stream, ack.seq]).toEqual(['ORDERS', 1]);
    } finally {
      await nc.close();
      await nack.close();
    }
  } finally {
    await live.destroy();
  }
});

describe.each(environments.filter((t) => t.nats.replicas === 3).map((t) => [t.env.name, t] as const))(
  'environment %s: a real 3-server cluster', (_name, t) => {
    test('keeps every message of an R3 stream through the loss and return of a server', async () => {
      const live = await start(t);
      const sc = StringCodec();
      const connections: NatsConnection[] = [];
      try {
        await live.waitClusterReady(90_000);
        const [a, b, c] = live.pods.map((p) => p.name);
        const first = await connectAs(t, live, a);
        const admin = await connectAs(t, live, a, 'nack');
        connections.push(first, admin);
        const jsm = await admin.jetstreamManager();
        const orders = await createOrders(jsm, t);
        expect(orders.replicas).toBe(3);
        const js = first.jetstream();
        const payload = (i: number) => `{"order":${i},"items":[${i % 7}]}`;
        for (let i = 1; i <= 100; i++) {
          const ack = await js.publish(`order.new`, sc.encode(payload(i)), { msgID: `order-${i}` });
          expect(ack.seq).toBe(i);
        }
        // Lose a server the client is not connected to; the other two keep a quorum and, if the
        // lost one led the stream, elect a new leader (publishes get no answer until then).
        await live.stop(c);
        await live.waitClusterReady(90_000);
        await live.waitFor('an ORDERS stream leader among the remaining servers', 60_000, async () => {
          const leader = (await jsm.streams.info('ORDERS').catch(() => undefined))?.cluster?.leader;
          return leader !== undefined && leader !== c ? leader : undefined;
        });
        for (let i = 101; i <= 200; i++) {
          const ack = await js.publish(`order.new`, sc.encode(payload(i)), { msgID: `order-${i}` });
          expect(ack.seq).toBe(i);
        }
        // Every message is read back through another server.
        const second = await connectAs(t, live, b, 'nack');
        connections.push(second);
        const jsm2 = await second.jetstreamManager();
        for (let seq = 1; seq <= 200; seq++) {
          const m = await jsm2.streams.getMessage('ORDERS', { seq });
          expect([seq, m.subject, sc.decode(m.data)]).toEqual([seq, 'order.new', payload(seq)]);
        }
        // The lost server returns and catches up from its own volume and its peers.
        await live.start(c);
        await live.waitClusterReady(90_000);
        const state = await live.waitFor(`${c} to hold all 200 messages`, 90_000, async () => {
          const s = await live.streamState(c, 'ORDERS', 'SHOP');
          return s && s.messages === 200 && s.last_seq === 200 ? s : undefined;
        });
        expect(state).toMatchObject({ messages: 200, first_seq: 1, last_seq: 200 });
      } finally {
        for (const nc of connections) await nc.close().catch(() => undefined);
        await live.destroy();
      }
    });
  });
