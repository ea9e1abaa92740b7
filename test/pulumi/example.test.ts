// The example program (examples/pulumi/index.ts) run under Pulumi's mocks: the stack's
// `environment` config picks the environment, and the program deploys exactly its objects, with
// the NACK operator, all on one provider.
import { mark, registeredNamed, Registration, valueOf } from './support/mocks';
import * as os from 'os';
import * as pulumi from '@pulumi/pulumi';
import { PlannedObject, planManifests } from '../../constructs/pulumi';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS } from '../../src/environments';

const HELM_RELEASE = 'kubernetes:helm.sh/v3:Release';
const PROVIDER = 'pulumi:providers:kubernetes';

/** Runs the program with the given stack config and returns its exports. */
function runProgram(config: Record<string, string>): any {
  for (const [key, value] of Object.entries(config)) pulumi.runtime.setConfig(`shop-platform:${key}`, value);
  let program: any;
  try {
    jest.isolateModules(() => { program = require('../../examples/pulumi/index'); });
  } finally {
    for (const key of Object.keys(config)) pulumi.runtime.setConfig(`shop-platform:${key}`, '');
  }
  return program;
}

const planned = (name: string) => planManifests({
  app: buildEnvironment(ENVIRONMENTS.find((e) => e.name === name)!, os.tmpdir()), resourcePrefix: `shop-${name}`,
});

/**
 * Runs the program for an environment and waits for its provider, the NACK release and every
 * planned object: the registrations of this run only.
 */
async function deployed(config: Record<string, string>): Promise<{
  program: any; expected: PlannedObject[]; provider: Registration; release: Registration; objects: Registration[];
}> {
  const since = mark();
  const program = runProgram(config);
  const expected = planned(config.environment);
  const registered = await registeredNamed(since, [`shop-${config.environment}-cluster`, 'nack', ...expected.map((o) => o.resourceName)]);
  const only = (type: string) => {
    const found = registered.filter((r) => r.type === type);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const objects = registered.filter((r) => r.type.startsWith('kubernetes:') && r.type !== HELM_RELEASE);
  return { program, expected, provider: only(PROVIDER), release: only(HELM_RELEASE), objects };
}

test.each(ENVIRONMENTS.map((e) => [e.name]))('environment: %s deploys that environment and NACK, on one provider', async (name) => {
  const { program, expected, provider, release, objects } = await deployed({ environment: name });
  expect(program.environment).toBe(name);
  expect(await valueOf(pulumi.output(program.resources))).toEqual(expected.map((o) => o.resourceName));
  expect(objects).toHaveLength(expected.length);
  for (const o of expected) expect(objects.find((r) => r.name === o.resourceName)!.inputs).toEqual(o.manifest);
  expect(await valueOf(program.natsService)).toMatch(new RegExp(`kubernetes:core/v1:Service::shop-${name}:${program.namespace}/Service/nats$`));

  // One provider, the program's, for the release and every object. Without kubeContext it takes
  // the kubeconfig's current context, for everything alike.
  expect(provider.name).toBe(`shop-${name}-cluster`);
  expect(provider.inputs.context).toBeUndefined();
  const reference = `${provider.urn}::shop-${name}-cluster-id`;
  expect(release.inputs).toMatchObject({
    chart: 'nack', namespace: 'nats-system', createNamespace: true,
    repositoryOpts: { repo: 'https://nats-io.github.io/k8s/helm/charts/' },
  });
  expect(release.provider).toBe(reference);
  for (const r of objects) expect([r.name, r.provider]).toEqual([r.name, reference]);

  // The operator's kinds wait for its release (as do the other custom resources); built-in kinds do not.
  const nackObjects = expected.filter((o) => o.group === 'jetstream.nats.io');
  expect(nackObjects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Stream', 'Consumer', 'Account', 'KeyValue', 'ObjectStore']));
  for (const o of nackObjects) {
    const r = objects.find((x) => x.name === o.resourceName)!;
    expect([r.name, r.dependencies]).toEqual([r.name, expect.arrayContaining([release.urn])]);
  }
  const service = objects.find((r) => r.type === 'kubernetes:core/v1:Service')!;
  expect(service.dependencies).not.toContain(release.urn);
});

test('kubeContext makes the provider target that context', async () => {
  const { provider, release, objects } = await deployed({ environment: 'dev', kubeContext: 'kind-shop' });
  expect(provider.inputs).toMatchObject({ context: 'kind-shop' });
  const reference = `${provider.urn}::shop-dev-cluster-id`;
  for (const r of [release, ...objects]) expect([r.name, r.provider]).toEqual([r.name, reference]);
});

test('an unknown environment fails with the known ones', () => {
  expect(() => runProgram({ environment: 'no-such-env' }))
    .toThrow(`config environment: received "no-such-env"; allowed: one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
});
