// Small helpers shared by the NATS test harness: running tools, bounded polling, monitor HTTP.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/** A fixed PATH for everything the harness runs, so results don't depend on the caller's shell. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Absolute path of an executable found in PATH (plus the system dirs), or undefined. */
export function which(bin: string): string | undefined {
  const dirs = `${process.env.PATH ?? ''}:${SYSTEM_PATH}`.split(':').filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, bin);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command synchronously (bounded by `timeoutMs`). Throws on a non-zero exit unless
 * `allowFail` is set. Synchronous on purpose: it is also used from the process 'exit' handler.
 */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: opts.env ?? { ...process.env, PATH: `${process.env.PATH ?? ''}:${SYSTEM_PATH}` },
    timeout: opts.timeoutMs ?? 20_000,
    input: opts.input,
  });
  const result: RunResult = { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (!opts.allowFail && (r.error || r.status !== 0)) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${why}\n${result.stderr}${result.stdout}`.trim());
  }
  return result;
}

/** Quotes a string for POSIX sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with `description`, the last probe error/result and whatever `diagnostics()` returns (server logs).
 * A probe may throw `FatalWaitError` to stop waiting at once (e.g. the server process died).
 */
export async function waitFor<T>(
  description: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  diagnostics?: () => string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = `probe returned ${String(value)}`;
    } catch (err) {
      if (err instanceof FatalWaitError) {
        throw new Error(`Gave up waiting for ${description}: ${err.message}${formatDiagnostics(diagnostics)}`);
      }
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${description}; last result: ${last}${formatDiagnostics(diagnostics)}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Thrown by a `waitFor` probe to fail immediately instead of polling on. */
export class FatalWaitError extends Error {}

function formatDiagnostics(diagnostics?: () => string): string {
  if (!diagnostics) return '';
  try {
    return `\n${diagnostics()}`;
  } catch (err) {
    return `\n(diagnostics failed: ${String(err)})`;
  }
}

/** Last `maxLines` lines of a log, for error messages. */
export function tail(text: string, maxLines = 80): string {
  const lines = text.split('\n');
  return lines.length <= maxLines ? text : `[... ${lines.length - maxLines} earlier lines ...]\n${lines.slice(-maxLines).join('\n')}`;
}

/** GET a URL without keep-alive (no sockets left open) and with a timeout. */
export function httpGet(url: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GET a monitor endpoint and parse its JSON; throws on a non-2xx status. */
export async function httpGetJson<T>(url: string, timeoutMs?: number): Promise<T> {
  const { status, body } = await httpGet(url, timeoutMs);
  if (status < 200 || status >= 300) throw new Error(`GET ${url} -> HTTP ${status}: ${body.trim()}`);
  return JSON.parse(body) as T;
}
