/**
 * An architecture diagram of an app, drawn from its service graph: a Markdown document with a
 * Mermaid flowchart of the ingress gateways, the applications (their versions grouped), the
 * workloads outside the app, the NATS clusters and the JetStream streams, consumers and buckets,
 * and the edges the graph declares between them (calls, gateway routes, NATS logins, messaging).
 *
 * Everything comes from the app's index (constructs/core/app-index.ts): nothing walks the construct
 * tree, and nothing is drawn that the graph does not declare. The output is deterministic: nodes
 * and edges are sorted, ids are derived from names, and the same app gives the same bytes.
 */
import type { IConstruct } from 'constructs';
import { CALLS, MESSAGING, MessagingKind, NATS_CONNECTIONS, appKey } from '../checks/graph';
import { JETSTREAM_CONSUMERS, JETSTREAM_STREAMS, clusterKey } from '../checks/jetstream';
import { GATEWAY_EXPOSURES, MESH_GATEWAYS } from '../checks/mesh';
import { WORKLOADS } from '../checks/namespaces';
import { AppIndex } from '../core/app-index';
import { throwFirst } from '../core/errors';
import { BOOL, shape, str } from '../core/runtime-types';
import type { IMeshGateway } from '../mesh/mesh-references';
import type { IJetStreamBucket } from '../nats/jetstream-storage';
import type { IJetStreamConsumer } from '../nats/jetstream-consumer';
import type { INatsCluster } from '../nats/nats-cluster';
import type { IWorkload } from '../workloads/workload';

/** Options of `architectureDiagram`. */
export interface ArchitectureDiagramOptions {
  /**
   * The document's title (a level-1 Markdown heading).
   * @default 'Architecture'
   */
  readonly title?: string;
  /**
   * Include the legend (what the shapes and edges mean) under the title.
   * @default true
   */
  readonly legend?: boolean;
}

/**
 * A Markdown document describing the app `scope` belongs to: a title, a short legend and a
 * Mermaid `flowchart LR` of its service graph, grouped in one subgraph per namespace and one for
 * NATS and JetStream.
 *
 * Nodes: ingress gateways (those of the app and those its routes bind to), applications (the
 * workloads of one `app` in one namespace, with their names), workloads outside the app
 * (`Workload.fromAttributes`, hexagons), NATS clusters (a cluster's server workload is drawn as
 * the cluster, and the calls between its servers are not drawn), JetStream streams with their
 * subjects, durable consumers, key-value and object stores. Edges, in the direction requests and
 * messages flow: calls (ports, methods, paths), gateway routes (the route's hosts, methods,
 * paths), NATS logins (dotted), `publishes` and `subscribes` subjects, publishing into a stream,
 * stream to consumer to consuming workload, and `uses` of a bucket. Core NATS subjects are drawn to the clusters the application logs in to,
 * or to a "no connectsToNats" node when it declares none.
 *
 * Deterministic: node ids are sanitized names (`[A-Za-z0-9_]`), nodes and edges are sorted, and
 * the document holds no timestamp, so the same app gives the same text.
 */
export function architectureDiagram(scope: IConstruct, options: ArchitectureDiagramOptions = {}): string {
  const wrong = DIAGRAM_OPTIONS.problem(options);
  if (wrong) throwFirst(scope, 'options', [wrong]);
  const title = (options.title ?? 'Architecture').replace(/\s+/g, ' ').trim() || 'Architecture';
  const out = [`# ${title}`, ''];
  if (options.legend ?? true) out.push(...LEGEND, '');
  out.push('```mermaid', ...architectureFlowchart(scope), '```', '');
  return out.join('\n');
}

const DIAGRAM_OPTIONS = shape({ title: str(), legend: BOOL }, 'options { title, legend }');

const LEGEND = [
  'Generated from the service graph the app declares (calls, gateway routes, NATS logins and messaging); only declared edges are drawn.',
  '',
  '- Nodes: ingress gateway (stadium), application with its versions (rectangle), workload outside the app (hexagon, dashed),'
    + ' NATS cluster (double-sided box), JetStream stream, key-value or object store (cylinder), durable consumer (flag).',
  '- Edges follow requests and messages: calls (port, methods, paths), gateway routes (hosts, methods, paths),'
    + ' `publishes` and `subscribes` subjects, stream to consumer to consuming workload, `uses` of a bucket; dotted: NATS login.',
];

/** The shapes of the nodes. */
enum Shape {
  GATEWAY,
  APP,
  EXTERNAL,
  NATS,
  STORE,
  CONSUMER,
}

interface NodeSpec {
  /** Identity of the node (unique; sorted to assign ids). */
  readonly key: string;
  /** The id it would like (sanitized, made unique). */
  readonly preferredId: string;
  readonly shape: Shape;
  /** Lines of the label (escaped when rendered). */
  readonly lines: string[];
  /** Key of the subgraph it is drawn in. */
  readonly group: string;
}

interface EdgeSpec {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly dotted?: boolean;
}

const NATS_GROUP = '\uffffnats';
const NO_NAMESPACE = '\u0000';
const UNCONNECTED = 'nats\0unconnected';

/** The Mermaid lines of the flowchart (without the fences). */
function architectureFlowchart(scope: IConstruct): string[] {
  const index = AppIndex.of(scope);
  const nodes = new Map<string, NodeSpec>();
  const edges = new Map<string, EdgeSpec>();
  const addNode = (n: NodeSpec) => {
    if (!nodes.has(n.key)) nodes.set(n.key, n);
    return n.key;
  };
  const addEdge = (e: EdgeSpec) => {
    edges.set(`${e.from}\0${e.to}\0${e.dotted ? 1 : 0}\0${e.label ?? ''}`, e);
  };

  // NATS clusters: those the records name, and those whose servers are workloads of the app.
  const clusters = new Map<string, INatsCluster[]>();
  const noteCluster = (c: INatsCluster) => {
    const k = clusterKey(c);
    const list = clusters.get(k);
    if (!list) clusters.set(k, [c]);
    else if (!list.includes(c)) list.push(c);
    return k;
  };
  const workloads = index.list(WORKLOADS);
  for (const w of workloads) {
    const parent = w.node.scope as Partial<INatsCluster> | undefined;
    if (parent && parent.serverWorkload === w && typeof parent.clientUrl === 'string') noteCluster(parent as INatsCluster);
  }
  const footprints = index.list(JETSTREAM_STREAMS);
  const consumers = index.list(JETSTREAM_CONSUMERS);
  const connections = index.list(NATS_CONNECTIONS);
  const messaging = index.list(MESSAGING);
  footprints.forEach((f) => noteCluster(f.cluster));
  consumers.forEach((c) => noteCluster(c.stream.cluster));
  connections.forEach((c) => noteCluster(c.cluster));
  for (const m of messaging) {
    for (const c of [m.stream?.cluster, m.consumer?.stream.cluster, m.bucket?.cluster]) if (c) noteCluster(c);
  }
  const serverOf = new Map<IWorkload, string>();
  for (const [k, list] of clusters) {
    for (const c of list) if (c.serverWorkload) serverOf.set(c.serverWorkload, k);
  }
  const severalClusters = clusters.size > 1;

  const versionsByApp = groupBy(workloads, appKey);
  const loginsByApp = groupBy(connections, (c) => `${c.workload.managed ? 'app' : 'ext'}\0${appKey(c.workload)}`);

  // Workloads outside the app, by application (several may name one).
  const externalNames = new Map<string, Set<string>>();
  const exposures = index.list(GATEWAY_EXPOSURES) as readonly ExposureView[];
  const calls = index.list(CALLS);
  const referenced: IWorkload[] = [
    ...calls.flatMap((c) => [c.from, c.to]), ...connections.map((c) => c.workload), ...messaging.map((m) => m.workload),
    ...exposures.flatMap((e) => e.workloads),
  ];
  for (const w of referenced) {
    if (w.managed) continue;
    const set = externalNames.get(appKey(w));
    if (set) set.add(w.name);
    else externalNames.set(appKey(w), new Set([w.name]));
  }

  const clusterNode = (k: string): string => {
    const list = clusters.get(k)!;
    // Of several references to one system, the one defined in the app names it.
    const c = [...list].sort((a, b) => (a.serverWorkload ? 0 : 1) - (b.serverWorkload ? 0 : 1) || cmp(clusterText(a), clusterText(b)))[0];
    return addNode({ key: `nats\0${k}`, preferredId: `nats_${c.clusterName}`, shape: Shape.NATS, lines: [clusterText(c)], group: NATS_GROUP });
  };
  const clusterName = (c: INatsCluster) => (severalClusters ? [`on ${c.clusterName}`] : []);
  const accountLine = (account: string) => (account && account !== '$G' ? [`account ${account}`] : []);

  const workloadNode = (w: IWorkload): string => {
    const server = serverOf.get(w);
    if (server !== undefined) return clusterNode(server);
    const key = `${w.managed ? 'app' : 'ext'}\0${appKey(w)}`;
    const existing = nodes.get(key);
    if (existing) return key;
    const names = w.managed
      ? (versionsByApp.get(appKey(w)) ?? []).filter((x) => !serverOf.has(x)).map((x) => x.name)
      : [...(externalNames.get(appKey(w)) ?? [])];
    names.push(w.name);
    const versions = [...new Set(names)].sort(cmp);
    const lines = [w.app];
    if (versions.length !== 1 || versions[0] !== w.app) lines.push(versions.join(', '));
    if (!w.managed) lines.push('outside the app');
    return addNode({
      key, preferredId: `${w.managed ? 'app' : 'ext'}_${w.namespace ?? ''}_${w.app}`,
      shape: w.managed ? Shape.APP : Shape.EXTERNAL, lines, group: w.namespace ?? NO_NAMESPACE,
    });
  };

  const streamIdentity = (cluster: INatsCluster, account: string, streamName: string) => `${clusterKey(cluster)}\0${account}\0${streamName}`;
  const streamNode = (s: { cluster: INatsCluster; account: string; streamName: string; subjects: readonly string[] }): string => {
    clusterNode(noteCluster(s.cluster));
    return addNode({
      key: `stream\0${streamIdentity(s.cluster, s.account, s.streamName)}`, preferredId: `stream_${s.streamName}`, shape: Shape.STORE,
      lines: [`stream ${s.streamName}`, ...(s.subjects.length ? [brief(s.subjects, 4, ', ')] : []), ...accountLine(s.account), ...clusterName(s.cluster)],
      group: NATS_GROUP,
    });
  };
  const bucketNode = (b: IJetStreamBucket): string => {
    clusterNode(noteCluster(b.cluster));
    const kv = (b.bucketType as string) === 'kv';
    return addNode({
      key: `bucket\0${streamIdentity(b.cluster, b.account, b.streamName)}`, preferredId: `${kv ? 'kv' : 'obj'}_${b.bucket}`, shape: Shape.STORE,
      lines: [`${kv ? 'KV' : 'object store'} ${b.bucket}`, ...accountLine(b.account), ...clusterName(b.cluster)], group: NATS_GROUP,
    });
  };
  const consumerNode = (c: IJetStreamConsumer): string => {
    const stream = streamNode(c.stream);
    const key = addNode({
      key: `consumer\0${streamIdentity(c.stream.cluster, c.stream.account, c.stream.streamName)}\0${c.durableName}`,
      preferredId: `consumer_${c.stream.streamName}_${c.durableName}`, shape: Shape.CONSUMER,
      lines: [`consumer ${c.durableName}`], group: NATS_GROUP,
    });
    const filters = (c as { filterSubjects?: unknown }).filterSubjects;
    const label = Array.isArray(filters) && filters.length ? brief(filters.map(String), 3, ', ') : undefined;
    addEdge({ from: stream, to: key, label });
    return key;
  };

  // Gateways: those of the app, and those its routes bind to.
  const gatewayNode = (g: IMeshGateway): string => addNode({
    key: `gateway\0${g.reference}`, preferredId: `gw_${g.gatewayNamespace}_${g.gatewayName}`, shape: Shape.GATEWAY,
    lines: [`gateway ${g.reference}`, ...(g.hosts?.length ? [brief(g.hosts, 3, ', ')] : [])],
    group: g.workloadNamespace ?? NO_NAMESPACE,
  });
  index.list(MESH_GATEWAYS).forEach(gatewayNode);

  // Applications, and the clusters whose servers run in the app.
  workloads.forEach(workloadNode);
  for (const k of clusters.keys()) clusterNode(k);

  // JetStream resources of the app.
  for (const f of footprints) {
    const b = f.construct as Partial<IJetStreamBucket>;
    if (typeof b.bucket === 'string' && typeof b.bucketType === 'string') bucketNode(b as IJetStreamBucket);
    else streamNode(f);
  }
  consumers.forEach(consumerNode);

  // Gateway routes.
  for (const e of exposures) {
    const hosts = stringList((e.owner as { hosts?: unknown }).hosts);
    const label = requestLabel(hosts.length ? brief(hosts, 2, ', ') : undefined, e.methods, e.paths);
    for (const g of e.gateways) {
      const from = gatewayNode(g);
      for (const w of e.workloads) addEdge({ from, to: workloadNode(w), label: label || 'route' });
    }
  }

  // Calls (but not the traffic between the servers of one cluster, drawn as one node).
  for (const c of calls) {
    const server = serverOf.get(c.from);
    if (server !== undefined && server === serverOf.get(c.to)) continue;
    const ports = c.ports?.length ? c.ports.join(',') : 'all ports';
    addEdge({ from: workloadNode(c.from), to: workloadNode(c.to), label: requestLabel(ports, c.methods, c.paths) });
  }

  // NATS logins and messaging.
  for (const c of connections) {
    addEdge({ from: workloadNode(c.workload), to: clusterNode(clusterKey(c.cluster)), label: `connects as ${c.user}`, dotted: true });
  }
  const loginsOf = (w: IWorkload): string[] => {
    const logins = loginsByApp.get(`${w.managed ? 'app' : 'ext'}\0${appKey(w)}`) ?? [];
    const keys = [...new Set(logins.map((c) => clusterNode(clusterKey(c.cluster))))];
    return keys.length ? keys : [addNode({ key: UNCONNECTED, preferredId: 'nats_unconnected', shape: Shape.NATS, lines: ['NATS', 'no connectsToNats'], group: NATS_GROUP })];
  };
  for (const m of messaging) {
    const w = workloadNode(m.workload);
    const subjects = brief(m.subjects ?? [], 3, ', ');
    switch (m.kind) {
      case MessagingKind.PUBLISH:
        for (const n of loginsOf(m.workload)) addEdge({ from: w, to: n, label: `publishes ${subjects}` });
        break;
      case MessagingKind.SUBSCRIBE:
        for (const n of loginsOf(m.workload)) addEdge({ from: n, to: w, label: `subscribes ${subjects}` });
        break;
      case MessagingKind.PUBLISH_TO_STREAM:
        if (m.stream) addEdge({ from: w, to: streamNode(m.stream), label: `publishes ${m.subjects?.length ? subjects : brief(m.stream.subjects, 3, ', ')}`.trim() });
        break;
      case MessagingKind.CONSUME:
        if (m.consumer) addEdge({ from: consumerNode(m.consumer), to: w, label: 'consumes' });
        break;
      case MessagingKind.USE_BUCKET:
        if (m.bucket) addEdge({ from: w, to: bucketNode(m.bucket), label: 'uses' });
        break;
    }
  }

  return render(nodes, edges);
}

/** A gateway exposure as recorded (ports, paths and methods when the route gives them). */
interface ExposureView {
  readonly owner: IConstruct;
  readonly workloads: readonly IWorkload[];
  readonly gateways: readonly IMeshGateway[];
  readonly paths?: readonly string[];
  readonly methods?: readonly string[];
}

/** `<lead> <methods> <paths>`, leaving out what is absent. */
function requestLabel(lead: string | undefined, methods?: readonly string[], paths?: readonly string[]): string {
  const parts: string[] = [];
  if (lead) parts.push(lead);
  if (methods?.length) parts.push([...methods].sort(cmp).join(','));
  if (paths?.length) parts.push(brief(paths, 3, ','));
  return parts.join(' ');
}

/** The first `max` items joined, and how many more there are. */
function brief(items: readonly string[], max: number, sep: string): string {
  const shown = items.slice(0, max).join(sep);
  return items.length > max ? `${shown}${sep}+${items.length - max} more` : shown;
}

function groupBy<T>(items: readonly T[], by: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = by(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

function clusterText(c: INatsCluster): string {
  return `NATS ${c.clusterName}${c.namespaceName ? ` (${c.namespaceName})` : ''}`;
}

/** Code-unit order: the same in every locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Label text for Mermaid, inside double quotes: the characters Mermaid or Markdown would read
 * (`"`, `#`, `<`, `>`, `|`, `&`, backquote) as entity codes, whitespace as single spaces.
 */
function escapeMermaidLabel(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[#"<>|&`]/g, (ch) => ENTITIES[ch]);
}

const ENTITIES: { [ch: string]: string } = {
  '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '|': '#124;', '&': '#amp;', '`': '#96;',
};

const SHAPES: { [shape: number]: [string, string] } = {
  [Shape.GATEWAY]: ['(["', '"])'],
  [Shape.APP]: ['["', '"]'],
  [Shape.EXTERNAL]: ['{{"', '"}}'],
  [Shape.NATS]: ['[["', '"]]'],
  [Shape.STORE]: ['[("', '")]'],
  [Shape.CONSUMER]: ['>"', '"]'],
};

/** `[A-Za-z0-9_]`, starting with a letter. */
function sanitizeId(text: string): string {
  const id = text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(id) ? id : `n_${id}`;
}

function render(nodes: Map<string, NodeSpec>, edges: Map<string, EdgeSpec>): string[] {
  // Ids: sanitized names, made unique in the order of the nodes' keys.
  const used = new Set<string>();
  const unique = (preferred: string) => {
    const base = sanitizeId(preferred);
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    return id;
  };
  const ids = new Map<string, string>();
  for (const key of [...nodes.keys()].sort(cmp)) ids.set(key, unique(nodes.get(key)!.preferredId));

  const groups = new Map<string, NodeSpec[]>();
  for (const n of nodes.values()) {
    const list = groups.get(n.group);
    if (list) list.push(n);
    else groups.set(n.group, [n]);
  }
  const lines = ['flowchart LR'];
  for (const group of [...groups.keys()].sort(cmp)) {
    const title = group === NATS_GROUP ? 'NATS / JetStream' : group === NO_NAMESPACE ? 'no namespace' : `namespace ${group}`;
    const id = unique(group === NATS_GROUP ? 'nats_jetstream' : group === NO_NAMESPACE ? 'ns_none' : `ns_${group}`);
    lines.push(`  subgraph ${id}["${escapeMermaidLabel(title)}"]`);
    const members = groups.get(group)!.map((n) => ({ n, id: ids.get(n.key)! })).sort((a, b) => cmp(a.id, b.id));
    for (const { n, id: nodeId } of members) {
      const [open, close] = SHAPES[n.shape];
      lines.push(`    ${nodeId}${open}${n.lines.map(escapeMermaidLabel).join('<br/>')}${close}`);
    }
    lines.push('  end');
  }
  const rendered = [...edges.values()].map((e) => {
    const from = ids.get(e.from)!;
    const to = ids.get(e.to)!;
    const arrow = e.dotted ? '-.->' : '-->';
    const text = `  ${from} ${arrow}${e.label ? `|"${escapeMermaidLabel(e.label)}"|` : ''} ${to}`;
    return { from, to, text };
  }).sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.text, b.text));
  lines.push(...rendered.map((e) => e.text));
  const external = [...nodes.values()].filter((n) => n.shape === Shape.EXTERNAL).map((n) => ids.get(n.key)!).sort(cmp);
  if (external.length) {
    lines.push('  classDef external stroke-dasharray: 5 5', `  class ${external.join(',')} external`);
  }
  return lines;
}
