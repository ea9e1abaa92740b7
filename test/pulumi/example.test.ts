// The example program (examples/pulumi/index.ts) run under Pulumi's mocks: the stack's
// `environment` config picks the environment, and the program deploys exactly its objects.
import { mark, registeredNamed, valueOf } from './support/mocks';
import * as os from 'os';
import * as pulumi from '@pulumi/pulumi';
import { planManifests } from '../../constructs/pulumi';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS } from '../../src/environments';

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

test.each(ENVIRONMENTS.map((e) => [e.name]))('environment: %s deploys that environment', async (name) => {
  const since = mark();
  const program = runProgram({ environment: name });
  expect(program.environment).toBe(name);
  const expected = planned(name);
  expect(await valueOf(pulumi.output(program.resources))).toEqual(expected.map((o) => o.resourceName));
  const registered = await registeredNamed(since, [`shop-${name}`, ...expected.map((o) => o.resourceName)]);
  const kubernetes = registered.filter((r) => r.type.startsWith('kubernetes:'));
  expect(kubernetes).toHaveLength(expected.length);
  for (const o of expected) expect(kubernetes.find((r) => r.name === o.resourceName)!.inputs).toEqual(o.manifest);
  // Without kubeContext the program leaves the provider to the stack (no provider of its own).
  expect(registered.some((r) => r.type === 'pulumi:providers:kubernetes')).toBe(false);
  expect(await valueOf(program.natsService)).toMatch(new RegExp(`kubernetes:core/v1:Service::shop-${name}:${program.namespace}/Service/nats$`));
});

test('kubeContext makes a provider for that context, used by every object', async () => {
  const since = mark();
  runProgram({ environment: 'dev', kubeContext: 'kind-shop' });
  const expected = planned('dev');
  // A second component named shop-dev in the same stack: the mocks accept it; a real stack would not.
  const registered = await registeredNamed(since, ['shop-dev-provider', ...expected.map((o) => o.resourceName)]);
  const provider = registered.find((r) => r.type === 'pulumi:providers:kubernetes')!;
  expect(provider.inputs).toMatchObject({ context: 'kind-shop' });
  for (const r of registered.filter((x) => x.type.startsWith('kubernetes:'))) expect(r.provider).toBe(`${provider.urn}::shop-dev-provider-id`);
});

test('an unknown environment fails with the known ones', () => {
  expect(() => runProgram({ environment: 'no-such-env' }))
    .toThrow(`config environment: received "no-such-env"; allowed: one of ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
});
