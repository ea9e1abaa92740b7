import { App } from 'cdk8s';
import { SynthEnvironmentsOptions, environmentApp } from '../constructs';
import { PlatformEnvironment, validateEnvironment } from './environments';
import { MeshChart } from './mesh-chart';
import { MessagingChart } from './messaging-chart';
import { NodeAgentsChart } from './node-agents-chart';
import { PlatformChart } from './platform-chart';
import { declareServiceGraph } from './service-graph';

/** Adds the reference platform's charts for one environment to its (empty) app. */
export function declarePlatform(app: App, env: PlatformEnvironment): void {
  const messaging = new MessagingChart(app, 'messaging', env);
  const platform = new PlatformChart(app, 'platform', env, messaging.nats);
  const mesh = new MeshChart(app, 'mesh', env, platform, messaging.nats);
  new NodeAgentsChart(app, 'node-agents', env);
  declareServiceGraph(env, platform, messaging, mesh);
}

/** Where an environment's configuration lives, for error messages. */
const sourceOf = (env: PlatformEnvironment) => `src/environments/${env?.name}.ts`;

/**
 * How the reference platform is synthesized (`synthEnvironments` options): each configuration is
 * validated first, and the architecture document is titled after the shop.
 */
export const SYNTH_OPTIONS: SynthEnvironmentsOptions<PlatformEnvironment> = {
  validate: (env) => validateEnvironment(env, sourceOf(env)),
  architecture: (env) => `Architecture of the shop: ${env.name} (namespace ${env.namespace})`,
};

/**
 * The cdk8s App of one environment, writing to `outdir` (for Pulumi and tests, which take an App
 * rather than files). Validates the configuration first.
 */
export function buildEnvironment(env: PlatformEnvironment, outdir: string): App {
  const errors = validateEnvironment(env, sourceOf(env));
  if (errors.length) throw new Error(errors.join('\n'));
  const app = environmentApp(env, outdir);
  declarePlatform(app, env);
  return app;
}
