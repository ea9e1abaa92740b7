import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SynthError, synthEnvironments } from '../../constructs';
import { SYNTH_OPTIONS, declarePlatform } from '../../src/app';
import { ENVIRONMENTS, PlatformEnvironment } from '../../src/environments';
import { readTree, synthToTemp } from '../support/synth';

const root = path.resolve(__dirname, '../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-'));
const names = ENVIRONMENTS.map((e) => e.name);
const byName = (name: string): PlatformEnvironment => ENVIRONMENTS.find((e) => e.name === name)!;
const [dev, prod] = [byName('dev'), byName('prod')];
/** 4 manifests and architecture.md per environment. */
const FILES_PER_ENVIRONMENT = 7; // two namespaces, four charts and architecture.md

const synthesize = (envs: readonly PlatformEnvironment[], outdir: string) =>
  synthEnvironments(envs, declarePlatform, { ...SYNTH_OPTIONS, outdir });

describe('synthesis of every environment', () => {
  test('two syntheses are byte-for-byte identical', () => {
    const a = synthToTemp(ENVIRONMENTS);
    const b = synthToTemp(ENVIRONMENTS);
    expect(Object.keys(readTree(a)).length).toBe(FILES_PER_ENVIRONMENT * ENVIRONMENTS.length);
    expect(readTree(b)).toEqual(readTree(a));
  });

  test('the committed dist/ equals a fresh synthesis', () => {
    const fresh = readTree(synthToTemp(ENVIRONMENTS));
    const committed = readTree(path.join(root, 'dist'));
    // Compare file lists first for a readable failure, then contents.
    expect(Object.keys(committed)).toEqual(Object.keys(fresh));
    for (const [file, text] of Object.entries(fresh)) expect([file, committed[file]]).toEqual([file, text]);
  });

  test('a bad environment fails the whole synthesis and leaves the output folder as it was', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'dev'));
    fs.writeFileSync(path.join(out, 'dev', 'previous.yaml'), 'kept: true\n');
    const broken: PlatformEnvironment = {
      ...prod,
      services: { ...prod.services, payment: { ...prod.services.payment, replicas: 0 } },
    };
    expect(() => synthesize([dev, broken], out)).toThrow(
      `synth failed with 1 problem; nothing was written to ${out}:\n  [prod] src/environments/prod.ts: services.payment.replicas: received 0; allowed: an integer >= 1`);
    expect(readTree(out)).toEqual({ 'dev/previous.yaml': 'kept: true\n' });
    // No staging folder is left behind.
    expect(fs.readdirSync(out)).toEqual(['dev']);
  });

  test('a construct error in a later environment writes none of the earlier ones', () => {
    const out = tmp();
    // Valid config, but the prod budget is far too small for the prod workloads: caught by the
    // namespace baseline's whole-tree validation during synth, after dev already synthesized.
    const tight: PlatformEnvironment = { ...prod, budget: { ...prod.budget!, pods: 5 } };
    expect(() => synthesize([dev, tight], out)).toThrow(
      /\[prod\] platform\/namespace: budget\.pods: received workloads needing \d+ pods at peak \(replicas, autoscaling maximum and rollout surge\); allowed: at most the budget of 5/);
    expect(readTree(out)).toEqual({});
  });

  test('problems of several environments are reported together', () => {
    const out = tmp();
    const tightStaging: PlatformEnvironment = { ...byName('staging'), budget: { ...prod.budget!, pods: 4 } };
    const tightProd: PlatformEnvironment = { ...prod, budget: { ...prod.budget!, pods: 5 } };
    let error: unknown;
    try {
      synthesize([dev, tightStaging, tightProd], out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).problems.map((p) => p.replace(/\d+ pods/, 'N pods'))).toEqual([
      '[staging] platform/namespace: budget.pods: received workloads needing N pods at peak (replicas, autoscaling maximum and rollout surge); allowed: at most the budget of 4',
      '[prod] platform/namespace: budget.pods: received workloads needing N pods at peak (replicas, autoscaling maximum and rollout surge); allowed: at most the budget of 5',
    ]);
    expect(readTree(out)).toEqual({});
  });
});

describe('the synth entry point (cdk8s.yaml app command)', () => {
  beforeAll(() => {
    // The app command runs the compiled app; build it from the current sources.
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
  });

  test('an unknown environment exits non-zero with the known ones listed', () => {
    const out = tmp();
    const r = spawnSync('node', ['lib/src/main.js'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out, CDK8S_ENVIRONMENTS: 'dev,no-such-env' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`synth failed with 1 problem; nothing was written to ${out}:\n  (synth): only: received "no-such-env", not an environment of this app; allowed: names of its environments: ${names.join(', ')}\n`);
    expect(readTree(out)).toEqual({});
  });

  test('the old name of the selection variable is refused, not ignored', () => {
    const out = tmp();
    const r = spawnSync('node', ['lib/src/main.js'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out, PLATFORM_ENVIRONMENTS: 'prod' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('synth failed: PLATFORM_ENVIRONMENTS is now CDK8S_ENVIRONMENTS (received PLATFORM_ENVIRONMENTS="prod"); nothing was written\n');
    expect(readTree(out)).toEqual({});
  });

  test('`npm run synth` leaves the previous dist/ untouched when synthesis fails', () => {
    const before = readTree(path.join(root, 'dist'));
    const r = spawnSync('node', ['scripts/synth.js'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_ENVIRONMENTS: 'nope', CDK8S_CHECK_UPGRADE: 'false' },
    });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('only: received "nope", not an environment of this app');
    expect(readTree(path.join(root, 'dist'))).toEqual(before);
    expect(Object.keys(before).length).toBe(FILES_PER_ENVIRONMENT * ENVIRONMENTS.length);
  });
});
