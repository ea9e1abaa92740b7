import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesBackendRefs, HttpRouteSpecRulesFilters, HttpRouteSpecRulesFiltersRequestRedirectPathType,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatches, HttpRouteSpecRulesMatchesHeadersType, HttpRouteSpecRulesMatchesMethod, HttpRouteSpecRulesMatchesPathType,
} from '../imports/gateway.networking.k8s.io';
import {
  DestinationRule, DestinationRuleSpec, DestinationRuleSpecSubsetsTrafficPolicy, DestinationRuleV1Beta1, DestinationRuleV1Beta1Spec,
  VirtualService, VirtualServiceSpec, VirtualServiceSpecHttp, VirtualServiceSpecHttpMatch, VirtualServiceSpecHttpMatchUri, VirtualServiceSpecHttpRoute,
  VirtualServiceV1Beta1, VirtualServiceV1Beta1Spec,
} from '../imports/networking.istio.io';
import { GATEWAY_EXPOSURES, GATEWAY_ROUTES, MESH_HOSTS } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { ConfigError, ValueProblem, addWarning, configError, environmentOf, throwFirst } from '../core/errors';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { BOOL, STRINGS, checkProps, isFieldsObject, isPlainObject, list, rule, shape, str } from '../core/runtime-types';
import { Microservice } from '../workloads/microservice';
import { WorkloadPort } from '../workloads/port';
import { LABELS } from '../workloads/workload';
import { IstioApiVersion } from './istio-api-version';
import { GatewayApiParentRef, MeshGateway } from './mesh-gateway';
import { IMeshGateway, MESH_GATEWAY_REF } from './mesh-references';
import {
  IDEMPOTENT_METHODS, ISTIO_DEFAULT_RETRY_ON, RETRY_ON_BEFORE_APPLICATION, RetryOn, RouteMatch, RouteRule, durationMillis, durationProblem,
  gatewayApiDuration, gatewayHostAdmits, hostsOverlap, isExternalHost, isLowerCaseHeaderName, istioDuration, percentageProblem, showDuration,
  splitGatewayHost, subsetName,
} from './route-model';
import { HttpMethod } from '../workloads/port';
import { TrafficPolicy, renderTrafficPolicy, trafficPolicyProblems } from './traffic-policy';

/** A version of the application: a workload whose pods carry the app's `app` label and their own `version`. */
export interface RouteVersion {
  /** The workload (same `app` and namespace as the route's service, its own `version`). */
  readonly workload: Microservice;
  /**
   * Share of the traffic, an integer percentage.
   * @default 100 for a single version; required with several (they sum to 100) unless weightsManagedExternally
   */
  readonly weight?: number;
  /**
   * Traffic policy of this version's subset (overrides the route's for these pods).
   * @default - the route's trafficPolicy
   */
  readonly trafficPolicy?: TrafficPolicy;
}

/** Properties of a ServiceRoute. */
export interface ServiceRouteProps {
  /**
   * The application's main workload: the one named like its app, whose Service selects every
   * version. Its Service is the route's host (`<name>.<namespace>.svc.<clusterDomain>`).
   */
  readonly service: Microservice;
  /**
   * Versions traffic is split between (a canary): one DestinationRule subset per version,
   * named after its `version` label (`3.1.4` → `v3-1-4`).
   * @default - one destination: the service, without subsets
   */
  readonly versions?: RouteVersion[];
  /**
   * Ingress gateways the route is bound to.
   * @default - none (mesh traffic only)
   */
  readonly gateways?: IMeshGateway[];
  /**
   * External hosts served through the gateways (FQDNs, `*.example.com` allowed).
   * @default - the gateways' hosts open to the route's namespace
   */
  readonly hosts?: string[];
  /**
   * Also route traffic from inside the mesh (a VirtualService bound to `mesh` for the
   * service's FQDN).
   * @default - true without gateways, false with gateways
   */
  readonly meshTraffic?: boolean;
  /**
   * Name of the Service port routed to; required when the Service has several ports (IST0112).
   * @default - the Service's only port
   */
  readonly port?: string;
  /**
   * Ordered rules; the first that matches applies.
   * @default - one catch-all rule named `default` to the versions (or the service)
   */
  readonly rules?: RouteRule[];
  /**
   * Connection pool, outlier detection and load balancer toward the service.
   * @default - Istio's defaults
   */
  readonly trafficPolicy?: TrafficPolicy;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * Name of the objects.
   * @default - the service's app name
   */
  readonly name?: string;
  /**
   * Also emit a Gateway API (v1) HTTPRoute from the same rules, attached to the gateways'
   * Gateway API parents. Gateway API routes to Services, so each version is reached through a
   * Service of its own. Retries, fault injection, CORS, direct responses and regex paths have
   * no standard v1.2 equivalent and are refused.
   * @default false
   */
  readonly gatewayApi?: boolean;
  /**
   * Gateway API Gateways (listeners) the HTTPRoute attaches to.
   * @default - each gateway's Gateway API parent (a MeshGateway with gatewayApiEnabled)
   */
  readonly gatewayApiParents?: GatewayApiParentRef[];
  /**
   * A progressive delivery controller (Argo Rollouts) owns the weights: they must not be given.
   * The route is written in its resting state, all traffic on the first destination of each
   * weighted list (weights 100, 0, ...), which the controller then moves. Tell your GitOps tool
   * to ignore `spec.http[*].route[*].weight` (and the HTTPRoute's backendRefs weights). Flagger
   * writes its own VirtualService from its Canary: do not use a ServiceRoute for those apps.
   * @default false
   */
  readonly weightsManagedExternally?: boolean;
}

/** A destination after checks: the workload, its subset (none for the plain service) and the weight written. */
interface ResolvedDestination {
  readonly workload: Microservice;
  readonly subset?: string;
  readonly weight?: number;
}

/** One request condition set, with at most one method (a RouteMatch with several methods expands). */
interface FlatMatch {
  readonly pathKind?: 'prefix' | 'exact' | 'regex';
  readonly path?: string;
  readonly headers: Array<[string, string]>;
  readonly method?: HttpMethod;
  /** Index of the RouteMatch it comes from. */
  readonly source: number;
}

interface ResolvedRule {
  readonly rule: RouteRule;
  readonly flat: FlatMatch[];
  /** Undefined for redirects and direct responses. */
  readonly destinations?: ResolvedDestination[];
}

/** An object whose fields the route checks itself. */
/** An object of fields (a literal, or built by a class); MAP for one read by its entries. */
const OBJECT = (expects: string) => rule(expects, isFieldsObject);
const MAP = (expects: string) => rule(expects, isPlainObject);
/** A list whose items the route checks itself. */
const LIST = (expects: string) => rule(expects, Array.isArray);

/** The types of a rule (values are checked further by the route). */
const ROUTE_RULE = shape({
  name: str(),
  matches: list(shape({ headers: MAP('headers { name: value }'), methods: LIST('a list of HttpMethod values') }, 'a match { pathPrefix, headers, methods, ... }'),
    'a list of matches { pathPrefix, headers, methods, ... }'),
  destinations: LIST('a list of destinations { workload, weight }'),
  retries: shape({ retryOn: LIST('a list of RetryOn values'), retriableStatusCodes: LIST('a list of HTTP status codes') },
    'retries { attempts, perTryTimeout, retryOn, retriableStatusCodes }'),
  fault: shape({ delay: OBJECT('a delay { fixed, percentage }'), abort: OBJECT('an abort { httpStatus, percentage }') }, 'a fault { delay, abort }'),
  mirror: OBJECT('a mirror { workload, percentage }'),
  cors: shape({ allowMethods: LIST('a list of HttpMethod values'), allowHeaders: STRINGS, exposeHeaders: STRINGS, allowCredentials: BOOL },
    'a CORS policy { allowOrigins, allowMethods, ... }'),
  rewrite: OBJECT('a rewrite { uri }'),
  redirect: shape({ authority: str('a host name') }, 'a redirect { uri, authority, code }'),
  directResponse: shape({ body: str() }, 'a direct response { status, body }'),
}, 'a rule { name, matches, destinations, ... }');

/** The types of a ServiceRoute's props (the workloads, hosts, names and the rules' values are checked further by the route). */
const SERVICE_ROUTE_PROPS = shape({
  versions: list(OBJECT('a version { workload, weight, trafficPolicy }'), 'a list of versions { workload, weight }'),
  gateways: list(MESH_GATEWAY_REF, 'a list of gateways (MeshGateway or MeshGateway.fromAttributes)'),
  hosts: LIST('a list of host names'),
  meshTraffic: BOOL,
  port: str('the name of a port of the Service'),
  rules: list(ROUTE_RULE, 'a list of rules { name, matches, destinations, ... }'),
  clusterDomain: str(),
  name: str(),
  gatewayApi: BOOL,
  gatewayApiParents: list(shape({ name: str(), namespace: str(), sectionName: str() }, 'a parent { name, namespace, sectionName }'),
    'a list of parents { name, namespace, sectionName }'),
  weightsManagedExternally: BOOL,
}, 'the props of a ServiceRoute: { service, versions, gateways, rules, ... }');

const REDIRECT_CODES = [301, 302, 303, 307, 308];
const GATEWAY_API_REDIRECT_CODES = [301, 302];
const SERVICE_ROUTE_SYMBOL = Symbol.for('cdk8s-nats-mesh.ServiceRoute');

/**
 * Routing for one application: a VirtualService (mesh-bound for the service's FQDN, and one
 * bound to the ingress gateways for the external hosts) and a DestinationRule with a subset
 * per version and the traffic policy, from a typed route model; optionally the same rules as a
 * Gateway API HTTPRoute. The DestinationRule never sets `tls`: auto mTLS decides.
 */
export class ServiceRoute extends Construct {
  /** Whether `x` is a ServiceRoute. */
  public static isServiceRoute(x: unknown): x is ServiceRoute {
    return typeof x === 'object' && x !== null && (x as any)[SERVICE_ROUTE_SYMBOL] === true;
  }

  /** Name of the objects. */
  public readonly name: string;
  /** Namespace of the objects (the service's). */
  public readonly namespace: string;
  /** The application. */
  public readonly app: string;
  /** The service's FQDN, the host of mesh traffic and of every destination. */
  public readonly host: string;
  /** External hosts served through the gateways (empty without gateways). */
  public readonly hosts: string[];
  /** Gateways the route is bound to. */
  public readonly gateways: IMeshGateway[];
  /** Whether mesh traffic is routed. */
  public readonly meshTraffic: boolean;
  /** Name of the Service port routed to. */
  public readonly port: string;
  /** Subset names, one per version (empty without versions). */
  public readonly subsets: string[];
  /** Istio API version written. */
  public readonly apiVersion: IstioApiVersion;
  /** Cluster DNS domain of the FQDNs. */
  public readonly clusterDomain: string;
  /** Whether an HTTPRoute is emitted. */
  public readonly gatewayApi: boolean;
  /** Whether a rollout controller owns the weights. */
  public readonly weightsManagedExternally: boolean;
  /** The rules (the default catch-all when none were given). */
  public readonly rules: RouteRule[];
  /** Warnings: valid configuration that deserves a second look (also recorded as construct metadata). */
  public readonly warnings: string[] = [];
  /** The mesh-bound VirtualService, when meshTraffic. */
  public readonly meshVirtualService?: ApiObject;
  /** The gateway-bound VirtualService, when bound to gateways. */
  public readonly gatewayVirtualService?: ApiObject;
  /** The DestinationRule, when there are subsets or a traffic policy. */
  public readonly destinationRule?: ApiObject;
  /** The HTTPRoute, when gatewayApi. */
  public readonly httpRoute?: ApiObject;

  private readonly service: Microservice;
  private readonly servicePorts: WorkloadPort[];
  private readonly portNumber: number;
  private readonly versionSubsets = new Map<Microservice, string>();

  constructor(scope: Construct, id: string, props: ServiceRouteProps) {
    checkProps(scope, id, props, SERVICE_ROUTE_PROPS);
    super(scope, id);
    Object.defineProperty(this, SERVICE_ROUTE_SYMBOL, { value: true });

    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!Object.values(IstioApiVersion).includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, `one of ${Object.values(IstioApiVersion).join(', ')}`);
    }
    this.clusterDomain = props.clusterDomain ?? 'cluster.local';
    if (!isDnsSubdomain(this.clusterDomain)) {
      throw configError(this, 'clusterDomain', this.clusterDomain, 'a DNS domain such as cluster.local');
    }
    this.gatewayApi = props.gatewayApi ?? false;
    this.weightsManagedExternally = props.weightsManagedExternally ?? false;

    // The service: the app's main workload, whose Service selects every version.
    const service = props.service;
    if (!(service instanceof Microservice)) {
      throw configError(this, 'service', service, 'a Microservice');
    }
    this.service = service;
    if (service.namespace === undefined) {
      throw configError(this, 'service', service.name, 'a workload in a chart with a namespace (hosts are written as FQDNs)');
    }
    if (service.name !== service.app) {
      throw this.fail('service', `"${service.name}" (app "${service.app}")`,
        `the workload named like its app ("${service.app}"): its Service selects every version of the app, another workload's only its own pods`);
    }
    this.servicePorts = service.ports.filter((p) => p.expose ?? true);
    if (!service.service || this.servicePorts.length === 0) {
      throw this.fail('service', `"${service.name}" (no Service: no exposed ports)`, 'a Microservice with a Service');
    }
    this.namespace = service.namespace;
    this.app = service.app;
    this.name = props.name ?? this.app;
    if (!isDnsLabel(this.name) || this.name.length > 55) {
      throw configError(this, 'name', this.name, 'a DNS label of at most 55 characters (suffixes are added)');
    }
    this.host = this.fqdn(service);

    // The port (IST0112).
    const portNames = this.servicePorts.map((p) => p.name);
    if (props.port === undefined) {
      if (this.servicePorts.length > 1) {
        throw configError(this, 'port', undefined,
          `the name of one of the Service's ports (${portNames.join(', ')}): with several ports, a destination names its port (IST0112)`);
      }
      this.port = portNames[0];
    } else {
      if (!portNames.includes(props.port)) {
        throw configError(this, 'port', props.port, `one of the Service's ports (${portNames.join(', ')})`);
      }
      this.port = props.port;
    }
    const routePort = this.servicePorts.find((p) => p.name === this.port)!;
    this.portNumber = routePort.servicePort ?? routePort.port;

    // Versions and their subsets (IST0173).
    const versions = props.versions ?? [];
    const seenVersions = new Map<string, string>();
    const seenSubsets = new Map<string, string>();
    versions.forEach((v, i) => {
      const field = `versions[${i}].workload`;
      const w = v.workload;
      if (!(w instanceof Microservice)) throw configError(this, field, w, 'a Microservice');
      if (w.app !== this.app) {
        throw this.fail(field, `"${w.name}" (app "${w.app}")`,
          `a version of app "${this.app}" (pod label app=${this.app}): otherwise its subset selects no pod behind the Service (IST0173)`);
      }
      if (w.namespace !== this.namespace) {
        throw this.fail(field, `"${w.name}" in namespace ${w.namespace ?? '(none)'}`,
          `a workload in namespace ${this.namespace}, the Service's: otherwise its subset selects no pod behind the Service (IST0173)`);
      }
      const subset = subsetName(w.version);
      const clash = seenVersions.get(w.version) ?? seenSubsets.get(subset);
      if (clash !== undefined) {
        throw this.fail(field, `"${w.name}" (version "${w.version}", subset ${subset})`,
          `a version label and subset distinct from the other versions' (${clash} has them): two subsets would select the same pods (IST0173)`);
      }
      seenVersions.set(w.version, w.name);
      seenSubsets.set(subset, w.name);
      if (!w.ports.some((p) => p.name === this.port)) {
        throw this.fail(field, `"${w.name}" (ports: ${w.ports.map((p) => p.name).join(', ') || 'none'})`,
          `a workload whose pods declare port "${this.port}": the Service targets it by name, so these pods would get no traffic`);
      }
      this.versionSubsets.set(w, subset);
      if (v.trafficPolicy) throwFirst(this, `versions[${i}].trafficPolicy`, trafficPolicyProblems(v.trafficPolicy));
    });
    this.subsets = versions.map((v) => this.versionSubsets.get(v.workload)!);
    if (props.trafficPolicy) throwFirst(this, 'trafficPolicy', trafficPolicyProblems(props.trafficPolicy));
    const defaultDestinations = versions.length
      ? this.resolveDestinations('versions', versions)
      : [{ workload: service }];

    // Gateways and hosts (IST0132).
    this.gateways = props.gateways ?? [];
    this.meshTraffic = props.meshTraffic ?? this.gateways.length === 0;
    if (!this.meshTraffic && this.gateways.length === 0) {
      throw configError(this, 'meshTraffic', false, 'true, or gateways: a route bound to nothing routes nothing');
    }
    if (props.hosts !== undefined && this.gateways.length === 0) {
      throw configError(this, 'hosts', props.hosts, 'no hosts without gateways: mesh traffic uses the service\'s FQDN');
    }
    this.hosts = this.resolveHosts(props.hosts);

    // Rules.
    this.rules = props.rules ?? [{ name: 'default' }];
    if (!Array.isArray(this.rules) || this.rules.length === 0) {
      throw configError(this, 'rules', this.rules, 'at least one rule (leave rules unset for one catch-all rule)');
    }
    const resolved = this.rules.map((rule, i) => this.resolveRule(rule, i, defaultDestinations));
    this.checkReachability(resolved);

    // Gateway API.
    let parents: GatewayApiParentRef[] = [];
    if (this.gatewayApi) {
      parents = this.gatewayApiParents(props.gatewayApiParents);
      this.checkGatewayApi(resolved);
    }

    // Output.
    const http = resolved.map((r) => this.istioRule(r));
    const labels = { [LABELS.NAME]: this.app, [LABELS.MANAGED_BY]: 'cdk8s-nats-mesh' };
    if (this.meshTraffic) {
      this.meshVirtualService = this.virtualService('VirtualService', this.name, labels, { hosts: [this.host], http });
    }
    if (this.gateways.length) {
      this.gatewayVirtualService = this.virtualService('GatewayVirtualService', `${this.name}-ingress`, labels, {
        hosts: this.hosts,
        gateways: this.gateways.map((g) => g.reference),
        http,
      });
    }
    this.destinationRule = this.renderDestinationRule(labels, versions, props.trafficPolicy);
    if (this.gatewayApi) this.httpRoute = this.renderHttpRoute(labels, parents, resolved);

    // What the app-wide rules (constructs/checks/mesh.ts) need to know of this route.
    const index = AppIndex.of(this);
    if (this.meshVirtualService) {
      index.add(MESH_HOSTS, { owner: this, host: this.host, namespace: this.namespace ?? 'default', objectName: this.name }, this);
    }
    if (this.gateways.length) {
      for (const g of this.gateways) {
        for (const host of this.hosts) {
          this.rules.forEach((r, i) => {
            const matches = r.matches?.length ? r.matches : [undefined];
            matches.forEach((m, j) => index.add(GATEWAY_ROUTES, {
              owner: this, gateway: g.reference, host: host.toLowerCase(),
              match: m ? describeMatch(m) : '*', field: m ? `rules[${i}].matches[${j}]` : `rules[${i}]`,
            }, this));
          });
        }
      }
      index.add(GATEWAY_EXPOSURES, {
        owner: this,
        workloads: versions.length ? versions.map((v) => v.workload) : [service],
        gateways: this.gateways,
        ports: [routePort.port],
        ...forwardedRequests(this.rules),
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Checks

  /** An error whose received value is already rendered. */
  private fail(field: string, received: string, allowed: string): ConfigError {
    return new ConfigError({ environment: environmentOf(this), path: this.node.path, field, received, allowed });
  }

  private fqdn(w: Microservice): string {
    return `${w.name}.${w.namespace}.svc.${this.clusterDomain}`;
  }

  /** Weighted destinations after the weight rules (integers 0-100 summing to 100, rule 9). */
  private resolveDestinations(field: string, list: Array<{ readonly workload: Microservice; readonly weight?: number }>): ResolvedDestination[] {
    const weights = this.checkWeights(field, list.map((d) => d.weight));
    return list.map((d, i) => ({ workload: d.workload, subset: this.versionSubsets.get(d.workload), weight: weights[i] }));
  }

  private checkWeights(field: string, given: Array<number | undefined>): Array<number | undefined> {
    if (this.weightsManagedExternally) {
      given.forEach((w, i) => {
        if (w !== undefined) {
          throw configError(this, `${field}[${i}].weight`, w,
            'no weight: with weightsManagedExternally the rollout controller owns the weights (the route starts with all traffic on the first destination)');
        }
      });
      return given.length > 1 ? given.map((_, i) => (i === 0 ? 100 : 0)) : [undefined];
    }
    given.forEach((w, i) => {
      if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 100)) {
        throw configError(this, `${field}[${i}].weight`, w, 'an integer from 0 to 100 (a percentage of the traffic)');
      }
    });
    if (given.length > 1) {
      const missing = given.findIndex((w) => w === undefined);
      if (missing >= 0) {
        throw configError(this, `${field}[${missing}].weight`, undefined, `a weight for each of the ${given.length} destinations (they sum to 100)`);
      }
    }
    const weights = given.map((w) => w ?? 100);
    const total = weights.reduce((a, b) => a + b, 0);
    if (total !== 100) {
      const shown = weights.length > 1 ? `${weights.join(' + ')} = ${total}` : String(total);
      throw this.fail(`${field}[*].weight`, shown, 'weights summing to 100 (Istio refuses other totals)');
    }
    return weights.length > 1 ? weights : [undefined];
  }

  /** External hosts: given ones (FQDNs) or the gateways' hosts open to this namespace; each served by every gateway (IST0132). */
  private resolveHosts(given: string[] | undefined): string[] {
    if (this.gateways.length === 0) return [];
    let hosts: string[];
    if (given !== undefined) {
      given.forEach((h, i) => {
        if (!isExternalHost(h)) {
          throw configError(this, `hosts[${i}]`, h,
            'a fully qualified lower-case host name (shop.example.com, *.example.com): a short name would resolve in the route\'s namespace');
        }
      });
      hosts = [...new Set(given)];
    } else {
      hosts = [];
      for (const g of this.gateways) {
        for (const entry of g.hosts) {
          const host = splitGatewayHost(entry).host;
          if (gatewayHostAdmits(entry, g.gatewayNamespace, this.namespace) && isExternalHost(host) && !hosts.includes(host)) hosts.push(host);
        }
      }
    }
    if (hosts.length === 0) {
      throw this.fail('hosts', 'nothing', `hosts the gateways (${this.gateways.map((g) => g.reference).join(', ')}) serve to namespace ${this.namespace}: none of theirs is open to it`);
    }
    for (const g of this.gateways) {
      const served = g.hosts.filter((e) => gatewayHostAdmits(e, g.gatewayNamespace, this.namespace)).map((e) => splitGatewayHost(e).host);
      hosts.forEach((h, i) => {
        if (!served.some((s) => hostsOverlap(s, h))) {
          throw configError(this, `hosts[${i}]`, h,
            `a host gateway ${g.reference} serves to namespace ${this.namespace} (${served.join(', ') || 'none'}): it answers 404 for others (IST0132)`);
        }
      });
    }
    return hosts;
  }

  private resolveRule(rule: RouteRule, i: number, defaults: ResolvedDestination[]): ResolvedRule {
    const field = `rules[${i}]`;
    if (!isDnsLabel(rule.name)) {
      throw configError(this, `${field}.name`, rule.name, 'a DNS label of at most 63 characters');
    }
    const earlier = this.rules.slice(0, i).findIndex((r) => r.name === rule.name);
    if (earlier >= 0) {
      throw configError(this, `${field}.name`, rule.name, `a name no other rule has (rules[${earlier}] has it)`);
    }
    const flat = (rule.matches ?? []).flatMap((m, j) => this.flattenMatch(m, `${field}.matches[${j}]`, j));

    // One action: route, redirect or direct response.
    const routing = (['destinations', 'rewrite', 'mirror', 'retries', 'timeout'] as const).filter((k) => rule[k] !== undefined);
    const answers = (['redirect', 'directResponse'] as const).filter((k) => rule[k] !== undefined);
    if (answers.length > 1 || (answers.length === 1 && routing.length > 0)) {
      throw this.fail(field, [...answers, ...routing].join(' + '),
        'one action per rule: route (destinations, rewrite, mirror, retries, timeout), redirect, or directResponse');
    }

    let destinations: ResolvedDestination[] | undefined;
    if (answers.length === 0) {
      if (rule.destinations !== undefined) {
        if (!Array.isArray(rule.destinations) || rule.destinations.length === 0) {
          throw configError(this, `${field}.destinations`, rule.destinations, 'at least one destination (leave it unset for the route\'s versions)');
        }
        rule.destinations.forEach((d, j) => this.checkDestinationWorkload(`${field}.destinations[${j}].workload`, d.workload));
        destinations = this.resolveDestinations(`${field}.destinations`, rule.destinations);
      } else {
        destinations = defaults;
      }
    }

    throwFirst(this, field, durationProblem('timeout', rule.timeout));
    if (rule.idempotent !== undefined && typeof rule.idempotent !== 'boolean') {
      throw configError(this, `${field}.idempotent`, rule.idempotent, 'true or false (or unset: inferred from the methods the rule matches)');
    }
    this.checkRetries(field, rule, flat);
    this.checkFault(field, rule);
    this.checkMirror(field, rule);
    this.checkCors(field, rule);
    if (rule.rewrite !== undefined && !(typeof rule.rewrite.uri === 'string' && rule.rewrite.uri.startsWith('/'))) {
      throw configError(this, `${field}.rewrite.uri`, rule.rewrite.uri, 'a path starting with /');
    }
    this.checkRedirect(field, rule);
    if (rule.directResponse !== undefined) {
      const status = rule.directResponse.status;
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw configError(this, `${field}.directResponse.status`, status, 'an HTTP status from 200 to 599');
      }
    }
    if (rule.fault && (rule.retries || rule.timeout)) {
      const with_ = [rule.retries ? 'retries' : '', rule.timeout ? 'a timeout' : ''].filter(Boolean).join(' and ');
      this.warn(`${field} (${rule.name}): fault injection with ${with_}: aborted requests are retried and injected delays count against `
        + 'the timeout, so the experiment may not test what it seems to');
    }
    return { rule, flat, destinations };
  }

  private flattenMatch(m: RouteMatch, field: string, source: number): FlatMatch[] {
    const paths = (['pathPrefix', 'pathExact', 'pathRegex'] as const).filter((k) => m[k] !== undefined);
    if (paths.length > 1) {
      throw this.fail(field, paths.join(' and '), 'at most one of pathPrefix, pathExact and pathRegex');
    }
    const headers = Object.entries(m.headers ?? {});
    const methods = [...new Set(m.methods ?? [])];
    if (paths.length === 0 && headers.length === 0 && methods.length === 0) {
      throw this.fail(field, 'no condition', 'at least one of a path, headers and methods (leave matches unset for a catch-all rule)');
    }
    const kind = paths[0] === 'pathPrefix' ? 'prefix' : paths[0] === 'pathExact' ? 'exact' : paths[0] === 'pathRegex' ? 'regex' : undefined;
    const path = paths.length ? m[paths[0]] : undefined;
    if (kind !== undefined && (typeof path !== 'string' || path.length === 0 || (kind !== 'regex' && !path.startsWith('/')))) {
      throw configError(this, `${field}.${paths[0]}`, path, kind === 'regex' ? 'a regular expression' : 'a path starting with /');
    }
    for (const [name, value] of headers) {
      if (!isLowerCaseHeaderName(name)) {
        throw configError(this, `${field}.headers`, name, 'lower-case header names: Istio matches header names in lower case only');
      }
      if (typeof value !== 'string' || value.length === 0) {
        throw configError(this, `${field}.headers.${name}`, value, 'a non-empty value to match exactly');
      }
    }
    for (const method of methods) {
      if (!Object.values(HttpMethod).includes(method)) {
        throw configError(this, `${field}.methods`, method, `HttpMethod values (${Object.values(HttpMethod).join(', ')})`);
      }
    }
    const base = { pathKind: kind, path, headers, source } as const;
    return methods.length ? methods.map((method) => ({ ...base, method })) : [base];
  }

  private checkDestinationWorkload(field: string, w: Microservice): void {
    if (this.versionSubsets.size === 0) {
      if (w !== this.service) {
        throw configError(this, field, (w as any)?.name ?? w,
          `the service "${this.service.name}" (declare versions to route to other workloads of the app)`);
      }
      return;
    }
    if (!this.versionSubsets.has(w)) {
      const names = [...this.versionSubsets.keys()].map((v) => v.name).join(', ');
      throw configError(this, field, (w as any)?.name ?? w, `one of the route's versions (${names}): subsets exist only for them (IST0101)`);
    }
  }

  private checkRetries(field: string, rule: RouteRule, flat: FlatMatch[]): void {
    const r = rule.retries;
    if (r === undefined) return;
    if (!Number.isInteger(r.attempts) || r.attempts < 0 || r.attempts > 2_147_483_647) {
      throw configError(this, `${field}.retries.attempts`, r.attempts, 'an integer >= 0 (0 disables retries)');
    }
    if (r.attempts === 0) {
      const extras = [r.perTryTimeout !== undefined ? 'perTryTimeout' : '', r.retryOn?.length ? 'retryOn' : '', r.retriableStatusCodes?.length ? 'retriableStatusCodes' : '']
        .filter(Boolean);
      if (extras.length) {
        throw this.fail(`${field}.retries`, `attempts 0 with ${extras.join(' and ')}`,
          'attempts 0 alone (retries off): Istio\'s validation refuses a retry policy with attempts 0 and other fields ("http retry policy configured when attempts are set to 0 (disabled)")');
      }
      return;
    }
    throwFirst(this, `${field}.retries`, durationProblem('perTryTimeout', r.perTryTimeout));
    const allowed = Object.values(RetryOn);
    for (const token of r.retryOn ?? []) {
      if (!allowed.includes(token)) throw configError(this, `${field}.retries.retryOn`, token, `RetryOn values (${allowed.join(', ')})`);
    }
    for (const code of r.retriableStatusCodes ?? []) {
      if (!Number.isInteger(code) || code < 100 || code > 599) {
        throw configError(this, `${field}.retries.retriableStatusCodes`, code, 'HTTP status codes from 100 to 599');
      }
    }
    if ((r.retryOn ?? []).includes(RetryOn.RETRIABLE_STATUS_CODES) && !(r.retriableStatusCodes ?? []).length) {
      throw configError(this, `${field}.retries.retriableStatusCodes`, undefined, 'the status codes to retry, with RetryOn.RETRIABLE_STATUS_CODES');
    }
    // Rule 11: every attempt must fit in the request timeout.
    if (rule.timeout !== undefined && r.perTryTimeout !== undefined && r.attempts > 0) {
      const total = r.attempts * durationMillis(r.perTryTimeout);
      const timeout = durationMillis(rule.timeout);
      if (total > timeout) {
        throw this.fail(`${field}.retries`, `${r.attempts} attempts × ${showDuration(durationMillis(r.perTryTimeout))} = ${showDuration(total)}`,
          `attempts × perTryTimeout at most the rule's timeout (${showDuration(timeout)}): the last attempts would be cut off`);
      }
    }
    // With gatewayApi retries are refused altogether (checkGatewayApi).
    if (!this.gatewayApi) this.checkRepeatable(field, rule, flat);
  }

  /** Retries only where a repeated request does no harm: none when declared not idempotent, only before the application otherwise. */
  private checkRepeatable(field: string, rule: RouteRule, flat: FlatMatch[]): void {
    const r = rule.retries!;
    if (rule.idempotent === true) return;
    if (rule.idempotent === false) {
      throw this.fail(`${field}.retries.attempts`, `${r.attempts} on a rule declared idempotent: false`,
        '0, or no retries (the route then writes attempts 0): the requests of this rule must never be repeated');
    }
    const takes = nonIdempotentMethods(flat);
    if (takes === undefined) return;
    const allowed = `retry conditions that hold only before the request reaches the application (${RETRY_ON_BEFORE_APPLICATION.join(', ')}), named in retryOn: `
      + `a ${takes.short} request may already have been acted on when the others fire (a reset after it was sent, an error status the application answered); `
      + 'or idempotent: true on the rule when the application deduplicates repeated requests (an idempotency key)';
    if (!r.retryOn?.length && !r.retriableStatusCodes?.length) {
      throw this.fail(`${field}.retries.retryOn`, `nothing (Istio's default: ${ISTIO_DEFAULT_RETRY_ON}) on a rule that matches ${takes.long}`, allowed);
    }
    const conditions = [...new Set([...(r.retryOn ?? []), ...(r.retriableStatusCodes?.length ? [RetryOn.RETRIABLE_STATUS_CODES] : [])])];
    const unsafe = conditions.filter((c) => !RETRY_ON_BEFORE_APPLICATION.includes(c));
    if (unsafe.length) {
      throw this.fail(`${field}.retries.retryOn`, `${unsafe.join(', ')} on a rule that matches ${takes.long}`, allowed);
    }
  }

  private checkFault(field: string, rule: RouteRule): void {
    const f = rule.fault;
    if (f === undefined) return;
    if (!f.delay && !f.abort) throw configError(this, `${field}.fault`, f, 'a delay, an abort or both');
    const problems: ValueProblem[] = [];
    if (f.delay) {
      if (f.delay.fixed === undefined) problems.push({ field: 'delay.fixed', received: 'nothing', allowed: 'a Duration' });
      problems.push(...durationProblem('delay.fixed', f.delay.fixed), ...percentageProblem('delay.percentage', f.delay.percentage));
    }
    if (f.abort) {
      const s = f.abort.httpStatus;
      if (!Number.isInteger(s) || s < 200 || s > 599) problems.push({ field: 'abort.httpStatus', received: String(s), allowed: 'an HTTP status from 200 to 599' });
      problems.push(...percentageProblem('abort.percentage', f.abort.percentage));
    }
    throwFirst(this, `${field}.fault`, problems);
  }

  private checkMirror(field: string, rule: RouteRule): void {
    const m = rule.mirror;
    if (m === undefined) return;
    const w = m.workload;
    if (!(w instanceof Microservice) || !w.service) {
      throw configError(this, `${field}.mirror.workload`, (w as any)?.name ?? w, 'a Microservice with a Service of its own');
    }
    if (w.name === this.service.name || w.namespace === undefined) {
      throw configError(this, `${field}.mirror.workload`, w.name,
        `another workload with its own Service in a namespace, not the route's host (${this.service.name}): copies would go to the same pods`);
    }
    this.mirrorPort(field, w);
    throwFirst(this, `${field}.mirror`, percentageProblem('percentage', m.percentage));
  }

  /** The mirror target's Service port: the route's port name, or its only port. */
  private mirrorPort(field: string, w: Microservice): { number: number; needed: boolean } {
    const ports = w.ports.filter((p) => p.expose ?? true);
    const p = ports.find((x) => x.name === this.port) ?? (ports.length === 1 ? ports[0] : undefined);
    if (!p) {
      throw this.fail(`${field}.mirror.workload`, `"${w.name}" (ports: ${ports.map((x) => x.name).join(', ')})`,
        `a workload whose Service has port "${this.port}" or a single port`);
    }
    return { number: p.servicePort ?? p.port, needed: ports.length > 1 };
  }

  private checkCors(field: string, rule: RouteRule): void {
    const c = rule.cors;
    if (c === undefined) return;
    if (!Array.isArray(c.allowOrigins) || c.allowOrigins.length === 0) {
      throw configError(this, `${field}.cors.allowOrigins`, c.allowOrigins, 'at least one origin');
    }
    for (const o of c.allowOrigins) {
      if (o !== '*' && !/^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/.test(o)) {
        throw configError(this, `${field}.cors.allowOrigins`, o, 'origins as browsers send them (https://shop.example.com, lower case, no path), or *');
      }
    }
    if (c.allowCredentials && c.allowOrigins.includes('*')) {
      throw configError(this, `${field}.cors.allowCredentials`, true, 'false with origin *: browsers refuse credentials for a wildcard origin');
    }
    for (const m of c.allowMethods ?? []) {
      if (!Object.values(HttpMethod).includes(m)) throw configError(this, `${field}.cors.allowMethods`, m, 'HttpMethod values');
    }
    throwFirst(this, `${field}.cors`, durationProblem('maxAge', c.maxAge));
  }

  private checkRedirect(field: string, rule: RouteRule): void {
    const r = rule.redirect;
    if (r === undefined) return;
    if (r.uri === undefined && r.authority === undefined) {
      throw configError(this, `${field}.redirect`, r, 'a uri, an authority or both');
    }
    if (r.uri !== undefined && !(typeof r.uri === 'string' && r.uri.startsWith('/'))) {
      throw configError(this, `${field}.redirect.uri`, r.uri, 'a path starting with /');
    }
    if (r.authority !== undefined && !isDnsSubdomain(r.authority)) {
      throw configError(this, `${field}.redirect.authority`, r.authority, 'a lower-case host name');
    }
    if (r.code !== undefined && !REDIRECT_CODES.includes(r.code)) {
      throw configError(this, `${field}.redirect.code`, r.code, REDIRECT_CODES.join(', '));
    }
  }

  /** IST0130 (a catch-all rule before others) and IST0131 (a match covered by an earlier rule's). */
  private checkReachability(rules: ResolvedRule[]): void {
    rules.forEach((r, i) => {
      if (i === rules.length - 1) return;
      const everything = r.flat.find(matchesEverything);
      const all = r.flat.length === 0 ? 'no match' : everything ? describeFlat(everything) : undefined;
      if (all !== undefined) {
        const rest = rules.slice(i + 1).map((x) => x.rule.name);
        throw this.fail(`rules[${i}].matches`, `${all} (every request), then ${rest.length} more rule${rest.length > 1 ? 's' : ''}: ${rest.join(', ')}`,
          'the catch-all rule last: rules after it are unreachable (IST0130)');
      }
    });
    rules.forEach((r, j) => {
      for (const b of r.flat) {
        for (let i = 0; i < j; i++) {
          const a = rules[i].flat.find((x) => covers(x, b));
          if (a) {
            throw this.fail(`rules[${j}].matches[${b.source}]`,
              `${describeFlat(b)}, covered by rules[${i}] (${rules[i].rule.name}) ${describeFlat(a)}`,
              'a match no earlier rule already covers: this one never applies (IST0131)');
          }
        }
      }
    });
  }

  private gatewayApiParents(given: GatewayApiParentRef[] | undefined): GatewayApiParentRef[] {
    if (this.gateways.length === 0) {
      throw configError(this, 'gatewayApi', true,
        'false without gateways: the HTTPRoute attaches to the gateways\' Gateway API parents (mesh traffic stays on the VirtualService)');
    }
    let parents: GatewayApiParentRef[];
    if (given !== undefined) {
      parents = given;
    } else {
      parents = this.gateways.map((g, i) => {
        const ref = MeshGateway.gatewayApiParentRefOf(g);
        if (!ref) {
          throw configError(this, `gateways[${i}]`, g.reference,
            'a MeshGateway with gatewayApiEnabled (a Gateway API Gateway to attach the HTTPRoute to), or gatewayApiParents');
        }
        if (MeshGateway.isMeshGateway(g) && !g.gatewayApiRouteNamespaces.includes(this.namespace)) {
          throw configError(this, `gateways[${i}]`, g.reference,
            `a gateway whose Gateway API Gateway admits HTTPRoutes from namespace ${this.namespace} (its gatewayApiRouteNamespaces: ${g.gatewayApiRouteNamespaces.join(', ')}): otherwise the HTTPRoute never attaches`);
        }
        return { name: ref.name, namespace: ref.namespace, sectionName: ref.sectionName };
      });
    }
    parents.forEach((p, i) => {
      if (!isDnsSubdomain(p.name) || !isDnsLabel(p.namespace) || (p.sectionName !== undefined && !isDnsSubdomain(p.sectionName))) {
        throw configError(this, `gatewayApiParents[${i}]`, `${p.namespace}/${p.name}${p.sectionName ? `#${p.sectionName}` : ''}`,
          'a Gateway name (DNS subdomain), its namespace (DNS label) and optionally a listener name');
      }
    });
    if (parents.length === 0 || parents.length > 32) {
      throw configError(this, 'gatewayApiParents', parents.length, 'from 1 to 32 parents');
    }
    return parents;
  }

  /** What an HTTPRoute (Gateway API v1.2.1 standard) cannot say, or would say differently. */
  private checkGatewayApi(rules: ResolvedRule[]): void {
    const unsupported: Array<[keyof RouteRule, string, string]> = [
      ['retries', 'a retry policy', 'no retries'],
      ['fault', 'a fault injection', 'no fault injection'],
      ['cors', 'a CORS policy', 'no CORS policy'],
      ['directResponse', 'a direct response', 'no direct response'],
    ];
    rules.forEach(({ rule, flat }, i) => {
      const field = `rules[${i}]`;
      for (const [key, what, allowed] of unsupported) {
        if (rule[key] !== undefined) {
          throw this.fail(`${field}.${key}`, `${what} with gatewayApi`,
            `${allowed} when an HTTPRoute is emitted: Gateway API v1.2 (standard) has no equivalent (set gatewayApi false to keep it)`);
        }
      }
      if (rule.idempotent === false && !rule.redirect && !rule.directResponse) {
        throw this.fail(`${field}.idempotent`, 'false with gatewayApi',
          `gatewayApi false for a rule whose requests must never be repeated: Istio gives HTTPRoute rules its default retries (${ISTIO_DEFAULT_RETRY_ON}), `
          + 'and the Gateway API v1.2 standard channel has no retry field to turn them off');
      }
      const takes = rule.idempotent === undefined && !rule.redirect && !rule.directResponse ? nonIdempotentMethods(flat) : undefined;
      if (takes) {
        this.warn(`${field} (${rule.name}): the HTTPRoute gets Istio's default retries (${ISTIO_DEFAULT_RETRY_ON}) for ${takes.short} requests, `
          + 'which the Gateway API v1.2 standard channel cannot turn off (the VirtualService has attempts 0): set idempotent: true if repeats are harmless, '
          + 'or a mesh-wide defaultHttpRetryPolicy');
      }
      const regex = flat.find((f) => f.pathKind === 'regex');
      if (regex) {
        throw this.fail(`${field}.matches[${regex.source}].pathRegex`, `${JSON.stringify(regex.path)} with gatewayApi`,
          'pathPrefix or pathExact when an HTTPRoute is emitted: regular-expression paths and their precedence are implementation-specific in Gateway API');
      }
      if (rule.mirror?.percentage !== undefined && rule.mirror.percentage !== 100) {
        throw configError(this, `${field}.mirror.percentage`, rule.mirror.percentage,
          '100 (or unset) when an HTTPRoute is emitted: Gateway API v1.2 (standard) mirrors every request');
      }
      if (rule.redirect && !GATEWAY_API_REDIRECT_CODES.includes(rule.redirect.code ?? 301)) {
        throw configError(this, `${field}.redirect.code`, rule.redirect.code, '301 or 302 when an HTTPRoute is emitted (Gateway API v1.2 standard)');
      }
      if (rule.rewrite) {
        const uri = rule.rewrite.uri;
        const bad = flat.length === 0 ? 'no match' : flat.filter((f) => rewritePathType(f, uri) === undefined).map(describeFlat)[0];
        if (bad !== undefined) {
          throw this.fail(`${field}.rewrite`, `uri ${uri} for ${bad}`,
            'with gatewayApi, a rewrite whose rule has matches that all name a pathExact, or a pathPrefix other than / ending in / exactly when the uri does (so that Istio and Gateway API rewrite alike)');
        }
      }
    });
    // Gateway API does not try rules in order: it ranks matches (exact path, longest prefix,
    // method, most headers) and only then keeps rule order. Both outputs route alike only when the
    // rules are already in that order wherever matches overlap.
    rules.forEach((later, j) => {
      for (const b of gatewayFlat(later)) {
        for (let i = 0; i < j; i++) {
          for (const a of gatewayFlat(rules[i])) {
            if (compareRank(gatewayRank(b), gatewayRank(a)) > 0 && overlap(a, b)) {
              throw this.fail(`rules[${j}].matches[${b.source}]`,
                `${describeFlat(b)}, which Gateway API ranks before rules[${i}] (${rules[i].rule.name}) ${describeFlat(a)}`,
                'rules ordered as Gateway API ranks overlapping matches (exact path, then longest prefix, method, most headers), so that the VirtualService and the HTTPRoute route alike');
            }
          }
        }
      }
    });
    const matches = httpRouteRuleSizes(rules);
    if (matches.length > 16 || matches.some((m) => m > 64) || matches.reduce((a, b) => a + b, 0) > 128 || this.hosts.length > 16) {
      throw this.fail('rules', `${matches.length} HTTPRoute rules, ${matches.join(' + ')} matches, ${this.hosts.length} hosts`,
        'at most 16 rules, 64 matches per rule, 128 matches in all and 16 hosts when an HTTPRoute is emitted (HTTPRoute limits)');
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    addWarning(this, message);
  }

  // -------------------------------------------------------------------------------------------
  // Output

  private virtualService(id: string, name: string, labels: { [k: string]: string }, spec: VirtualServiceSpec): ApiObject {
    const metadata = { name, namespace: this.namespace, labels };
    if (this.apiVersion === IstioApiVersion.V1BETA1) {
      // All served versions share one schema; the generated types differ only in name.
      return new VirtualServiceV1Beta1(this, id, { metadata, spec: spec as unknown as VirtualServiceV1Beta1Spec });
    }
    return new VirtualService(this, id, { metadata, spec });
  }

  private istioRule(r: ResolvedRule): VirtualServiceSpecHttp {
    const rule = r.rule;
    const route: VirtualServiceSpecHttpRoute[] | undefined = r.destinations?.map((d) => ({
      destination: {
        host: this.host,
        subset: d.subset,
        port: this.servicePorts.length > 1 ? { number: this.portNumber } : undefined,
      },
      weight: d.weight,
    }));
    const retries = rule.retries;
    const retryOn = retries && (retries.retryOn?.length || retries.retriableStatusCodes?.length)
      ? [...new Set([
        ...(retries.retryOn ?? []),
        ...(retries.retriableStatusCodes?.length ? [RetryOn.RETRIABLE_STATUS_CODES] : []),
      ]), ...(retries.retriableStatusCodes ?? []).map(String)].join(',')
      : undefined;
    const mirror = rule.mirror;
    const mirrorPort = mirror ? this.mirrorPort('', mirror.workload) : undefined;
    const cors = rule.cors;
    return {
      name: rule.name,
      match: r.flat.length ? r.flat.map(istioMatch) : undefined,
      route,
      redirect: rule.redirect
        ? { uri: rule.redirect.uri, authority: rule.redirect.authority, redirectCode: rule.redirect.code ?? 301 }
        : undefined,
      directResponse: rule.directResponse
        ? { status: rule.directResponse.status, body: rule.directResponse.body !== undefined ? { string: rule.directResponse.body } : undefined }
        : undefined,
      rewrite: rule.rewrite ? { uri: rule.rewrite.uri } : undefined,
      timeout: rule.timeout ? istioDuration(rule.timeout) : undefined,
      // Always explicit on a routing rule: without it Istio retries on its default conditions.
      retries: retries
        ? { attempts: retries.attempts, perTryTimeout: retries.perTryTimeout ? istioDuration(retries.perTryTimeout) : undefined, retryOn }
        : route ? { attempts: 0 } : undefined,
      fault: rule.fault
        ? {
          delay: rule.fault.delay
            ? { fixedDelay: istioDuration(rule.fault.delay.fixed), percentage: { value: rule.fault.delay.percentage ?? 100 } }
            : undefined,
          abort: rule.fault.abort
            ? { httpStatus: rule.fault.abort.httpStatus, percentage: { value: rule.fault.abort.percentage ?? 100 } }
            : undefined,
        }
        : undefined,
      mirror: mirror
        ? { host: this.fqdn(mirror.workload), port: mirrorPort!.needed ? { number: mirrorPort!.number } : undefined }
        : undefined,
      mirrorPercentage: mirror?.percentage !== undefined ? { value: mirror.percentage } : undefined,
      corsPolicy: cors
        ? {
          allowOrigins: cors.allowOrigins.map((o) => ({ exact: o })),
          allowMethods: cors.allowMethods?.length ? [...new Set(cors.allowMethods)] : undefined,
          allowHeaders: cors.allowHeaders?.length ? cors.allowHeaders : undefined,
          exposeHeaders: cors.exposeHeaders?.length ? cors.exposeHeaders : undefined,
          maxAge: cors.maxAge ? istioDuration(cors.maxAge) : undefined,
          allowCredentials: cors.allowCredentials,
        }
        : undefined,
    };
  }

  private renderDestinationRule(labels: { [k: string]: string }, versions: RouteVersion[], policy: TrafficPolicy | undefined): ApiObject | undefined {
    const trafficPolicy = renderTrafficPolicy(policy);
    if (versions.length === 0 && trafficPolicy === undefined) return undefined;
    const spec: DestinationRuleSpec = {
      host: this.host,
      trafficPolicy,
      subsets: versions.length
        ? versions.map((v) => ({
          name: this.versionSubsets.get(v.workload)!,
          labels: { [LABELS.APP]: this.app, [LABELS.ISTIO_VERSION]: v.workload.version },
          // Same schema as the service-level policy; the generated types differ only in name.
          trafficPolicy: renderTrafficPolicy(v.trafficPolicy) as unknown as DestinationRuleSpecSubsetsTrafficPolicy | undefined,
        }))
        : undefined,
    };
    const metadata = { name: this.name, namespace: this.namespace, labels };
    if (this.apiVersion === IstioApiVersion.V1BETA1) {
      return new DestinationRuleV1Beta1(this, 'DestinationRule', { metadata, spec: spec as unknown as DestinationRuleV1Beta1Spec });
    }
    return new DestinationRule(this, 'DestinationRule', { metadata, spec });
  }

  /**
   * The Service a version is reached through by Gateway API: its own Service when it selects
   * only its pods, otherwise (the workload named like the app, whose Service selects every
   * version) a Service created here for its pods alone.
   */
  private versionServiceName(w: Microservice, created: Map<Microservice, string>, labels: { [k: string]: string }): string {
    if (w === this.service && this.versionSubsets.size === 0) return w.name;
    if (w.name !== w.app) return w.name;
    const existing = created.get(w);
    if (existing) return existing;
    const name = `${w.name}-${this.versionSubsets.get(w)}`;
    if (name.length > 63) {
      throw configError(this, 'versions', name, 'a version Service name of at most 63 characters (workload name + subset): shorten the version label');
    }
    const p = w.ports.find((x) => x.name === this.port)!;
    new k8s.KubeService(this, `VersionService-${name}`, {
      metadata: { name, namespace: this.namespace, labels: { ...w.labels, ...labels } },
      spec: {
        type: 'ClusterIP',
        selector: w.selectorLabels,
        ports: [{
          name: p.name,
          port: p.servicePort ?? p.port,
          targetPort: k8s.IntOrString.fromString(p.name),
          protocol: 'TCP',
          appProtocol: p.protocol.name,
        }],
      },
    });
    created.set(w, name);
    return name;
  }

  private renderHttpRoute(labels: { [k: string]: string }, parents: GatewayApiParentRef[], rules: ResolvedRule[]): ApiObject {
    const created = new Map<Microservice, string>();
    const portOf = (w: Microservice) => {
      const p = w.ports.find((x) => x.name === this.port)!;
      return p.servicePort ?? p.port;
    };
    // A rule with a rewrite becomes one HTTPRoute rule per match (the replaced prefix is the
    // match's); Gateway API ranks rules rather than ordering them, so the split changes nothing.
    const split = rules.flatMap((r) => (r.rule.rewrite ? r.flat.map((f) => ({ ...r, flat: [f] })) : [r]));
    const out: HttpRouteSpecRules[] = split.map((r) => {
      const rule = r.rule;
      const filters: HttpRouteSpecRulesFilters[] = [];
      if (rule.rewrite) {
        const type = rewritePathType(r.flat[0], rule.rewrite.uri)!;
        filters.push({
          type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
          urlRewrite: {
            path: type === HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH
              ? { type, replacePrefixMatch: rule.rewrite.uri }
              : { type, replaceFullPath: rule.rewrite.uri },
          },
        });
      }
      if (rule.mirror) {
        const w = rule.mirror.workload;
        filters.push({
          type: HttpRouteSpecRulesFiltersType.REQUEST_MIRROR,
          requestMirror: {
            backendRef: { name: w.name, namespace: w.namespace !== this.namespace ? w.namespace : undefined, port: this.mirrorPort('', w).number },
          },
        });
      }
      if (rule.redirect) {
        filters.push({
          type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
          requestRedirect: {
            hostname: rule.redirect.authority,
            path: rule.redirect.uri !== undefined
              ? { type: HttpRouteSpecRulesFiltersRequestRedirectPathType.REPLACE_FULL_PATH, replaceFullPath: rule.redirect.uri }
              : undefined,
            statusCode: (rule.redirect.code ?? 301) as HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
          },
        });
      }
      const backendRefs: HttpRouteSpecRulesBackendRefs[] | undefined = r.destinations?.map((d) => ({
        name: this.versionServiceName(d.workload, created, labels),
        port: portOf(d.workload),
        weight: d.weight,
      }));
      return {
        matches: r.flat.length ? r.flat.map(gatewayMatch) : undefined,
        filters: filters.length ? filters : undefined,
        backendRefs,
        timeouts: rule.timeout ? { request: gatewayApiDuration(rule.timeout) } : undefined,
      };
    });
    return new HttpRoute(this, 'HttpRoute', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        parentRefs: parents.map((p) => ({ name: p.name, namespace: p.namespace, sectionName: p.sectionName })),
        hostnames: this.hosts,
        rules: out,
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Match helpers

function istioMatch(f: FlatMatch): VirtualServiceSpecHttpMatch {
  return {
    uri: f.pathKind === undefined ? undefined : { [f.pathKind]: f.path } as VirtualServiceSpecHttpMatchUri,
    headers: f.headers.length ? Object.fromEntries(f.headers.map(([k, v]) => [k, { exact: v }])) : undefined,
    method: f.method ? { exact: f.method } : undefined,
  };
}

function gatewayMatch(f: FlatMatch): HttpRouteSpecRulesMatches {
  return {
    path: f.pathKind === undefined
      ? undefined
      : { type: f.pathKind === 'exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: f.path },
    headers: f.headers.length
      ? f.headers.map(([name, value]) => ({ name, value, type: HttpRouteSpecRulesMatchesHeadersType.EXACT }))
      : undefined,
    method: f.method as unknown as HttpRouteSpecRulesMatchesMethod | undefined,
  };
}

/**
 * How Gateway API rewrites the path of a match like Istio does: the whole path for an exact
 * match, the matched prefix for a prefix match whose trailing `/` agrees with the replacement's
 * (the two differ otherwise, and for the implicit `/` prefix); undefined when they would differ.
 */
function rewritePathType(f: FlatMatch, uri: string): HttpRouteSpecRulesFiltersUrlRewritePathType | undefined {
  if (f.pathKind === 'exact') return HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_FULL_PATH;
  if (f.pathKind === 'prefix' && f.path !== '/' && f.path!.endsWith('/') === uri.endsWith('/')) {
    return HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH;
  }
  return undefined;
}

/**
 * The methods of a rule that are not idempotent (POST, PATCH, CONNECT), for messages; undefined
 * when it matches only idempotent ones. A rule or match without methods takes every method.
 */
function nonIdempotentMethods(flat: FlatMatch[]): { short: string; long: string } | undefined {
  if (flat.length === 0 || flat.some((f) => f.method === undefined)) {
    return { short: 'POST or PATCH', long: 'every method (no method condition), POST and PATCH included' };
  }
  const methods = [...new Set(flat.map((f) => f.method!))].filter((m) => !IDEMPOTENT_METHODS.includes(m));
  return methods.length ? { short: methods.join(' or '), long: methods.join(', ') } : undefined;
}

/** Matches per HTTPRoute rule (a rule without matches counts one; rewrite rules are split per match). */
function httpRouteRuleSizes(rules: ResolvedRule[]): number[] {
  return rules.flatMap((r) => (r.rule.rewrite ? r.flat.map(() => 1) : [Math.max(r.flat.length, 1)]));
}

/** A match with no condition beyond the `/` prefix. */
function matchesEverything(f: FlatMatch): boolean {
  return (f.pathKind === undefined || (f.pathKind === 'prefix' && f.path === '/')) && f.headers.length === 0 && f.method === undefined;
}

/** Whether every request `b` matches also matches `a` (Istio's string-prefix semantics). */
function covers(a: FlatMatch, b: FlatMatch): boolean {
  let path: boolean;
  if (a.pathKind === undefined) path = true;
  else if (a.pathKind === 'prefix') path = (b.pathKind === 'prefix' || b.pathKind === 'exact') && b.path!.startsWith(a.path!);
  else path = a.pathKind === b.pathKind && a.path === b.path;
  const method = a.method === undefined || a.method === b.method;
  const headers = a.headers.every(([k, v]) => b.headers.some(([k2, v2]) => k === k2 && v === v2));
  return path && method && headers;
}

/** Whether some request could match both (conservative: true unless they provably exclude each other). */
function overlap(a: FlatMatch, b: FlatMatch): boolean {
  const pa = a.pathKind ? a : { ...a, pathKind: 'prefix' as const, path: '/' };
  const pb = b.pathKind ? b : { ...b, pathKind: 'prefix' as const, path: '/' };
  let path = true;
  const trim = (p: string) => p.replace(/\/+$/, '');
  if (pa.pathKind === 'exact' && pb.pathKind === 'exact') path = pa.path === pb.path;
  else if (pa.pathKind === 'exact') path = pa.path!.startsWith(pb.path!) || pa.path === trim(pb.path!);
  else if (pb.pathKind === 'exact') path = pb.path!.startsWith(pa.path!) || pb.path === trim(pa.path!);
  else path = pa.path!.startsWith(pb.path!) || pb.path!.startsWith(pa.path!);
  const method = a.method === undefined || b.method === undefined || a.method === b.method;
  const headers = a.headers.every(([k, v]) => !b.headers.some(([k2, v2]) => k === k2 && v !== v2));
  return path && method && headers;
}

/** The matches of a rule as Gateway API sees them (no match = prefix `/`). */
function gatewayFlat(r: ResolvedRule): FlatMatch[] {
  return r.flat.length ? r.flat : [{ pathKind: 'prefix', path: '/', headers: [], source: 0 }];
}

/** Gateway API precedence: exact path, longest prefix, method, most headers. */
function gatewayRank(f: FlatMatch): number[] {
  const exact = f.pathKind === 'exact' ? 1 : 0;
  const prefix = f.pathKind === 'prefix' ? f.path!.length : f.pathKind === undefined ? 1 : 0;
  return [exact, exact ? 0 : prefix, f.method ? 1 : 0, f.headers.length];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function describeFlat(f: FlatMatch): string {
  const parts: string[] = [];
  if (f.pathKind) parts.push(`${f.pathKind === 'prefix' ? 'pathPrefix' : f.pathKind === 'exact' ? 'pathExact' : 'pathRegex'} ${f.path}`);
  if (f.method) parts.push(`method ${f.method}`);
  if (f.headers.length) parts.push(`headers ${f.headers.map(([k, v]) => `${k}=${v}`).join(',')}`);
  return `{${parts.join(', ') || 'every request'}}`;
}

/**
 * The paths and methods a route forwards to its workloads, in Istio authorization syntax: exact
 * paths as they are, prefixes as `<prefix>*`. Any path (or method) when a forwarding rule has no
 * match, matches by regex, or rewrites the path (the workload sees another one). Paths and
 * methods of different matches are joined, so the result may allow a little more than the route.
 */
export function forwardedRequests(rules: RouteRule[]): { paths?: string[]; methods?: HttpMethod[] } {
  let anyPath = false;
  let anyMethod = false;
  const paths = new Set<string>();
  const methods = new Set<HttpMethod>();
  for (const r of rules) {
    if (r.redirect || r.directResponse) continue;
    if (!r.matches?.length || r.rewrite) {
      anyPath = true;
      anyMethod = true;
      continue;
    }
    for (const m of r.matches) {
      if (m.pathExact !== undefined) paths.add(m.pathExact);
      else if (m.pathPrefix !== undefined) paths.add(m.pathPrefix === '/' ? '*' : `${m.pathPrefix}*`);
      else anyPath = true;
      if (m.methods?.length) m.methods.forEach((x) => methods.add(x));
      else anyMethod = true;
    }
  }
  return {
    paths: anyPath || paths.size === 0 || paths.has('*') ? undefined : [...paths].sort(),
    methods: anyMethod || methods.size === 0 ? undefined : [...methods].sort(),
  };
}

/** A route match as stable text for comparisons and messages: `prefix /api, methods GET`. */
function describeMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.pathExact !== undefined) parts.push(`path ${m.pathExact}`);
  if (m.pathPrefix !== undefined) parts.push(`prefix ${m.pathPrefix}`);
  if (m.pathRegex !== undefined) parts.push(`regex ${m.pathRegex}`);
  const headers = Object.keys(m.headers ?? {}).sort().map((k) => `${k}=${m.headers![k]}`);
  if (headers.length) parts.push(`headers ${headers.join(',')}`);
  if (m.methods?.length) parts.push(`methods ${[...m.methods].sort().join(',')}`);
  return parts.length ? parts.join(', ') : '*';
}
