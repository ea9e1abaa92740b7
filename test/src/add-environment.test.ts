// The README's "Adding an environment" steps, followed as written in a scratch copy of the
// repository: create the environment file shown there, add it to ENVIRONMENTS, run
// `npm run synth` (scripts/synth.js). dist/<new>/ must hold the same files as every other
// environment, and the type-check must still pass. The real working tree is never written.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS } from '../../src/environments';

const root = path.resolve(__dirname, '../..');
const INDEX = 'src/environments/index.ts';

/** The section's steps, read from the README: the file to create and its content. */
function readmeSteps(): { file: string; code: string; constName: string; envName: string } {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n### Adding an environment\n');
  if (start < 0) throw new Error('README.md has no "### Adding an environment" section');
  const next = readme.slice(start + 1).search(/\n#{2,3} /);
  const section = next < 0 ? readme.slice(start) : readme.slice(start, start + 1 + next);
  const create = /Create `(src\/environments\/[\w-]+\.ts)`:\n( *)```ts\n([\s\S]*?)\n *```/.exec(section);
  if (!create) throw new Error(`no "Create \`src/environments/<name>.ts\`" step with a ts block in:\n${section}`);
  const indent = create[2].length;
  const code = `${create[3].split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n')}\n`;
  const constName = /export const (\w+) = defineEnvironment\(/.exec(code)?.[1];
  const envName = /defineEnvironment\(\{ name: '([\w-]+)'/.exec(code)?.[1];
  if (!constName || !envName) throw new Error(`the README's environment file defines no environment:\n${code}`);
  expect(section).toContain(`Add it to \`ENVIRONMENTS\` in \`${INDEX}\``);
  expect(section).toContain('`npm run synth` writes `dist/');
  return { file: create[1], code, constName, envName };
}

/**
 * The steps unchanged, unless the README's example environment was since added for real (step 3
 * then runs this test too): its name (in the file name, the code and the identifier) gets a
 * numeric suffix no environment uses.
 */
function withUnusedName(steps: ReturnType<typeof readmeSteps>, existing: string[]): ReturnType<typeof readmeSteps> {
  if (!existing.includes(steps.envName)) return steps;
  const suffix = [2, 3, 4, 5, 6, 7, 8, 9].find((i) => !existing.includes(`${steps.envName}${i}`))!;
  const rename = (text: string, word: string) => text.replace(new RegExp(`\\b${word}\\b`, 'g'), `${word}${suffix}`);
  return {
    file: rename(steps.file, steps.envName),
    code: rename(steps.constName === steps.envName ? steps.code : rename(steps.code, steps.constName), steps.envName),
    constName: `${steps.constName}${suffix}`,
    envName: `${steps.envName}${suffix}`,
  };
}

/** Copies the repository's files (tracked, plus new ones not ignored) into `dest`. */
function copyRepository(dest: string): void {
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr || ls.error?.message}`);
  for (const rel of ls.stdout.split('\0').filter(Boolean)) {
    if (rel.split('/')[0] === 'node_modules') continue; // linked below
    const from = path.join(root, rel);
    const to = path.join(dest, rel);
    const stat = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!stat) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (stat.isFile()) fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('the README\'s "Adding an environment" steps synthesize the new environment like the others', () => {
  const existing = ENVIRONMENTS.map((e) => e.name);
  const steps = withUnusedName(readmeSteps(), existing);
  const realIndex = sha(path.join(root, INDEX));

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-add-env-'));
  try {
    copyRepository(scratch);

    // 1. Create src/environments/<name>.ts with the README's content.
    expect(fs.existsSync(path.join(scratch, steps.file))).toBe(false);
    fs.writeFileSync(path.join(scratch, steps.file), steps.code);

    // 2. Add it to ENVIRONMENTS in src/environments/index.ts (import it, append it to the list).
    const indexFile = path.join(scratch, INDEX);
    const index = fs.readFileSync(indexFile, 'utf8');
    const list = /(export const ENVIRONMENTS: readonly PlatformEnvironment\[\] = \[)([^\]]*)(\];)/;
    expect(index).toMatch(list);
    const lastImport = [...index.matchAll(/^import .*;\n/gm)].pop()!;
    const module = `./${path.basename(steps.file, '.ts')}`;
    const edited = `${index.slice(0, lastImport.index! + lastImport[0].length)}import { ${steps.constName} } from '${module}';\n${index.slice(lastImport.index! + lastImport[0].length)}`
      .replace(list, (_, open: string, items: string, close: string) => `${open}${items.trim()}, ${steps.constName}${close}`);
    fs.writeFileSync(indexFile, edited);

    // 3. `npm run synth` writes dist/<name>/.
    const synth = spawnSync(process.execPath, ['scripts/synth.js'], {
      cwd: scratch, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', CDK8S_ENVIRONMENTS: '' },
    });
    expect({ status: synth.status, output: synth.status === 0 ? '' : `${synth.stdout}\n${synth.stderr}` }).toEqual({ status: 0, output: '' });
    const all = [...existing, steps.envName].sort();
    expect(synth.stdout).toContain(`synth: wrote ${all.length} environment(s) (${all.join(', ')})`);

    const dist = path.join(scratch, 'dist');
    expect(fs.readdirSync(dist).sort()).toEqual(all);
    // The same files, but for the namespaces' own files, which carry the namespace in their name.
    const filesOf = (env: string) => fs.readdirSync(path.join(dist, env)).sort().map((f) => f.replace(/^(\d{4}-namespace)-.*$/, '$1'));
    const added = filesOf(steps.envName);
    expect(added.some((f) => f.endsWith('.yaml'))).toBe(true);
    for (const env of existing) expect({ env, files: filesOf(env) }).toEqual({ env, files: added });
    const manifests = added.filter((f) => f.endsWith('.yaml')).map((f) => fs.readFileSync(path.join(dist, steps.envName, f), 'utf8')).join('\n');
    const namespace = /namespace: '([\w-]+)'/.exec(steps.code)?.[1];
    if (namespace) expect(manifests).toContain(`namespace: ${namespace}\n`);

    // The type-check (`npm run typecheck`) passes with the new environment.
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.test.json'], {
      cwd: scratch, encoding: 'utf8',
    });
    expect({ status: tsc.status, output: tsc.status === 0 ? '' : `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: '' });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  // The real working tree was not touched.
  expect(fs.existsSync(path.join(root, steps.file))).toBe(false);
  expect(sha(path.join(root, INDEX))).toBe(realIndex);
});
