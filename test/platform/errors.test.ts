import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  addWarning, collectWarnings,
  ConfigError, Cpu, ENVIRONMENT_CONTEXT_KEY, ENVIRONMENT_NAME_PATTERN, Microservice, configError, describeValue,
  environmentOf, joinField, markEnvironment, throwFirst,
} from '../../constructs';
import { GUARANTEED, IMAGE, configErrorOf } from '../workloads/helpers';

describe('ConfigError', () => {
  test('format: [env] path: field: received X; allowed: Y', () => {
    expect(ConfigError.format({ environment: 'prod', path: 'c/web', field: 'replicas', received: '0', allowed: 'an integer >= 1' }))
      .toBe('[prod] c/web: replicas: received 0; allowed: an integer >= 1');
  });

  test('format without an environment has no prefix', () => {
    expect(ConfigError.format({ path: 'c/web', field: 'replicas', received: '0', allowed: 'an integer >= 1' }))
      .toBe('c/web: replicas: received 0; allowed: an integer >= 1');
  });

  test('is an Error named ConfigError that keeps its details', () => {
    const details = { environment: 'dev', path: 'p', field: 'f', received: 'r', allowed: 'a' };
    const e = new ConfigError(details);
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe('[dev] p: f: received r; allowed: a');
    expect(e.details).toEqual(details);
  });
});

describe('describeValue', () => {
  test.each<[unknown, string]>([
    [undefined, 'nothing'],
    ['x', '"x"'],
    ['', '""'],
    [0, '0'],
    [1.5, '1.5'],
    [false, 'false'],
    [null, 'null'],
    [[1, 2], '[1,2]'],
    [[], '[]'],
    [{ a: 1 }, '{"a":1}'],
  ])('%p is rendered as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  test('objects with their own toString use it', () => {
    expect(describeValue(Cpu.millis(1500))).toBe('1500m');
  });
});

describe('joinField', () => {
  test('joins with a dot, or directly before an index', () => {
    expect(joinField('resources', 'limits.cpu')).toBe('resources.limits.cpu');
    expect(joinField('sidecars', '[0]')).toBe('sidecars[0]');
    expect(joinField('', 'name')).toBe('name');
    expect(joinField('image', '')).toBe('image');
    expect(joinField('', '')).toBe('');
  });
});

describe('environment on the construct tree', () => {
  test('markEnvironment records it for every construct below', () => {
    const app = Testing.app();
    markEnvironment(app, 'staging');
    const chart = new Chart(app, 'c');
    const leaf = new Construct(chart, 'leaf');
    expect(app.node.tryGetContext(ENVIRONMENT_CONTEXT_KEY)).toBe('staging');
    expect(environmentOf(leaf)).toBe('staging');
  });

  test('unmarked trees have no environment', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(environmentOf(chart)).toBeUndefined();
  });

  test('environment names: lower-case letter first, then letters, digits and -, at most 31 characters', () => {
    for (const ok of ['dev', 'prod', 'staging-eu1', `a${'b'.repeat(30)}`]) expect(ENVIRONMENT_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', 'Prod', '1dev', '-dev', 'dev_1', `a${'b'.repeat(31)}`]) expect(ENVIRONMENT_NAME_PATTERN.test(bad)).toBe(false);
  });
});

describe('configError', () => {
  test('locates the error at the construct path, with the environment and the rendered value', () => {
    const app = Testing.app();
    markEnvironment(app, 'test');
    const leaf = new Construct(new Chart(app, 'c'), 'leaf');
    const e = configError(leaf, 'size', 'big', 'small');
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe('[test] c/leaf: size: received "big"; allowed: small');
    expect(e.details).toEqual({ environment: 'test', path: 'c/leaf', field: 'size', received: '"big"', allowed: 'small' });
  });

  test('the root construct is named (root)', () => {
    const app = Testing.app();
    expect(configError(app, 'x', undefined, 'y').message).toBe('(root): x: received nothing; allowed: y');
  });
});

describe('throwFirst', () => {
  test('does nothing without problems', () => {
    expect(() => throwFirst(new Chart(Testing.app(), 'c'), 'f', [])).not.toThrow();
  });

  test('throws the first problem, prefixing its field, without re-rendering the value', () => {
    const app = Testing.app();
    markEnvironment(app, 'test');
    const chart = new Chart(app, 'c');
    const e = configErrorOf(() => throwFirst(chart, 'resources', [
      { field: 'requests.cpu', received: '500m (limit 250m)', allowed: 'a request no larger than the limit' },
      { field: 'requests.memory', received: 'x', allowed: 'y' },
    ]));
    expect(e.message).toBe('[test] c: resources.requests.cpu: received 500m (limit 250m); allowed: a request no larger than the limit');
  });

  test('an empty problem field leaves the prefix alone', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(configErrorOf(() => throwFirst(chart, 'image', [{ field: '', received: '"nats"', allowed: 'a tag' }])).message)
      .toBe('c: image: received "nats"; allowed: a tag');
  });
});

describe('errors raised by constructs', () => {
  test('name the environment when the app is marked', () => {
    const app = Testing.app();
    markEnvironment(app, 'prod');
    const chart = new Chart(app, 'apps', { namespace: 'shop' });
    expect(() => new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, replicas: 0 }))
      .toThrow(new ConfigError({ environment: 'prod', path: 'apps/web', field: 'replicas', received: '0', allowed: 'an integer >= 1' }));
    expect(configErrorOf(() => new Microservice(chart, 'api', { image: IMAGE, resources: GUARANTEED, replicas: 0 })).message)
      .toBe('[prod] apps/api: replicas: received 0; allowed: an integer >= 1');
  });

  test('have no environment prefix when the app is not marked', () => {
    const chart = new Chart(Testing.app(), 'apps', { namespace: 'shop' });
    expect(configErrorOf(() => new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, replicas: 0 })).message)
      .toBe('apps/web: replicas: received 0; allowed: an integer >= 1');
  });

  test('use the full construct path of nested workloads', () => {
    const app = Testing.app();
    markEnvironment(app, 'dev');
    const group = new Construct(new Chart(app, 'apps', { namespace: 'shop' }), 'checkout');
    expect(configErrorOf(() => new Microservice(group, 'web', { image: IMAGE, resources: GUARANTEED, replicas: 0 })).details.path)
      .toBe('apps/checkout/web');
  });
});

describe('warnings', () => {
  test('are collected from the whole tree with environment and path, in tree order', () => {
    const app = Testing.app();
    markEnvironment(app, 'staging');
    const chart = new Chart(app, 'routes', { namespace: 'shop' });
    const a = new Construct(chart, 'checkout');
    const b = new Construct(a, 'canary');
    addWarning(b, 'fault injection with retries: the retries hide the injected faults');
    addWarning(a, 'second look');
    expect(collectWarnings(app)).toEqual([
      '[staging] routes/checkout: second look',
      '[staging] routes/checkout/canary: fault injection with retries: the retries hide the injected faults',
    ]);
  });

  test('none when nothing warned', () => {
    expect(collectWarnings(new Chart(Testing.app(), 'quiet'))).toEqual([]);
  });
});
