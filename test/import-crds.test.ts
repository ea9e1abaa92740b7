// `npm run import` (scripts/import-crds.js), run with its input and output folders pointed at a
// scratch folder: it reproduces the committed constructs/imports/ byte for byte from vendor/crds,
// and a broken CRD file fails with one line naming it while the output folder stays as it was.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const committed = path.join(root, 'constructs', 'imports');
const vendorCrds = path.join(root, 'vendor', 'crds');
const NACK = 'nack-v0.22-jetstream-crds.yaml';

/** Every file below `dir`, relative path to the sha256 of its bytes. */
function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, p))).digest('hex');
    }
  };
  if (fs.existsSync(dir)) walk('');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-import-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A schema folder whose crds/ links the vendored files, with `nack` (when given) replaced by that text. */
function schemaDir(name: string, nack?: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(path.join(dir, 'crds'), { recursive: true });
  for (const f of fs.readdirSync(vendorCrds)) {
    if (f === NACK && nack !== undefined) fs.writeFileSync(path.join(dir, 'crds', f), nack);
    else fs.symlinkSync(path.join(vendorCrds, f), path.join(dir, 'crds', f));
  }
  return dir;
}

/** An output folder holding a copy of the committed imports and a marker file. */
function outputWithPrevious(name: string): string {
  const out = path.join(scratch, name, 'imports');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.cpSync(committed, out, { recursive: true });
  fs.writeFileSync(path.join(out, 'previous.txt'), 'kept\n');
  return out;
}

function runImport(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, 'scripts', 'import-crds.js')], {
    cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
}

/** Expects a failed run with exactly one line on stderr, and returns it. */
function failureLine(r: ReturnType<typeof runImport>): string {
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** No temporary folder of the script is left beside the output. */
function noTemporaryLeft(out: string): void {
  expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith('.import-tmp-'))).toEqual([]);
}

test('reads vendor/crds and reproduces the committed constructs/imports byte for byte, replacing the previous output', () => {
  const out = outputWithPrevious('ok');
  fs.writeFileSync(path.join(out, 'index.ts'), '// stale\n');
  const r = runImport({ NATS_MESH_IMPORTS_OUTDIR: out });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  expect(r.stdout).toContain(`import: wrote cert-manager.io.ts, gateway.networking.k8s.io.ts, index.ts, jetstream.nats.io.ts, monitoring.coreos.com.ts, networking.istio.io.ts, security.istio.io.ts to ${out}/`);
  // Same file names (previous.txt is gone) and the same bytes (sha256) in each.
  expect(readTree(out)).toEqual(readTree(committed));
  noTemporaryLeft(out);
});

describe('a broken CRD file fails with one line naming it and leaves the output folder untouched', () => {
  const nackText = () => fs.readFileSync(path.join(vendorCrds, NACK), 'utf8');

  test('invalid YAML', () => {
    const dir = schemaDir('bad-yaml', `${nackText().slice(0, 3000)}\n  broken: [unclosed\n`);
    const out = outputWithPrevious('bad-yaml');
    const before = readTree(out);
    const line = failureLine(runImport({ NATS_MESH_SCHEMA_DIR: dir, NATS_MESH_IMPORTS_OUTDIR: out }));
    expect(line).toMatch(new RegExp(`^import failed: ${dir}/crds/${NACK}: invalid YAML: .* at line \\d+, column \\d+; ${out}/ left untouched$`));
    expect(readTree(out)).toEqual(before);
    noTemporaryLeft(out);
  });

  test('a kind the library emits is missing', () => {
    const dir = schemaDir('no-kind', nackText().replace(/^( {4}kind:) KeyValue$/m, '$1 KeyValueStore'));
    const out = outputWithPrevious('no-kind');
    const before = readTree(out);
    expect(failureLine(runImport({ NATS_MESH_SCHEMA_DIR: dir, NATS_MESH_IMPORTS_OUTDIR: out }))).toBe(
      `import failed: ${dir}/crds/${NACK}: kind KeyValue: no CustomResourceDefinition for it; ${out}/ left untouched`);
    expect(readTree(out)).toEqual(before);
    noTemporaryLeft(out);
  });

  test('the file is absent', () => {
    const dir = schemaDir('absent');
    fs.rmSync(path.join(dir, 'crds', NACK));
    const out = outputWithPrevious('absent');
    const before = readTree(out);
    expect(failureLine(runImport({ NATS_MESH_SCHEMA_DIR: dir, NATS_MESH_IMPORTS_OUTDIR: out }))).toBe(
      `import failed: ${dir}/crds/${NACK}: cannot read the CRD file (not found); ${out}/ left untouched`);
    expect(readTree(out)).toEqual(before);
  });

  test('cdk8s import rejects a schema (after generation started)', () => {
    // Valid YAML and every kind present, but a property name cdk8s import cannot turn into code.
    const broken = nackText().replace(/^( {12}properties:\n)( {14}name:\n {16}description: A unique name for the Stream\.)/m, '$1              $$ref:\n                type: string\n$2');
    expect(broken).not.toBe(nackText());
    const dir = schemaDir('cdk8s-fails', broken);
    const out = outputWithPrevious('cdk8s-fails');
    const before = readTree(out);
    expect(failureLine(runImport({ NATS_MESH_SCHEMA_DIR: dir, NATS_MESH_IMPORTS_OUTDIR: out }))).toMatch(
      new RegExp(`^import failed: ${dir}/crds/${NACK}: cdk8s import of Stream, Consumer, KeyValue, ObjectStore, Account failed: .*\\$ref.*; ${out}/ left untouched$`));
    expect(readTree(out)).toEqual(before);
    noTemporaryLeft(out);
  });
});
