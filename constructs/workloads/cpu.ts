/**
 * A CPU quantity, held as whole millicores (the finest unit Kubernetes accepts).
 */
export class Cpu {
  /** A number of millicores (1000 = one core). */
  public static millis(amount: number): Cpu {
    return new Cpu(amount);
  }

  /** A number of cores; fractions are allowed down to one millicore (0.25 = 250m). */
  public static cores(amount: number): Cpu {
    return new Cpu(Math.round(amount * 1000 * 1e6) / 1e6);
  }

  /**
   * Parses a Kubernetes CPU quantity: `250m`, `0.5` or `2`.
   * Throws when the text is not a CPU quantity.
   */
  public static parse(text: string): Cpu {
    const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(text.trim());
    if (!m) {
      throw new Error(`CPU quantity ${JSON.stringify(text)} is not of the form 250m, 0.5 or 2`);
    }
    return m[2] === 'm' ? Cpu.millis(Number(m[1])) : Cpu.cores(Number(m[1]));
  }

  /** Zero CPU. */
  public static readonly ZERO = new Cpu(0);

  /** The amount in millicores (may be invalid: see `problem()`). */
  public readonly millicores: number;

  private constructor(millicores: number) {
    this.millicores = millicores;
  }

  /** Why this amount cannot be used, or undefined when it can. */
  public problem(): string | undefined {
    if (!Number.isFinite(this.millicores) || this.millicores < 0) return 'a non-negative amount';
    if (!Number.isInteger(this.millicores)) return 'whole millicores (Kubernetes has no finer CPU unit)';
    return undefined;
  }

  /** The Kubernetes quantity: whole cores as `2`, anything else as `250m`. */
  public toQuantity(): string {
    return this.millicores % 1000 === 0 ? String(this.millicores / 1000) : `${this.millicores}m`;
  }

  /** Sum of two amounts. */
  public plus(other: Cpu): Cpu {
    return new Cpu(this.millicores + other.millicores);
  }

  /** This amount multiplied by a whole factor. */
  public times(factor: number): Cpu {
    return new Cpu(this.millicores * factor);
  }

  /** Same quantity as text. */
  public toString(): string {
    return this.toQuantity();
  }
}
