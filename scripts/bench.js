#!/usr/bin/env node
// `npm run bench [-- --runs N]`: wall time of a full `cdk8s synth` (all environments, through the
// cdk8s CLI) with the app run by ts-node, by ts-node --transpile-only, and precompiled by tsc.
// Each variant gets one warm-up run and N timed runs (default 5; --runs N or BENCH_RUNS).
// Prints a table, writes .bench/results.json, and exits 1 if any variant fails.
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cdk8sPkg = require.resolve('cdk8s-cli/package.json', { paths: [root] });
const cdk8sBin = path.join(path.dirname(cdk8sPkg), require(cdk8sPkg).bin.cdk8s);

const VARIANTS = [
  { name: 'ts-node', command: 'npx ts-node --prefer-ts-exts src/main.ts' },
  { name: 'ts-node --transpile-only', command: 'npx ts-node --transpile-only --prefer-ts-exts src/main.ts' },
  { name: 'precompiled', command: 'node lib/src/main.js' },
];

function parseRuns(argv) {
  let value = process.env.BENCH_RUNS ?? '5';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') value = argv[++i];
    else if (argv[i].startsWith('--runs=')) value = argv[i].slice('--runs='.length);
    else throw new Error(`unknown argument ${JSON.stringify(argv[i])} (usage: bench.js [--runs N])`);
  }
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs / BENCH_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}

/** The `app:` command of cdk8s.yaml (a one-line scalar, optionally quoted). */
function configuredApp() {
  const text = fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8');
  const m = /^app:[ \t]*(.*?)[ \t]*(?:#.*)?$/m.exec(text);
  return m ? m[1].replace(/^(['"])(.*)\1$/, '$2') : undefined;
}

/** sha256 over the relative paths and contents of every file under dir; and the file count. */
function digestTree(dir) {
  const hash = crypto.createHash('sha256');
  let files = 0;
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      hash.update(`${p}\0`).update(fs.readFileSync(path.join(dir, p))).update('\0');
      files++;
    }
  };
  walk('');
  return { digest: hash.digest('hex'), files };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Peak RSS: every node process started under the CLI preloads a probe that appends its pid and
// maxRSS (KiB) to a file when it exits. The app's peak is the largest one other than the CLI
// itself (the others are npx/shell wrappers, which stay smaller than the app).
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-'));
const probe = path.join(work, 'rss-probe.js');
fs.writeFileSync(probe, `process.on('exit', () => {
  try { require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.pid + ' ' + process.resourceUsage().maxRSS + '\\n'); } catch {}
});\n`);
const rssFile = path.join(work, 'rss.txt');
const out = path.join(work, 'out');

/** One `cdk8s synth --app <command>`; returns { ok, seconds, rssKiB, output }. */
function synthOnce(command) {
  fs.rmSync(rssFile, { force: true });
  const env = {
    ...process.env,
    CDK8S_CHECK_UPGRADE: 'false',
    BENCH_RSS_FILE: rssFile,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${probe}"`.trim(),
  };
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [cdk8sBin, 'synth', '--app', command, '--output', out], {
    cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const ok = res.status === 0 && fs.existsSync(out);
  let rssKiB;
  if (fs.existsSync(rssFile)) {
    const samples = fs.readFileSync(rssFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number))
      .filter(([pid]) => pid !== res.pid);
    if (samples.length) rssKiB = Math.max(...samples.map(([, kib]) => kib));
  }
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}`;
  return { ok, seconds, rssKiB, output };
}

function main() {
  const runs = parseRuns(process.argv.slice(2));
  const configured = configuredApp();

  const buildStart = process.hrtime.bigint();
  const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(`bench: npm run build failed (exit ${build.status ?? build.signal})`);
    return 1;
  }
  const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
  console.log(`bench: npm run build took ${buildSeconds.toFixed(2)}s (once, not part of the timings)`);
  console.log(`bench: ${runs} timed run(s) + 1 warm-up per variant, node ${process.version}, ${os.cpus().length} CPU(s)\n`);

  const tty = process.stderr.isTTY; // progress on one rewritten line, or one line per variant
  const results = [];
  for (const v of VARIANTS) {
    const r = { name: v.name, command: v.command, ok: true, seconds: [], rssKiB: [] };
    results.push(r);
    if (!tty) console.error(`bench: ${v.name} ...`);
    for (let i = 0; i <= runs; i++) {
      if (tty) process.stderr.write(`  ${v.name}: ${i === 0 ? 'warm-up' : `run ${i}/${runs}`}  \r`);
      const run = synthOnce(v.command);
      if (!run.ok) {
        r.ok = false;
        r.error = run.output.trim().split('\n').slice(-20).join('\n');
        console.error(`\nbench: ${v.name} failed:\n${r.error}\n`);
        break;
      }
      if (i === 0) continue; // warm-up
      r.seconds.push(run.seconds);
      if (run.rssKiB !== undefined) r.rssKiB.push(run.rssKiB);
    }
    if (tty) process.stderr.write(' '.repeat(60) + '\r');
    if (r.ok) {
      Object.assign(r, digestTree(out));
      r.median = median(r.seconds);
      r.min = Math.min(...r.seconds);
      r.max = Math.max(...r.seconds);
      if (r.rssKiB.length) r.peakRssMiB = Math.max(...r.rssKiB) / 1024;
    }
  }
  fs.rmSync(work, { recursive: true, force: true });

  // Table: command, median, min, max (seconds), peak RSS of the app process.
  const rows = results.map((r) => [
    (r.command === configured ? '* ' : '  ') + r.command,
    ...(r.ok ? [r.median, r.min, r.max].map((s) => s.toFixed(2)) : ['FAILED', '', '']),
    r.peakRssMiB !== undefined ? `${Math.round(r.peakRssMiB)} MiB` : '-',
  ]);
  const header = ['  command', 'median s', 'min s', 'max s', 'peak RSS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  for (const row of rows) console.log(fmt(row));
  console.log(`\n* cdk8s.yaml app: ${configured ?? '(none)'}${results.some((r) => r.command === configured) ? '' : ' (not one of the variants above)'}`);

  const digests = new Set(results.filter((r) => r.ok).map((r) => r.digest));
  if (digests.size > 1) console.warn('bench: WARNING: the variants synthesized different output (is lib/ stale?)');

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    runs,
    warmupRuns: 1,
    buildSeconds,
    cdk8sYamlApp: configured ?? null,
    sameOutput: digests.size <= 1,
    variants: results.map(({ rssKiB, ...r }) => r),
  };
  fs.mkdirSync(path.join(root, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(root, '.bench', 'results.json'), JSON.stringify(report, null, 2) + '\n');
  console.log('results: .bench/results.json');

  return results.every((r) => r.ok) ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  fs.rmSync(work, { recursive: true, force: true });
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
}
