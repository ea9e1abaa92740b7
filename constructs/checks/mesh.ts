/**
 * Cross-construct rules of the Istio layer, run once per app over the index:
 * - gateways: one Gateway per name and namespace (Istio and Gateway API), no host served twice on
 *   a port by Gateways of the same gateway workload (IST0145);
 * - routes: one mesh-bound VirtualService per host (IST0109);
 * - mTLS: one MeshTls per namespace and one mesh-wide;
 * - deny-all: one DefaultDeny per namespace, no gateway pods in it, and every workload a gateway
 *   routes to under it has a ServiceAuthorization;
 * - authorization: one policy per name, targets and callers in the mesh, at least one rule
 *   (given, or derived from the service graph: calls and gateway-bound routes).
 * Of a conflicting pair, the one recorded later reports it.
 */
import type { IConstruct } from 'constructs';
import { AppIndex, IAppCheck, IndexKey, ProblemReport } from '../core/app-index';
import { describeValue } from '../core/errors';
import { hostsOverlap, selectorText } from '../core/hosts';
import type { DefaultDeny } from '../mesh/default-deny';
import type { MeshGateway } from '../mesh/mesh-gateway';
import type { GatewayExposure } from '../mesh/mesh-references';
import type { MeshTls, MtlsMode } from '../mesh/mesh-tls';
import type { ServiceAuthorization } from '../mesh/service-authorization';
import type { HttpMethod } from '../workloads/port';
import type { Workload } from '../workloads/workload';
import { enforcementCheck } from './enforcement';
import { meshSidecarResources } from './namespaces';

/** MtlsMode values, read as values (the checks import no construct at run time). */
const STRICT = 'STRICT' as MtlsMode;
const PERMISSIVE = 'PERMISSIVE' as MtlsMode;

/** A mesh-bound VirtualService: the host it binds, fully qualified as Istio reads it. */
export interface MeshHostBinding {
  /** The construct that writes it (a ServiceRoute). */
  readonly owner: IConstruct;
  /** `<service>.<namespace>.svc.<cluster domain>`. */
  readonly host: string;
  readonly namespace: string;
  /** Name of the VirtualService. */
  readonly objectName: string;
}

/** A gateway-bound route: what it exposes through which gateways. */
export interface GatewayExposureRecord extends GatewayExposure {
  /** The route. */
  readonly owner: IConstruct;
  /** Container ports the gateway calls. @default - every port */
  readonly ports?: number[];
  /** Paths the route forwards (Istio authorization syntax). @default - any */
  readonly paths?: string[];
  /** Methods the route forwards. @default - any */
  readonly methods?: HttpMethod[];
}

const gatewaysCheck: IAppCheck = {
  name: 'gateways: names and hosts',
  run(index, report) {
    const all = index.list(MESH_GATEWAYS);
    all.forEach((g, i) => checkGateway(report, g, all.slice(0, i)));
  },
};

function checkGateway(report: ProblemReport, g: MeshGateway, earlier: readonly MeshGateway[]): void {
  const mySelector = selectorText(g.workloadSelector);
  for (const other of earlier) {
    if (other.reference === g.reference) {
      report.add(g, 'name', describeValue(g.gatewayName),
        `a Gateway name not used by another Gateway in namespace ${g.gatewayNamespace}: ${other.node.path} is also ${g.reference}`);
    }
    if (g.gatewayApiEnabled && other.gatewayApiEnabled && other.gatewayApiName === g.gatewayApiName
      && other.gatewayApiNamespace === g.gatewayApiNamespace) {
      report.add(g, 'name', describeValue(g.gatewayName),
        `a name no other Gateway API Gateway uses in ${g.gatewayApiNamespace}: ${other.node.path} also writes Gateway ${g.gatewayApiNamespace}/${g.gatewayApiName}`);
    }
    if (selectorText(other.workloadSelector) !== mySelector) continue;
    const clash = firstOverlap(g, other);
    if (clash) {
      report.add(g, 'hosts', `${JSON.stringify(clash.mine)} on port ${clash.port}`,
        `a host that no other Gateway for the same gateway workload (selector ${mySelector}) serves on the same port: `
        + `Gateway ${other.reference} (${other.node.path}) serves ${JSON.stringify(clash.theirs)} on port ${clash.port} `
        + '(IST0145: Istio applies only one of the conflicting servers)');
    }
  }
}

function firstOverlap(g: MeshGateway, other: MeshGateway): { mine: string; theirs: string; port: number } | undefined {
  for (const port of g.serverPorts) {
    if (!other.serverPorts.includes(port)) continue;
    for (const mine of g.hosts) {
      const theirs = other.hosts.find((h) => hostsOverlap(h, mine));
      if (theirs !== undefined) return { mine, theirs, port };
    }
  }
  return undefined;
}

const byHost = (b: MeshHostBinding) => b.host;

const meshHostsCheck: IAppCheck = {
  name: 'routes: one mesh-bound VirtualService per host (IST0109)',
  run(index, report) {
    for (const bindings of index.group(MESH_HOSTS, byHost).values()) {
      if (bindings.length < 2) continue;
      for (const mine of bindings) {
        for (const other of bindings) {
          if (other === mine) continue;
          report.add(mine.owner, 'host', `"${mine.host}", also bound to the mesh by ${other.owner.node.path} (VirtualService ${other.namespace}/${other.objectName})`,
            'one mesh-bound VirtualService per host: Istio does not merge them and applies only one (IST0109)');
        }
      }
    }
  },
};

/** A gateway-bound route's claims: per gateway and host, the requests each rule matches. */
export interface GatewayRouteClaim {
  /** The route. */
  readonly owner: IConstruct;
  /** `<namespace>/<name>` of the gateway. */
  readonly gateway: string;
  /** A host of the route (lower case). */
  readonly host: string;
  /** What a rule matches, as stable text (`*` for a rule without matches). */
  readonly match: string;
  /** The field of the rule, for messages (`rules[1].matches[0]`). */
  readonly field: string;
}

const claimKey = (c: GatewayRouteClaim) => `${c.gateway}\0${c.host}\0${c.match}`;

const gatewayRoutesCheck: IAppCheck = {
  name: 'routes: one route per host and request on a gateway',
  run(index, report) {
    for (const claims of index.group(GATEWAY_ROUTES, claimKey).values()) {
      const first = claims[0];
      for (const c of claims.slice(1)) {
        if (c.owner === first.owner) continue;
        report.add(c.owner, c.field, `${c.match === '*' ? 'every request' : c.match} to ${JSON.stringify(c.host)} on gateway ${c.gateway}, also routed by ${first.owner.node.path}`,
          'one route per host and request on a gateway: Istio merges the VirtualServices bound to a gateway host in no set order, so one of the two routes never receives these requests');
      }
    }
  },
};

const meshTlsCheck: IAppCheck = {
  name: 'mTLS: one policy per namespace',
  run(index, report) {
    const first = new Map<string, MeshTls>();
    for (const m of index.list(MESH_TLS)) {
      const earlier = first.get(m.namespaceName);
      if (!earlier) {
        first.set(m.namespaceName, m);
        continue;
      }
      report.add(m, m.isMeshWide ? 'rootNamespace' : 'namespace',
        `a second policy for namespace ${m.namespaceName} (${earlier.node.path} already writes its PeerAuthentication default)`,
        'one MeshTls per namespace (and one mesh-wide policy): of two namespace-wide PeerAuthentications Istio applies only the oldest');
    }
  },
};

const byNamespace = (m: MeshTls) => (m.isMeshWide ? '\0mesh-wide' : m.namespaceName);

const exposuresByWorkloadKey = {};

/** The gateway-bound routes that send traffic to `w`, in the order recorded. */
export function exposuresOf(index: AppIndex, w: Workload): readonly GatewayExposureRecord[] {
  return index.memo(exposuresByWorkloadKey, () => {
    const map = new Map<Workload, GatewayExposureRecord[]>();
    for (const x of index.list(GATEWAY_EXPOSURES)) {
      for (const target of new Set(x.workloads)) {
        const list = map.get(target);
        if (list) list.push(x);
        else map.set(target, [x]);
      }
    }
    return map;
  }).get(w) ?? [];
}

/** The MeshTls of `namespace` (not the mesh-wide one), if the app has one. */
export function meshTlsOf(index: AppIndex, namespace: string | undefined): MeshTls | undefined {
  return namespace === undefined ? undefined : index.find(MESH_TLS, byNamespace, namespace)[0];
}

/** The mesh-wide MeshTls of the app, if any. */
export function meshWideTlsOf(index: AppIndex): MeshTls | undefined {
  return index.find(MESH_TLS, byNamespace, '\0mesh-wide')[0];
}

/** The mode a workload's port runs in: its port exception, else its namespace's MeshTls, else the mesh-wide one, else PERMISSIVE. */
export function effectiveMtlsMode(index: AppIndex, workload: Workload, port: number): MtlsMode {
  const ns = meshTlsOf(index, workload.namespace);
  if (ns) return ns.modeFor(workload, port);
  return meshWideTlsOf(index)?.mode ?? PERMISSIVE;
}

const targetOf = (a: ServiceAuthorization) => a.target;

const defaultDenyCheck: IAppCheck = {
  name: 'deny-all: one per namespace, gateways and routed workloads',
  run(index, report) {
    const first = new Map<string, DefaultDeny>();
    for (const d of index.list(DEFAULT_DENIES)) {
      const earlier = first.get(d.namespaceName);
      if (earlier) {
        report.add(d, 'namespace', `a second policy for namespace ${d.namespaceName} (${earlier.node.path} already writes deny-all)`, 'one DefaultDeny per namespace');
      } else {
        first.set(d.namespaceName, d);
      }
      const reported = new Set<string>();
      for (const exposure of index.list(GATEWAY_EXPOSURES)) {
        for (const g of exposure.gateways) {
          if (g.workloadNamespace === d.namespaceName && !reported.has(g.reference)) {
            reported.add(g.reference);
            report.add(d, 'namespace', `${d.namespaceName}, where the pods of gateway ${g.reference} run`,
              'a namespace without gateway pods: deny-all would refuse every request at the gateway (keep gateways in a namespace of their own)');
          }
        }
        for (const w of exposure.workloads) {
          if (w.namespace !== d.namespaceName || w.sidecarOptOut) continue;
          if (index.find(SERVICE_AUTHORIZATIONS, targetOf, w).length > 0) continue; // ServiceAuthorization checks its gateways
          const gateways = exposure.gateways.map((g) => g.reference).join(',');
          const key = `${w.name}|${gateways}`;
          if (reported.has(key)) continue;
          reported.add(key);
          report.add(d, 'namespace', `${w.name}, routed from gateway ${exposure.gateways.map((g) => g.reference).join(', ')}, without a ServiceAuthorization`,
            `a ServiceAuthorization for ${w.name} with the gateway among its callers: deny-all refuses the gateway's requests`);
        }
      }
    }
  },
};

const authorizationCheck: IAppCheck = {
  name: 'authorization: names, enrolment, gateway callers, callers in the mesh',
  run(index, report) {
    const names = new Map<string, ServiceAuthorization>();
    for (const a of index.list(SERVICE_AUTHORIZATIONS)) {
      const key = `${a.namespaceName}\0${a.policyName}`;
      const earlier = names.get(key);
      if (earlier) {
        report.add(a, 'name', `${a.policyName} in namespace ${a.namespaceName}, already written by ${earlier.node.path}`,
          'one ServiceAuthorization per target (declare every caller in it) or distinct names');
      } else {
        names.set(key, a);
      }
      checkAuthorization(index, report, a);
    }
  },
};

function checkAuthorization(index: AppIndex, report: ProblemReport, a: ServiceAuthorization): void {
  const target = a.target;
  if (!meshSidecarResources(index, target.namespace)) {
    report.add(a, 'target', `${target.name} in namespace ${target.namespace}, which is not enrolled in the mesh`,
      'a target in the mesh (NamespaceBaseline mesh for its namespace): without a sidecar nothing enforces the policy');
  }

  if (a.rules.length === 0) {
    report.add(a, 'callers', `no caller for ${target.name}: none given, no call to it declared, no gateway-bound route to it`,
      'at least one caller (callers, caller.calls(target) or a route from a gateway): an ALLOW policy without rules denies everything; DefaultDeny already does that');
  }

  a.callers.forEach((c, i) => {
    const w = c.workload;
    if (w === undefined) return;
    const why = w.sidecarOptOut
      ? 'its pods opt out of sidecar injection'
      : !meshSidecarResources(index, w.namespace) ? `namespace ${w.namespace} is not enrolled in the mesh` : undefined;
    if (why === undefined) return;
    const called = c.ports ?? target.ports.map((p) => p.port);
    const strict = called.filter((p) => effectiveMtlsMode(index, target, p) === STRICT).sort((x, y) => x - y);
    if (strict.length > 0) {
      const source = meshTlsOf(index, target.namespace) ?? meshWideTlsOf(index);
      report.add(a, `callers[${i}].workload`,
        `${w.name} outside the mesh (${why}) calling ${target.name} on port${strict.length > 1 ? 's' : ''} ${strict.join(', ')}, STRICT under ${source!.node.path}`,
        `STRICT only when every caller is in the mesh: enrol ${w.name}, or list ${strict.join(', ')} in a PERMISSIVE port exception of ${target.name} (MeshTls portExceptions), or make the namespace PERMISSIVE; even then a caller without a sidecar carries no principal for this policy to match`);
    } else {
      report.add(a, `callers[${i}].workload`, `${w.name} outside the mesh (${why})`,
        'callers in the mesh: a caller without a sidecar sends plain text without a principal, so its rule never matches and the policy denies it');
    }
  });
}

/** Istio Gateways written by MeshGateway. */
export const MESH_GATEWAYS = new IndexKey<MeshGateway>('gateways', [gatewaysCheck]);
/** Hosts bound to the mesh by VirtualServices. */
export const MESH_HOSTS = new IndexKey<MeshHostBinding>('mesh-bound hosts', [meshHostsCheck]);
/** What gateway-bound routes claim on their gateways' hosts. */
export const GATEWAY_ROUTES = new IndexKey<GatewayRouteClaim>('gateway route claims', [gatewayRoutesCheck]);
/** What gateway-bound routes expose. */
export const GATEWAY_EXPOSURES = new IndexKey<GatewayExposureRecord>('gateway exposures', () => [enforcementCheck]);
/** PeerAuthentication policies (MeshTls), namespace-wide and mesh-wide. */
export const MESH_TLS = new IndexKey<MeshTls>('mTLS policies', [meshTlsCheck]);
/** Deny-all policies. */
export const DEFAULT_DENIES = new IndexKey<DefaultDeny>('deny-all policies', [defaultDenyCheck]);
/** ALLOW policies from declared callers. */
export const SERVICE_AUTHORIZATIONS = new IndexKey<ServiceAuthorization>('authorization policies', () => [authorizationCheck, enforcementCheck]);
