import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { ConfigError, Cpu, describeValue, markEnvironment } from '../../constructs';
import {
  BOOL, DURATION, SIZE, STRINGS, STRING_MAP, WHOLE_SECONDS, checkProps, flatFields, instance, int, isFieldsObject, isPlainObject, isValueObject,
  keyField, list, map, num, oneOf, required, shape, str,
} from '../../constructs/core/runtime-types';

enum Colour { RED = 'red', GREEN = 'green' }

describe('checks of single values', () => {
  test('str, BOOL, num and int say what they expect and what they received', () => {
    expect(str().problem('a')).toBeUndefined();
    expect(str().problem(3)).toEqual({ field: '', received: '3', allowed: 'a string' });
    expect(str('a namespace name').problem(['shop'])).toEqual({ field: '', received: '["shop"]', allowed: 'a namespace name' });
    expect(BOOL.problem(false)).toBeUndefined();
    expect(BOOL.problem('false')).toEqual({ field: '', received: '"false"', allowed: 'true or false' });
    expect(num().problem(1.5)).toBeUndefined();
    expect(num().problem(Number.NaN)).toEqual({ field: '', received: 'NaN', allowed: 'a number' });
    expect(num().problem('3')).toEqual({ field: '', received: '"3"', allowed: 'a number' });
    expect(int(1).problem(3)).toBeUndefined();
    expect(int(1).problem('3')).toEqual({ field: '', received: '"3"', allowed: 'an integer >= 1' });
    expect(int(1, 65535).problem(70000)).toEqual({ field: '', received: '70000', allowed: 'an integer from 1 to 65535' });
    expect(int(0, 5, 'replicas from 0 to 5').problem(1.5)?.allowed).toBe('replicas from 0 to 5');
  });

  test('oneOf lists the values of the enum and names it', () => {
    const check = oneOf(Object.values(Colour), 'Colour');
    expect(check.problem(Colour.RED)).toBeUndefined();
    expect(check.problem('RED')).toEqual({ field: '', received: '"RED"', allowed: 'one of red, green (Colour)' });
    expect(check.problem(0)).toEqual({ field: '', received: '0', allowed: 'one of red, green (Colour)' });
  });

  test('SIZE: a cdk8s Size of whole, non-negative bytes', () => {
    expect(SIZE.problem(Size.mebibytes(256))).toBeUndefined();
    expect(SIZE.problem('256Mi')).toEqual({ field: '', received: '"256Mi"', allowed: 'a Size such as Size.mebibytes(256)' });
    expect(SIZE.problem(256)).toEqual({ field: '', received: '256', allowed: 'a Size such as Size.mebibytes(256)' });
    expect(SIZE.problem(Size.kibibytes(0.0001))?.allowed).toBe('a whole number of bytes');
    expect(SIZE.problem(Size.mebibytes(Number.NaN))?.allowed).toBe('a non-negative size');
    // cdk8s refuses to make a negative Size (Size.mebibytes(-1) throws in cdk8s itself, before
    // any construct sees it); one changed afterwards is still refused.
    expect(() => Size.mebibytes(-1)).toThrow('Storage amounts cannot be negative');
    const negative = Size.mebibytes(1);
    (negative as any).amount = -1;
    expect(SIZE.problem(negative)).toEqual({ field: '', received: '-1048576', allowed: 'a non-negative size' });
  });

  test('DURATION and WHOLE_SECONDS: cdk8s Durations, of whole seconds where Kubernetes counts seconds', () => {
    expect(DURATION.problem(Duration.millis(1500))).toBeUndefined();
    expect(DURATION.problem('30s')).toEqual({ field: '', received: '"30s"', allowed: 'a Duration such as Duration.seconds(30)' });
    expect(DURATION.problem(Duration.seconds(Number.NaN))?.allowed).toBe('a Duration of a finite, non-negative length');
    expect(WHOLE_SECONDS.problem(Duration.minutes(1))).toBeUndefined();
    expect(WHOLE_SECONDS.problem(Duration.millis(1500))).toEqual({
      field: '', received: '1 second 500 millis', allowed: 'a Duration of whole seconds, such as Duration.seconds(30) (Kubernetes counts this in seconds)',
    });
    expect(WHOLE_SECONDS.problem(30)).toEqual({ field: '', received: '30', allowed: 'a Duration such as Duration.seconds(30)' });
  });

  test('instance: the class, then what the value itself says is wrong with it', () => {
    class Amount {
      constructor(readonly n: number) {}
      public toString(): string { return `${this.n} units`; }
    }
    const check = instance(Amount, 'an Amount', (a) => (a.n < 0 ? 'a non-negative Amount' : undefined));
    expect(check.problem(new Amount(1))).toBeUndefined();
    expect(check.problem({ n: 1 })).toEqual({ field: '', received: '{"n":1}', allowed: 'an Amount' });
    expect(check.problem(new Amount(-1))).toEqual({ field: '', received: '-1 units', allowed: 'a non-negative Amount' });
    const byField = instance(Amount, 'an Amount', (a) => (a.n < 0 ? { field: 'n', received: String(a.n), allowed: 'at least 0' } : undefined));
    expect(byField.problem(new Amount(-2))).toEqual({ field: 'n', received: '-2', allowed: 'at least 0' });
  });
});

describe('checks of lists, maps and objects', () => {
  test('list: the first item that does not fit, by index', () => {
    expect(STRINGS.problem(['a', 'b'])).toBeUndefined();
    expect(STRINGS.problem('a')).toEqual({ field: '', received: '"a"', allowed: 'a list of strings' });
    expect(STRINGS.problem(['a', 2, 3])).toEqual({ field: '[1]', received: '2', allowed: 'a string' });
    expect(list(int(1)).problem({})).toEqual({ field: '', received: '{}', allowed: 'a list, each an integer >= 1' });
  });

  test('map: the first value that does not fit, by key (quoted when it is not a plain word)', () => {
    expect(STRING_MAP.problem({ team: 'checkout' })).toBeUndefined();
    expect(STRING_MAP.problem({ LOG_LEVEL: 'info', PORT: 8080 })).toEqual({ field: 'PORT', received: '8080', allowed: 'a string' });
    expect(STRING_MAP.problem({ 'app.kubernetes.io/name': true })).toEqual({ field: '["app.kubernetes.io/name"]', received: 'true', allowed: 'a string' });
    expect(STRING_MAP.problem(['a'])).toEqual({ field: '', received: '["a"]', allowed: 'an object of names to strings' });
    expect(map(BOOL).problem('x')?.allowed).toBe('an object of names to values, each true or false');
    expect([keyField('DB_HOST'), keyField('db-host'), keyField('9lives')]).toEqual(['DB_HOST', '["db-host"]', '["9lives"]']);
  });

  test('shape: fields are optional unless required, nested fields are joined with dots and indexes', () => {
    const check = shape({
      name: required(str()),
      replicas: int(1),
      ports: list(shape({ port: required(int(1, 65535)) }, 'a port { port }'), 'a list of ports'),
      labels: STRING_MAP,
    }, 'the props { name, replicas, ports, labels }');
    expect(check.problem({ name: 'web' })).toBeUndefined();
    expect(check.problem({ name: 'web', replicas: undefined })).toBeUndefined();
    expect(check.problem({})).toEqual({ field: 'name', received: 'nothing', allowed: 'a string' });
    expect(check.problem({ name: 'web', ports: [{ port: 80 }, { port: '443' }] })).toEqual({ field: 'ports[1].port', received: '"443"', allowed: 'an integer from 1 to 65535' });
    expect(check.problem({ name: 'web', labels: { 'app.kubernetes.io/name': 1 } })).toEqual({ field: 'labels["app.kubernetes.io/name"]', received: '1', allowed: 'a string' });
    expect(check.problem(undefined)).toEqual({ field: '', received: 'nothing', allowed: 'the props { name, replicas, ports, labels }' });
    // A value taken whole (a Size) given where an object of fields belongs is a mistake.
    expect(check.problem(Size.gibibytes(1))).toEqual({ field: '', received: '1Gi', allowed: 'the props { name, replicas, ports, labels }' });
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(JSON.parse('{"a":1}'))).toBe(true);
  });

  test('shape: props built by a class, or on defaults with Object.create, are objects of fields; fields are read through prototypes', () => {
    const check = shape({ name: required(str()), replicas: int(1), labels: STRING_MAP }, 'the props { name, replicas, labels }');
    class Props {
      public readonly name = 'web';
      public readonly replicas: unknown;
      constructor(replicas: unknown = 2) { this.replicas = replicas; }
    }
    expect(check.problem(new Props())).toBeUndefined();
    expect(check.problem(new Props('2'))).toEqual({ field: 'replicas', received: '"2"', allowed: 'an integer >= 1' });
    class WithGetter { get name(): string { return 'web'; } }
    expect(check.problem(new WithGetter())).toBeUndefined();
    const defaults = { name: 'web', replicas: 2 };
    expect(check.problem(Object.create(defaults))).toBeUndefined();
    expect(check.problem(Object.assign(Object.create(defaults), { labels: { team: 'shop' } }))).toBeUndefined();
    expect(check.problem(Object.create({ replicas: 0 }))).toEqual({ field: 'name', received: 'nothing', allowed: 'a string' });
    expect(check.problem(Object.assign(Object.create({ name: 'web', replicas: 0 }), { labels: {} }))).toEqual({ field: 'replicas', received: '0', allowed: 'an integer >= 1' });
    expect(check.problem(Object.create(null))).toEqual({ field: 'name', received: 'nothing', allowed: 'a string' });
  });

  test('shape: values taken whole (Size, Duration, Date, Cpu, RegExp, Map, Set) and lists are refused where an object of fields belongs', () => {
    const check = shape({ name: str() }, 'options { name }');
    for (const [value, received] of [
      [Size.gibibytes(1), '1Gi'], [Duration.seconds(30), '30 seconds'], [Cpu.millis(250), '250m'], [Cpu.parse('250mi'), '"250mi"'], [[], '[]'],
      ['web', '"web"'], [null, 'null'],
    ] as Array<[unknown, string]>) {
      expect(check.problem(value)).toEqual({ field: '', received, allowed: 'options { name }' });
    }
    for (const value of [new Date(0), /web/, new Map([['name', 'web']]), new Set(['web'])]) {
      expect(check.problem(value)?.allowed).toBe('options { name }');
    }
    // A nested object of fields is checked the same way.
    const outer = shape({ tls: shape({ name: str() }, 'TLS { name }') }, 'options { tls }');
    expect(outer.problem({ tls: Size.mebibytes(1) })).toEqual({ field: 'tls', received: '1Mi', allowed: 'TLS { name }' });
    expect(outer.problem({ tls: Object.create({ name: 'x' }) })).toBeUndefined();
  });

  test('isFieldsObject, isValueObject, and isPlainObject for maps (read by their own entries, so literals only)', () => {
    class Props { readonly a = 1; }
    for (const v of [{}, new Props(), Object.create({ a: 1 }), Object.create(null)]) expect(isFieldsObject(v)).toBe(true);
    for (const v of [Size.kibibytes(1), Duration.seconds(1), new Date(0), Cpu.cores(1), [], null, undefined, 'a', 1]) expect(isFieldsObject(v)).toBe(false);
    // A Cpu is known by its members, whatever its class: the core does not import the workloads.
    expect(isValueObject({ millicores: 250, toQuantity: () => '250m' })).toBe(true);
    expect(isValueObject({ millicores: 250 })).toBe(false);
    expect(isPlainObject(new Props())).toBe(false);
    expect(isPlainObject(Object.create({ a: 1 }))).toBe(false);
    expect(STRING_MAP.problem(Object.create({ team: 'shop' }))).toEqual({ field: '', received: '{}', allowed: 'an object of names to strings' });
  });

  test('flatFields: own and inherited fields and getters as a literal; methods left out; a literal as it is', () => {
    const literal = { a: 1 };
    expect(flatFields(literal)).toBe(literal);
    class Base {
      public readonly base = 'b';
      public method(): number { return 1; }
    }
    class Props extends Base {
      public readonly own = 'o';
      public readonly callback = () => 2;
      get computed(): number { return 3; }
    }
    const flat = flatFields(new Props()) as any;
    expect(Object.getPrototypeOf(flat)).toBe(Object.prototype);
    expect(Object.keys(flat).sort()).toEqual(['base', 'callback', 'computed', 'own']);
    expect(flat.computed).toBe(3);
    expect(flat.callback()).toBe(2);
    const derived = Object.assign(Object.create({ a: 1, b: 2 }), { b: 3 });
    expect({ ...flatFields(derived) }).toEqual({ a: 1, b: 3 });
  });

  test('checking visits each value once and stops at the first problem', () => {
    let visits = 0;
    const counted = shape({ a: { expects: 'anything', problem: () => { visits++; return undefined; } } }, 'an object');
    const items = Array.from({ length: 1000 }, () => ({ a: 1 }));
    expect(list(counted).problem(items)).toBeUndefined();
    expect(visits).toBe(1000);
    visits = 0;
    const failing = list(shape({ a: { expects: 'nothing', problem: () => { visits++; return { field: '', received: 'x', allowed: 'y' }; } } }, 'an object'));
    expect(failing.problem(items)?.field).toBe('[0].a');
    expect(visits).toBe(1);
  });
});

describe('checkProps: the ConfigError of the construct being created', () => {
  const PROPS = shape({ replicas: int(1), image: required(str('an image reference')) }, 'the props of a Thing: { image, replicas }');

  function chart(): Chart {
    const app = Testing.app();
    markEnvironment(app, 'test');
    return new Chart(app, 'c', { namespace: 'shop' });
  }

  test('names the environment, the path of the construct about to be created, the field, what was received and what is allowed', () => {
    const c = chart();
    let error: unknown;
    try {
      checkProps(c, 'web', { image: 'web:1', replicas: '3' }, PROPS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('[test] c/web: replicas: received "3"; allowed: an integer >= 1');
    expect((error as ConfigError).details).toEqual({ environment: 'test', path: 'c/web', field: 'replicas', received: '"3"', allowed: 'an integer >= 1' });
  });

  test('props that are not an object at all are reported as `props`', () => {
    expect(() => checkProps(chart(), 'web', undefined, PROPS))
      .toThrow('[test] c/web: props: received nothing; allowed: the props of a Thing: { image, replicas }');
    expect(() => checkProps(chart(), 'web', 'web:1', PROPS))
      .toThrow('[test] c/web: props: received "web:1"; allowed: the props of a Thing: { image, replicas }');
  });

  test('directly under the app, without an environment', () => {
    expect(() => checkProps(new App(), 'web', {}, PROPS)).toThrow('web: image: received nothing; allowed: an image reference');
  });

  test('props that fit throw nothing', () => {
    expect(() => checkProps(chart(), 'web', { image: 'web:1', replicas: 2 }, PROPS)).not.toThrow();
  });
});

describe('describeValue renders anything without throwing', () => {
  test('circular objects, functions, NaN, Durations', () => {
    const loop: any = { name: 'loop' };
    loop.self = loop;
    expect(describeValue(loop)).toBe('an object that cannot be shown');
    class Node { self = this; }
    expect(describeValue(new Node())).toBe('a Node');
    expect(describeValue(function build() { return 1; })).toBe('a function (build)');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(Duration.seconds(90))).toBe('1 minute 30 seconds');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('nothing');
  });

  test('a construct is shown by its path', () => {
    const app = Testing.app();
    const c = new Chart(app, 'c');
    expect(describeValue(c)).toBe('c');
    expect(describeValue({ chart: c, memory: Size.mebibytes(512) })).toBe('{"chart":"c","memory":"512Mi"}');
  });
});
