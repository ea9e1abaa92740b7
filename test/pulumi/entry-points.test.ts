// `cdk8s-nats-mesh/pulumi` is a subpath export; the main entry point never loads Pulumi, and
// @pulumi/pulumi and @pulumi/kubernetes are optional peer dependencies. The library is compiled into
// a temporary package (never into lib/, which other tests rebuild concurrently) that a temporary
// consumer project reaches through node_modules, as an installed package would be.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pkgJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('the main entry point (TypeScript sources) loads no @pulumi module; the pulumi one loads both', () => {
  const loaded: string[] = [];
  const spy = (name: string) => () => { loaded.push(name); return jest.requireActual(name); };
  jest.isolateModules(() => {
    jest.doMock('@pulumi/pulumi', spy('@pulumi/pulumi'));
    jest.doMock('@pulumi/kubernetes', spy('@pulumi/kubernetes'));
    const main = require('../../constructs');
    expect(typeof main.Microservice).toBe('function');
    expect(main.Cdk8sManifests).toBeUndefined();
    expect(loaded).toEqual([]);
    const entry = require('../../constructs/pulumi');
    expect(typeof entry.Cdk8sManifests).toBe('function');
    expect([...new Set(loaded)].sort()).toEqual(['@pulumi/kubernetes', '@pulumi/pulumi']);
  });
  jest.dontMock('@pulumi/pulumi');
  jest.dontMock('@pulumi/kubernetes');
  expect(fs.readFileSync(path.join(root, 'constructs', 'index.ts'), 'utf8')).not.toMatch(/pulumi/);
});

test('package.json: subpath export, typesVersions, optional peers, exact dev versions', () => {
  expect(pkgJson.exports['./pulumi']).toEqual({
    types: './lib/constructs/pulumi/index.d.ts', default: './lib/constructs/pulumi/index.js',
  });
  expect(pkgJson.typesVersions).toEqual({ '*': { pulumi: ['lib/constructs/pulumi/index.d.ts'] } });
  for (const name of ['@pulumi/pulumi', '@pulumi/kubernetes']) {
    expect(pkgJson.peerDependencies[name]).toBeDefined();
    expect(pkgJson.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(pkgJson.dependencies?.[name]).toBeUndefined();
    expect(pkgJson.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
  }
  // The last @pulumi/pulumi that runs on Node.js 20.
  expect(pkgJson.devDependencies['@pulumi/pulumi']).toBe('3.248.0');
  for (const name of ['cdk8s', 'cdk8s-plus-27', 'constructs']) expect(pkgJson.peerDependenciesMeta[name]).toBeUndefined();
});

describe('the compiled package in a consumer project', () => {
  let work: string;
  let pkg: string;
  let consumer: string;
  const link = (target: string, at: string) => {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(target, at, 'dir');
  };
  const node = (args: string[]) => spawnSync(process.execPath, args, {
    cwd: consumer, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' },
  });

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-entry-'));
    pkg = path.join(work, 'pkg');
    consumer = path.join(work, 'consumer');
    // The library as `npm pack` would ship it: package.json and lib/constructs.
    const tsconfig = path.join(work, 'tsconfig.json');
    fs.writeFileSync(tsconfig, JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: {
        outDir: path.join(pkg, 'lib'), rootDir: root, incremental: false, tsBuildInfoFile: null,
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      include: [],
      files: [path.join(root, 'constructs', 'index.ts'), path.join(root, 'constructs', 'pulumi', 'index.ts')],
    }));
    execFileSync(process.execPath, [tsc, '-p', tsconfig], { cwd: work, stdio: 'pipe' });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    // A team that only uses cdk8s: the three required peers, no @pulumi.
    for (const name of ['cdk8s', 'cdk8s-plus-27', 'constructs']) {
      link(path.join(root, 'node_modules', name), path.join(pkg, 'node_modules', name));
      link(path.join(root, 'node_modules', name), path.join(consumer, 'node_modules', name));
    }
    link(pkg, path.join(consumer, 'node_modules', 'cdk8s-nats-mesh'));
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  }, 60_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const addPulumi = () => {
    for (const dir of [pkg, consumer]) {
      const at = path.join(dir, 'node_modules', '@pulumi');
      if (!fs.existsSync(at)) link(path.join(root, 'node_modules', '@pulumi'), at);
    }
  };

  test('without @pulumi installed the main entry point works; the pulumi one says what is missing', () => {
    const res = node(['-e', `
      const { App, Chart } = require('cdk8s');
      const { ConfigError } = require('cdk8s-nats-mesh');
      new Chart(new App(), 'c');
      let error = '';
      try { require('cdk8s-nats-mesh/pulumi'); } catch (e) { error = e.code + ' ' + e.message.split('\\n')[0]; }
      console.log(JSON.stringify({ main: typeof ConfigError, error }));
    `]);
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out.main).toBe('function');
    expect(out.error).toMatch(/^MODULE_NOT_FOUND Cannot find module '@pulumi\/(kubernetes|pulumi)'/);
  });

  test('with @pulumi installed, requiring the main entry point still loads none of it', () => {
    addPulumi();
    const res = node(['-e', `
      const pulumiLoaded = () => Object.keys(require.cache).filter((f) => f.includes('/@pulumi/')).length;
      const main = require('cdk8s-nats-mesh');
      const afterMain = pulumiLoaded();
      const entry = require('cdk8s-nats-mesh/pulumi');
      console.log(JSON.stringify({
        main: typeof main.Microservice, afterMain, afterPulumi: pulumiLoaded() > 0,
        resolved: require.resolve('cdk8s-nats-mesh/pulumi'), component: typeof entry.Cdk8sManifests,
      }));
    `]);
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out).toEqual({
      main: 'function', afterMain: 0, afterPulumi: true,
      resolved: path.join(fs.realpathSync(pkg), 'lib', 'constructs', 'pulumi', 'index.js'), component: 'function',
    });
    // And from an ES module.
    const esm = node(['--input-type=module', '-e', `
      import { Cdk8sManifests, planManifests } from 'cdk8s-nats-mesh/pulumi';
      console.log(typeof Cdk8sManifests, typeof planManifests);
    `]);
    expect([esm.stderr, esm.stdout.trim()]).toEqual(['', 'function function']);
  });

  test.each([
    ['node16 (package exports)', ['--module', 'node16', '--moduleResolution', 'node16']],
    ['node10 (typesVersions, as in Pulumi\'s TypeScript template)', ['--module', 'commonjs', '--moduleResolution', 'node10']],
  ])('TypeScript resolves the subpath\'s declarations with moduleResolution %s', (_name, flags) => {
    addPulumi();
    fs.writeFileSync(path.join(consumer, 'program.ts'), [
      "import { App, Chart } from 'cdk8s';",
      "import { ContainerImage } from 'cdk8s-nats-mesh';",
      "import { Cdk8sManifests, DeployedObject } from 'cdk8s-nats-mesh/pulumi';",
      'const app = new App();',
      "new Chart(app, 'chart');",
      "export const image = ContainerImage.of('nginx', '1.27.0');",
      "export const objects: readonly DeployedObject[] = new Cdk8sManifests('app', { app, context: 'kind' }).objects;",
      // Proves the declarations are typed, not `any`:
      "// @ts-expect-error provider is a k8s.Provider, not a number",
      "export const wrong: number = new Cdk8sManifests('other', { app }).provider;",
      '',
    ].join('\n'));
    const res = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2022',
      '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), ...flags, 'program.ts'],
    { cwd: consumer, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});

test('the example Pulumi program compiles with its own tsconfig', () => {
  const res = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'examples', 'pulumi', 'tsconfig.json'), '--noEmit'],
    { cwd: root, encoding: 'utf8' });
  expect(res.stdout + res.stderr).toBe('');
  expect(res.status).toBe(0);
});
