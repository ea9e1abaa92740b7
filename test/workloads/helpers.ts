/**
 * Shared fixtures of the workload and platform tests (not a test file itself).
 */
import { App, Chart, Size, Testing } from 'cdk8s';
import { ConfigError, ContainerImage, Cpu, markEnvironment, NamespaceBaseline, Resources } from '../../constructs';

/** A pinned image. */
export const IMAGE = ContainerImage.of('ghcr.io/acme/web', '1.4.2');
/** A second pinned image, for sidecars and init containers. */
export const SIDECAR_IMAGE = ContainerImage.of('ghcr.io/acme/helper', '0.9.0');

/** 250m / 256Mi, requests = limits. */
export const GUARANTEED = Resources.guaranteed({ cpu: Cpu.millis(250), memory: Size.mebibytes(256) });
/** 100m/500m, 128Mi/512Mi. */
export const BURSTABLE = Resources.of({
  requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
  limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(512) },
});

export interface Fixture {
  readonly app: App;
  readonly chart: Chart;
}

/** An app marked as environment `test` with one chart `c` in the given namespace (none for null). */
export function setup(namespace: string | null = 'shop'): Fixture {
  const app = Testing.app();
  markEnvironment(app, 'test');
  const chart = new Chart(app, 'c', namespace === null ? {} : { namespace });
  return { app, chart };
}

/**
 * Synthesized manifests of a chart, preceded by the Namespace objects that NamespaceBaselines of
 * the chart create (each in a chart of its own, written first: constructs/checks/namespaces.ts).
 */
export function synth(chart: Chart): any[] {
  const namespaceCharts = chart.node.findAll().filter((c): c is NamespaceBaseline => c instanceof NamespaceBaseline).map((b) => b.namespaceChart);
  return [...namespaceCharts.flatMap((c) => Testing.synth(c)), ...Testing.synth(chart)];
}

/** All manifests of one kind. */
export function allOfKind(manifests: any[], kind: string): any[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one manifest of a kind (and name, when given); fails when there is not exactly one. */
export function one(manifests: any[], kind: string, name?: string): any {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** The pod template spec of a controller manifest. */
export function podSpec(controller: any): any {
  return controller.spec.template.spec;
}

/** Every container of a pod spec: regular ones first, then init containers. */
export function everyContainer(spec: any): any[] {
  return [...spec.containers, ...(spec.initContainers ?? [])];
}

/** Runs `fn`, which must throw a ConfigError, and returns that error. */
export function configErrorOf(fn: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('expected a ConfigError, but nothing was thrown');
  if (!(thrown instanceof ConfigError)) throw thrown;
  return thrown;
}

/** Asserts that `fn` throws a ConfigError with exactly this message. */
export function expectConfigError(fn: () => unknown, message: string): void {
  expect(configErrorOf(fn).message).toBe(message);
}

/**
 * Validation errors reported when the chart is synthesized (cdk8s runs every construct's
 * validations), without cdk8s' `[construct path] ` prefix; empty when synthesis succeeds.
 */
export function validationErrors(chart: Chart): string[] {
  try {
    Testing.synth(chart);
  } catch (e) {
    const message = (e as Error).message;
    const header = 'Validation failed with the following errors:\n';
    if (!message.startsWith(header)) throw e;
    return message.slice(header.length).split('\n').map((l) => l.trim().replace(/^\[[^\]]*\] /, ''));
  }
  return [];
}

/** A value as a JavaScript caller may pass it, whatever the declared type (no compiler checks it). */
export function js(value: unknown): any {
  return value;
}
