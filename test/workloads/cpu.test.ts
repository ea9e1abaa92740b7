import { Size } from 'cdk8s';
import { Cpu, Microservice, NatsCluster, Resources } from '../../constructs';
import { IMAGE, expectConfigError, setup } from './helpers';

describe('Cpu', () => {
  test('millis keeps the amount as millicores', () => {
    expect(Cpu.millis(250).millicores).toBe(250);
  });

  test('cores converts to millicores and absorbs floating-point noise', () => {
    expect(Cpu.cores(2).millicores).toBe(2000);
    expect(Cpu.cores(0.25).millicores).toBe(250);
    expect(Cpu.cores(0.1 + 0.2).millicores).toBe(300);
    expect(Cpu.cores(1.1).millicores).toBe(1100);
  });

  test('parse reads millicores, fractional cores and whole cores', () => {
    expect(Cpu.parse('250m').millicores).toBe(250);
    expect(Cpu.parse('0.5').millicores).toBe(500);
    expect(Cpu.parse('2').millicores).toBe(2000);
    expect(Cpu.parse(' 1.5 ').millicores).toBe(1500);
  });

  test.each(['', 'abc', '-1', '1Gi', '1e3', '250 m', '250mi'])('parse keeps %j unread, for the construct given it to report', (text) => {
    const cpu = Cpu.parse(text);
    expect(cpu.problem()).toBe('a CPU quantity like 250m, 0.5 or 2');
    expect(String(cpu)).toBe(JSON.stringify(text));
    expect(() => cpu.toQuantity()).toThrow(`CPU amount ${JSON.stringify(text)} is not a CPU quantity like 250m, 0.5 or 2`);
  });

  test('parse keeps amounts finer than a millicore so that problem() can report them', () => {
    expect(Cpu.parse('1.5m').problem()).toBe('whole millicores (Kubernetes has no finer CPU unit)');
    expect(Cpu.parse('0.0005').problem()).toBe('whole millicores (Kubernetes has no finer CPU unit)');
  });

  test('problem accepts whole non-negative millicores', () => {
    expect(Cpu.millis(0).problem()).toBeUndefined();
    expect(Cpu.millis(1).problem()).toBeUndefined();
    expect(Cpu.cores(64).problem()).toBeUndefined();
  });

  test('problem refuses negative, non-finite and fractional amounts', () => {
    expect(Cpu.millis(-1).problem()).toBe('a non-negative amount');
    expect(Cpu.millis(Number.NaN).problem()).toBe('a non-negative amount');
    expect(Cpu.millis(Number.POSITIVE_INFINITY).problem()).toBe('a non-negative amount');
    expect(Cpu.millis(0.5).problem()).toBe('whole millicores (Kubernetes has no finer CPU unit)');
    expect(Cpu.cores(1.0005).problem()).toBe('whole millicores (Kubernetes has no finer CPU unit)');
  });

  test('toQuantity writes whole cores without a unit and anything else in millicores', () => {
    expect(Cpu.millis(2000).toQuantity()).toBe('2');
    expect(Cpu.millis(1000).toQuantity()).toBe('1');
    expect(Cpu.millis(1500).toQuantity()).toBe('1500m');
    expect(Cpu.millis(250).toQuantity()).toBe('250m');
    expect(Cpu.ZERO.toQuantity()).toBe('0');
    expect(String(Cpu.millis(750))).toBe('750m');
  });

  test('plus and times do arithmetic in millicores without changing the operands', () => {
    const a = Cpu.millis(250);
    const b = Cpu.millis(750);
    expect(a.plus(b).millicores).toBe(1000);
    expect(a.times(3).millicores).toBe(750);
    expect(a.millicores).toBe(250);
    expect(b.millicores).toBe(750);
  });

  test('plus and times keep an amount that could not be read, so that what was given is reported', () => {
    const unread = Cpu.parse('250mi');
    for (const cpu of [unread.times(2), unread.plus(Cpu.millis(100)), Cpu.millis(100).plus(unread), unread.times(2).plus(Cpu.millis(1))]) {
      expect(cpu.problem()).toBe('a CPU quantity like 250m, 0.5 or 2');
      expect(String(cpu)).toBe('"250mi"');
    }
    // Of two unreadable operands, the first is reported.
    expect(String(Cpu.parse('1 core').plus(unread))).toBe('"1 core"');
    expect(String(Cpu.millis(Number.NaN).plus(unread))).toBe('"250mi"');
    expect(Cpu.millis(100).plus(Cpu.millis(-200)).problem()).toBe('a non-negative amount');
  });

  test('a sum or multiple of an unreadable amount is reported by the construct given it, with what was given', () => {
    const cpu = Cpu.parse('250mi').times(2);
    const { chart } = setup();
    expectConfigError(() => new Microservice(chart, 'web', {
      image: IMAGE,
      resources: Resources.guaranteed({ cpu, memory: Size.mebibytes(256) }),
    }), '[test] c/web: resources.requests.cpu: received "250mi"; allowed: a CPU quantity like 250m, 0.5 or 2');
    expectConfigError(() => new NatsCluster(setup().chart, 'nats', { resources: { cpu: Cpu.millis(500).plus(Cpu.parse('0.5 cores')), memory: Size.gibibytes(1) } }),
      '[test] c/nats: resources.cpu: received "0.5 cores"; allowed: a CPU quantity like 250m, 0.5 or 2');
  });

  test('parse and toQuantity round-trip', () => {
    for (const text of ['1', '2', '250m', '1500m', '0']) {
      expect(Cpu.parse(text).toQuantity()).toBe(text);
    }
  });
});
