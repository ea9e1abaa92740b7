// The full golden configs (test/nats/golden/full-plain.conf and full-tls.conf) started for real.
// nats-conf.test.ts only checks them with `nats-server -t`, which parses the config but skips the
// rules the server runs at start-up (listeners, JetStream with MQTT, gateways, leafnode remotes,
// TLS files). Here every golden config runs unchanged as it would on Kubernetes: the pods are the
// ones its routes name (one network namespace per pod, with the FQDN host names), every $VARIABLE
// it references is set like the Secret-backed env of the server container, and every file it
// references exists at its path (test certificates, a leafnode credentials file). Leafnode
// remotes and gateways point at hosts that do not resolve: the servers keep retrying them and must
// still start, report healthy and listen on every port.
// Needs root, iproute2, util-linux, nats-server and openssl (installed by .ci/run): without them
// these tests fail.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { createHash } from 'crypto';
import { connect, ConnectionOptions, credsAuthenticator, nkeys } from 'nats';
import { makeTestPki, NatsCluster as LiveCluster, NatsPodSpec, startNatsCluster, TestPki } from '../support/nats';

jest.setTimeout(240_000);

const GOLDEN_DIR = path.join(__dirname, 'golden');

// ---------------------------------------------------------------------------------------------
// What a config references

/** The text of a `name { ... }` or `name: [ ... ]` block at the top level (brace/bracket matched). */
function topLevelBlock(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}(?: \\{|: \\[)$`, 'm').exec(text);
  if (!m) return undefined;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    if (depth === 0) return text.slice(m.index, i + 1);
  }
  throw new Error(`unterminated block ${name}`);
}

/** The `port: N` written directly in a top-level block (not in its nested blocks). */
function portOf(text: string, block: string): number | undefined {
  const body = topLevelBlock(text, block);
  const m = body && /^ {2}port: (\d+)$/m.exec(body);
  return m ? Number(m[1]) : undefined;
}

/** `$NAME` references of a rendered config (written as `key: $NAME` at a line end). */
function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(/^[^#\n]*:\s\$([A-Za-z_][A-Za-z0-9_]*)$/gm)].map((m) => m[1]))].sort();
}

/** Every file path the config references: certificates, keys, CAs and credentials. */
function referencedFiles(text: string): string[] {
  return [...new Set([...text.matchAll(/^\s*(?:cert_file|key_file|ca_file|credentials|creds): "([^"]+)"$/gm)].map((m) => m[1]))].sort();
}

/** Writable directories the server needs: the JetStream store and the pid file's directory. */
function writableDirs(text: string): string[] {
  const dirs: string[] = [];
  const store = /^ {2}store_dir: "([^"]+)"$/m.exec(text);
  if (store) dirs.push(store[1]);
  const pid = /^pid_file: "([^"]+)"$/m.exec(text);
  if (pid) dirs.push(path.posix.dirname(pid[1]));
  return dirs;
}

/**
 * The route URLs of the cluster block. With route authorization the config reads them from
 * `$NATS_ROUTES`, which Kubernetes composes from the route Secret: the URLs of the three pods of
 * the cluster's headless Service in namespace shop, as NatsCluster writes them.
 */
function routesOf(text: string): string[] {
  const cluster = topLevelBlock(text, 'cluster');
  if (!cluster) return [];
  if (/^ {2}routes: \$NATS_ROUTES$/m.test(cluster)) {
    const name = /^ {2}name: "([^"]+)"$/m.exec(cluster)![1];
    return [0, 1, 2].map((i) => `nats://${name}-${i}.${name}-headless.shop.svc.cluster.local:6222`);
  }
  const routes = /^ {2}routes: \[\n([\s\S]*?)\n {2}\]$/m.exec(cluster);
  return routes ? [...routes[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
}

/**
 * The pods a config is written for: with the routes of a 3-server cluster in namespace shop
 * (`nats-<i>.<headless service>.shop.svc.<domain>`), those three pods with their FQDN and short
 * names; otherwise one pod.
 */
function podsFor(text: string): NatsPodSpec[] {
  const hosts = routesOf(text).map((u) => new URL(u).hostname);
  const parsed = hosts.map((h) => /^([a-z0-9-]+-\d+)\.([a-z0-9-]+)\.shop\.svc\.[a-z0-9.-]+$/.exec(h));
  if (hosts.length === 3 && parsed.every((m) => m !== null)) {
    return hosts.map((fqdn, i) => ({ name: parsed[i]![1], hostnames: [fqdn, `${parsed[i]![1]}.${parsed[i]![2]}`] }));
  }
  return [{ name: 'nats-0', hostnames: ['nats-0'] }];
}

// ---------------------------------------------------------------------------------------------
// Values for what it references

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/**
 * A syntactically valid user credentials file (decorated JWT signed by a throwaway account key,
 * and the user's seed), as `nsc generate creds` writes it.
 */
function makeCreds(): string {
  const account = nkeys.createAccount();
  const user = nkeys.createUser();
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims: Record<string, unknown> = {
    iat: Math.floor(Date.now() / 1000),
    iss: account.getPublicKey(),
    name: 'leaf',
    sub: user.getPublicKey(),
    nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: 'user', version: 2 },
  };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url');
  const payload = b64url(JSON.stringify(claims));
  const signature = b64url(account.sign(Buffer.from(`${header}.${payload}`)));
  const seed = Buffer.from(user.getSeed()).toString('utf8');
  return [
    '-----BEGIN NATS USER JWT-----',
    `${header}.${payload}.${signature}`,
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    'NKEYs are sensitive and should be treated as secrets.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
    '*************************************************************',
    '',
  ].join('\n');
}

/**
 * A value for every variable (SERVER_NAME is the harness's): public user nkeys, passwords, and the
 * route URLs carrying the route credentials, as Kubernetes composes NATS_ROUTES.
 */
function envFor(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of variablesOf(text)) {
    if (v === 'SERVER_NAME' || v === 'NATS_ROUTES') continue;
    env[v] = v.startsWith('NATS_NKEY_') ? nkeys.createUser().getPublicKey() : `pw-${v.toLowerCase()}`;
  }
  if (variablesOf(text).includes('NATS_ROUTES')) {
    const credentials = `${env.NATS_ROUTE_USER}:${env.NATS_ROUTE_PASSWORD}@`;
    env.NATS_ROUTES = `[${routesOf(text).map((u) => `"${u.replace('nats://', `nats://${credentials}`)}"`).join(', ')}]`;
  }
  return env;
}

/** Content for every referenced file: certificates from one test PKI, and credentials files. */
function filesFor(text: string, pods: NatsPodSpec[]): { files: Record<string, string>; pki?: TestPki } {
  const paths = referencedFiles(text);
  const unknown = paths.filter((p) => !/\/(tls\.crt|tls\.key|ca\.crt)$/.test(p) && !p.endsWith('.creds'));
  if (unknown.length) throw new Error(`the config references files this test cannot provide: ${unknown.join(', ')}`);
  const files: Record<string, string> = {};
  const needsPki = paths.some((p) => !p.endsWith('.creds'));
  const pki = needsPki ? makeTestPki(pods.flatMap((p) => p.hostnames)) : undefined;
  for (const p of paths) {
    if (p.endsWith('.creds')) files[p] = makeCreds();
    else if (p.endsWith('/tls.crt')) files[p] = pki!.cert;
    else if (p.endsWith('/tls.key')) files[p] = pki!.key;
    else files[p] = pki!.ca;
  }
  return { files, pki };
}

/** Completes a TLS handshake (TLS-first listeners: websocket, MQTT) verified against the test CA. */
function tlsHandshake(host: string, port: number, servername: string, pki: TestPki): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername, ca: pki.ca, cert: pki.cert, key: pki.key });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`TLS handshake with ${host}:${port} timed out`)); }, 5_000);
    socket.once('secureConnect', () => { clearTimeout(timer); const ok = socket.authorized; socket.destroy(); resolve(ok); });
    socket.once('error', (err) => { clearTimeout(timer); socket.destroy(); reject(err); });
  });
}

/** Resolves when a TCP connection to host:port is accepted; rejects on error or after 3s. */
function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); }, 3_000);
    socket.once('connect', () => { clearTimeout(timer); socket.destroy(); resolve(); });
    socket.once('error', (err) => { clearTimeout(timer); socket.destroy(); reject(err); });
  });
}

// ---------------------------------------------------------------------------------------------

interface Varz {
  server_name: string;
  port: number;
  cluster?: { cluster_port?: number };
  gateway?: { port?: number; name?: string; gateways?: Array<{ name: string }> };
  leaf?: { port?: number; remotes?: Array<{ local_account?: string }> };
  websocket?: { port?: number; no_tls?: boolean };
  mqtt?: { port?: number };
  tls_required?: boolean;
}

const GOLDEN_FULL = ['full-plain.conf', 'full-tls.conf'];

describe('what the golden configs reference (parsed for the live tests)', () => {
  test('full-plain.conf: three pods of namespace shop, variables, files and listener ports', () => {
    const text = fs.readFileSync(path.join(GOLDEN_DIR, 'full-plain.conf'), 'utf8');
    expect(podsFor(text)).toEqual([0, 1, 2].map((i) => ({
      name: `nats-${i}`, hostnames: [`nats-${i}.nats-headless.shop.svc.cluster.local`, `nats-${i}.nats-headless`],
    })));
    expect(variablesOf(text)).toEqual([
      'NATS_NKEY_ORDERS_EDGE', 'NATS_PASSWORD_BILLING_BILLING_SVC', 'NATS_PASSWORD_ORDERS_ORDERS_SVC', 'NATS_ROUTES', 'NATS_ROUTE_PASSWORD', 'NATS_ROUTE_USER', 'SERVER_NAME',
    ]);
    expect(envFor(text).NATS_ROUTES).toBe(`[${[0, 1, 2].map((i) => `"nats://pw-nats_route_user:pw-nats_route_password@nats-${i}.nats-headless.shop.svc.cluster.local:6222"`).join(', ')}]`);
    expect(referencedFiles(text)).toEqual(['/etc/nats-creds/remote-0/leaf.creds']);
    expect(writableDirs(text)).toEqual(['/data', '/var/run/nats']);
    expect(['websocket', 'mqtt', 'leafnodes', 'gateway', 'cluster'].map((b) => portOf(text, b))).toEqual([8080, 1883, 7422, 7222, 6222]);
  });

  test('full-tls.conf: the same pods, and a certificate, key and CA for each of its six TLS blocks', () => {
    const text = fs.readFileSync(path.join(GOLDEN_DIR, 'full-tls.conf'), 'utf8');
    expect(podsFor(text).map((p) => p.name)).toEqual(['nats-0', 'nats-1', 'nats-2']);
    const files = referencedFiles(text);
    expect(files).toContain('/etc/nats-creds/remote-0/leaf.creds');
    expect(files.filter((f) => f.startsWith('/etc/nats-certs/')).sort()).toEqual(
      ['client', 'cluster', 'gateway', 'leafnodes', 'mqtt', 'websocket'].flatMap((d) => ['ca.crt', 'tls.crt', 'tls.key'].map((f) => `/etc/nats-certs/${d}/${f}`)).sort());
    expect(writableDirs(text)).toEqual(['/data', '/var/run/nats']);
  });

  test('a one-server config gets one pod', () => {
    expect(podsFor(fs.readFileSync(path.join(GOLDEN_DIR, 'standalone-dev.conf'), 'utf8'))).toEqual([{ name: 'nats-0', hostnames: ['nats-0'] }]);
  });

  test('the generated credentials file is one the NATS client libraries parse', () => {
    const creds = makeCreds();
    const auth = credsAuthenticator(new TextEncoder().encode(creds))('nonce-from-server') as { jwt: string; nkey: string; sig: string };
    expect(auth.jwt.split('.')).toHaveLength(3);
    expect(auth.nkey).toMatch(/^U[A-Z2-7]{55}$/);
    expect(typeof auth.sig).toBe('string');
  });
});

describe.each(GOLDEN_FULL)('%s started for real', (file) => {
  let live: LiveCluster | undefined;
  afterEach(async () => {
    await live?.destroy();
    live = undefined;
  });

  test('every pod starts, is healthy and listens on the client, route, websocket, MQTT, leafnode, gateway and monitor ports', async () => {
    const text = fs.readFileSync(path.join(GOLDEN_DIR, file), 'utf8');
    const pods = podsFor(text);
    const ports = {
      client: Number(/^port: (\d+)$/m.exec(text)?.[1]),
      monitor: Number(/^http_port: (\d+)$/m.exec(text)?.[1]),
      cluster: portOf(text, 'cluster'),
      websocket: portOf(text, 'websocket'),
      mqtt: portOf(text, 'mqtt'),
      leafnodes: portOf(text, 'leafnodes'),
      gateway: portOf(text, 'gateway'),
    };
    // The golden configs under test have every listener.
    for (const [name, port] of Object.entries(ports)) expect({ name, port: Number.isInteger(port) }).toEqual({ name, port: true });

    const { files, pki } = filesFor(text, pods);
    live = await startNatsCluster({
      pods,
      config: text,
      env: () => envFor(text),
      files,
      mountDirs: writableDirs(text),
    });
    const cluster = live;
    if (pods.length > 1) await cluster.waitClusterReady(90_000);
    for (const p of pods) await cluster.waitHealthy(p.name, 60_000);

    for (const p of pods) {
      const varz = await cluster.monitor<Varz>(p.name, '/varz');
      expect({
        server: varz.server_name,
        client: varz.port,
        cluster: varz.cluster?.cluster_port,
        websocket: varz.websocket?.port,
        mqtt: varz.mqtt?.port,
        leafnodes: varz.leaf?.port,
        gateway: varz.gateway?.port,
      }).toEqual({
        server: p.name,
        client: ports.client,
        cluster: ports.cluster,
        websocket: ports.websocket,
        mqtt: ports.mqtt,
        leafnodes: ports.leafnodes,
        gateway: ports.gateway,
      });
      // The remotes are configured (and unreachable: the server keeps retrying them).
      expect(varz.leaf?.remotes?.map((r) => r.local_account)).toEqual(['ORDERS']);
      expect(varz.gateway?.gateways?.map((g) => g.name)).toEqual(['eu']);
      const ip = cluster.pod(p.name).ip;
      for (const [name, port] of Object.entries(ports)) {
        await expect(tcpConnect(ip, port!).then(() => `${name} ${port} listening`)).resolves.toBe(`${name} ${port} listening`);
      }
      // A client gets in (as the no_auth_user), over TLS with the test CA when the config has client TLS.
      const options: ConnectionOptions = { servers: [cluster.pod(p.name).clientUrl], reconnect: false, timeout: 5_000 };
      if (files['/etc/nats-certs/client/ca.crt']) options.tls = { ca: pki!.ca, servername: p.hostnames[0] } as ConnectionOptions['tls'];
      const nc = await connect(options);
      try {
        await nc.flush();
        expect(nc.info?.server_name).toBe(p.name);
        expect(nc.info?.tls_required ?? false).toBe(pki !== undefined);
      } finally {
        await nc.close();
      }
      if (pki) {
        // The TLS-first listeners present the test certificate for the pod's name.
        expect(varz.websocket?.no_tls ?? false).toBe(false);
        expect(await tlsHandshake(ip, ports.websocket!, p.hostnames[0], pki)).toBe(true);
        expect(await tlsHandshake(ip, ports.mqtt!, p.hostnames[0], pki)).toBe(true);
      } else {
        expect(varz.websocket?.no_tls).toBe(true);
      }
      // nats-server reads the leafnode credentials file at start-up and logs (without exiting) when
      // it is missing or malformed: the one given here is accepted.
      expect(cluster.logs(p.name).split('\n').filter((l) => /credentials/i.test(l))).toEqual([]);
      // Still healthy after the listeners were probed, while the remotes keep failing.
      const health = await cluster.monitor<{ status: string }>(p.name, '/healthz');
      expect(health.status).toBe('ok');
      expect(cluster.isRunning(p.name)).toBe(true);
    }
  });
});
