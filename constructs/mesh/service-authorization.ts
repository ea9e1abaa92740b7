import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules,
  AuthorizationPolicyV1Beta1, AuthorizationPolicyV1Beta1Spec,
} from '../imports/security.istio.io';
import { CALLS, callsTo, versionsOf } from '../checks/graph';
import { SERVICE_AUTHORIZATIONS, exposuresOf } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { BOOL, checkProps, list, rule, shape, str } from '../core/runtime-types';
import { HttpMethod, REQUEST_PATH_PATTERN, portsOpaqueToHttp } from '../workloads/port';
import { ExternalWorkload } from '../workloads/external-workload';
import { IWorkload, Workload } from '../workloads/workload';
import { DEFAULT_TRUST_DOMAIN, IstioApiVersion } from './istio-api-version';
import { IMeshGateway, MESH_GATEWAY_REF, workloadPrincipal } from './mesh-references';


/**
 * A caller allowed to reach the target: exactly one of `workload`, `gateway` and `principal`,
 * optionally limited to paths, methods and ports (all of them must match: they land in the same
 * rule as the caller).
 */
export interface ServiceCaller {
  /**
   * A workload, identified by its own ServiceAccount: one of this app or one that runs elsewhere
   * (`Workload.fromAttributes`). The call is recorded in the app's service graph, like
   * `workload.calls(target, ...)`, so NetworkPolicies admit it too.
   * @default - not a workload (set `gateway` or `principal`)
   */
  readonly workload?: IWorkload;
  /**
   * An ingress gateway, identified by its workload's ServiceAccount.
   * @default - not a gateway (set `workload` or `principal`)
   */
  readonly gateway?: IMeshGateway;
  /**
   * A workload outside this app: `<trust domain>/ns/<namespace>/sa/<service account>`, with the
   * policy's trust domain and a dedicated ServiceAccount (not `default`).
   * @default - not an external principal (set `workload` or `gateway`)
   */
  readonly principal?: string;
  /**
   * Request paths: exact (`/api/orders`), prefix (`/api/*`), suffix (`*.js`) or `*`. HTTP only.
   * @default - any path
   */
  readonly paths?: string[];
  /**
   * Request methods. HTTP only.
   * @default - any method
   */
  readonly methods?: HttpMethod[];
  /**
   * Container ports of the target (the port the pod listens on, not the Service port).
   * @default - every port of the target
   */
  readonly ports?: number[];
}

/** Properties of a ServiceAuthorization. */
export interface ServiceAuthorizationProps {
  /** The workload the policy protects (its pods are selected by its selector labels). */
  readonly target: Workload;
  /**
   * Callers besides those the service graph declares. The policy always allows, besides these,
   * every call the graph declares to any version of the target (`caller.calls(target, ...)`, NATS
   * logins when the target runs a NATS cluster's servers) and every gateway that a gateway-bound
   * route sends to it, with the route's paths. Everything else is denied.
   * @default - only the graph's callers
   */
  readonly callers?: ServiceCaller[];
  /**
   * Let the target's own pods reach each other (cluster peers such as NATS routes), on any port.
   * @default false
   */
  readonly allowPeers?: boolean;
  /**
   * Name of the AuthorizationPolicy.
   * @default `allow-<target name>`
   */
  readonly name?: string;
  /**
   * The mesh's trust domain, the first part of every principal.
   * @default DEFAULT_TRUST_DOMAIN ('cluster.local')
   */
  readonly trustDomain?: string;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

/** One rule of the generated policy: who (`principals`) and what (`paths`, `methods`, `ports`), together. */
export interface AuthorizationRule {
  /** The caller, for people: `workload shop/web`, `gateway istio-ingress/public`, `principal ...`, `peers`. */
  readonly caller: string;
  /** `source.principals` of the rule. */
  readonly principals: string[];
  /** `operation.paths`. @default - any */
  readonly paths?: string[];
  /** `operation.methods`. @default - any */
  readonly methods?: HttpMethod[];
  /** `operation.ports` (container ports). @default - any */
  readonly ports?: number[];
}

/** A list whose items the policy checks itself. */
const LIST = (expects: string) => rule(expects, Array.isArray);

/** The types of a ServiceAuthorization's props (the target, principals, paths, methods and ports are checked further by the construct). */
const SERVICE_AUTHORIZATION_PROPS = shape({
  callers: list(shape({
    gateway: MESH_GATEWAY_REF,
    principal: str('a principal <trust domain>/ns/<namespace>/sa/<service account>'),
    paths: LIST('a list of paths'),
    methods: LIST('a list of HttpMethod values'),
    ports: LIST('a list of container ports'),
  }, 'a caller { workload, gateway or principal, paths, methods, ports }'), 'a list of callers { workload, gateway or principal, ... }'),
  allowPeers: BOOL,
  name: str(),
  trustDomain: str(),
}, 'the props of a ServiceAuthorization: { target, callers, ... }');

const METHODS = Object.values(HttpMethod) as string[];
const VERSIONS = Object.values(IstioApiVersion) as string[];
const SERVICE_AUTHORIZATION_SYMBOL = Symbol.for('cdk8s-nats-mesh.ServiceAuthorization');

/**
 * An ALLOW AuthorizationPolicy for one workload, generated from its declared callers: one rule
 * per caller, with the caller's principal (its own ServiceAccount) and the allowed paths,
 * methods and ports in that same rule. Whatever is not listed is denied, including workloads
 * outside the mesh and the ingress gateway: a gateway that routes to the target must be a caller.
 */
export class ServiceAuthorization extends Construct {
  /** Whether `x` is a ServiceAuthorization. */
  public static isServiceAuthorization(x: unknown): x is ServiceAuthorization {
    return typeof x === 'object' && x !== null && (x as any)[SERVICE_AUTHORIZATION_SYMBOL] === true;
  }

  /** The protected workload. */
  public readonly target: Workload;
  /** Name of the AuthorizationPolicy. */
  public readonly policyName: string;
  /** Namespace of the policy (the target's). */
  public readonly namespaceName: string;
  /** The trust domain of the principals. */
  public readonly trustDomain: string;
  /** The API version written. */
  public readonly apiVersion: IstioApiVersion;
  /** Whether the target's pods may reach each other. */
  public readonly allowPeers: boolean;
  /** The callers as given. */
  public readonly callers: ServiceCaller[];
  /** The rules from `callers`, in order. */
  private readonly explicitRules: AuthorizationRule[];
  /** The AuthorizationPolicy. */
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceAuthorizationProps) {
    checkProps(scope, id, props, SERVICE_AUTHORIZATION_PROPS);
    super(scope, id);
    Object.defineProperty(this, SERVICE_AUTHORIZATION_SYMBOL, { value: true });
    const target = props.target;
    if (!Workload.isWorkload(target)) {
      throw configError(this, 'target', target, 'a workload of this library (Microservice, StatefulService, NodeAgent)');
    }
    this.target = target;
    if (target.namespace === undefined) {
      throw configError(this, 'target', target.name, 'a workload in a chart with a namespace (the policy lives in the target\'s namespace)');
    }
    this.namespaceName = target.namespace;
    if (target.sidecarOptOut) {
      throw configError(this, 'target', target.name,
        'a workload with a sidecar: its pods opt out of injection (sidecar.istio.io/inject=false), so no proxy would enforce the policy');
    }
    if (target.ports.length === 0) {
      throw configError(this, 'target', target.name, 'a workload with container ports (nothing can call a workload that listens on none)');
    }
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(this.trustDomain)) {
      throw configError(this, 'trustDomain', this.trustDomain, 'a trust domain such as cluster.local (letters, digits, "-" and ".")');
    }
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!VERSIONS.includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, `one of ${VERSIONS.join(', ')} (IstioApiVersion)`);
    }
    this.policyName = props.name ?? `allow-${target.name}`;
    if (!isDnsSubdomain(this.policyName)) {
      throw configError(this, 'name', this.policyName, 'a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")');
    }
    this.allowPeers = props.allowPeers ?? false;
    this.callers = [...(props.callers ?? [])];
    if (props.callers !== undefined && this.callers.length === 0 && !this.allowPeers) {
      throw configError(this, 'callers', props.callers, 'at least one caller (an ALLOW policy without rules denies everything; DefaultDeny already does that)');
    }
    this.explicitRules = this.callers.map((c, i) => this.ruleFor(c, i));

    // Workload callers are calls of the service graph (NetworkPolicies derive from them too).
    const index = AppIndex.of(this);
    this.callers.forEach((c) => {
      if (c.workload === undefined) return;
      index.add(CALLS, {
        from: c.workload, to: target, declaredAt: this,
        ports: c.ports ? [...c.ports].sort((a, b) => a - b) : undefined,
        paths: c.paths ? [...c.paths] : undefined,
        methods: c.methods ? [...c.methods] : undefined,
      });
    });

    const spec: AuthorizationPolicySpec = {
      selector: { matchLabels: { ...target.selectorLabels } },
      action: AuthorizationPolicySpecAction.ALLOW,
      rules: Lazy.any({ produce: () => this.rules.map(renderRule) }) as any,
    };
    const metadata = { name: this.policyName, namespace: this.namespaceName };
    this.policy = this.apiVersion === IstioApiVersion.V1BETA1
      ? new AuthorizationPolicyV1Beta1(this, 'Policy', { metadata, spec: spec as unknown as AuthorizationPolicyV1Beta1Spec })
      : new AuthorizationPolicy(this, 'Policy', { metadata, spec });

    // Checked against the rest of the app (gateways routing here, enrolment, mTLS) in constructs/checks/mesh.ts.
    AppIndex.of(this).add(SERVICE_AUTHORIZATIONS, this, this);
  }

  /**
   * The rules of the policy, in order: one per caller given, then one per call the service graph
   * declares to any version of the target (its caller's every version), then one per gateway
   * routing to it, then the peers rule. Identical rules are written once.
   */
  public get rules(): AuthorizationRule[] {
    const index = AppIndex.of(this);
    const rules: AuthorizationRule[] = [...this.explicitRules];
    for (const e of callsTo(index, this.target)) {
      if (e.declaredAt === this) continue;
      const callers = versionsOf(index, e.from);
      rules.push({
        caller: `workload ${e.from.namespace}/${e.from.name}`,
        principals: [...new Set(callers.map((w) => workloadPrincipal(this.trustDomain, w.namespace, w.serviceAccountName)))].sort(),
        paths: e.paths, methods: e.methods, ports: e.ports,
      });
    }
    const listed = new Set(this.callers.map((c) => c.gateway?.principal ?? c.principal).filter((p) => p !== undefined));
    for (const x of exposuresOf(index, this.target)) {
      for (const g of x.gateways) {
        if (listed.has(g.principal)) continue;
        rules.push({ caller: `gateway ${g.reference}`, principals: [g.principal], paths: x.paths, methods: x.methods, ports: x.ports });
      }
    }
    if (this.allowPeers) {
      rules.push({ caller: 'peers', principals: [workloadPrincipal(this.trustDomain, this.target.namespace, this.target.serviceAccountName)] });
    }
    const seen = new Set<string>();
    return rules.filter((r) => {
      const key = JSON.stringify([r.principals, r.paths, r.methods, r.ports]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private ruleFor(c: ServiceCaller, i: number): AuthorizationRule {
    const field = `callers[${i}]`;
    const target = this.target;
    const kinds = [c.workload !== undefined, c.gateway !== undefined, c.principal !== undefined].filter((x) => x).length;
    if (kinds !== 1) {
      throw configError(this, field, `${kinds} of workload, gateway and principal`, 'exactly one of workload, gateway and principal');
    }
    let caller: string;
    let principal: string;
    if (c.workload !== undefined) {
      const w = c.workload;
      if (!Workload.isWorkload(w) && !(w instanceof ExternalWorkload)) {
        throw configError(this, `${field}.workload`, w, 'a workload (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
      }
      if (w === target) {
        throw configError(this, `${field}.workload`, w.name,
          'a workload other than the target (to let the target\'s pods reach each other, set allowPeers)');
      }
      if (w.namespace === undefined) {
        throw configError(this, `${field}.workload`, w.name, 'a workload in a chart with a namespace (its principal names the namespace)');
      }
      caller = `workload ${w.namespace}/${w.name}`;
      principal = workloadPrincipal(this.trustDomain, w.namespace, w.serviceAccountName);
      this.checkPrincipal(`${field}.workload`, principal);
    } else if (c.gateway !== undefined) {
      const g = c.gateway;
      caller = `gateway ${g.reference}`;
      principal = g.principal;
      this.checkPrincipal(`${field}.gateway`, principal);
    } else {
      principal = c.principal!;
      caller = `principal ${principal}`;
      this.checkPrincipal(`${field}.principal`, principal);
    }

    const paths = c.paths;
    if (paths !== undefined) {
      if (paths.length === 0) throw configError(this, `${field}.paths`, paths, 'at least one path, or no paths prop (any path)');
      paths.forEach((p, j) => {
        if (!REQUEST_PATH_PATTERN.test(p ?? '')) {
          throw configError(this, `${field}.paths[${j}]`, p, 'an exact path (/api/orders), a prefix (/api/*), a suffix (*.js) or *; no query string');
        }
      });
    }
    const methods = c.methods;
    if (methods !== undefined) {
      if (methods.length === 0) throw configError(this, `${field}.methods`, methods, 'at least one method, or no methods prop (any method)');
      methods.forEach((m, j) => {
        if (!METHODS.includes(m)) throw configError(this, `${field}.methods[${j}]`, m, `one of ${METHODS.join(', ')} (HttpMethod)`);
      });
    }
    const ports = c.ports;
    if (ports !== undefined) {
      if (ports.length === 0) throw configError(this, `${field}.ports`, ports, 'at least one port, or no ports prop (every port)');
      ports.forEach((p, j) => {
        const wp = target.ports.find((x) => x.port === p);
        if (!wp) {
          const byService = target.ports.find((x) => (x.servicePort ?? x.port) === p);
          throw configError(this, `${field}.ports[${j}]`, p, `a container port of ${target.name}: ${portList(target)}`
            + (byService ? ` (${p} is the Service port of ${byService.name}; policies match the container port ${byService.port})` : ''));
        }
        if (ports.indexOf(p) !== j) throw configError(this, `${field}.ports[${j}]`, p, 'each port once');
      });
    }
    const opaque = paths !== undefined || methods !== undefined ? portsOpaqueToHttp(target.ports, ports) : undefined;
    if (opaque !== undefined) {
      throw configError(this, `${field}.${paths !== undefined ? 'paths' : 'methods'}`, `HTTP attributes on ${opaque} of ${target.name}`,
        'paths and methods only toward HTTP, HTTP2 or gRPC ports: the sidecar sees other ports as TCP, where an ALLOW rule with HTTP attributes never matches (and a DENY rule would deny every connection)');
    }
    return {
      caller,
      principals: [principal],
      paths: paths ? [...paths] : undefined,
      methods: methods ? [...methods] : undefined,
      ports: ports ? [...ports].sort((a, b) => a - b) : undefined,
    };
  }

  /** `<trust domain>/ns/<namespace>/sa/<service account>`, in this policy's trust domain, never `default`. */
  private checkPrincipal(field: string, principal: string) {
    const m = /^([^/\s]+)\/ns\/([^/\s]+)\/sa\/([^/\s]+)$/.exec(principal ?? '');
    if (!m || !isDnsLabel(m[2]) || !isDnsSubdomain(m[3])) {
      throw configError(this, field, principal, `a principal <trust domain>/ns/<namespace>/sa/<service account>, such as ${this.trustDomain}/ns/shop/sa/web (no wildcards)`);
    }
    if (m[1] !== this.trustDomain) {
      throw configError(this, field, principal, `a principal in the trust domain ${this.trustDomain} (set trustDomain when the mesh uses another)`);
    }
    if (m[3] === 'default') {
      throw configError(this, field, principal, 'the principal of a dedicated ServiceAccount: sa/default is shared by every pod of its namespace that names none');
    }
  }
}

function renderRule(r: AuthorizationRule): AuthorizationPolicySpecRules {
  const operation = r.paths || r.methods || r.ports
    ? { paths: r.paths, methods: r.methods, ports: r.ports?.map(String) }
    : undefined;
  return {
    from: [{ source: { principals: r.principals } }],
    to: operation ? [{ operation }] : undefined,
  };
}

function portList(w: Workload): string {
  return w.ports.map((p) => `${p.port} (${p.name})`).join(', ');
}
