// Pulumi program: deploys the environment named by the stack's `environment` config, exactly as
// `cdk8s synth` writes it to dist/<environment>/, together with the NACK operator its JetStream
// objects need. In your own project import the component from 'cdk8s-nats-mesh/pulumi'; this
// example sits inside the repository and uses the sources.
import * as os from 'os';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
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

// One provider for everything below. A resource given no provider uses Pulumi's default one (the
// kubeconfig's current context), so with a second cluster in the kubeconfig the operator could
// land in one cluster and the platform in another.
const provider = new k8s.Provider(`shop-${env.name}-cluster`, kubeContext ? { context: kubeContext } : {});

// The NACK operator and its CRDs (jetstream.nats.io). It runs with --control-loop, which the
// KeyValue and ObjectStore kinds need; the platform's NACK objects name their servers and Account
// themselves. Pin `version` to the chart you have tested.
const nack = new k8s.helm.v3.Release('nack', {
  chart: 'nack',
  namespace: 'nats-system',
  createNamespace: true,
  repositoryOpts: { repo: 'https://nats-io.github.io/k8s/helm/charts/' },
  values: { jetstream: { controlLoop: true } },
}, { provider });

// The App is never synthesized to files here; the outdir only has to be a path.
const app = buildEnvironment(env, path.join(os.tmpdir(), 'shop-platform', env.name));

const platform = new Cdk8sManifests(`shop-${env.name}`, {
  app,
  provider,
  // Streams, consumers and buckets wait for the operator that defines their kinds.
  customResourceDependsOn: [nack],
});

export const environment = env.name;
export const namespace = env.namespace;
export const resources = platform.objects.map((o) => o.resourceName);
export const natsService = platform.get('Service', 'nats', env.namespace).urn;
