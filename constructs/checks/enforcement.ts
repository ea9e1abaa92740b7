/**
 * The layers agree with the service graph, checked once per app:
 * - every declared call (and every gateway route) is admitted by Istio: a caller outside the mesh
 *   cannot be matched by an ALLOW policy, and a target under deny-all needs a ServiceAuthorization;
 * - in an app that enforces anything (a NamespaceBaseline, a ServiceAuthorization or deny-all),
 *   every target that the graph declares callers for is closed to the others: its namespace's
 *   NetworkPolicies deny by default (a NamespaceBaseline without `allowWithinNamespace`), or the
 *   mesh does (a ServiceAuthorization on it, or deny-all in its namespace);
 * - principals given by hand name a ServiceAccount that exists, when their namespace is one the
 *   app manages;
 * - a call to an external service from a namespace whose NetworkPolicies deny egress has an
 *   address range or an egress gateway to go to.
 * NetworkPolicies and Istio rules are both derived from the same calls, so a declared call is
 * admitted by both by construction; these checks catch what derivation cannot fix.
 */
import { AppIndex, IAppCheck, ProblemReport } from '../core/app-index';
import type { ServiceAuthorization } from '../mesh/service-authorization';
import type { IWorkload } from '../workloads/workload';
import { CallEdge, EXTERNAL_CALLS, allCalls, appKey, versionsOf } from './graph';
import { DEFAULT_DENIES, SERVICE_AUTHORIZATIONS } from './mesh';
import { NAMESPACE_BASELINES, WORKLOADS, meshSidecarResources } from './namespaces';

const authzTarget = (a: ServiceAuthorization) => appKey(a.target);
const denyNamespace = (d: { namespaceName: string }) => d.namespaceName;
const baselineNamespace = (b: { namespaceName: string }) => b.namespaceName;

/** Why `w` has no sidecar to carry its identity, or undefined when it has one. */
function outsideMesh(index: AppIndex, w: IWorkload): string | undefined {
  if (w.sidecarOptOut) return w.managed ? 'its pods opt out of sidecar injection' : 'it runs without a sidecar (inMesh: false)';
  if (w.managed && !meshSidecarResources(index, w.namespace)) return `namespace ${w.namespace} is not enrolled in the mesh`;
  return undefined;
}

function describeCall(e: CallEdge): string {
  const ports = e.ports ? ` on port${e.ports.length > 1 ? 's' : ''} ${e.ports.join(', ')}` : '';
  return e.nats ? `${e.from.name} logs in to NATS cluster ${e.nats.clusterName}${ports}` : `${e.from.name} calls ${e.to.name}${ports} (declared at ${e.declaredAt.node.path})`;
}

function checkCall(index: AppIndex, report: ProblemReport, e: CallEdge): void {
  const target = e.to;
  if (!target.managed) return;
  const policies = index.find(SERVICE_AUTHORIZATIONS, authzTarget, appKey(target));
  const denied = index.find(DEFAULT_DENIES, denyNamespace, target.namespace ?? '').length > 0;
  // Callers given in a ServiceAuthorization are checked there, with their position in `callers`.
  const why = policies.some((p) => p === e.declaredAt) ? undefined : outsideMesh(index, e.from);
  if (why !== undefined && (policies.length > 0 || denied)) {
    report.add(e.from, `calls(${target.name})`, `${describeCall(e)}, from outside the mesh (${why})`,
      `a caller in the mesh: ${target.name} admits only callers whose sidecar carries their identity (${policies.length ? `ServiceAuthorization ${policies[0].node.path}` : 'deny-all'}), so this call would be refused`);
  }
  if (denied && policies.length === 0 && !target.sidecarOptOut) {
    report.add(e.from, `calls(${target.name})`, `${describeCall(e)}, under deny-all in namespace ${target.namespace}, without a ServiceAuthorization for ${target.name}`,
      `a ServiceAuthorization for ${target.name} (its rules come from the graph): deny-all refuses every call it does not allow`);
  }
}

/** A target with declared callers must be closed to the others by the network or the mesh. */
function checkClosed(index: AppIndex, report: ProblemReport, target: IWorkload, first: CallEdge): void {
  const baseline = index.find(NAMESPACE_BASELINES, baselineNamespace, target.namespace ?? '')[0];
  const networkClosed = baseline !== undefined && !baseline.allowWithinNamespace;
  if (networkClosed) return;
  const meshClosed = !target.sidecarOptOut && meshSidecarResources(index, target.namespace) !== undefined
    && (index.find(SERVICE_AUTHORIZATIONS, authzTarget, appKey(target)).length > 0
      || index.find(DEFAULT_DENIES, denyNamespace, target.namespace ?? '').length > 0);
  if (meshClosed) return;
  const network = baseline ? `NamespaceBaseline ${baseline.node.path} allows every pod of ${target.namespace} (allowWithinNamespace)` : `no NamespaceBaseline denies by default in ${target.namespace}`;
  report.add(target, 'callers', `${target.name}, called by ${first.from.name} (${first.declaredAt.node.path}), open to undeclared callers: ${network}, and no ServiceAuthorization or deny-all covers it`,
    'a target closed to callers the graph does not declare: a NamespaceBaseline for its namespace, or a ServiceAuthorization (or DefaultDeny) in the mesh');
}

/** Principals given by hand in a ServiceAuthorization, for a namespace the app manages, name a ServiceAccount of it. */
function checkPrincipals(index: AppIndex, report: ProblemReport): void {
  const accounts = new Map<string, Set<string>>();
  for (const w of index.list(WORKLOADS)) {
    const set = accounts.get(w.namespace ?? '') ?? new Set<string>();
    set.add(w.serviceAccountName);
    accounts.set(w.namespace ?? '', set);
  }
  for (const a of index.list(SERVICE_AUTHORIZATIONS)) {
    a.callers.forEach((c, i) => {
      if (c.principal === undefined) return;
      const m = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(c.principal);
      if (!m || index.find(NAMESPACE_BASELINES, baselineNamespace, m[1]).length === 0) return;
      const known = accounts.get(m[1]) ?? new Set<string>();
      if (known.has(m[2])) return;
      report.add(a, `callers[${i}].principal`, `${c.principal}: no workload of namespace ${m[1]} runs as ServiceAccount ${m[2]}`,
        `the ServiceAccount of a workload in ${m[1]}, which this app manages (${[...known].sort().join(', ') || 'it has no workloads'}); a typo here is a 403 at run time`);
    });
  }
}

/** A call to an external service from a namespace whose NetworkPolicies deny egress needs a way out. */
function checkExternalEgress(index: AppIndex, report: ProblemReport): void {
  for (const c of index.list(EXTERNAL_CALLS)) {
    const baseline = index.find(NAMESPACE_BASELINES, baselineNamespace, c.from.namespace ?? '')[0];
    if (!baseline || c.service.cidrs.length > 0 || c.service.egressGateway !== undefined) continue;
    report.add(c.service, `addCaller(${c.from.name})`,
      `${c.from.name} calling ${c.service.hosts.join(', ')} on port${c.ports.length > 1 ? 's' : ''} ${c.ports.join(', ')}, with no address or egress gateway to open its egress to (NamespaceBaseline ${baseline.node.path} denies egress)`,
      'cidrs (the addresses the hosts resolve to) or an egressGateway: NetworkPolicies match addresses, not names, so without one the call never leaves the namespace');
  }
}

/** Runs every rule above. */
export const enforcementCheck: IAppCheck = {
  name: 'service graph: every layer admits the declared calls, and only those',
  run(index, report) {
    // The first call from another application to each target (calls among a target's own pods,
    // such as NATS routes, say nothing about other callers; gateway routes are checked with deny-all).
    const firstCallTo = new Map<string, { target: IWorkload; edge: CallEdge }>();
    for (const e of allCalls(index)) {
      checkCall(index, report, e);
      if (e.to.managed && appKey(e.from) !== appKey(e.to) && !firstCallTo.has(appKey(e.to))) firstCallTo.set(appKey(e.to), { target: e.to, edge: e });
    }
    // An app that enforces nothing (no baseline, no policy) uses the graph as documentation only.
    const enforces = index.list(NAMESPACE_BASELINES).length + index.list(SERVICE_AUTHORIZATIONS).length + index.list(DEFAULT_DENIES).length > 0;
    for (const { target, edge } of enforces ? firstCallTo.values() : []) {
      for (const v of versionsOf(index, target)) checkClosed(index, report, v, edge);
    }
    checkPrincipals(index, report);
    checkExternalEgress(index, report);
  },
};
