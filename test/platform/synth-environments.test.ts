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
    expect(error.message).toBe(`synth failed with 2 problems; ${out} was left as it was:\n  ${error.problems.join('\n  ')}`);
    expect(readTree(out)).toEqual({ 'dev/previous.yaml': 'kept: true\n' });
    // No staging folder is left beside the output.
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(`.${path.basename(out)}-staging-`))).toEqual([]);
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
      '[Dev] environments[0]: name: received "Dev"; allowed: lower-case letters, digits and \'-\', starting with a letter, at most 31 characters (also the output folder)',
      '[prod] environments[1]: namespace: received "Shop_Prod"; allowed: a Kubernetes namespace name (DNS label: lower-case letters, digits and \'-\', at most 63 characters)',
      '[prod] environments[2]: name: received "prod"; allowed: a name no other environment has (environments[1] is also "prod")',
      '[prod] environments[2]: clusterDomain: received "cluster..local"; allowed: a DNS domain such as cluster.local',
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
    expect(err).toEqual([`synth failed with 2 problems; ${dir} was left as it was:\n`
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
