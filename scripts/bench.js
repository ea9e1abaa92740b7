#!/usr/bin/env node
// `npm run bench [-- --runs N]`: wall time of a full `cdk8s synth` (all environments, through the
// cdk8s CLI) with the app run by ts-node, by ts-node --transpile-only, and precompiled by tsc.
// Each variant gets one warm-up run and N timed runs (default 5; --runs N or BENCH_RUNS).
// Prints a table, writes .bench/results.json, and exits 1 if any variant fails.
//
// `npm run bench -- --services N [--services M ...] [--runs K] [--cpu-prof]` (N may also be a
// comma-separated list: --services 100,300,1000): the scale benchmark. For each N, K fresh child
// processes (default 1) each build the generated platform of N microservices
// (test/bench/scale-platform.ts, run by test/bench/run-scale.ts under ts-node --transpile-only)
// and synthesize it; the child reports construct, synth and total seconds and its peak RSS.
// Prints a table of the medians, writes .bench/scale.json, and exits 1 if any run fails.
// --cpu-prof starts each child with node --cpu-prof --cpu-prof-dir=.bench/profiles.
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

const USAGE = 'usage: bench.js [--runs N] | bench.js --services N[,M...] [--services ...] [--runs K] [--cpu-prof]';

function positiveInt(value, what) {
  const n = Number(value);
  if (value === undefined || String(value).trim() === '' || !Number.isInteger(n) || n < 1) {
    throw new Error(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** { runs (undefined: the mode's default), services: number[] (empty: the synth benchmark), cpuProf }. */
function parseArgs(argv) {
  const opts = { runs: undefined, services: [], cpuProf: false };
  const valueOf = (i, flag) => {
    const a = argv[i];
    if (a.startsWith(`${flag}=`)) return [a.slice(flag.length + 1), i];
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value (${USAGE})`);
    return [argv[i + 1], i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a.startsWith('--runs=')) {
      let v;
      [v, i] = valueOf(i, '--runs');
      opts.runs = positiveInt(v, '--runs');
    } else if (a === '--services' || a.startsWith('--services=')) {
      let v;
      [v, i] = valueOf(i, '--services');
      for (const part of String(v).split(',')) opts.services.push(positiveInt(part.trim(), '--services'));
    } else if (a === '--cpu-prof') {
      opts.cpuProf = true;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(a)} (${USAGE})`);
    }
  }
  if (opts.cpuProf && opts.services.length === 0) throw new Error(`--cpu-prof needs --services (${USAGE})`);
  return opts;
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
// (Set up by synthMain only: the scale benchmark needs none of it.)
let work;
let probe;
let rssFile;
let out;
function setUpWork() {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-bench-'));
  probe = path.join(work, 'rss-probe.js');
  fs.writeFileSync(probe, `process.on('exit', () => {
  try { require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.pid + ' ' + process.resourceUsage().maxRSS + '\\n'); } catch {}
});\n`);
  rssFile = path.join(work, 'rss.txt');
  out = path.join(work, 'out');
}

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

function synthMain(runs) {
  setUpWork();
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
    ...machine(),
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

// ---- scale benchmark ----------------------------------------------------------------------

const SCALE_DRIVER = path.join('test', 'bench', 'run-scale.ts');
const PROFILE_DIR = path.join('.bench', 'profiles');

/** When and where the numbers were taken, for the reports. */
function machine() {
  return { date: new Date().toISOString(), node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length };
}

/**
 * Self time per function of a .cpuprofile: the heaviest overall, and the heaviest of this
 * repository's own code (constructs/, src/), as shares of the whole profile.
 */
function printProfileSummary(file) {
  const profile = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const where = url ? `${path.relative(root, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]);
  const pct = (v) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  const own = rows.filter(([k]) => / (constructs|src)\//.test(k) && !k.includes('node_modules'));
  console.log(`\n${file}: ${(total / 1e6).toFixed(2)} s sampled; self time, heaviest functions:`);
  for (const [k, v] of rows.slice(0, 8)) console.log(`  ${pct(v)}  ${k}`);
  console.log('  of this repository\'s code:');
  for (const [k, v] of own.slice(0, 8)) console.log(`  ${pct(v)}  ${k}`);
}

/** One child process building and synthesizing the generated platform of `services` services. */
function scaleOnce(services, cpuProf) {
  const nodeArgs = [];
  if (cpuProf) {
    fs.mkdirSync(path.join(root, PROFILE_DIR), { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
  }
  nodeArgs.push('-r', 'ts-node/register/transpile-only', SCALE_DRIVER, String(services));
  const before = cpuProf ? new Set(fs.readdirSync(path.join(root, PROFILE_DIR))) : undefined;
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, nodeArgs, {
    cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  const processSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}`;
  const line = (res.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (res.status !== 0 || !line) {
    return { ok: false, error: output.trim().split('\n').slice(-25).join('\n') || `exit ${res.status ?? res.signal}` };
  }
  const result = JSON.parse(line.slice('BENCH_RESULT '.length));
  const profiles = cpuProf
    ? fs.readdirSync(path.join(root, PROFILE_DIR)).filter((f) => !before.has(f)).map((f) => path.join(PROFILE_DIR, f))
    : undefined;
  return { ok: true, ...result, processSeconds, profiles };
}

function scaleMain(opts) {
  const runs = opts.runs ?? 1;
  const sizes = opts.services;
  console.log(`bench: scale, services ${sizes.join(', ')}; ${runs} run(s) each in a fresh process${runs > 1 ? ' (medians reported)' : ''}, `
    + `node ${process.version}, ${os.cpus().length} CPU(s)${opts.cpuProf ? `; CPU profiles in ${PROFILE_DIR}/` : ''}\n`);
  const tty = process.stderr.isTTY;
  const results = [];
  for (const n of sizes) {
    const r = { services: n, ok: true, runs: [] };
    results.push(r);
    for (let i = 1; i <= runs; i++) {
      const label = `services ${n}: run ${i}/${runs}`;
      if (tty) process.stderr.write(`  ${label} ...  \r`);
      else console.error(`bench: ${label} ...`);
      const run = scaleOnce(n, opts.cpuProf);
      if (!run.ok) {
        r.ok = false;
        r.error = run.error;
        console.error(`\nbench: services ${n} failed:\n${run.error}\n`);
        break;
      }
      const { ok, services, ...rest } = run;
      r.runs.push(rest);
    }
    if (tty) process.stderr.write(' '.repeat(60) + '\r');
    if (r.ok) {
      const m = (key) => median(r.runs.map((x) => x[key]));
      r.objects = r.runs[0].objects;
      r.expectedObjects = r.runs[0].expectedObjects;
      r.files = r.runs[0].files;
      r.median = {
        constructSeconds: m('constructSeconds'),
        synthSeconds: m('synthSeconds'),
        totalSeconds: m('totalSeconds'),
        processSeconds: m('processSeconds'),
        peakRssMiB: m('maxRssKiB') / 1024,
      };
      if (r.objects !== r.expectedObjects) {
        console.warn(`bench: WARNING: services ${n} wrote ${r.objects} objects, expected ${r.expectedObjects} (expectedObjectCount in test/bench/scale-platform.ts)`);
      }
    }
  }

  const header = ['services', 'objects', 'construct s', 'synth s', 'total s', 'process s', 'peak RSS'];
  const rows = results.map((r) => [
    String(r.services),
    r.ok ? String(r.objects) : '',
    ...(r.ok
      ? [r.median.constructSeconds, r.median.synthSeconds, r.median.totalSeconds, r.median.processSeconds].map((s) => s.toFixed(2))
      : ['FAILED', '', '', '']),
    r.ok ? `${Math.round(r.median.peakRssMiB)} MiB` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row) => row.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(fmt(header));
  for (const row of rows) console.log(fmt(row));
  console.log(`\nconstruct + synth = total, timed inside the child; process s: the whole child (node and ts-node start-up, `
    + `module loading, object count) as seen by bench.js; peak RSS: the child's maxRSS right after synth.${runs > 1 ? ` Medians of ${runs} runs.` : ''}`);
  const profiles = results.flatMap((r) => r.runs.flatMap((x) => x.profiles ?? []));
  if (profiles.length) {
    console.log(`CPU profiles (open in Chrome DevTools or speedscope):\n${profiles.map((p) => `  ${p}`).join('\n')}`);
    for (const p of profiles) printProfileSummary(p);
  }

  const report = {
    ...machine(),
    runs,
    cpuProf: opts.cpuProf,
    driver: `node -r ts-node/register/transpile-only ${SCALE_DRIVER.split(path.sep).join('/')} <services>`,
    objectFormula: '10*N + 6*ceil(N/10) + ceil(N/5) + 25 (N >= 2)',
    results,
  };
  fs.mkdirSync(path.join(root, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(root, '.bench', 'scale.json'), JSON.stringify(report, null, 2) + '\n');
  console.log('results: .bench/scale.json');
  return results.every((r) => r.ok) ? 0 : 1;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.services.length) return scaleMain(opts);
  return synthMain(opts.runs ?? positiveInt(process.env.BENCH_RUNS ?? '5', 'BENCH_RUNS'));
}

try {
  process.exitCode = main();
} catch (err) {
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.error(`bench: ${err.message}`);
  process.exitCode = 1;
}
