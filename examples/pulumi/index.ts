// Pulumi program: deploys the environment named by the stack's `environment` config, exactly as
// `cdk8s synth` writes it to dist/<environment>/. In your own project import the component from
// 'cdk8s-nats-mesh/pulumi'; this example sits inside the repository and uses the sources.
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { Cdk8sManifests } from '../../constructs/pulumi';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS } from '../../src/environments';

const config = new pulumi.Config();
const name = config.require('environment');
const env = ENVIRONMENTS.find((e) => e.name === name);
if (!env) {
  throw new Error(`config environment: received ${JSON.stringify(name)}; allowed: one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
}
const kubeContext = config.get('kubeContext');

// The App is never synthesized to files here; the outdir only has to be a path.
const app = buildEnvironment(env, path.join(os.tmpdir(), 'shop-platform', env.name));

const platform = new Cdk8sManifests(`shop-${env.name}`, {
  app,
  ...(kubeContext ? { context: kubeContext } : {}),
});

export const environment = env.name;
export const namespace = env.namespace;
export const resources = platform.objects.map((o) => o.resourceName);
export const natsService = platform.get('Service', 'nats', env.namespace).urn;
