#!/usr/bin/env node
// `npm run synth`: compile, synthesize every environment into a temporary folder, and only then
// replace dist/. The cdk8s CLI deletes its output folder before the app runs, so pointing it at
// dist/ directly would leave dist/ empty or partial whenever the build or the app fails.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
// The CLI's own entry point, run with this node (saves the npx start-up of `npx cdk8s`).
const cdk8sPkg = require.resolve('cdk8s-cli/package.json', { paths: [root] });
const cdk8sBin = path.join(path.dirname(cdk8sPkg), require(cdk8sPkg).bin.cdk8s);

// Everything temporary lives in one folder next to dist/ (same file system, so renames are
// atomic): the fresh output in <tmp>/dist and, during the swap, the previous dist/ in <tmp>/old.
const tmp = fs.mkdtempSync(path.join(root, '.synth-tmp-'));
const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** Runs a command with inherited stdio; returns its exit code (1 if killed by a signal). */
function run(command, args, env) {
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (res.error) {
    console.error(`synth: could not run ${command}: ${res.error.message}`);
    return 1;
  }
  return res.status ?? 1;
}

/** Relative paths of all files under dir, sorted. */
function listFiles(dir, prefix = '') {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  }).sort();
}

function fail(code, message) {
  if (message) console.error(`synth: ${message}; dist/ left untouched`);
  cleanup();
  process.exit(code);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let code = run(npm, ['run', 'build']);
if (code !== 0) fail(code, `build failed (exit ${code})`);

const out = path.join(tmp, 'dist');
code = run(process.execPath, [cdk8sBin, 'synth', '--output', out], { CDK8S_CHECK_UPGRADE: 'false' });
if (code !== 0) fail(code, `cdk8s synth failed (exit ${code})`);

const files = fs.existsSync(out) ? listFiles(out) : [];
if (!files.some((f) => f.endsWith('.yaml'))) fail(1, 'cdk8s synth wrote no manifests');
const envs = fs.readdirSync(out, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

// Swap: dist -> <tmp>/old, <tmp>/dist -> dist; put the old one back if the second rename fails.
const old = path.join(tmp, 'old');
const hadDist = fs.existsSync(dist);
if (hadDist) fs.renameSync(dist, old);
try {
  fs.renameSync(out, dist);
} catch (err) {
  if (hadDist) fs.renameSync(old, dist);
  fail(1, `could not move the new output into dist/: ${err.message}`);
}
cleanup();

console.log(`synth: wrote ${envs.length} environment(s) (${envs.join(', ') || 'none'}), ${files.length} file(s) to dist/`);
