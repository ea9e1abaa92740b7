// Pulumi's mocks, installed before any test module loads the component (import this module first).
// Records every resource the program registers, in registration order, with the explicit
// dependencies (dependsOn, as URNs) the SDK sends to the engine.
import * as pulumi from '@pulumi/pulumi';

export interface Registration {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The inputs as the engine receives them. */
  readonly inputs: any;
  /** Provider reference (`<urn>::<id>`), when one was set. */
  readonly provider?: string;
  /** URNs of the resources it was registered after (dependsOn). */
  readonly dependencies: readonly string[];
}

/** The example's project name (examples/pulumi/Pulumi.yaml), so its config keys resolve. */
export const PROJECT = 'shop-platform';
export const STACK = 'test';

const registrations: Registration[] = [];
const waiters = new Set<() => void>();
const received = new Map<string, { inputs: any; provider?: string }>();
const key = (type: string, name: string) => `${type}::${name}`;

void pulumi.runtime.setMocks({
  newResource: (args) => {
    received.set(key(args.type, args.name), { inputs: args.inputs, provider: args.provider || undefined });
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: (args) => args.inputs,
}, PROJECT, STACK, false);

// The mocks' newResource gets neither the URN nor the dependencies: take them from the request
// and the response of the mock monitor.
const monitor: any = pulumi.runtime.getMonitor();
const registerResource = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) => registerResource(req, (err: unknown, res: any) => {
  if (!err) {
    const k = key(req.getType(), req.getName());
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      urn: res.getUrn(),
      ...received.get(k)!,
      dependencies: req.getDependenciesList(),
    });
    for (const w of [...waiters]) w();
  }
  callback(err, res);
});

/** Resolves with an Output's value (mocks never leave values unknown). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/**
 * Waits until the given resources are registered and returns the registrations made since
 * `since` (an index into the log, from `mark()`).
 */
export async function registeredSince(since: number, resources: readonly pulumi.Resource[]): Promise<Registration[]> {
  await valueOf(pulumi.all(resources.map((r) => r.urn)));
  return registrations.slice(since);
}

/**
 * Resolves with the registrations made since `since` once resources of all the given names are
 * among them (for a program whose resource objects the test cannot reach).
 */
export function registeredNamed(since: number, names: readonly string[]): Promise<Registration[]> {
  return new Promise((resolve) => {
    const check = () => {
      const made = registrations.slice(since);
      const have = new Set(made.map((r) => r.name));
      if (names.every((n) => have.has(n))) {
        waiters.delete(check);
        resolve(made);
      }
    };
    waiters.add(check);
    check();
  });
}

/** The current position in the registration log. */
export function mark(): number {
  return registrations.length;
}

/** The short name of a URN (its last `::` part). */
export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf('::') + 2);
}
