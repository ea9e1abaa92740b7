/** What was given instead of a CPU amount, and what would have been accepted. */
interface Unreadable {
  readonly received: string;
  readonly allowed: string;
}

/** The CPU quantities `Cpu.parse` reads. */
const CPU_QUANTITY = 'a CPU quantity like 250m, 0.5 or 2';

/**
 * A CPU quantity, held as whole millicores (the finest unit Kubernetes accepts).
 *
 * An amount that cannot be read (`Cpu.parse('250mi')`, `Cpu.millis('250')` from JavaScript) is
 * kept, not thrown: `problem()` says what is wrong, so that the construct it is given to reports
 * it with its path and field (`resources.requests.cpu: received "250mi"; allowed: a CPU
 * quantity like 250m, 0.5 or 2`). Sums and multiples of such an amount (`plus`, `times`) keep it
 * as it is, so that the construct reports what was given, not a sum it could not make.
 */
export class Cpu {
  /** A number of millicores (1000 = one core). */
  public static millis(amount: number): Cpu {
    if (typeof amount !== 'number') return Cpu.unreadable(`Cpu.millis(${JSON.stringify(amount) ?? String(amount)})`, 'a number of millicores');
    return new Cpu(amount);
  }

  /** A number of cores; fractions are allowed down to one millicore (0.25 = 250m). */
  public static cores(amount: number): Cpu {
    if (typeof amount !== 'number') return Cpu.unreadable(`Cpu.cores(${JSON.stringify(amount) ?? String(amount)})`, 'a number of cores');
    return new Cpu(Math.round(amount * 1000 * 1e6) / 1e6);
  }

  /**
   * Parses a Kubernetes CPU quantity: `250m`, `0.5` or `2`. Text of another form gives an amount
   * whose `problem()` says so (a construct given it reports it with its path and field).
   */
  public static parse(text: string): Cpu {
    const m = typeof text === 'string' ? /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(text.trim()) : null;
    if (!m) return Cpu.unreadable(typeof text === 'string' ? JSON.stringify(text) : `Cpu.parse(${JSON.stringify(text) ?? String(text)})`, CPU_QUANTITY);
    return m[2] === 'm' ? Cpu.millis(Number(m[1])) : Cpu.cores(Number(m[1]));
  }

  /** Zero CPU. */
  public static readonly ZERO = new Cpu(0);

  private static unreadable(received: string, allowed: string): Cpu {
    return new Cpu(Number.NaN, { received, allowed });
  }

  /** The amount in millicores (may be invalid: see `problem()`; NaN when it could not be read). */
  public readonly millicores: number;

  private constructor(millicores: number, private readonly unread?: Unreadable) {
    this.millicores = millicores;
  }

  /** Why this amount cannot be used, or undefined when it can. */
  public problem(): string | undefined {
    if (this.unread) return this.unread.allowed;
    if (!Number.isFinite(this.millicores) || this.millicores < 0) return 'a non-negative amount';
    if (!Number.isInteger(this.millicores)) return 'whole millicores (Kubernetes has no finer CPU unit)';
    return undefined;
  }

  /** The Kubernetes quantity: whole cores as `2`, anything else as `250m`. Throws for an amount that could not be read. */
  public toQuantity(): string {
    if (this.unread) throw new Error(`CPU amount ${this.unread.received} is not ${this.unread.allowed}`);
    return this.millicores % 1000 === 0 ? String(this.millicores / 1000) : `${this.millicores}m`;
  }

  /** Sum of two amounts; when either could not be read, that one (the first such), so that what was given is reported. */
  public plus(other: Cpu): Cpu {
    if (this.unread) return this;
    if (other.unread) return other;
    return new Cpu(this.millicores + other.millicores);
  }

  /** This amount multiplied by a whole factor; when it could not be read, itself, so that what was given is reported. */
  public times(factor: number): Cpu {
    if (this.unread) return this;
    return new Cpu(this.millicores * factor);
  }

  /** Same quantity as text; for an amount that could not be read, what was given (`"250mi"`). */
  public toString(): string {
    return this.unread ? this.unread.received : this.toQuantity();
  }
}
