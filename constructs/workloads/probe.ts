import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ValueProblem, describeValue, joinField } from '../core/errors';
import { STRINGS, WHOLE_SECONDS, int, shape } from '../core/runtime-types';

/** The types of a probe's timing (Kubernetes counts it in whole seconds). */
const TIMING = shape({
  initialDelay: WHOLE_SECONDS,
  period: WHOLE_SECONDS,
  timeout: WHOLE_SECONDS,
  failureThreshold: int(1),
}, 'a timing { initialDelay, period, timeout, failureThreshold }');
const PORT = int(1, 65535, 'a port number from 1 to 65535');

/**
 * Timing of a probe. Kubernetes defaults apply to anything left out.
 */
export interface ProbeTiming {
  /** @default - no delay */
  readonly initialDelay?: Duration;
  /** @default Duration.seconds(10) */
  readonly period?: Duration;
  /** @default Duration.seconds(1) */
  readonly timeout?: Duration;
  /** @default 3 */
  readonly failureThreshold?: number;
}

/**
 * A readiness, liveness or startup check.
 */
export class Probe {
  /** An HTTP GET that must answer 2xx or 3xx. */
  public static httpGet(path: string, port: number, timing: ProbeTiming = {}): Probe {
    const pathProblem = typeof path === 'string' ? [] : [{ field: 'path', received: describeValue(path), allowed: 'a path such as /ready' }];
    return new Probe({ httpGet: { path, port: k8s.IntOrString.fromNumber(port) } }, timing, [...pathProblem, ...portProblem(port)]);
  }

  /** A TCP connection that must open. */
  public static tcpSocket(port: number, timing: ProbeTiming = {}): Probe {
    return new Probe({ tcpSocket: { port: k8s.IntOrString.fromNumber(port) } }, timing, portProblem(port));
  }

  /** A command run in the container that must exit 0. */
  public static exec(command: string[], timing: ProbeTiming = {}): Probe {
    const p = STRINGS.problem(command);
    return new Probe({ exec: { command } }, timing, p ? [{ ...p, field: joinField('command', p.field) }] : []);
  }

  private readonly given: ValueProblem[];

  private constructor(private readonly action: k8s.Probe, private readonly timing: ProbeTiming, problems: ValueProblem[]) {
    const t = TIMING.problem(timing);
    this.given = t ? [...problems, { ...t, field: joinField('timing', t.field) }] : problems;
  }

  /** Everything wrong with what the probe was made from (fields relative to it); empty when it can be used. */
  public problems(): ValueProblem[] {
    return [...this.given];
  }

  /** The port the probe targets, if any. */
  public get port(): number | undefined {
    const p = this.action.httpGet?.port ?? this.action.tcpSocket?.port;
    return p ? Number(p.value) : undefined;
  }

  /**
   * How long a container may fail this probe before it counts as failed, as Kubernetes runs it:
   * the initial delay plus `failureThreshold` periods (defaults 0 s, 3 and 10 s), timeouts aside.
   * For a liveness probe: how long a container that does not answer yet lives before it is restarted.
   */
  public get failureWindow(): Duration {
    const t = this.timing;
    const seconds = (t.initialDelay?.toSeconds() ?? 0) + (t.failureThreshold ?? 3) * (t.period?.toSeconds() ?? 10);
    return Duration.seconds(seconds);
  }

  /** The L1 form. */
  public toKube(): k8s.Probe {
    const t = this.timing;
    return {
      ...this.action,
      initialDelaySeconds: t.initialDelay?.toSeconds(),
      periodSeconds: t.period?.toSeconds(),
      timeoutSeconds: t.timeout?.toSeconds(),
      failureThreshold: t.failureThreshold,
    };
  }
}

function portProblem(port: unknown): ValueProblem[] {
  const p = PORT.problem(port);
  return p ? [{ ...p, field: 'port' }] : [];
}
