// Route authorization (NatsCluster routeAuth) on the real nats-server 2.9.10: the generated config
// and the server container's environment, resolved as the kubelet resolves it (the route Secret
// through envFrom, NATS_ROUTES with its $(...) references expanded), run unchanged as a 3-server
// cluster in network namespaces. The servers form the cluster with the credentials; two rogue
// servers that reach port 6222 of every server, one whose routes carry no credentials and one with
// a wrong password, are refused and never routed to. Bounded waits; loopback and the harness's
// own namespaces only.
// Needs root, iproute2, util-linux and nats-server (installed by .ci/run): without them these tests fail.
import { randomBytes } from 'crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { NATS_ROUTE_ENV, NatsCluster } from '../../constructs';
import { NatsCluster as LiveCluster, startNatsCluster } from '../support/nats';
import { setup, synth } from '../workloads/helpers';
import { kubeletEnv, serverContainer } from './kube-env';

jest.setTimeout(240_000);

const SECRET = 'nats-routes';
const USER = 'routes';
const PASSWORD = `p${randomBytes(24).toString('hex')}`;
const WRONG = `p${randomBytes(24).toString('hex')}`;
const LEGIT = ['nats-0', 'nats-1', 'nats-2'];
const ROGUES = ['rogue-anon', 'rogue-wrong'];

interface Built {
  readonly nats: NatsCluster;
  readonly container: any;
}

function build(): Built {
  const { chart } = setup('shop');
  const nats = new NatsCluster(chart, 'nats', { replicas: 3, serverVersion: '2.9.10', routeAuth: { secretName: SECRET } });
  return { nats, container: serverContainer(synth(chart), 'nats') };
}

/** The environment of a pod: the legitimate servers get the route Secret; the rogues do not. */
function envOf(b: Built, pod: string): Record<string, string> {
  const secret = (password: string) => ({ [SECRET]: { [NATS_ROUTE_ENV.USER]: USER, [NATS_ROUTE_ENV.PASSWORD]: password } });
  if (pod === 'rogue-wrong') return kubeletEnv(b.container, secret(WRONG), pod);
  if (pod === 'rogue-anon') {
    // Same config, but its routes name the servers without credentials (what a server without the
    // Secret would dial); its own authorization block gets credentials nobody else has.
    const env = kubeletEnv(b.container, secret(WRONG), pod);
    env[NATS_ROUTE_ENV.ROUTES] = `[${b.nats.podHostnames.map((h) => `"nats://${h}:6222"`).join(', ')}]`;
    return env;
  }
  return kubeletEnv(b.container, secret(PASSWORD), pod);
}

interface Routez {
  num_routes: number;
  routes: Array<{ remote_id: string; ip: string }>;
}

describe('route authorization on nats-server 2.9.10', () => {
  const b = build();

  test('the pod spec and the ConfigMap hold no credentials, only references', () => {
    expect(b.nats.configText).toContain(`  routes: $${NATS_ROUTE_ENV.ROUTES}\n  authorization {\n    user: $${NATS_ROUTE_ENV.USER}\n    password: $${NATS_ROUTE_ENV.PASSWORD}\n  }\n`);
    expect(b.container.envFrom).toEqual([{ secretRef: { name: SECRET } }]);
    const routes = b.container.env.find((e: any) => e.name === NATS_ROUTE_ENV.ROUTES).value;
    expect(routes).toBe(`[${b.nats.podHostnames.map((h) => `"nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@${h}:6222"`).join(', ')}]`);
    // As the kubelet expands it from the Secret.
    expect(envOf(b, 'nats-0')[NATS_ROUTE_ENV.ROUTES]).toBe(`[${b.nats.podHostnames.map((h) => `"nats://${USER}:${PASSWORD}@${h}:6222"`).join(', ')}]`);
  });

  test('the servers form a cluster with the credentials; rogue servers without them are refused', async () => {
    const rogueHost = (name: string) => `${name}.nats-headless.shop.svc.cluster.local`;
    const live: LiveCluster = await startNatsCluster({
      pods: [
        ...LEGIT.map((name, i) => ({ name, hostnames: [b.nats.podHostnames[i]] })),
        ...ROGUES.map((name) => ({ name, hostnames: [rogueHost(name)] })),
      ],
      config: b.nats.configText,
      env: (pod) => envOf(b, pod),
      mountDirs: ['/data', '/var/run/nats'],
    });
    const connections: NatsConnection[] = [];
    try {
      const routez = (pod: string) => live.monitor<Routez>(pod, '/routez');
      // 1. The three servers route to each other (and to nothing else) and elect a JetStream meta leader.
      const podOf = (ip: string) => [...LEGIT, ...ROGUES].find((p) => live.pod(p).ip === ip) ?? ip;
      const peersOf = async (pod: string) => (await routez(pod)).routes.map((x) => podOf(x.ip)).sort();
      await live.waitFor('nats-0..2 routed to each other with a JetStream meta leader', 90_000, async () => {
        for (const pod of LEGIT) {
          const peers = await peersOf(pod);
          if (JSON.stringify(peers) !== JSON.stringify(LEGIT.filter((p) => p !== pod))) throw new Error(`${pod} routes to ${peers.join(', ') || 'nothing'}`);
          const jsz = await live.monitor<{ meta_cluster?: { leader?: string } }>(pod, '/jsz');
          if (!LEGIT.includes(jsz.meta_cluster?.leader ?? '')) throw new Error(`${pod}: no meta leader yet`);
        }
        return true;
      });
      // 2. Each rogue dialled every server and was refused by each of them.
      const refusals = await live.waitFor('every server to refuse both rogues', 60_000, async () => {
        const seen: Record<string, string[]> = {};
        for (const pod of LEGIT) {
          // nats-server 2.9.10 logs `<ip>:<port> - rid:N - authentication error` for a refused route.
          const lines = live.logs(pod).split('\n').filter((l) => / - rid:\d+ - authentication error$/.test(l));
          seen[pod] = [...LEGIT, ...ROGUES].filter((r) => lines.some((l) => l.includes(` ${live.pod(r).ip}:`)));
          if (!ROGUES.every((r) => seen[pod].includes(r))) throw new Error(`${pod} refused ${seen[pod].join(', ') || 'no rogue'} so far`);
        }
        return seen;
      });
      expect(refusals).toEqual(Object.fromEntries(LEGIT.map((p) => [p, ROGUES])));
      // No server refused another (equality above), and no log shows the password.
      for (const pod of [...LEGIT, ...ROGUES]) expect(live.logs(pod)).not.toContain(PASSWORD);
      // 3. After the refusals nothing changed: the rogues have no route, the servers only each other.
      for (const rogue of ROGUES) expect((await routez(rogue)).num_routes).toBe(0);
      for (const pod of LEGIT) {
        expect([pod, await peersOf(pod)]).toEqual([pod, LEGIT.filter((p) => p !== pod)]);
        expect(JSON.stringify(await routez(pod))).not.toContain(PASSWORD);
        expect(JSON.stringify(await live.monitor(pod, '/varz'))).not.toContain(PASSWORD);
      }
      // 4. Messages cross the cluster, and none reaches a rogue.
      const sc = StringCodec();
      const client = (pod: string) => connect({ servers: [live.pod(pod).clientUrl], reconnect: false, timeout: 5_000 });
      const [publisher, subscriber, rogue] = await Promise.all([client('nats-0'), client('nats-2'), client('rogue-anon')]);
      connections.push(publisher, subscriber, rogue);
      const received: string[] = [];
      const sub = subscriber.subscribe('order.new', { callback: (_, m) => received.push(sc.decode(m.data)) });
      const stolen: string[] = [];
      rogue.subscribe('>', { callback: (_, m) => stolen.push(m.subject) });
      await Promise.all([subscriber.flush(), rogue.flush()]);
      await live.waitFor('the subscription on nats-2 to reach nats-0', 30_000, async () => {
        publisher.publish('order.new', sc.encode('{"order":1}'));
        await publisher.flush();
        await subscriber.flush();
        return received.length > 0;
      });
      await rogue.flush();
      expect([received[0], sub.getSubject(), stolen]).toEqual(['{"order":1}', 'order.new', []]);
    } finally {
      for (const nc of connections) await nc.close().catch(() => undefined);
      await live.destroy();
    }
  });
});
