import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { architectureDiagram, collectWarnings, markEnvironment, sharedObjectClashes } from '../constructs';
import { PlatformEnvironment, validateEnvironment } from './environments';
import { MeshChart } from './mesh-chart';
import { MessagingChart } from './messaging-chart';
import { NodeAgentsChart } from './node-agents-chart';
import { PlatformChart } from './platform-chart';
import { declareServiceGraph } from './service-graph';

/** The cdk8s App of one environment, writing to `outdir`. Validates the config first. */
export function buildEnvironment(env: PlatformEnvironment, outdir: string): App {
  const errors = validateEnvironment(env, `src/environments/${env?.name}.ts`);
  if (errors.length) throw new Error(errors.join('\n'));
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  markEnvironment(app, env.name);
  const messaging = new MessagingChart(app, 'messaging', env);
  const platform = new PlatformChart(app, 'platform', env, messaging.nats);
  const mesh = new MeshChart(app, 'mesh', env, platform, messaging.nats);
  new NodeAgentsChart(app, 'node-agents', env);
  declareServiceGraph(env, platform, messaging, mesh);
  return app;
}

/**
 * Synthesizes every given environment into `<outRoot>/<env>/`. Everything is written to a
 * staging folder first; only when every environment has synthesized are the folders moved into
 * place, so a failure never leaves a partial set. Warnings (valid output that deserves a second
 * look) go to `onWarning`. Returns the environment names written.
 */
export function synthesizeEnvironments(
  envs: readonly PlatformEnvironment[],
  outRoot: string,
  onWarning: (warning: string) => void = () => undefined,
): string[] {
  // Every config is checked before any construct is built.
  const errors = envs.flatMap((e) => validateEnvironment(e, `src/environments/${e?.name}.ts`));
  if (errors.length) throw new Error(`invalid environment configuration:\n${errors.join('\n')}`);

  const root = path.resolve(outRoot);
  fs.mkdirSync(path.dirname(root), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(root), `.${path.basename(root)}-staging-`));
  try {
    const apps: { environment: string; app: App }[] = [];
    for (const env of envs) {
      try {
        const app = buildEnvironment(env, path.join(staging, env.name));
        apps.push({ environment: env.name, app });
        app.synth();
        // The service graph as a diagram, beside the manifests it was derived with.
        fs.writeFileSync(path.join(staging, env.name, 'architecture.md'),
          architectureDiagram(app, { title: `Architecture of the shop: ${env.name} (namespace ${env.namespace})` }));
        collectWarnings(app).forEach(onWarning);
      } catch (e) {
        const message = (e as Error).message;
        throw new Error(message.startsWith(`[${env.name}]`) ? message : `[${env.name}] ${message}`);
      }
    }
    // Environments share a cluster's gateway and system namespaces: no object may be written by two.
    const clashes = sharedObjectClashes(apps);
    if (clashes.length) throw new Error(`objects written by several environments:\n${clashes.join('\n')}`);
    fs.mkdirSync(root, { recursive: true });
    for (const env of envs) {
      const target = path.join(root, env.name);
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(path.join(staging, env.name), target);
    }
    return envs.map((e) => e.name);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
