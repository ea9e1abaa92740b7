import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ContainerImage, Cpu, EnvironmentIdentity, Microservice, PortProtocol, Resources, SynthError, addWarning,
  synthEnvironments, synthEnvironmentsMain,
} from '../../constructs';
import { readTree } from '../support/synth';

// synthEnvironments / synthEnvironmentsMain (constructs/platform/synth.ts): the synth entry point
// for any app built on the library.

interface Env extends EnvironmentIdentity {
  readonly replicas: number;
  /** Breaks the build in a way the test picks. */
  readonly fault?: 'validation' | 'throw-config' | 'throw-bug' | 'warning' | 'shared';
}

const env = (name: string, more: Partial<Env> = {}): Env => ({ name, namespace: `shop-${name}`, clusterDomain: 'cluster.local', replicas: 1, ...more });
const resources = Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(128) });

function build(app: App, e: Env): void {
  const chart = new Chart(app, 'shop', { namespace: e.namespace });
  new Microservice(chart, 'api', {
    image: ContainerImage.of('ghcr.io/acme/api', '1.2.3'),
    resources,
    replicas: e.replicas,
    ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
  });
  if (e.fault === 'validation') chart.node.addValidation({ validate: () => ['the chart is not ready'] });
  if (e.fault === 'warning') addWarning(chart, 'look at this twice');
  if (e.fault === 'throw-bug') (undefined as any).nope();
  if (e.fault === 'shared') {
    const gateway = new Chart(app, 'gateway', { namespace: 'istio-ingress' });
    new kplus.ConfigMap(gateway, 'routes', { metadata: { name: 'routes' } });
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'synth-envs-'));
/** The SynthError thrown by `f` (fails the test when `f` does not throw one). */
function synthError(f: () => unknown): SynthError {
  try {
    f();
  } catch (e) {
    if (e instanceof SynthError) return e;
    throw e;
  }
  throw new Error('expected a SynthError');
}

describe('synthEnvironments', () => {
  test('writes every environment into a folder of its own, with its architecture document', () => {
    const out = tmp();
    const result = synthEnvironments([env('dev'), env('prod', { replicas: 3 })], build, { outdir: out });
    expect(result.environments).toEqual(['dev', 'prod']);
    expect(result.outdir).toBe(out);
    expect(result.files).toEqual(['dev/architecture.md', 'dev/shop.k8s.yaml', 'prod/architecture.md', 'prod/shop.k8s.yaml']);
    const files = readTree(out);
    expect(Object.keys(files)).toEqual(result.files);
    expect(files['prod/shop.k8s.yaml']).toMatch(/replicas: 3/);
    expect(files['dev/shop.k8s.yaml']).toMatch(/namespace: shop-dev/);
    expect(files['prod/architecture.md'].split('\n')[0]).toBe('# Architecture: prod (namespace shop-prod)');
  });

  test('the architecture document can be titled or left out', () => {
    const out = tmp();
    synthEnvironments([env('dev')], build, { outdir: out, architecture: (e) => `Our ${e.name}` });
    expect(readTree(out)['dev/architecture.md'].split('\n')[0]).toBe('# Our dev');
    const none = tmp();
    expect(synthEnvironments([env('dev')], build, { outdir: none, architecture: false }).files).toEqual(['dev/shop.k8s.yaml']);
  });

  test('only the selected environments are replaced; the others\' folders stay', () => {
    const out = tmp();
    synthEnvironments([env('dev'), env('prod')], build, { outdir: out });
    const prodBefore = readTree(out)['prod/shop.k8s.yaml'];
    const result = synthEnvironments([env('dev', { replicas: 2 }), env('prod', { replicas: 5 })], build, { outdir: out, only: ' dev ,' });
    expect(result.environments).toEqual(['dev']);
    expect(readTree(out)['dev/shop.k8s.yaml']).toMatch(/replicas: 2/);
    expect(readTree(out)['prod/shop.k8s.yaml']).toBe(prodBefore);
  });

  test('a stale file of a replaced environment disappears', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'dev'));
    fs.writeFileSync(path.join(out, 'dev', 'removed-chart.k8s.yaml'), 'old: true\n');
    synthEnvironments([env('dev')], build, { outdir: out, architecture: false });
    expect(Object.keys(readTree(out))).toEqual(['dev/shop.k8s.yaml']);
  });

  test('every problem of every environment is reported together, and nothing is written', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'dev'));
    fs.writeFileSync(path.join(out, 'dev', 'previous.yaml'), 'kept: true\n');
    const error = synthError(() => synthEnvironments(
      [env('dev'), env('staging', { fault: 'validation' }), env('prod', { replicas: 0 })], build, { outdir: out }));
    expect(error.problems).toEqual([
      '[staging] shop: the chart is not ready',
      '[prod] shop/api: replicas: received 0; allowed: an integer >= 1',
    ]);
    expect(error.message).toBe(`synth failed with 2 problems; nothing was written to ${out}:\n  ${error.problems.join('\n  ')}`);
    expect(readTree(out)).toEqual({ 'dev/previous.yaml': 'kept: true\n' });
    // No staging folder is left in the output folder.
    expect(fs.readdirSync(out)).toEqual(['dev']);
  });

  test('an exception that is not a configuration error is reported with where it was thrown', () => {
    const error = synthError(() => synthEnvironments([env('dev', { fault: 'throw-bug' })], build, { outdir: tmp() }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^\[dev\] TypeError: Cannot read properties of undefined \(reading 'nope'\) \(at build \(.*synth-environments\.test\.ts:\d+:\d+\)\)$/);
  });

  test('configurations are all checked before anything is built', () => {
    let built = 0;
    const error = synthError(() => synthEnvironments([env('dev'), env('prod')], (app, e) => { built++; build(app, e); }, {
      outdir: tmp(),
      validate: (e) => [`replicas: received ${e.replicas}; allowed: more`, `[${e.name}] config/${e.name}.ts: already named`],
    }));
    expect(built).toBe(0);
    expect(error.problems).toEqual([
      '[dev] replicas: received 1; allowed: more', '[dev] config/dev.ts: already named',
      '[prod] replicas: received 1; allowed: more', '[prod] config/prod.ts: already named',
    ]);
  });

  test('environment identities: names, namespaces, cluster domains, repeated names, an empty list', () => {
    const bad = synthError(() => synthEnvironments([
      env('Dev', { namespace: 'shop-dev' }), env('prod', { namespace: 'Shop_Prod' }), env('prod', { clusterDomain: 'cluster..local' }),
    ], build, { outdir: tmp() }));
    expect(bad.problems).toEqual([
      '[Dev] (synth): environments[0].name: received "Dev"; allowed: lower-case letters, digits and \'-\', starting with a letter, at most 31 characters (also the output folder)',
      '[prod] (synth): environments[1].namespace: received "Shop_Prod"; allowed: a Kubernetes namespace name (DNS label: lower-case letters, digits and \'-\', at most 63 characters)',
      '[prod] (synth): environments[2].name: received "prod"; allowed: a name no other environment has (environments[1] is also "prod")',
      '[prod] (synth): environments[2].clusterDomain: received "cluster..local"; allowed: a DNS domain such as cluster.local',
    ]);
    expect(synthError(() => synthEnvironments([], build, { outdir: tmp() })).problems).toEqual([
      '(synth): environments: received []; allowed: a non-empty list of environments',
    ]);
  });

  test('an unknown selected environment lists the known ones', () => {
    expect(synthError(() => synthEnvironments([env('dev'), env('prod')], build, { outdir: tmp(), only: ['dev', 'qa', 'uat'] })).problems).toEqual([
      '(synth): only: received "qa", "uat", not environments of this app; allowed: names of its environments: dev, prod',
    ]);
  });

  test('warnings are returned and passed on with environment and path', () => {
    const seen: string[] = [];
    const result = synthEnvironments([env('dev', { fault: 'warning' })], build, { outdir: tmp(), onWarning: (w) => seen.push(w) });
    expect(result.warnings).toEqual(['[dev] shop: look at this twice']);
    expect(seen).toEqual(result.warnings);
  });

  test('objects two environments both write: an error by default, or a warning, or not checked', () => {
    const envs = [env('staging', { fault: 'shared' }), env('prod', { fault: 'shared' })];
    const clash = '[prod] gateway/routes/Resource: metadata.name: received ConfigMap istio-ingress/routes, which environment staging also writes (gateway/routes/Resource); allowed: objects of one environment only: in a namespace that environments share on a cluster (or for a cluster-scoped kind), put the environment in the name, or the last environment applied replaces the other\'s object';
    expect(synthError(() => synthEnvironments(envs, build, { outdir: tmp() })).problems).toEqual([clash]);
    expect(synthEnvironments(envs, build, { outdir: tmp(), sharedObjects: 'warn' }).warnings).toEqual([clash]);
    expect(synthEnvironments(envs, build, { outdir: tmp(), sharedObjects: 'ignore' }).warnings).toEqual([]);
  });
});

describe('synthEnvironments: mistakes in how it is called', () => {
  test('an empty outdir or CDK8S_OUTDIR counts as unset (dist), not as the current folder', () => {
    const cwd = process.cwd();
    const dir = tmp();
    process.env.CDK8S_OUTDIR = '';
    try {
      process.chdir(dir);
      expect(synthEnvironments([env('dev')], build, { outdir: '' }).outdir).toBe(path.join(fs.realpathSync(dir), 'dist'));
    } finally {
      process.chdir(cwd);
      delete process.env.CDK8S_OUTDIR;
    }
    expect(fs.readdirSync(dir)).toEqual(['dist']);
  });

  test('a build that is async, or that makes an App of its own, is refused before anything is replaced', () => {
    const out = tmp();
    synthEnvironments([env('dev')], build, { outdir: out });
    const before = readTree(out);
    const asyncBuild = async (app: App, e: Env) => build(app, e);
    const ownApp = (_app: App, e: Env) => build(new App({ outdir: tmp() }), e);
    expect(synthError(() => synthEnvironments([env('dev')], asyncBuild, { outdir: out })).problems).toEqual([
      '[dev] (synth): build: received a Promise (an async function); allowed: a function that adds the environment\'s charts to the app before it returns (load what it needs first, then call synthEnvironments)',
    ]);
    expect(synthError(() => synthEnvironments([env('dev')], ownApp, { outdir: out })).problems).toEqual([
      '[dev] (synth): build: received an app with no chart after build; allowed: the environment\'s charts added to the app build is given (a build that creates and synthesizes an App of its own writes elsewhere)',
    ]);
    expect(readTree(out)).toEqual(before);
  });

  test('a validate that throws or returns something else than a list of messages', () => {
    const throwing = () => { throw new RangeError('no config for this one'); };
    expect(synthError(() => synthEnvironments([env('dev')], build, { outdir: tmp(), validate: throwing })).problems).toEqual([
      expect.stringMatching(/^\[dev\] \(synth\): validate threw RangeError: no config for this one \(at throwing .*\)$/),
    ]);
    expect(synthError(() => synthEnvironments([env('dev')], build, { outdir: tmp(), validate: () => 'bad' as any })).problems).toEqual([
      '[dev] (synth): validate: received "bad"; allowed: a list of problem messages (strings), empty when the configuration is usable',
    ]);
  });

  test('an environment that is no object, an empty selection', () => {
    expect(synthError(() => synthEnvironments([env('dev'), null as any], build, { outdir: tmp() })).problems).toEqual([
      '(synth): environments[1]: received null; allowed: an environment object with name, namespace and clusterDomain',
    ]);
    expect(synthError(() => synthEnvironments([env('dev')], build, { outdir: tmp(), only: [] })).problems).toEqual([
      '(synth): only: received []; allowed: names of environments to synthesize (leave only out for all of them)',
    ]);
  });

  test('a problem of several lines stays one indented item', () => {
    const error = synthError(() => synthEnvironments([env('dev')], build, { outdir: tmp(), validate: () => ['first line\nsecond line'] }));
    expect(error.message.split('\n').slice(1)).toEqual(['  [dev] first line', '    second line']);
  });

  test('an output folder that a failed synth had to create is removed again', () => {
    const out = path.join(tmp(), 'new', 'dist');
    synthError(() => synthEnvironments([env('dev', { fault: 'validation' })], build, { outdir: out }));
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('synthEnvironments: a move into place that fails', () => {
  // The node module itself (an `import * as` copy would not be what synth.ts calls).
  const nodeFs: typeof fs = require('fs');
  afterEach(() => jest.restoreAllMocks());

  /** Makes renameSync fail for a move from a path `from` accepts. */
  function failRenames(from: (source: string) => boolean) {
    const rename = nodeFs.renameSync;
    jest.spyOn(nodeFs, 'renameSync').mockImplementation((a, b) => {
      if (from(String(a))) throw new Error(`EXDEV: cannot move ${path.relative(path.dirname(path.dirname(String(a))), String(a))}`);
      rename(a, b);
    });
  }
  const newFolder = (name: string) => (source: string) => source.includes('.synth-staging-') && !source.includes('.previous') && source.endsWith(`${path.sep}${name}`);
  const previousFolder = (source: string) => source.includes(`${path.sep}.previous${path.sep}`);

  test('every folder already moved is put back, and the error says so', () => {
    const out = tmp();
    synthEnvironments([env('dev'), env('prod')], build, { outdir: out });
    const before = readTree(out);
    // dev's new folder moves in, prod's cannot: dev's previous folder comes back.
    failRenames(newFolder('prod'));
    const error = synthError(() => synthEnvironments([env('dev', { replicas: 2 }), env('prod', { replicas: 2 })], build, { outdir: out }));
    jest.restoreAllMocks();
    expect(error.message.split('\n')[0]).toBe(`synth failed with 1 problem; ${out} is as it was:`);
    expect(error.problems).toEqual([expect.stringMatching(/^\(synth\): moving the new output into .*: Error: EXDEV: cannot move \.synth-staging-\w+\/prod \(at /)]);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(out).sort()).toEqual(['dev', 'prod']);
  });

  test('a previous folder that cannot be put back is kept, and the error says where', () => {
    const out = tmp();
    synthEnvironments([env('dev'), env('prod')], build, { outdir: out });
    const previous = readTree(out);
    failRenames((source) => newFolder('prod')(source) || previousFolder(source));
    const error = synthError(() => synthEnvironments([env('dev', { replicas: 2 }), env('prod', { replicas: 2 })], build, { outdir: out }));
    jest.restoreAllMocks();
    const kept = /could not be put back and is kept in (.*):$/.exec(error.message.split('\n')[0])?.[1];
    expect(error.message.split('\n')[0]).toMatch(/^synth failed with 1 problem; the previous output of dev, prod could not be put back and is kept in .*\.synth-staging-\w+\/\.previous:$/);
    // Both previous folders were moved aside before prod's new one failed; neither came back.
    expect(readTree(kept!)).toEqual(previous);
    expect(fs.readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual([]);
  });
});

describe('synthEnvironmentsMain', () => {
  let out: string[];
  let err: string[];
  const spies: jest.SpyInstance[] = [];
  beforeEach(() => {
    out = [];
    err = [];
    spies.push(jest.spyOn(console, 'log').mockImplementation((m) => { out.push(m); }));
    spies.push(jest.spyOn(console, 'warn').mockImplementation((m) => { err.push(m); }));
    spies.push(jest.spyOn(console, 'error').mockImplementation((m) => { err.push(m); }));
  });
  afterEach(() => {
    spies.splice(0).forEach((s) => s.mockRestore());
    process.exitCode = undefined;
  });

  test('prints warnings and a summary, and leaves the exit code alone', () => {
    const dir = tmp();
    const result = synthEnvironmentsMain([env('dev', { fault: 'warning' }), env('prod')], build, { outdir: dir });
    expect(result?.environments).toEqual(['dev', 'prod']);
    expect(err).toEqual(['warning: [dev] shop: look at this twice']);
    expect(out).toEqual([`synthesized dev, prod into ${dir}/ (4 files, 1 warning)`]);
    expect(process.exitCode).toBeUndefined();
  });

  test('prints every problem as one block without a stack trace, and sets exit code 1', () => {
    const dir = tmp();
    const result = synthEnvironmentsMain([env('dev', { replicas: 0 }), env('prod', { fault: 'validation' })], build, { outdir: dir });
    expect(result).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([`synth failed with 2 problems; nothing was written to ${dir}:\n`
      + '  [dev] shop/api: replicas: received 0; allowed: an integer >= 1\n'
      + '  [prod] shop: the chart is not ready']);
    expect(readTree(dir)).toEqual({});
  });

  test('takes the environments to synthesize from CDK8S_ENVIRONMENTS', () => {
    const dir = tmp();
    process.env.CDK8S_ENVIRONMENTS = 'prod';
    try {
      expect(synthEnvironmentsMain([env('dev'), env('prod')], build, { outdir: dir })?.environments).toEqual(['prod']);
    } finally {
      delete process.env.CDK8S_ENVIRONMENTS;
    }
    expect(Object.keys(readTree(dir))).toEqual(['prod/architecture.md', 'prod/shop.k8s.yaml']);
  });
});
