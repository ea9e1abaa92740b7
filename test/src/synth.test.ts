import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeEnvironments } from '../../src/app';
import { ENVIRONMENTS, PlatformEnvironment } from '../../src/environments';
import { readTree, synthToTemp } from '../support/synth';

const root = path.resolve(__dirname, '../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-'));
const names = ENVIRONMENTS.map((e) => e.name);
const byName = (name: string): PlatformEnvironment => ENVIRONMENTS.find((e) => e.name === name)!;
const [dev, prod] = [byName('dev'), byName('prod')];
/** 4 manifests and architecture.md per environment. */
const FILES_PER_ENVIRONMENT = 7; // two namespaces, four charts and architecture.md

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
    expect(() => synthesizeEnvironments([dev, broken], out)).toThrow(
      'invalid environment configuration:\n[prod] src/environments/prod.ts: services.payment.replicas: received 0; allowed: an integer >= 1');
    expect(readTree(out)).toEqual({ 'dev/previous.yaml': 'kept: true\n' });
    // No staging folder is left behind.
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(`.${path.basename(out)}-staging-`))).toEqual([]);
  });

  test('a construct error in a later environment writes none of the earlier ones', () => {
    const out = tmp();
    // Valid config, but the prod budget is far too small for the prod workloads: caught by the
    // namespace baseline's whole-tree validation during synth, after dev already synthesized.
    const tight: PlatformEnvironment = { ...prod, budget: { ...prod.budget!, pods: 5 } };
    expect(() => synthesizeEnvironments([dev, tight], out)).toThrow(
      /\[prod\] platform\/namespace: budget\.pods: received workloads needing \d+ pods at peak \(replicas, autoscaling maximum and rollout surge\); allowed: at most the budget of 5/);
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
      cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out, PLATFORM_ENVIRONMENTS: 'dev,no-such-env' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`synth failed: unknown environment "no-such-env" in PLATFORM_ENVIRONMENTS; known environments: ${names.join(', ')}`);
    expect(readTree(out)).toEqual({});
  });

  test('`npm run synth` leaves the previous dist/ untouched when synthesis fails', () => {
    const before = readTree(path.join(root, 'dist'));
    const r = spawnSync('node', ['scripts/synth.js'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, PLATFORM_ENVIRONMENTS: 'nope', CDK8S_CHECK_UPGRADE: 'false' },
    });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('unknown environment "nope"');
    expect(readTree(path.join(root, 'dist'))).toEqual(before);
    expect(Object.keys(before).length).toBe(FILES_PER_ENVIRONMENT * ENVIRONMENTS.length);
  });
});
