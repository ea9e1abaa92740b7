// Runs a nats.conf unchanged, as on Kubernetes, as a real cluster of nats-server processes:
// one network namespace per pod (its own IP, /etc/hosts with every pod's DNS names) and one
// private mount namespace per pod (the config's absolute paths point at the pod's temp dirs).
//
// Network: every pod gets a veth into a bridge in the root namespace that holds 10.231.X.1/24,
// so this process reaches the pods by IP. Pods have only that /24 route (no default route) and a
// resolv.conf pointing at loopback: traffic goes only to loopback or the harness's own namespaces.
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CONFIG_PATH, prepareMounts } from './mounts';
import {
  FatalWaitError, SYSTEM_PATH, httpGet, httpGetJson, run, shQuote, tail, waitFor, which,
} from './util';

export interface NatsPodSpec {
  /** Pod name, e.g. 'nats-0'; also the SERVER_NAME env var. */
  name: string;
  /** Names that resolve to this pod in every pod's /etc/hosts (FQDNs and short names). */
  hostnames: string[];
}

export interface NatsClusterOptions {
  pods: NatsPodSpec[];
  /** nats.conf text, used unchanged by every pod. */
  config: string;
  /** Extra env vars per pod (like Secret-backed env on Kubernetes); SERVER_NAME is set to the pod name first. */
  env?: (podName: string) => Record<string, string>;
  /** Absolute path in the pod -> content (certs, includes); materialized per pod, read-only unless inside a mountDir. */
  files?: Record<string, string>;
  /** Absolute directories the server writes to (e.g. '/data', '/var/run/nats'); each pod gets a private empty dir. */
  mountDirs?: string[];
  /** Where the config is mounted; default /etc/nats-config/nats.conf. */
  configPath?: string;
}

export interface NatsPod {
  name: string;
  ip: string;
  /** The pod's network namespace (for debugging: `ip netns exec <netns> ...`). */
  netns: string;
  clientUrl: string;
  monitorUrl: string;
}

export interface StreamState {
  messages: number;
  bytes: number;
  first_seq: number;
  last_seq: number;
  consumer_count: number;
}

export interface NatsCluster {
  readonly pods: readonly NatsPod[];
  /** The harness's private subnet, e.g. '10.231.17.0/24'. */
  readonly subnet: string;
  pod(name: string): NatsPod;
  isRunning(name: string): boolean;
  /** Starts a stopped pod again with the same data dirs. */
  start(name: string): Promise<void>;
  /** Graceful stop: SIGTERM, then waits for exit (SIGKILL and throw after `timeoutMs`). */
  stop(name: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(name: string): Promise<void>;
  /** Everything the pod's server printed, across restarts. */
  logs(name: string): string;
  /** GET a monitor endpoint ('/varz', '/jsz?streams=true', ...) of a pod and parse its JSON. */
  monitor<T = Record<string, unknown>>(name: string, endpoint: string): Promise<T>;
  /** Polls /healthz (or /healthz?js-enabled-only=true) until it answers 200. */
  waitHealthy(name: string, timeoutMs?: number, opts?: { jsEnabledOnly?: boolean }): Promise<void>;
  /**
   * Waits until every server not taken down by stop()/kill() has routes to all the others and
   * (with clustered JetStream) they agree on a meta leader among themselves.
   */
  waitClusterReady(timeoutMs?: number): Promise<{ metaLeader?: string }>;
  /** Bounded poll whose timeout error includes every pod's logs. */
  waitFor<T>(description: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T>;
  /** A stream's state as one server reports it in /jsz, or undefined if that server doesn't have it. */
  streamState(name: string, stream: string, account?: string): Promise<StreamState | undefined>;
  /** Kills every server and removes namespaces, links, /etc/netns entries and temp dirs. Idempotent. */
  destroy(): Promise<void>;
}

/** Throws a clear error unless this process can run the harness (root, ip, unshare, mount, nats-server). */
export function assertHarnessPrerequisites(extraBinaries: readonly string[] = []): void {
  const problems: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    problems.push('it must run as root (network namespaces, bind mounts)');
  }
  for (const bin of ['ip', 'unshare', 'mount', 'nats-server', ...extraBinaries]) {
    if (!which(bin)) problems.push(`'${bin}' is not installed (not found in PATH)`);
  }
  if (problems.length > 0) {
    throw new Error(
      `The NATS netns test harness cannot run: ${problems.join('; ')}. ` +
        'Tests need root plus iproute2, util-linux, nats-server (and openssl for TLS); CI installs them.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Registry of live runs: one file per claimed /24, so parallel runs never share a subnet and a
// later run can clean up after a run whose process died without its exit handler (SIGKILL).

const REGISTRY_DIR = path.join(os.tmpdir(), 'nats-netns-harness');

interface RunRecord {
  pid: number;
  prefix: string;
  bridge: string;
  namespaces: string[];
  hostVeths: string[];
  rootDir: string;
  file: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes everything a run created; tolerant of parts that are already gone. */
function cleanupRun(rec: RunRecord): void {
  for (const ns of rec.namespaces) {
    const pids = run('ip', ['netns', 'pids', ns], { allowFail: true }).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  // Deleting the host end destroys the veth pair at once, even while a dying process pins the netns.
  for (const veth of rec.hostVeths) run('ip', ['link', 'del', veth], { allowFail: true });
  for (const ns of rec.namespaces) {
    run('ip', ['netns', 'del', ns], { allowFail: true });
    fs.rmSync(path.join('/etc/netns', ns), { recursive: true, force: true });
  }
  run('ip', ['link', 'del', rec.bridge], { allowFail: true });
  fs.rmSync(rec.rootDir, { recursive: true, force: true });
  fs.rmSync(rec.file, { force: true });
}

/** Cleans up runs whose owning process no longer exists. */
export function sweepStaleRuns(): void {
  if (!fs.existsSync(REGISTRY_DIR)) return;
  for (const entry of fs.readdirSync(REGISTRY_DIR)) {
    if (!entry.endsWith('.json')) continue;
    const file = path.join(REGISTRY_DIR, entry);
    try {
      const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
      if (!isAlive(rec.pid)) cleanupRun({ ...rec, file });
    } catch {
      // half-written by a live run, or removed meanwhile: leave it
    }
  }
}

/** Claims a free 10.231.X.0/24 (not on any local address or route) by creating its registry file. */
function claimSubnet(rec: Omit<RunRecord, 'file'>): { octet: number; file: string } {
  fs.mkdirSync(REGISTRY_DIR, { recursive: true });
  const inUse = run('ip', ['-4', '-o', 'addr', 'show']).stdout + run('ip', ['-4', 'route', 'show', 'table', 'all']).stdout;
  const start = randomBytes(1)[0];
  for (let k = 0; k < 256; k++) {
    const octet = (start + k) % 256;
    if (inUse.includes(`10.231.${octet}.`)) continue;
    const file = path.join(REGISTRY_DIR, `10.231.${octet}.json`);
    try {
      fs.writeFileSync(file, JSON.stringify({ ...rec, file }), { flag: 'wx' });
      return { octet, file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error('No free 10.231.X.0/24 subnet for the NATS harness');
}

/** Synchronous cleanups of runs not destroyed yet, executed if the process exits first. */
const liveRuns = new Set<() => void>();
let exitHookInstalled = false;

function registerForExit(cleanup: () => void): void {
  liveRuns.add(cleanup);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const fn of [...liveRuns]) {
      try {
        fn();
      } catch {
        // best effort; sweepStaleRuns() finishes the job next time
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------

interface PodRuntime {
  info: NatsPod;
  netns: string;
  env: Record<string, string>;
  script: string;
  logChunks: string[];
  logBytes: number;
  proc?: ChildProcess;
  exited?: Promise<void>;
  lastExit?: string;
  starts: number;
  /** Taken down on purpose by stop()/kill(); cleared by start(). */
  down: boolean;
}

const MAX_LOG_BYTES = 4 * 1024 * 1024;

function validate(options: NatsClusterOptions): void {
  if (options.pods.length === 0 || options.pods.length > 50) throw new Error('startNatsCluster needs 1..50 pods');
  const names = new Set<string>();
  for (const pod of options.pods) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(pod.name)) throw new Error(`Invalid pod name '${pod.name}'`);
    if (names.has(pod.name)) throw new Error(`Duplicate pod name '${pod.name}'`);
    names.add(pod.name);
    for (const h of pod.hostnames) {
      if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(h)) throw new Error(`Invalid hostname '${h}' for pod ${pod.name}`);
    }
  }
}

/** Starts every pod's nats-server (without waiting for readiness: see waitHealthy/waitClusterReady). */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  assertHarnessPrerequisites();
  validate(options);
  sweepStaleRuns();

  const configPath = options.configPath ?? DEFAULT_CONFIG_PATH;
  if (options.files && configPath in options.files) throw new Error(`files must not contain the config path ${configPath}`);
  const natsServer = which('nats-server')!;
  const ipBin = which('ip')!;

  const prefix = `nh${randomBytes(3).toString('hex')}`;
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), `nats-netns-${prefix}-`));
  const planned = {
    pid: process.pid,
    prefix,
    bridge: `${prefix}br`,
    namespaces: options.pods.map((p, i) => `${prefix}-${i}-${p.name}`.slice(0, 60)),
    hostVeths: options.pods.map((_, i) => `${prefix}h${i}`),
    rootDir,
  };
  let claimed: { octet: number; file: string };
  try {
    claimed = claimSubnet(planned);
  } catch (err) {
    fs.rmSync(rootDir, { recursive: true, force: true });
    throw err;
  }
  const record: RunRecord = { ...planned, file: claimed.file };
  const net = `10.231.${claimed.octet}`;

  const pods: PodRuntime[] = options.pods.map((spec, i) => {
    const ip = `${net}.${10 + i}`;
    return {
      info: { name: spec.name, ip, netns: record.namespaces[i], clientUrl: `nats://${ip}:4222`, monitorUrl: `http://${ip}:8222` },
      netns: record.namespaces[i],
      env: { PATH: SYSTEM_PATH, SERVER_NAME: spec.name, ...(options.env?.(spec.name) ?? {}) },
      script: '',
      logChunks: [],
      logBytes: 0,
      starts: 0,
      down: false,
    };
  });

  let destroyed = false;
  function destroySync(): void {
    destroyed = true;
    for (const p of pods) p.proc?.kill('SIGKILL');
    cleanupRun(record);
    liveRuns.delete(destroySync);
  }
  registerForExit(destroySync);

  try {
    // Bridge in the root namespace; IPv6 off so nothing but our IPv4 traffic appears on it.
    run('ip', ['link', 'add', record.bridge, 'type', 'bridge']);
    disableIpv6(`/proc/sys/net/ipv6/conf/${record.bridge}/disable_ipv6`);
    run('ip', ['addr', 'add', `${net}.1/24`, 'dev', record.bridge]);
    run('ip', ['link', 'set', record.bridge, 'up']);

    const hosts = [
      '127.0.0.1 localhost',
      ...pods.map((p, i) => `${p.info.ip} ${options.pods[i].hostnames.join(' ')}`),
    ].join('\n');
    pods.forEach((p, i) => {
      const ns = p.netns;
      const hostVeth = record.hostVeths[i];
      const peer = `${prefix}p${i}`;
      run('ip', ['netns', 'add', ns]);
      run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peer]);
      run('ip', ['link', 'set', peer, 'netns', ns]);
      run('ip', ['link', 'set', hostVeth, 'master', record.bridge]);
      disableIpv6(`/proc/sys/net/ipv6/conf/${hostVeth}/disable_ipv6`);
      run('ip', ['link', 'set', hostVeth, 'up']);
      run('ip', ['netns', 'exec', ns, 'sh', '-c',
        'for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do [ -w "$f" ] && echo 1 > "$f"; done; true']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'link', 'set', peer, 'name', 'eth0']);
      run('ip', ['-n', ns, 'addr', 'add', `${p.info.ip}/24`, 'dev', 'eth0']);
      run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);

      // `ip netns exec` bind-mounts these over /etc/hosts and /etc/resolv.conf. Unknown names go to a
      // resolver on loopback (nothing listens) and fail fast, never to the host's DNS server.
      const etc = path.join('/etc/netns', ns);
      fs.mkdirSync(etc, { recursive: true });
      fs.writeFileSync(path.join(etc, 'hosts'), `${hosts}\n`);
      fs.writeFileSync(path.join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');

      const plan = prepareMounts(path.join(rootDir, p.info.name), { ...(options.files ?? {}), [configPath]: options.config },
        options.mountDirs ?? []);
      p.script = `${plan.script} && cd / && exec ${shQuote(natsServer)} -c ${shQuote(configPath)}`;
    });
  } catch (err) {
    destroySync();
    throw err;
  }

  const byName = (name: string): PodRuntime => {
    const p = pods.find((x) => x.info.name === name);
    if (!p) throw new Error(`No pod '${name}' (pods: ${pods.map((x) => x.info.name).join(', ')})`);
    return p;
  };
  const appendLog = (p: PodRuntime, text: string) => {
    p.logChunks.push(text);
    p.logBytes += text.length;
    while (p.logBytes > MAX_LOG_BYTES && p.logChunks.length > 1) p.logBytes -= p.logChunks.shift()!.length;
  };
  const isRunning = (p: PodRuntime) => p.proc !== undefined;
  const status = (p: PodRuntime) => (isRunning(p) ? `running, pid ${p.proc!.pid}` : `not running, ${p.lastExit ?? 'never started'}`);
  const podLogs = (p: PodRuntime) => `--- ${p.info.name} (${p.info.ip}, ${status(p)}) ---\n${tail(p.logChunks.join(''))}`;
  const allLogs = () => pods.map(podLogs).join('\n');

  function launch(p: PodRuntime): void {
    if (destroyed) throw new Error('The NATS cluster was destroyed');
    if (isRunning(p)) throw new Error(`${p.info.name} is already running`);
    p.starts += 1;
    appendLog(p, `=== harness: start #${p.starts} of ${p.info.name} in netns ${p.netns} ===\n`);
    const proc = spawn(ipBin, ['netns', 'exec', p.netns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', p.script], {
      env: p.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => appendLog(p, d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => appendLog(p, d));
    p.proc = proc;
    p.exited = new Promise<void>((resolve) => {
      const done = (why: string) => {
        if (p.proc === proc) {
          p.proc = undefined;
          p.lastExit = why;
          appendLog(p, `=== harness: ${p.info.name} ${why} ===\n`);
        }
        resolve();
      };
      proc.on('close', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
      proc.on('error', (err) => done(`failed to start: ${err.message}`));
    });
  }

  /** Waits for the pod's process to exit, at most `ms`; true if it did. */
  async function waitExit(p: PodRuntime, ms: number): Promise<boolean> {
    if (!isRunning(p)) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
    const result = await Promise.race([p.exited!.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  }

  const cluster: NatsCluster = {
    pods: pods.map((p) => p.info),
    subnet: `${net}.0/24`,
    pod: (name) => byName(name).info,
    isRunning: (name) => isRunning(byName(name)),
    logs: (name) => byName(name).logChunks.join(''),

    async start(name) {
      const p = byName(name);
      launch(p);
      p.down = false;
    },

    async stop(name, timeoutMs = 20_000) {
      const p = byName(name);
      p.down = true;
      if (!isRunning(p)) return;
      p.proc!.kill('SIGTERM');
      if (await waitExit(p, timeoutMs)) return;
      p.proc?.kill('SIGKILL');
      await waitExit(p, 5_000);
      throw new Error(`${name} did not exit within ${timeoutMs} ms of SIGTERM; it was killed\n${podLogs(p)}`);
    },

    async kill(name) {
      const p = byName(name);
      p.down = true;
      if (!isRunning(p)) return;
      p.proc!.kill('SIGKILL');
      if (!(await waitExit(p, 10_000))) throw new Error(`${name} did not exit after SIGKILL\n${podLogs(p)}`);
    },

    monitor: (name, endpoint) => httpGetJson(`${byName(name).info.monitorUrl}${endpoint}`),

    async waitHealthy(name, timeoutMs = 30_000, opts = {}) {
      const p = byName(name);
      const url = `${p.info.monitorUrl}/healthz${opts.jsEnabledOnly ? '?js-enabled-only=true' : ''}`;
      await waitFor(`${name} to be healthy (${url})`, timeoutMs, async () => {
        if (!isRunning(p)) throw new FatalWaitError(`${name} is ${status(p)}`);
        const res = await httpGet(url);
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.trim()}`);
        return true;
      }, () => podLogs(p));
    },

    async waitClusterReady(timeoutMs = 60_000) {
      // Pods taken down on purpose (stop/kill) are left out; a pod that died by itself fails the wait.
      const up = pods.filter((p) => !p.down);
      const expectedRoutes = up.length - 1;
      return waitFor(`${up.length} servers (${up.map((p) => p.info.name).join(', ')}) to be routed together with an agreed JetStream meta leader`, timeoutMs, async () => {
        const names: string[] = [];
        const leaders = new Set<string | undefined>();
        let jetstream = false;
        for (const p of up) {
          if (!isRunning(p)) throw new FatalWaitError(`${p.info.name} is ${status(p)}`);
          const routez = await httpGetJson<{ num_routes: number }>(`${p.info.monitorUrl}/routez`);
          if (routez.num_routes !== expectedRoutes) {
            throw new Error(`${p.info.name} has ${routez.num_routes} routes, expected ${expectedRoutes}`);
          }
          names.push((await httpGetJson<{ server_name: string }>(`${p.info.monitorUrl}/varz`)).server_name);
          const jsz = await httpGetJson<{ disabled?: boolean; meta_cluster?: { leader?: string } }>(`${p.info.monitorUrl}/jsz`);
          if (!jsz.disabled && jsz.meta_cluster) {
            jetstream = true;
            leaders.add(jsz.meta_cluster.leader || undefined);
          }
        }
        if (!jetstream) return {};
        const [leader] = [...leaders];
        if (leaders.size !== 1 || leader === undefined || !names.includes(leader)) {
          throw new Error(`JetStream meta leader not agreed on among running servers: ${[...leaders].map(String).join(', ')}`);
        }
        return { metaLeader: leader };
      }, allLogs);
    },

    waitFor: (description, timeoutMs, probe) => waitFor(description, timeoutMs, probe, allLogs),

    async streamState(name, stream, account = '$G') {
      type Jsz = { account_details?: Array<{ name: string; stream_detail?: Array<{ name: string; state: StreamState }> }> };
      const jsz = await httpGetJson<Jsz>(`${byName(name).info.monitorUrl}/jsz?accounts=true&streams=true`);
      return jsz.account_details?.find((a) => a.name === account)?.stream_detail?.find((s) => s.name === stream)?.state;
    },

    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const p of pods) p.proc?.kill('SIGKILL');
      await Promise.all(pods.map((p) => waitExit(p, 5_000)));
      destroySync();
    },
  };

  for (const p of pods) launch(p);
  return cluster;
}

function disableIpv6(procFile: string): void {
  try {
    fs.writeFileSync(procFile, '1');
  } catch {
    // IPv6 not compiled in: nothing to disable
  }
}

export interface CheckConfigResult {
  ok: boolean;
  /** nats-server's own output, e.g. "variable reference for 'X' on line 3 can not be found". */
  output: string;
}

/**
 * Validates a config with `nats-server -t`, with the config (and `files`, e.g. certs it references)
 * at their absolute pod paths in a private mount namespace, and only `env` (plus PATH) set.
 */
export function checkConfig(
  config: string,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  configPath: string = DEFAULT_CONFIG_PATH,
): CheckConfigResult {
  assertHarnessPrerequisites();
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-check-'));
  try {
    const plan = prepareMounts(rootDir, { ...files, [configPath]: config }, []);
    const script = `${plan.script} && cd / && exec ${shQuote(which('nats-server')!)} -t -c ${shQuote(configPath)}`;
    const r = run(which('unshare')!, ['--mount', '--propagation', 'private', 'sh', '-c', script], {
      env: { PATH: SYSTEM_PATH, ...env },
      allowFail: true,
    });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    fs.rmSync(rootDir, { recursive: true, force: true });
  }
}

/** One server (pod `nats-0` unless named) started and waited healthy; destroy() it afterwards. */
export async function runStandalone(
  config: string,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  opts: { name?: string; hostnames?: string[]; mountDirs?: string[]; timeoutMs?: number } = {},
): Promise<NatsCluster> {
  const name = opts.name ?? 'nats-0';
  const cluster = await startNatsCluster({
    pods: [{ name, hostnames: opts.hostnames ?? [name] }],
    config,
    env: () => env,
    files,
    mountDirs: opts.mountDirs,
  });
  try {
    await cluster.waitHealthy(name, opts.timeoutMs ?? 30_000);
    return cluster;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
