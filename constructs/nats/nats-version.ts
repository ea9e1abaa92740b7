/**
 * A nats-server release, for gating configuration keys and probe endpoints.
 */
export class NatsServerVersion {
  /** 2.9: JetStream clustering, `/healthz?js-server-only` from 2.9.10 (Debian's server). */
  public static readonly V2_9_10 = NatsServerVersion.of('2.9.10');
  /** 2.10: route compression, `jetstream.sync_interval`. */
  public static readonly V2_10_0 = NatsServerVersion.of('2.10.0');
  /** 2.11: `jetstream.max_buffered_msgs`, server names without spaces enforced. */
  public static readonly V2_11_0 = NatsServerVersion.of('2.11.0');
  /** 2.12: `jetstream.strict` on by default. */
  public static readonly V2_12_0 = NatsServerVersion.of('2.12.0');

  /** Parses `2.10.22`, `v2.10.22` or `2.10` (patch 0). Throws on anything else. */
  public static of(text: string): NatsServerVersion {
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
    if (!m) throw new Error(`nats-server version ${JSON.stringify(text)} is not of the form 2.10.22`);
    return new NatsServerVersion(Number(m[1]), Number(m[2]), Number(m[3] ?? 0));
  }

  /** The version an image tag names (`2.10.22-alpine` → 2.10.22), or undefined. */
  public static fromImageTag(tag: string | undefined): NatsServerVersion | undefined {
    const m = /^v?(\d+\.\d+\.\d+)(?:[-_.].*)?$/.exec(tag ?? '');
    return m ? NatsServerVersion.of(m[1]) : undefined;
  }

  private constructor(
    /** Major version. */
    public readonly major: number,
    /** Minor version. */
    public readonly minor: number,
    /** Patch version. */
    public readonly patch: number,
  ) {}

  /** Negative, zero or positive as this version is older, equal or newer. */
  public compare(other: NatsServerVersion): number {
    return this.major - other.major || this.minor - other.minor || this.patch - other.patch;
  }

  /** This version is `other` or newer. */
  public atLeast(other: NatsServerVersion): boolean {
    return this.compare(other) >= 0;
  }

  /** `2.10.22`. */
  public toString(): string {
    return `${this.major}.${this.minor}.${this.patch}`;
  }
}
