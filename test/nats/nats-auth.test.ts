import { subjectProblem, subjectWithin, subjectsOverlap } from '../../constructs';

const SPACES = 'a subject without spaces, such as order.new';
const EMPTY_TOKEN = 'dot-separated tokens, none empty';
const LITERAL = 'a literal subject (no * or >)';
const GT_LAST = '">" only as the last token';
const WHOLE = 'wildcards as whole tokens only (order.* not order*)';

describe('subjectProblem', () => {
  test.each([
    ['order.new'],
    ['order'],
    ['order.*'],
    ['order.>'],
    ['*'],
    ['>'],
    ['*.*.new'],
    ['order.*.>'],
    ['_INBOX.>'],
    ['$JS.API.>'],
    ['orders-eu.new_1'],
  ])('%j is a valid subject (wildcards allowed)', (s) => {
    expect(subjectProblem(s)).toBeUndefined();
  });

  test.each([
    ['', SPACES],
    ['order new', SPACES],
    ['order.\tnew', SPACES],
    [' order', SPACES],
    ['order.', EMPTY_TOKEN],
    ['.order', EMPTY_TOKEN],
    ['order..new', EMPTY_TOKEN],
    ['.', EMPTY_TOKEN],
    ['order.>.new', GT_LAST],
    ['>.order', GT_LAST],
    ['order*', WHOLE],
    ['order.new>', WHOLE],
    ['ord*er.new', WHOLE],
    ['order.**', WHOLE],
  ])('%j: %s', (s, problem) => {
    expect(subjectProblem(s)).toBe(problem);
  });

  test.each([
    ['order.*', LITERAL],
    ['order.>', LITERAL],
    ['*', LITERAL],
    ['>', LITERAL],
    ['order.>.new', LITERAL],
    ['order*', WHOLE],
    ['order..new', EMPTY_TOKEN],
  ])('without wildcards, %j: %s', (s, problem) => {
    expect(subjectProblem(s, false)).toBe(problem);
  });

  test('without wildcards, literal subjects pass', () => {
    expect(subjectProblem('order.new', false)).toBeUndefined();
    expect(subjectProblem('order', false)).toBeUndefined();
  });

  test('a non-string is refused, not thrown on', () => {
    expect(subjectProblem(undefined as unknown as string)).toBe(SPACES);
  });
});

describe('subjectWithin(inner, outer)', () => {
  test.each([
    ['order.new', 'order.new', true],
    ['order.new', 'order.*', true],
    ['order.new', 'order.>', true],
    ['order.eu.new', 'order.>', true],
    ['order.eu.new', 'order.*.new', true],
    ['order.*', 'order.*', true],
    ['order.*', 'order.>', true],
    ['order.*.new', 'order.>', true],
    ['order.>', 'order.>', true],
    ['order.>', '>', true],
    ['anything', '>', true],
    ['*', '>', true],
    ['*', '*', true],
    ['*.new', '*.*', true],
    ['order', 'order.>', false],
    ['order.new', 'order', false],
    ['order', 'order.new', false],
    ['order.new', 'order.old', false],
    ['order.*', 'order.new', false],
    ['order.>', 'order.*', false],
    ['order.>', 'order.new', false],
    ['>', 'order.>', false],
    ['*', 'order', false],
    ['order.eu.new', 'order.*', false],
    ['order.new', '*.old', false],
  ])('%j within %j: %s', (inner, outer, expected) => {
    expect(subjectWithin(inner, outer)).toBe(expected);
  });
});

describe('subjectsOverlap', () => {
  test.each([
    ['order.new', 'order.new', true],
    ['order.*', 'order.new', true],
    ['order.>', 'order.eu.new', true],
    ['order.>', 'order.new', true],
    ['*.new', 'order.*', true],
    ['order.*.new', 'order.eu.>', true],
    ['>', 'order', true],
    ['>', '>', true],
    ['order.>', '*.new', true],
    ['*', 'order', true],
    ['order.new', 'order.old', false],
    ['order', 'order.new', false],
    ['order.>', 'order', false],
    ['order.*', 'order.eu.new', false],
    ['order.*', 'billing.>', false],
    ['*', 'order.new', false],
    ['order.*.new', 'order.eu.old', false],
  ])('%j and %j: %s', (x, y, expected) => {
    expect(subjectsOverlap(x, y)).toBe(expected);
    expect(subjectsOverlap(y, x)).toBe(expected);
  });

  const SUBJECTS = ['order', 'order.new', 'order.old', 'order.*', 'order.>', 'order.eu.new', 'order.*.new', '*', '*.new', '>', 'billing.>'];

  test('whatever lies within another subject overlaps it', () => {
    for (const a of SUBJECTS) {
      for (const b of SUBJECTS) {
        if (subjectWithin(a, b)) expect([a, b, subjectsOverlap(a, b)]).toEqual([a, b, true]);
      }
    }
  });

  test('every subject is within itself and overlaps itself', () => {
    for (const s of SUBJECTS) {
      expect([s, subjectWithin(s, s), subjectsOverlap(s, s)]).toEqual([s, true, true]);
    }
  });
});
