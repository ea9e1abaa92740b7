import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ConfigError, ENVIRONMENT_CONTEXT_KEY } from '../core/errors';
import { apiGroupOf } from '../core/kinds';

/** What to plan: exactly one of `app` or `chart`. */
export interface ManifestPlanProps {
  /**
   * Every chart of this app, in the order `cdk8s synth` writes them.
   * @default - `chart` must be given
   */
  readonly app?: App;
  /**
   * This chart and the charts nested in it.
   * @default - `app` must be given
   */
  readonly chart?: Chart;
  /** Prefix of every resource name (`<prefix>:<namespace>/<Kind>/<name>`). */
  readonly resourcePrefix: string;
}

/** One Kubernetes object of a cdk8s app, in the order and with the dependencies it is deployed with. */
export interface PlannedObject {
  /** The object exactly as `cdk8s synth` writes it (a fresh copy). */
  readonly manifest: { readonly [key: string]: any };
  readonly apiVersion: string;
  /** API group; `''` for the core group (`v1`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** `metadata.namespace`, when the object has one. */
  readonly namespace?: string;
  /** Construct path of the chart the object belongs to. */
  readonly chart: string;
  /**
   * Pulumi resource name: `<prefix>:<namespace>/<Kind>/<name>` for objects with a namespace,
   * `<prefix>:<Kind>/<name>` for the others. It does not depend on the chart or the apiVersion, so
   * moving an object between charts does not replace it.
   */
  readonly resourceName: string;
  /** Resource names of the planned objects this one is deployed after. */
  readonly dependsOn: readonly string[];
}

interface Entry {
  readonly object: PlannedObject;
  readonly index: number;
  readonly tier: number;
  readonly deps: Set<number>;
}

const CRD_GROUP = 'apiextensions.k8s.io';

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const group = apiGroupOf(apiVersion);
  return { group, version: group ? apiVersion.slice(group.length + 1) : apiVersion };
}

/**
 * Kubernetes identity of an object. Namespaces and CRDs are cluster-scoped whatever their metadata
 * says (a chart with a namespace writes it on every object).
 */
function identity(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}|${kind}|${isClusterScoped(group, kind) ? '' : namespace ?? ''}|${name}`;
}

function isNamespace(group: string, kind: string): boolean {
  return group === '' && kind === 'Namespace';
}

function isCrd(group: string, kind: string): boolean {
  return group === CRD_GROUP && kind === 'CustomResourceDefinition';
}

/**
 * The kinds the plan treats as cluster-scoped: Namespaces and CRDs only, so far. Other
 * cluster-scoped kinds (core/kinds.ts) keep the namespace their chart writes in their identity
 * and resource name; counting them would rename their Pulumi resources.
 */
function isClusterScoped(group: string, kind: string): boolean {
  return isNamespace(group, kind) || isCrd(group, kind);
}

const NACK_GROUP = 'jetstream.nats.io';
/** NACK kinds whose `spec.account` names a NACK Account object in their namespace. */
const NACK_ACCOUNT_USERS = new Set(['Stream', 'Consumer', 'KeyValue', 'ObjectStore']);

/** Prefix of the server stream that holds a bucket, by NACK kind. */
const BUCKET_STREAM_PREFIX = new Map([['KeyValue', 'KV_'], ['ObjectStore', 'OBJ_']]);

/** A field of an object's spec, when it is a non-empty string. */
function specString(o: PlannedObject, field: string): string | undefined {
  const value = o.manifest.spec?.[field];
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * The name on the server of the JetStream stream a NACK object creates: a Stream's `spec.name`,
 * `KV_<bucket>` for a KeyValue, `OBJ_<bucket>` for an ObjectStore.
 */
function nackStreamName(o: PlannedObject): string | undefined {
  if (o.kind === 'Stream') return specString(o, 'name');
  const prefix = BUCKET_STREAM_PREFIX.get(o.kind);
  const bucket = prefix === undefined ? undefined : specString(o, 'bucket');
  return bucket === undefined ? undefined : `${prefix}${bucket}`;
}

/** Key of a name within a namespace (`''` for an object without one). */
const inNamespace = (namespace: string | undefined, name: string) => `${namespace ?? ''}\0${name}`;

/**
 * Entries ready to be placed, lowest tier first, then synth order: a binary heap, so that ordering
 * n objects takes O(n log n) however many are ready at once.
 */
class ReadyQueue {
  private readonly heap: Entry[] = [];

  private static before(a: Entry, b: Entry): boolean {
    return a.tier !== b.tier ? a.tier < b.tier : a.index < b.index;
  }

  public push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!ReadyQueue.before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  public pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < h.length && ReadyQueue.before(h[left], h[least])) least = left;
      if (right < h.length && ReadyQueue.before(h[right], h[least])) least = right;
      if (least === i) return top;
      [h[i], h[least]] = [h[least], h[i]];
      i = least;
    }
  }
}

function describe(o: { kind: string; namespace?: string; name: string; group: string }): string {
  const gk = o.group ? `${o.kind}.${o.group}` : o.kind;
  return `${gk} ${o.namespace && !isClusterScoped(o.group, o.kind) ? `${o.namespace}/` : ''}${o.name}`;
}

/** A resource name Pulumi accepts: no `::` (the URN separator). */
function resourceNameOf(prefix: string, kind: string, namespace: string | undefined, name: string): string {
  const raw = `${prefix}:${namespace ? `${namespace}/` : ''}${kind}/${name}`;
  return raw.replace(/:{2,}/g, ':');
}

/** The charts to deploy: the app's (topologically sorted, as synth writes them), or one chart and its nested charts. */
function chartsOf(props: ManifestPlanProps): { root: IConstruct; charts: Chart[] } {
  const given = [props.app, props.chart].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new ConfigError({
      path: 'Cdk8sManifests', field: 'app, chart',
      received: given.length ? 'both' : 'neither', allowed: 'exactly one of app or chart',
    });
  }
  if (props.app) return { root: props.app, charts: props.app.charts };
  const chart = props.chart!;
  const app = App.of(chart);
  if (!(app instanceof App)) {
    throw new ConfigError({
      path: chart.node.path, field: 'chart', received: 'a chart outside a cdk8s App', allowed: 'a chart whose root is an App',
    });
  }
  return { root: app, charts: app.charts.filter((c) => c === chart || c.node.scopes.includes(chart)) };
}

/**
 * Collects the objects of a cdk8s app or chart through `chart.toJson()` (the same call, with the
 * same whole-app validation, that `cdk8s synth` makes for every chart) and orders them for
 * deployment: Namespaces first, then CustomResourceDefinitions, then everything else. An object
 * waits for the Namespace it lives in and the CRD that defines its kind when the app holds them,
 * and for what the app declares with cdk8s dependencies (`node.addDependency`, between API
 * objects or between charts). NACK objects wait for the NACK objects they name in the same
 * namespace, as NACK fails them when those are missing: a Consumer for the Stream (or KeyValue,
 * ObjectStore) that creates the stream of its `spec.streamName`, a Stream, Consumer, KeyValue or
 * ObjectStore for the Account its `spec.account` names. A name with no object in the app (created
 * elsewhere) adds no wait. Objects keep their synth order otherwise.
 *
 * Throws on two objects with the same group, kind, namespace and name, and on a dependency cycle.
 */
export function planManifests(props: ManifestPlanProps): PlannedObject[] {
  const { root, charts } = chartsOf(props);
  const environment: string | undefined = root.node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
  const fail = (path: string, field: string, received: string, allowed: string): never => {
    throw new ConfigError({ environment, path, field, received, allowed });
  };

  const entries: Entry[] = [];
  const byIdentity = new Map<string, Entry>();
  const byApiObject = new Map<ApiObject, Entry>();
  const apiObjects = new Set<ApiObject>();
  const byChart = new Map<Chart, Entry[]>();
  const resourceNames = new Map<string, Entry>();

  for (const chart of charts) {
    const manifests: any[] = chart.toJson();
    const chartEntries: Entry[] = [];
    for (const [i, raw] of manifests.entries()) {
      if (raw === undefined || raw === null) continue;
      const manifest = JSON.parse(JSON.stringify(raw));
      const where = `${chart.node.path}[${i}]`;
      const apiVersion = manifest.apiVersion;
      const kind = manifest.kind;
      const name = manifest.metadata?.name;
      if (typeof apiVersion !== 'string' || !apiVersion) fail(where, 'apiVersion', JSON.stringify(apiVersion), 'a non-empty string');
      if (typeof kind !== 'string' || !kind) fail(where, 'kind', JSON.stringify(kind), 'a non-empty string');
      if (typeof name !== 'string' || !name) fail(where, 'metadata.name', JSON.stringify(name), 'a non-empty string (generateName cannot be deployed with a stable resource name)');
      const rawNamespace = manifest.metadata.namespace;
      const namespace = typeof rawNamespace === 'string' && rawNamespace ? rawNamespace : undefined;
      const { group, version } = splitApiVersion(apiVersion);
      const tier = isNamespace(group, kind) ? 0 : isCrd(group, kind) ? 1 : 2;
      const resourceName = resourceNameOf(props.resourcePrefix, kind, isClusterScoped(group, kind) ? undefined : namespace, name);
      const object: PlannedObject = {
        manifest, apiVersion, group, version, kind, name, namespace, chart: chart.node.path, resourceName, dependsOn: [],
      };
      const entry: Entry = { object, index: entries.length, tier, deps: new Set() };

      const id = identity(group, kind, namespace, name);
      const same = byIdentity.get(id);
      if (same) {
        fail(chart.node.path, describe(object), `a second object with this group, kind, namespace and name (the first is in chart ${same.object.chart})`,
          'one object per Kubernetes identity');
      }
      const clash = resourceNames.get(resourceName);
      if (clash && clash.object.apiVersion === apiVersion && clash.object.kind === kind) {
        fail(chart.node.path, describe(object), `the resource name ${JSON.stringify(resourceName)}, already used by ${describe(clash.object)}`,
          'a distinct Pulumi resource name per object');
      }
      byIdentity.set(id, entry);
      resourceNames.set(resourceName, entry);
      entries.push(entry);
      chartEntries.push(entry);
    }
    byChart.set(chart, chartEntries);

    // The API object constructs behind the JSON, to carry cdk8s dependencies over.
    for (const c of chart.node.findAll()) {
      if (!(c instanceof ApiObject) || Chart.of(c) !== chart) continue;
      apiObjects.add(c);
      const { group } = splitApiVersion(c.apiVersion);
      const entry = byIdentity.get(identity(group, c.kind, c.metadata.namespace || undefined, c.name));
      if (entry) byApiObject.set(c, entry);
    }
  }
  const entryOf = (c: ApiObject): Entry => byApiObject.get(c) ?? fail(c.node.path, 'dependencies',
    `a dependency of or on an object whose synthesized kind, namespace or name differs from its construct's (${c.kind} ${c.name}, changed by a JSON patch?)`,
    'dependencies between objects that keep their identity');

  // Namespaces and CRDs in the app; NACK streams (by namespace and stream name on the server) and
  // Accounts (by namespace and object name, as NACK looks them up). One pass, one lookup per object.
  const namespaces = new Map<string, Entry>();
  const crds = new Map<string, Entry>();
  const nackStreams = new Map<string, Entry[]>();
  const nackAccounts = new Map<string, Entry>();
  for (const e of entries) {
    const o = e.object;
    if (e.tier === 0) namespaces.set(o.name, e);
    if (e.tier === 1) {
      const spec = o.manifest.spec ?? {};
      if (typeof spec.group === 'string' && typeof spec.names?.kind === 'string') crds.set(`${spec.group}|${spec.names.kind}`, e);
    }
    if (o.group !== NACK_GROUP) continue;
    if (o.kind === 'Account') nackAccounts.set(inNamespace(o.namespace, o.name), e);
    const streamName = nackStreamName(o);
    if (streamName !== undefined) {
      // Streams of one name in other accounts or systems may share a namespace: wait for each.
      const key = inNamespace(o.namespace, streamName);
      const same = nackStreams.get(key);
      if (same) same.push(e); else nackStreams.set(key, [e]);
    }
  }
  const addDep = (from: Entry, to: Entry) => { if (from !== to) from.deps.add(to.index); };
  for (const e of entries) {
    const o = e.object;
    if (o.namespace && !isClusterScoped(o.group, o.kind)) {
      const ns = namespaces.get(o.namespace);
      if (ns) addDep(e, ns);
    }
    const crd = crds.get(`${o.group}|${o.kind}`);
    if (crd) addDep(e, crd);
    if (o.group !== NACK_GROUP) continue;
    const streamName = o.kind === 'Consumer' ? specString(o, 'streamName') : undefined;
    if (streamName !== undefined) for (const stream of nackStreams.get(inNamespace(o.namespace, streamName)) ?? []) addDep(e, stream);
    const account = NACK_ACCOUNT_USERS.has(o.kind) ? specString(o, 'account') : undefined;
    const accountEntry = account !== undefined ? nackAccounts.get(inNamespace(o.namespace, account)) : undefined;
    if (accountEntry) addDep(e, accountEntry);
  }
  // cdk8s dependencies (chart.toJson() has already turned construct dependencies into API object ones).
  for (const apiObject of apiObjects) {
    for (const dep of apiObject.node.dependencies) {
      if (dep instanceof ApiObject && apiObjects.has(dep)) addDep(entryOf(apiObject), entryOf(dep));
    }
  }
  for (const [chart, chartEntries] of byChart) {
    for (const dep of chart.node.dependencies) {
      const targets = dep instanceof Chart ? byChart.get(dep) : undefined;
      if (!targets) continue;
      for (const e of chartEntries) for (const t of targets) addDep(e, t);
    }
  }

  // Topological order: among the objects whose dependencies are placed, the lowest tier first,
  // then synth order.
  const dependents: number[][] = entries.map(() => []);
  const waiting = entries.map((e) => e.deps.size);
  const ready = new ReadyQueue();
  for (const e of entries) {
    for (const d of e.deps) dependents[d].push(e.index);
    if (e.deps.size === 0) ready.push(e);
  }
  const placed = new Set<number>();
  const order: Entry[] = [];
  for (let next = ready.pop(); next; next = ready.pop()) {
    placed.add(next.index);
    order.push(next);
    for (const d of dependents[next.index]) if (--waiting[d] === 0) ready.push(entries[d]);
  }
  if (order.length < entries.length) {
    // Every object left waits for another one left: walk those waits until one repeats.
    const walk: Entry[] = [];
    const walked = new Set<Entry>();
    let at = entries.find((e) => !placed.has(e.index))!;
    while (!walked.has(at)) {
      walk.push(at);
      walked.add(at);
      at = entries[[...at.deps].find((d) => !placed.has(d))!];
    }
    const cycle = [...walk.slice(walk.indexOf(at)), at].map((e) => describe(e.object));
    fail(props.app ? 'app' : props.chart!.node.path, 'dependencies', `a cycle: ${cycle.join(' waits for ')}`, 'dependencies without cycles');
  }
  return order.map((e) => ({
    ...e.object,
    dependsOn: [...e.deps].sort((a, b) => a - b).map((d) => entries[d].object.resourceName),
  }));
}
