// Proves the netns NATS harness: a hand-written config in the shape the library generates runs
// unchanged as a real 3-server JetStream cluster, as a TLS server, and is checked by `nats-server -t`.
// Needs root, iproute2, util-linux, nats-server and openssl: without them these tests FAIL (not skip).
import { connect, NatsConnection, StorageType, StringCodec, Subscription, TlsOptions } from 'nats';
import {
  assertHarnessPrerequisites, checkConfig, makeTestPki, NatsCluster, runStandalone, startNatsCluster,
} from '../support/nats';
import { run } from '../support/nats/util';

const fqdn = (i: number) => `nats-${i}.nats-headless.shop.svc.cluster.local`;

/** Same shape as a generated per-pod config of StatefulSet `nats` in namespace `shop`. */
const CLUSTER_CONF = `server_name: $SERVER_NAME
port: 4222
http_port: 8222
pid_file: "/var/run/nats/nats.pid"
lame_duck_duration: 30s
lame_duck_grace_period: 10s
cluster {
  name: nats
  port: 6222
  no_advertise: true
  routes: [
    nats://${fqdn(0)}:6222
    nats://${fqdn(1)}:6222
    nats://${fqdn(2)}:6222
  ]
}
jetstream {
  store_dir: "/data/jetstream"
  max_file_store: 1073741824
  max_memory_store: 268435456
}
`;

const TLS_CONF = `server_name: $SERVER_NAME
port: 4222
http_port: 8222
pid_file: "/var/run/nats/nats.pid"
tls {
  cert_file: "/etc/nats-certs/client/tls.crt"
  key_file: "/etc/nats-certs/client/tls.key"
  ca_file: "/etc/nats-certs/client/ca.crt"
}
authorization {
  user: order
  password: $NATS_USER_ORDER_PASSWORD
}
`;

const podSpec = (i: number) => ({
  name: `nats-${i}`,
  hostnames: [fqdn(i), `nats-${i}.nats-headless.shop.svc`, `nats-${i}.nats-headless.shop`, `nats-${i}.nats-headless`],
});

const sc = StringCodec();

/** The next message of a subscription, or an error after `timeoutMs`. */
async function nextMessage(sub: Subscription, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no message on ${sub.getSubject()} within ${timeoutMs} ms`)), timeoutMs);
  });
  const first = (async () => {
    for await (const m of sub) return sc.decode(m.data);
    throw new Error(`subscription ${sub.getSubject()} closed without a message`);
  })();
  try {
    return await Promise.race([first, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that nothing of a destroyed cluster is left on the host. */
function expectCleanedUp(cluster: NatsCluster): void {
  const namespaces = run('ip', ['netns', 'list']).stdout;
  const routes = run('ip', ['-4', 'route', 'show']).stdout;
  for (const pod of cluster.pods) {
    expect(namespaces).not.toContain(pod.netns);
    expect(run('test', ['-e', `/etc/netns/${pod.netns}`], { allowFail: true }).status).not.toBe(0);
  }
  expect(routes).not.toContain(cluster.subnet);
}

describe('netns NATS harness', () => {
  const clusters: NatsCluster[] = [];
  const connections: NatsConnection[] = [];

  beforeAll(() => {
    // Throws (fails every test) with a clear message when not root or a tool is missing.
    assertHarnessPrerequisites(['openssl']);
  });

  // Close clients before their servers go away, then remove every namespace, link and temp dir.
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((nc) => nc.close().catch(() => undefined)));
    for (const cluster of clusters.splice(0)) await cluster.destroy();
  });

  test('3-server JetStream cluster: R3 stream survives a stopped server, which catches up after restart', async () => {
    const cluster = await startNatsCluster({
      pods: [0, 1, 2].map(podSpec),
      config: CLUSTER_CONF,
      mountDirs: ['/data', '/var/run/nats'],
    });
    clusters.push(cluster);
    await cluster.waitClusterReady(60_000);
    for (const pod of cluster.pods) await cluster.waitHealthy(pod.name, 30_000);

    const [writerPod] = cluster.pods;
    const writer = await connect({ servers: [writerPod.clientUrl], name: 'writer', timeout: 5_000 });
    connections.push(writer);
    const jsm = await writer.jetstreamManager();
    await jsm.streams.add({ name: 'ORDERS', subjects: ['order.>'], num_replicas: 3, storage: StorageType.File });

    // Half of the messages before a server goes down, half while it is down (so it must catch up).
    const payloads = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: i + 1, sku: `sku-${i % 7}` }));
    const ackedSeqs: number[] = [];
    const publish = async (nc: NatsConnection, from: number, to: number) => {
      const js = nc.jetstream();
      for (let i = from; i < to; i++) ackedSeqs.push((await js.publish(`order.created.${i + 1}`, sc.encode(payloads[i]))).seq);
    };
    await publish(writer, 0, 100);

    const info = await jsm.streams.info('ORDERS');
    expect(info.state.messages).toBe(100);
    expect(info.cluster?.replicas?.length).toBe(2);

    // Stop the stream leader, forcing a leader election; drop the writer first if it is connected there.
    const victim = info.cluster!.leader!;
    expect(cluster.pods.map((p) => p.name)).toContain(victim);
    if (victim === writerPod.name) await writer.close();
    await cluster.stop(victim);
    expect(cluster.isRunning(victim)).toBe(false);
    // The two survivors stay routed and agree on a JetStream meta leader (re-elected if it was the victim).
    const { metaLeader } = await cluster.waitClusterReady(30_000);
    expect(metaLeader).not.toBe(victim);

    // Read everything back through a server that is neither the writer's nor the stopped one.
    const readerPod = cluster.pods.find((p) => p.name !== victim && p.name !== writerPod.name)!;
    const reader = await connect({ servers: [readerPod.clientUrl], name: 'reader', timeout: 5_000 });
    connections.push(reader);
    const readerJsm = await reader.jetstreamManager();
    await cluster.waitFor(`a new ORDERS leader other than ${victim}`, 30_000, async () => {
      const i = await readerJsm.streams.info('ORDERS');
      return i.cluster?.leader !== undefined && i.cluster.leader !== victim;
    });
    await publish(reader, 100, 200);
    expect(ackedSeqs).toEqual(payloads.map((_, i) => i + 1));

    const readBack: string[] = [];
    const subjects: string[] = [];
    for (let seq = 1; seq <= 200; seq++) {
      const m = await readerJsm.streams.getMessage('ORDERS', { seq });
      readBack.push(sc.decode(m.data));
      subjects.push(m.subject);
    }
    expect(readBack).toEqual(payloads);
    expect(subjects).toEqual(payloads.map((_, i) => `order.created.${i + 1}`));

    // Restart with the same data dir (it still holds the first 100) and wait until it reports all 200 itself.
    await cluster.start(victim);
    await cluster.waitHealthy(victim, 60_000);
    const caughtUp = await cluster.waitFor(`${victim} to catch up on ORDERS`, 60_000, async () => {
      const state = await cluster.streamState(victim, 'ORDERS');
      return state !== undefined && state.messages === 200 && state.last_seq === 200 ? state : undefined;
    });
    expect(caughtUp).toMatchObject({ messages: 200, first_seq: 1, last_seq: 200 });
    // Same private data dir as before the stop: the server restored its first 100 messages from disk.
    expect(cluster.logs(victim)).toMatch(/start #2[\s\S]*Restored 100 messages for stream '\$G > ORDERS'/);
    await cluster.waitClusterReady(30_000);

    await Promise.all(connections.splice(0).map((nc) => nc.close()));
    await cluster.destroy();
    expectCleanedUp(cluster);
    await cluster.destroy(); // idempotent
  });

  test('TLS: a server with certs at /etc/nats-certs/client accepts nats.js over TLS', async () => {
    const spec = podSpec(0);
    const pki = makeTestPki([...spec.hostnames, 'nats', `nats.shop.svc.cluster.local`]);
    const files = {
      '/etc/nats-certs/client/tls.crt': pki.cert,
      '/etc/nats-certs/client/tls.key': pki.key,
      '/etc/nats-certs/client/ca.crt': pki.ca,
    };
    const env = { NATS_USER_ORDER_PASSWORD: 'order-s3cret' }; // a Secret-backed env var on Kubernetes
    const cluster = await runStandalone(TLS_CONF, env, files, { name: spec.name, hostnames: spec.hostnames, mountDirs: ['/var/run/nats'] });
    clusters.push(cluster);
    const [pod] = cluster.pods;

    // The cert names only DNS names: verify it as a client resolving the pod's FQDN would. nats.js
    // passes its tls options through to Node's tls.connect, which checks `servername`.
    const tls: TlsOptions & { servername: string } = { ca: pki.ca, servername: fqdn(0) };
    const nc = await connect({ servers: [pod.clientUrl], tls, user: 'order', pass: 'order-s3cret', timeout: 5_000 });
    connections.push(nc);
    expect(nc.info?.tls_required).toBe(true);

    const sub = nc.subscribe('greeting.hello', { max: 1 });
    await nc.flush();
    nc.publish('greeting.hello', sc.encode('hello over tls'));
    await expect(nextMessage(sub, 10_000)).resolves.toBe('hello over tls');

    // Without our CA the server's certificate is rejected.
    await expect(connect({ servers: [pod.clientUrl], tls: {}, user: 'order', pass: 'order-s3cret', timeout: 5_000 })).rejects.toThrow(/certificate/i);
    // With our CA but a wrong password (the env var was substituted into the config) it is refused too.
    await expect(connect({ servers: [pod.clientUrl], tls, user: 'order', pass: 'wrong', timeout: 5_000 })).rejects.toThrow(/Authorization/i);
    expect(cluster.logs(pod.name)).toContain('TLS required for client connections');
  });

  test('checkConfig validates with nats-server -t and rejects an undefined $VARIABLE', () => {
    expect(checkConfig(CLUSTER_CONF, { SERVER_NAME: 'nats-0' })).toMatchObject({ ok: true });

    const withAuth = `${CLUSTER_CONF}authorization {\n  user: order\n  password: $NATS_USER_ORDER_PASSWORD\n}\n`;
    const missing = checkConfig(withAuth, { SERVER_NAME: 'nats-0' });
    expect(missing.ok).toBe(false);
    expect(missing.output).toMatch(/NATS_USER_ORDER_PASSWORD.*can not be found/);
    expect(checkConfig(withAuth, { SERVER_NAME: 'nats-0', NATS_USER_ORDER_PASSWORD: 's3cret' }).ok).toBe(true);

    // Referenced cert files are loaded, so they must exist at their pod paths.
    const pki = makeTestPki(['nats-0']);
    const tlsEnv = { SERVER_NAME: 'nats-0', NATS_USER_ORDER_PASSWORD: 'x' };
    expect(checkConfig(TLS_CONF, tlsEnv).ok).toBe(false);
    expect(checkConfig(TLS_CONF, tlsEnv, {
      '/etc/nats-certs/client/tls.crt': pki.cert,
      '/etc/nats-certs/client/tls.key': pki.key,
      '/etc/nats-certs/client/ca.crt': pki.ca,
    }).ok).toBe(true);
  });

  test('waits are bounded and report server logs', async () => {
    const cluster = await startNatsCluster({ pods: [podSpec(0)], config: 'port: 4222\nhttp_port: 8222\nbogus_key {\n' });
    clusters.push(cluster);
    await expect(cluster.waitHealthy('nats-0', 10_000)).rejects.toThrow(/nats-0 is not running[\s\S]*nats-server/);
  });

  test('a wait that times out reports the last probe result and every server log', async () => {
    // Route names no pod answers to: resolution fails inside the namespaces, so no route ever forms.
    const config = `server_name: $SERVER_NAME\nport: 4222\nhttp_port: 8222\ncluster {\n  name: nats\n  port: 6222\n  routes: [\n    nats://nats-0.elsewhere.invalid:6222\n    nats://nats-1.elsewhere.invalid:6222\n  ]\n}\n`;
    const cluster = await startNatsCluster({ pods: [podSpec(0), podSpec(1)], config });
    clusters.push(cluster);
    await cluster.waitHealthy('nats-0', 10_000);
    await expect(cluster.waitClusterReady(2_000)).rejects.toThrow(
      /Timed out after 2000 ms[\s\S]*has 0 routes, expected 1[\s\S]*--- nats-0[\s\S]*elsewhere\.invalid[\s\S]*--- nats-1/,
    );
  });
});
