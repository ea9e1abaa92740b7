// The published package works for another app: scripts/check-pack.sh packs the repo, installs the
// tarball in a temporary consumer project, type-checks the consumer (test/fixtures/consumer/) with
// strict tsc against the installed declarations, and runs it; then installs examples/consumer
// from the same tarball and synthesizes its two environments through synthEnvironmentsMain. npm pack + npm install take about a
// minute, hence the 5 minute timeout.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const TIMEOUT_MS = 5 * 60_000;

interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly output: string; // stdout and stderr interleaved, for failure messages
}

function runCheckPack(): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout can stop npm and tsc below the script too.
    const child = spawn('bash', [path.join(root, 'scripts', 'check-pack.sh')], {
      cwd: root,
      detached: true,
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; output += d; });
    child.stderr.on('data', (d: Buffer) => { output += d; });
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), TIMEOUT_MS - 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

test('the packed library installs, type-checks strictly and synthesizes in a consumer app', async () => {
  const res = await runCheckPack();
  if (res.code !== 0) {
    throw new Error(`scripts/check-pack.sh exited with ${res.code}; last output:\n${res.output.split('\n').slice(-60).join('\n')}`);
  }
  const kinds = /^check-pack: synthesized kinds: (.*)$/m.exec(res.stdout)?.[1] ?? '';
  expect(kinds).toMatch(/\bDeployment=1\b/);
  expect(kinds).toMatch(/\bStatefulSet=1\b/);
  expect(kinds).toMatch(/\bDaemonSet=1\b/);
  // examples/consumer, installed from the same tarball: both environments synthesized, and a
  // failing selection reported as one block.
  for (const env of ['staging', 'prod']) {
    const example = new RegExp(`^check-pack: example ${env}: (.*)$`, 'm').exec(res.stdout)?.[1] ?? '';
    expect([env, example]).toEqual([env, expect.stringMatching(/\bDeployment=2\b.*\bStatefulSet=1\b/)]);
  }
  expect(res.stdout).toMatch(/^check-pack: example failure \(exit 1\): synth failed with 1 problem; nothing was written to .*\/dist: \|   \(synth\): only: received "qa", not an environment of this app; allowed: names of its environments: staging, prod$/m);
  expect(res.stdout).toMatch(/^check-pack: example failure \(exit 1\): synth failed with 1 problem; nothing was written to .*\/dist: \|   \[prod\] Error: prod is broken on purpose \(at .*broken\.js:\d+:\d+\)$/m);
  expect(res.stdout.trimEnd().split('\n').pop()).toBe('check-pack: OK');
}, TIMEOUT_MS);
