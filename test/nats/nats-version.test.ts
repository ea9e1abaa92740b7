import { NatsServerVersion } from '../../constructs';

const v = (text: string) => NatsServerVersion.of(text);

describe('NatsServerVersion.of', () => {
  test.each([
    ['2.10.22', [2, 10, 22], '2.10.22'],
    ['v2.10.22', [2, 10, 22], '2.10.22'],
    ['2.9.10', [2, 9, 10], '2.9.10'],
    ['2.10', [2, 10, 0], '2.10.0'],
    [' 2.11.3 ', [2, 11, 3], '2.11.3'],
    ['10.0.1', [10, 0, 1], '10.0.1'],
  ])('parses %j', (text, [major, minor, patch], printed) => {
    const parsed = v(text);
    expect([parsed.major, parsed.minor, parsed.patch]).toEqual([major, minor, patch]);
    expect(parsed.toString()).toBe(printed);
  });

  test.each(['', '2', '2.10.x', '2.10.22-alpine', '2.10.22.1', 'latest', 'v', '2..1', '2.10.22 rc1'])('refuses %j with a message naming it', (text) => {
    expect(() => v(text)).toThrow(`nats-server version ${JSON.stringify(text)} is not of the form 2.10.22`);
  });

  test('the named constants', () => {
    expect(NatsServerVersion.V2_9_10.toString()).toBe('2.9.10');
    expect(NatsServerVersion.V2_10_0.toString()).toBe('2.10.0');
    expect(NatsServerVersion.V2_11_0.toString()).toBe('2.11.0');
    expect(NatsServerVersion.V2_12_0.toString()).toBe('2.12.0');
  });
});

describe('NatsServerVersion.fromImageTag', () => {
  test.each([
    ['2.10.22-alpine', '2.10.22'],
    ['2.10.22-alpine3.20', '2.10.22'],
    ['2.9.10', '2.9.10'],
    ['v2.11.0', '2.11.0'],
    ['2.10.22_linux', '2.10.22'],
    ['2.10.22.1', '2.10.22'],
  ])('%j names %s', (tag, version) => {
    expect(NatsServerVersion.fromImageTag(tag)?.toString()).toBe(version);
  });

  test.each([['alpine'], ['latest'], ['2.10-alpine'], ['2.10'], ['2'], ['alpine-2.10.22'], [''], [undefined]])('%j names no version', (tag) => {
    expect(NatsServerVersion.fromImageTag(tag)).toBeUndefined();
  });
});

describe('NatsServerVersion.compare and atLeast', () => {
  test.each([
    ['2.9.10', '2.10.0', -1],
    ['2.10.0', '2.9.10', 1],
    ['2.10.0', '2.10.0', 0],
    ['2.10', '2.10.0', 0],
    ['v2.10.22', '2.10.22', 0],
    ['2.10.1', '2.10.0', 1],
    ['2.9.9', '2.9.10', -1],
    ['3.0.0', '2.99.99', 1],
    ['2.11.0', '2.12.0', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(v(a).compare(v(b)))).toBe(sign);
    expect(Math.sign(v(b).compare(v(a)))).toBe(sign === 0 ? 0 : -sign);
    expect(v(a).atLeast(v(b))).toBe(sign >= 0);
  });

  test('numeric, not lexicographic: 2.10 is newer than 2.9', () => {
    expect(v('2.10.0').atLeast(NatsServerVersion.V2_9_10)).toBe(true);
    expect(NatsServerVersion.V2_9_10.atLeast(v('2.10.0'))).toBe(false);
  });
});
