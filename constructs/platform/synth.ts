/**
 * The synth entry point for apps built on this library: every environment into its own folder,
 * all problems of all environments in one report, warnings printed with environment and path,
 * and the previous output left in place unless everything succeeded.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps, YamlOutputType } from 'cdk8s';
import { ConfigError, collectWarnings, describeValue } from '../core/errors';
import { isDnsLabel, isDnsName } from '../core/names';
import { architectureDiagram } from './architecture-diagram';
import { ENVIRONMENT_NAME_PATTERN, EnvironmentIdentity, markEnvironment, sharedObjectClashes } from './environment';

/** Options of {@link synthEnvironments}. */
export interface SynthEnvironmentsOptions<E extends EnvironmentIdentity = EnvironmentIdentity> {
  /**
   * The output root: each environment is written to `<outdir>/<name>/`.
   * @default - `CDK8S_OUTDIR` (set by `cdk8s synth`), otherwise `dist`
   */
  readonly outdir?: string;
  /**
   * Synthesize only these environments (names, or one comma-separated string such as an
   * environment variable's value). The folders of the others are left as they are. An unknown
   * name is a problem that lists the known ones.
   * @default - every environment given
   */
  readonly only?: string | readonly string[];
  /**
   * Checks one environment's configuration before any construct of any environment is built.
   * Returns one message per problem (a `ConfigError`'s message, for instance); an empty list when
   * the configuration is usable.
   * @default - only the identity is checked (name, namespace, cluster domain, unique names)
   */
  readonly validate?: (environment: E) => readonly string[];
  /**
   * Writes the service graph of each environment to `<outdir>/<name>/architecture.md`
   * (`architectureDiagram`). `false` writes none; a function returns the document's title.
   * @default true (titled `Architecture: <name> (namespace <namespace>)`)
   */
  readonly architecture?: boolean | ((environment: E) => string);
  /**
   * Objects that two environments both write (same kind, namespace and name, in a namespace they
   * share on a cluster or of a cluster-scoped kind): `error` fails the synth, `warn` reports
   * them as warnings, `ignore` skips the check (environments on separate clusters).
   * @default 'error'
   */
  readonly sharedObjects?: 'error' | 'warn' | 'ignore';
  /**
   * Properties of each environment's `App` (output file extension, resolvers, YAML layout).
   * @default - one file per chart, `.k8s.yaml`
   */
  readonly appProps?: Omit<AppProps, 'outdir'>;
  /**
   * Called with each warning (`[env] path: message`) as it is found. {@link synthEnvironmentsMain}
   * prints them; warnings are also returned in the result.
   * @default - none
   */
  readonly onWarning?: (warning: string) => void;
}

/** What {@link synthEnvironments} wrote. */
export interface SynthEnvironmentsResult {
  /** The output root (absolute). */
  readonly outdir: string;
  /** The environments written, in order. */
  readonly environments: string[];
  /** Files written, relative to `outdir` (`dev/0001-messaging.k8s.yaml`, ...), sorted. */
  readonly files: string[];
  /** Every warning, `[env] path: message`. */
  readonly warnings: string[];
}

/**
 * The synth failed: `problems` holds every problem found, one line each, naming the environment,
 * construct path (or configuration source), field, value received and what is allowed.
 */
export class SynthError extends Error {
  /**
   * @param problems one message each
   * @param outdir the output root
   * @param outcome what happened to the output: by default nothing was written to it
   */
  constructor(public readonly problems: readonly string[], public readonly outdir: string,
    outcome = `nothing was written to ${outdir}`) {
    // A message of several lines stays one indented item.
    super(`synth failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}; ${outcome}:\n`
      + problems.map((p) => `  ${p.replace(/\n/g, '\n    ')}`).join('\n'));
    this.name = 'SynthError';
  }
}

/**
 * Creates the cdk8s `App` of one environment: the environment is recorded on it, so every error
 * and warning below it names the environment; one YAML file per chart.
 */
export function environmentApp(environment: EnvironmentIdentity, outdir: string, props: Omit<AppProps, 'outdir'> = {}): App {
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART, ...props, outdir });
  markEnvironment(app, environment.name);
  return app;
}

/**
 * Synthesizes every environment into `<outdir>/<name>/`, the way the reference platform does:
 *
 * 1. every configuration is checked (`options.validate` and the identity) before anything is built;
 * 2. each environment's app is built by `build` into a staging folder inside `outdir` (the same
 *    file system as the folders it replaces, so a rename moves it), validated and synthesized,
 *    with `architecture.md` beside its manifests;
 * 3. objects written by two of the environments synthesized together are looked for;
 * 4. only when no environment had a problem are the environments' folders moved into place
 *    (a rename each); otherwise nothing is written to `outdir` (the staging folder is removed,
 *    and so is `outdir` when this call created it).
 *
 * Under `cdk8s synth`, the cdk8s CLI empties its output folder (`CDK8S_OUTDIR`) before it runs
 * the app, so there a failed synth leaves that folder empty; run the app directly to keep the
 * previous output.
 *
 * Problems are collected across all environments and thrown together as a {@link SynthError}.
 * A construct that throws while being built stops its own environment's build (its message is
 * reported); the other environments are still built and checked.
 *
 * @param environments every environment of the app
 * @param build adds the environment's charts to its (empty) app
 */
export function synthEnvironments<E extends EnvironmentIdentity>(
  environments: readonly E[],
  build: (app: App, environment: E) => void,
  options: SynthEnvironmentsOptions<E> = {},
): SynthEnvironmentsResult {
  // An empty value (`CDK8S_OUTDIR=`) counts as unset, not as the current folder.
  const outdir = path.resolve(options.outdir || process.env.CDK8S_OUTDIR || 'dist');
  // 1. Configurations, all of them, before any construct exists.
  const identity = identityProblems(environments);
  if (identity.length) throw new SynthError(identity, outdir);
  const selected = selectEnvironments(environments, options.only);
  if (typeof selected === 'string') throw new SynthError([selected], outdir);
  const configProblems = selected.flatMap((e) => configurationProblems(e, options.validate));
  if (configProblems.length) throw new SynthError(configProblems, outdir);

  const created = !fs.existsSync(outdir);
  fs.mkdirSync(outdir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outdir, STAGING_PREFIX));
  let keepStaging = false;
  let written = false;
  try {
    // 2. Build, validate and synthesize each environment; collect, don't stop.
    const problems: string[] = [];
    const warnings: string[] = [];
    const apps: { environment: string; app: App }[] = [];
    const warn = (w: string) => {
      warnings.push(w);
      options.onWarning?.(w);
    };
    for (const env of selected) {
      const envProblems = synthOne(env, build, path.join(staging, env.name), options, apps, warn);
      problems.push(...envProblems);
    }

    // 3. Objects that two environments would both write.
    if ((options.sharedObjects ?? 'error') !== 'ignore' && apps.length > 1) {
      const clashes = sharedObjectClashes(apps);
      if (options.sharedObjects === 'warn') clashes.forEach(warn);
      else problems.push(...clashes);
    }
    if (problems.length) throw new SynthError(problems, outdir);

    // 4. Move into place.
    const stuck = replaceFolders(selected.map((e) => e.name), staging, outdir);
    if (stuck) {
      keepStaging = stuck.kept;
      throw new SynthError([stuck.problem], outdir, stuck.kept
        ? `the previous output of ${stuck.names.join(', ')} could not be put back and is kept in ${path.join(staging, PREVIOUS)}`
        : `${outdir} is as it was`);
    }
    written = true;
    const files = selected.flatMap((e) => listFiles(outdir, e.name)).sort();
    return { outdir, environments: selected.map((e) => e.name), files, warnings };
  } finally {
    if (!keepStaging) fs.rmSync(staging, { recursive: true, force: true });
    // A failed synth leaves no trace: not even the output folder it had to create.
    if (created && !written && !keepStaging) fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The `main` of a cdk8s app's entry file (the `app:` command of `cdk8s.yaml`, or run directly
 * with `node`/`ts-node`): runs {@link synthEnvironments}, prints each warning to stderr as
 * `warning: [env] path: message`, and a one-line summary to stdout. On failure it prints
 * `synth failed ...` and every problem, one per line, to stderr, without a stack trace for
 * configuration problems, and sets the exit code to 1. Returns the result, or undefined on failure.
 *
 * `only` defaults to the `CDK8S_ENVIRONMENTS` environment variable (`dev,prod`).
 */
export function synthEnvironmentsMain<E extends EnvironmentIdentity>(
  environments: readonly E[],
  build: (app: App, environment: E) => void,
  options: SynthEnvironmentsOptions<E> = {},
): SynthEnvironmentsResult | undefined {
  try {
    const result = synthEnvironments(environments, build, {
      ...options,
      only: options.only ?? process.env.CDK8S_ENVIRONMENTS,
      onWarning: (w) => {
        console.warn(`warning: ${w}`);
        options.onWarning?.(w);
      },
    });
    const relative = path.relative(process.cwd(), result.outdir);
    const shown = !relative ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? result.outdir : relative;
    console.log(`synthesized ${result.environments.join(', ')} into ${shown}/ (${result.files.length} files${result.warnings.length ? `, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}` : ''})`);
    return result;
  } catch (e) {
    console.error(e instanceof SynthError ? e.message : `synth failed: ${describeError(e)}`);
    process.exitCode = 1;
    return undefined;
  }
}

/** The selected environments, or the problem with the selection. */
function selectEnvironments<E extends EnvironmentIdentity>(all: readonly E[], only: string | readonly string[] | undefined): E[] | string {
  if (Array.isArray(only) && only.length === 0) {
    return new ConfigError({
      path: '(synth)', field: 'only', received: '[]', allowed: 'names of environments to synthesize (leave only out for all of them)',
    }).message;
  }
  // A string is an environment variable's value: empty (or only commas) selects every environment.
  const names = typeof only === 'string' ? only.split(',') : only ?? [];
  const wanted = names.map((n) => String(n).trim()).filter((n) => n);
  if (!wanted.length) return [...all];
  const unknown = wanted.filter((n) => !all.some((e) => e.name === n));
  if (unknown.length) {
    return new ConfigError({
      path: '(synth)',
      field: 'only',
      received: `${unknown.map((n) => JSON.stringify(n)).join(', ')}, not ${unknown.length === 1 ? 'an environment' : 'environments'} of this app`,
      allowed: `names of its environments: ${all.map((e) => e?.name).join(', ')}`,
    }).message;
  }
  return [...new Set(wanted)].map((n) => all.find((e) => e.name === n)!);
}

/** The problems `validate` finds in one environment, each naming it; a `validate` that fails is one. */
function configurationProblems<E extends EnvironmentIdentity>(env: E, validate: ((environment: E) => readonly string[]) | undefined): string[] {
  if (!validate) return [];
  let result: unknown;
  try {
    result = validate(env);
  } catch (e) {
    return [inEnvironment(env.name, `(synth): validate threw ${describeError(e)}`)];
  }
  if (!Array.isArray(result) || result.some((p) => typeof p !== 'string')) {
    return [inEnvironment(env.name, `(synth): validate: received ${describeValue(result)}; allowed: a list of problem messages (strings), empty when the configuration is usable`)];
  }
  return result.map((p: string) => inEnvironment(env.name, p));
}

/** Problems with the environments' names, namespaces and cluster domains, and repeated names. */
function identityProblems(environments: readonly EnvironmentIdentity[]): string[] {
  if (!Array.isArray(environments) || environments.length === 0) {
    return [new ConfigError({ path: '(synth)', field: 'environments', received: describeValue(environments), allowed: 'a non-empty list of environments' }).message];
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  environments.forEach((env, i) => {
    const name = typeof env?.name === 'string' ? env.name : undefined;
    const fail = (field: string, value: unknown, allowed: string) => problems.push(new ConfigError({
      environment: name, path: '(synth)', field: `environments[${i}].${field}`, received: describeValue(value), allowed,
    }).message);
    if (typeof env !== 'object' || env === null) {
      problems.push(new ConfigError({
        path: '(synth)', field: `environments[${i}]`, received: describeValue(env), allowed: 'an environment object with name, namespace and clusterDomain',
      }).message);
      return;
    }
    if (!name || !ENVIRONMENT_NAME_PATTERN.test(name)) {
      fail('name', env.name, 'lower-case letters, digits and \'-\', starting with a letter, at most 31 characters (also the output folder)');
    } else if (seen.has(name)) {
      fail('name', name, `a name no other environment has (environments[${seen.get(name)}] is also ${JSON.stringify(name)})`);
    } else {
      seen.set(name, i);
    }
    if (!isDnsLabel(env.namespace)) {
      fail('namespace', env.namespace, 'a Kubernetes namespace name (DNS label: lower-case letters, digits and \'-\', at most 63 characters)');
    }
    if (!isDnsName(env.clusterDomain)) {
      fail('clusterDomain', env.clusterDomain, 'a DNS domain such as cluster.local');
    }
  });
  return problems;
}

/** Builds, validates and synthesizes one environment into `dir`; returns its problems. */
function synthOne<E extends EnvironmentIdentity>(
  env: E,
  build: (app: App, environment: E) => void,
  dir: string,
  options: SynthEnvironmentsOptions<E>,
  apps: { environment: string; app: App }[],
  warn: (w: string) => void,
): string[] {
  const app = environmentApp(env, dir, options.appProps);
  let returned: unknown;
  try {
    returned = build(app, env);
  } catch (e) {
    return [inEnvironment(env.name, describeError(e))];
  }
  if (typeof (returned as { then?: unknown } | undefined)?.then === 'function') {
    // The charts would be added after the synth; a rejection would go unreported.
    return [new ConfigError({
      environment: env.name, path: '(synth)', field: 'build', received: 'a Promise (an async function)',
      allowed: 'a function that adds the environment\'s charts to the app before it returns (load what it needs first, then call synthEnvironments)',
    }).message];
  }
  if (app.charts.length === 0) {
    return [new ConfigError({
      environment: env.name, path: '(synth)', field: 'build', received: 'an app with no chart after build',
      allowed: 'the environment\'s charts added to the app build is given (a build that creates and synthesizes an App of its own writes elsewhere)',
    }).message];
  }
  apps.push({ environment: env.name, app });
  try {
    app.synth();
    const architecture = options.architecture ?? true;
    if (architecture !== false) {
      const title = typeof architecture === 'function' ? architecture(env) : `Architecture: ${env.name} (namespace ${env.namespace})`;
      fs.writeFileSync(path.join(dir, 'architecture.md'), architectureDiagram(app, { title }));
    }
  } catch (e) {
    // App.synth validates first and throws every validation error as one block, each prefixed
    // with a construct path the message already names: read them again, one line each (only
    // when the synth failed, so a good synth validates once).
    const problems = validationProblems(app, env.name);
    return problems.length ? problems : [inEnvironment(env.name, describeError(e))];
  }
  collectWarnings(app).forEach(warn);
  return [];
}

/** Every validation error of the app, each once, as the library's one-line messages. */
function validationProblems(app: App, environment: string): string[] {
  const problems = app.node.findAll().flatMap((c) => c.node.validate()
    .map((message) => (message.startsWith(`[${environment}] `) ? message : inEnvironment(environment, `${c.node.path || '(root)'}: ${message}`))));
  return [...new Set(problems)];
}

/** A message prefixed with its environment, unless it already names it. */
function inEnvironment(environment: string, message: string): string {
  return message.startsWith(`[${environment}]`) ? message : `[${environment}] ${message}`;
}

/**
 * An error as one line: a ConfigError's message as it is; any other error (a bug in a build
 * function, most likely) with the place it was thrown from.
 */
function describeError(e: unknown): string {
  if (e instanceof ConfigError) return e.message;
  if (!(e instanceof Error)) return `thrown: ${describeValue(e)}`;
  const frame = e.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim();
  return `${e.name}: ${e.message}${frame ? ` (${frame})` : ''}`;
}

/** Prefix of the staging folder inside the output folder. */
const STAGING_PREFIX = '.synth-staging-';
/** Where, inside the staging folder, the previous folders wait while the new ones move in. */
const PREVIOUS = '.previous';

/** Why the new folders could not all be moved into place. */
interface ReplaceFailure {
  readonly problem: string;
  /** Whether previous folders are still in the staging folder (which must then be kept). */
  readonly kept: boolean;
  /** The environments whose previous folders could not be put back. */
  readonly names: string[];
}

/**
 * Moves `<staging>/<name>` to `<outdir>/<name>` for every name, the previous folders moved aside
 * first. When a move fails, everything moved is put back; returns what went wrong, or undefined
 * when every folder is in place (the previous ones are deleted with the staging folder).
 */
function replaceFolders(names: readonly string[], staging: string, outdir: string): ReplaceFailure | undefined {
  const aside = path.join(staging, PREVIOUS);
  fs.mkdirSync(aside);
  const movedAside = new Set<string>();
  const placed = new Set<string>();
  try {
    for (const name of names) {
      const target = path.join(outdir, name);
      if (fs.existsSync(target)) {
        fs.renameSync(target, path.join(aside, name));
        movedAside.add(name);
      }
      fs.renameSync(path.join(staging, name), target);
      placed.add(name);
    }
    return undefined;
  } catch (e) {
    const notRestored: string[] = [];
    for (const name of names) {
      try {
        if (placed.has(name)) fs.rmSync(path.join(outdir, name), { recursive: true, force: true });
        if (movedAside.has(name)) fs.renameSync(path.join(aside, name), path.join(outdir, name));
      } catch {
        if (movedAside.has(name)) notRestored.push(name);
      }
    }
    return {
      problem: `(synth): moving the new output into ${outdir}: ${describeError(e)}`,
      kept: notRestored.length > 0,
      names: notRestored,
    };
  }
}

/** Files below `<root>/<dir>`, relative to `root`. */
function listFiles(root: string, dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
