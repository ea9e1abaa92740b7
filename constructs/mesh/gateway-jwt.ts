import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as sec from '../imports/security.istio.io';
import { configError } from '../core/errors';
import { isDnsLabel } from '../core/names';
import { BOOL, checkProps, required, shape, str } from '../core/runtime-types';
import { IstioApiVersion } from './istio-api-version';
import { MeshGateway } from './mesh-gateway';
import { IMeshGateway, MESH_GATEWAY_REF } from './mesh-references';

/** A request header a JWT is read from. */
export interface JwtHeader {
  /** Header name, e.g. `x-jwt-assertion`. */
  readonly name: string;
  /**
   * Prefix stripped before decoding, e.g. `Bearer ` (with its space).
   * @default - none
   */
  readonly prefix?: string;
}

/** Properties of a GatewayJwt. */
export interface GatewayJwtProps {
  /** The gateway whose workload checks the tokens. */
  readonly gateway: IMeshGateway;
  /** Issuer of the tokens (their `iss` claim), e.g. `https://auth.example.com/`. */
  readonly issuer: string;
  /** https URL of the issuer's JSON Web Key Set. */
  readonly jwksUri: string;
  /**
   * Audiences accepted (the `aud` claim must contain one).
   * @default - any audience
   */
  readonly audiences?: string[];
  /**
   * Keep the token on the request forwarded to the services.
   * @default false
   */
  readonly forwardOriginalToken?: boolean;
  /**
   * Headers the token is read from.
   * @default - Istio's default: `Authorization: Bearer <token>` (and the `access_token` query parameter)
   */
  readonly fromHeaders?: JwtHeader[];
  /**
   * Hosts that require a token; each must be served by the gateway.
   * @default - every host of the gateway
   */
  readonly hosts?: string[];
  /**
   * Paths that require a token: exact (`/orders`) or prefixes (`/api/*`).
   * @default - every path
   */
  readonly paths?: string[];
  /**
   * Paths reachable without a token (health checks, public assets), in the same forms.
   * @default - none
   */
  readonly excludePaths?: string[];
  /**
   * Name of the RequestAuthentication (the AuthorizationPolicy is `<name>-require-jwt`).
   * @default - the construct id
   */
  readonly name?: string;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

/** The types of a GatewayJwt's props (the issuer, URL, hosts, paths and headers are checked further by the construct). */
const GATEWAY_JWT_PROPS = shape({
  gateway: required(MESH_GATEWAY_REF),
  forwardOriginalToken: BOOL,
  name: str(),
}, 'the props of a GatewayJwt: { gateway, issuer, jwksUri, ... }');

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PATH_ALLOWED = 'a path starting with / and at most one *, at its end (/api/*): Istio matches paths exactly or by prefix';

/**
 * JWT authentication at the ingress gateway: a RequestAuthentication on the gateway workload
 * (in its namespace, selected by its labels) that validates tokens of one issuer, and the
 * AuthorizationPolicy that makes the token required. A RequestAuthentication alone rejects bad
 * tokens but lets requests WITHOUT a token through; the policy DENIES requests that carry no
 * valid token (`notRequestPrincipals: ['*']`) to the protected hosts and paths. A DENY policy is
 * used rather than ALLOW so that the gateway's other hosts, and other policies on the same
 * workload, keep working.
 *
 * Hosts are matched as Istio's gateway routes match them: an exact host also with any port
 * (`shop.example.com:*`), a wildcard host also with each server port (`*.example.com:443`), so a
 * `Host` header with a port cannot slip past the policy. One gap remains that an
 * AuthorizationPolicy cannot express (Istio allows a single `*` per value): under a WILDCARD
 * protected host, a route for an exact host (`a.example.com`) also answers `Host:
 * a.example.com:<any port>`, which `*.example.com:443` does not match. List such hosts exactly
 * in `hosts` (or give the gateway exact hosts) to cover them. When the gateway also has a Gateway API
 * Gateway (`gatewayApi`), the same pair is written for the workload Istio deploys for it
 * (attached with targetRefs), named `<name>-gateway-api` and `<name>-gateway-api-require-jwt`.
 *
 * A tokenless plain-HTTP request to a protected host is refused (403) before the HTTPS redirect.
 * The policy's conditions are HTTP-only, so Istio would apply it to TCP servers of the same gateway
 * workload by denying all their traffic: keep TCP passthrough on another gateway workload.
 */
export class GatewayJwt extends Construct {
  /** The gateway. */
  public readonly gateway: IMeshGateway;
  /** Name of the RequestAuthentication. */
  public readonly name: string;
  /** Namespace of the objects (the gateway workload's). */
  public readonly namespace: string;
  /** Issuer of the tokens. */
  public readonly issuer: string;
  /** Where the signing keys are fetched. */
  public readonly jwksUri: string;
  /** Audiences accepted (empty: any). */
  public readonly audiences: string[];
  /** Whether the token is forwarded to the services. */
  public readonly forwardOriginalToken: boolean;
  /** Hosts that require a token. */
  public readonly hosts: string[];
  /** Paths that require a token (empty: every path). */
  public readonly paths: string[];
  /** Paths that do not. */
  public readonly excludePaths: string[];
  /** Istio API version of the objects. */
  public readonly apiVersion: IstioApiVersion;
  /** The RequestAuthentication. */
  public readonly requestAuthentication: ApiObject;
  /** The AuthorizationPolicy that requires a token. */
  public readonly authorizationPolicy: ApiObject;
  /** The RequestAuthentication of the Gateway API gateway, when the gateway has one. */
  public readonly gatewayApiRequestAuthentication?: ApiObject;
  /** The AuthorizationPolicy of the Gateway API gateway, when the gateway has one. */
  public readonly gatewayApiAuthorizationPolicy?: ApiObject;

  constructor(scope: Construct, id: string, props: GatewayJwtProps) {
    checkProps(scope, id, props, GATEWAY_JWT_PROPS);
    super(scope, id);
    const gateway = props.gateway;
    this.gateway = gateway;
    this.name = props.name ?? id;
    if (!isDnsLabel(this.name)) {
      throw configError(this, 'name', this.name, 'a DNS-1123 label of at most 63 characters');
    }
    this.namespace = gateway.workloadNamespace;
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!Object.values(IstioApiVersion).includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, Object.values(IstioApiVersion).join(' or '));
    }

    if (typeof props.issuer !== 'string' || props.issuer.length === 0 || /\s/.test(props.issuer)) {
      throw configError(this, 'issuer', props.issuer, "the issuer named in the tokens' iss claim (non-empty, no whitespace)");
    }
    this.issuer = props.issuer;
    this.jwksUri = this.checkJwksUri(props.jwksUri);
    this.audiences = this.checkAudiences(props.audiences);
    this.forwardOriginalToken = props.forwardOriginalToken ?? false;
    const fromHeaders = this.checkHeaders(props.fromHeaders);
    this.hosts = this.checkHosts(props.hosts);
    this.paths = this.checkPaths('paths', props.paths);
    this.excludePaths = this.checkPaths('excludePaths', props.excludePaths);

    const jwtRule: sec.RequestAuthenticationSpecJwtRules = {
      issuer: this.issuer,
      jwksUri: this.jwksUri,
      audiences: this.audiences.length > 0 ? [...this.audiences] : undefined,
      forwardOriginalToken: this.forwardOriginalToken ? true : undefined,
      fromHeaders,
    };
    const rule = this.denyRule(MeshGateway.serverPortsOf(gateway));
    const selector = { matchLabels: { ...gateway.workloadSelector } };

    this.requestAuthentication = this.requestAuth('RequestAuthentication', this.name, { selector, jwtRules: [jwtRule] });
    this.authorizationPolicy = this.denyPolicy('AuthorizationPolicy', `${this.name}-require-jwt`, { selector, rules: [rule] });

    const parent = MeshGateway.gatewayApiParentRefOf(gateway);
    if (parent) {
      const targetRefs = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: parent.name }];
      this.gatewayApiRequestAuthentication = this.requestAuth('GatewayApiRequestAuthentication', `${this.name}-gateway-api`,
        { targetRefs, jwtRules: [jwtRule] }, parent.namespace);
      this.gatewayApiAuthorizationPolicy = this.denyPolicy('GatewayApiAuthorizationPolicy', `${this.name}-gateway-api-require-jwt`,
        { targetRefs, rules: [rule] }, parent.namespace);
    }
  }

  private checkJwksUri(uri: string): string {
    const allowed = "an https:// URL of the issuer's JSON Web Key Set (over plain http anyone on the path could swap the signing keys)";
    let url: URL | undefined;
    try {
      url = new URL(uri);
    } catch {
      url = undefined;
    }
    if (typeof uri !== 'string' || !url || url.protocol !== 'https:' || !url.hostname || /\s/.test(uri)) {
      throw configError(this, 'jwksUri', uri, allowed);
    }
    return uri;
  }

  private checkAudiences(audiences: string[] | undefined): string[] {
    if (audiences === undefined) return [];
    if (!Array.isArray(audiences) || audiences.length === 0) {
      throw configError(this, 'audiences', audiences, 'at least one audience, or no audiences field to accept any');
    }
    audiences.forEach((a, i) => {
      if (typeof a !== 'string' || a.length === 0 || /\s/.test(a)) {
        throw configError(this, `audiences[${i}]`, a, 'an audience (non-empty, no whitespace)');
      }
      const first = audiences.indexOf(a);
      if (first < i) throw configError(this, `audiences[${i}]`, a, `each audience once (it is also audiences[${first}])`);
    });
    return [...audiences];
  }

  private checkHeaders(headers: JwtHeader[] | undefined): sec.RequestAuthenticationSpecJwtRulesFromHeaders[] | undefined {
    if (headers === undefined) return undefined;
    if (!Array.isArray(headers) || headers.length === 0) {
      throw configError(this, 'fromHeaders', headers, 'at least one header, or no fromHeaders field for Authorization: Bearer');
    }
    return headers.map((h, i) => {
      if (!h || typeof h.name !== 'string' || !HEADER_NAME.test(h.name)) {
        throw configError(this, `fromHeaders[${i}].name`, h?.name, 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)');
      }
      if (h.prefix !== undefined && typeof h.prefix !== 'string') throw configError(this, `fromHeaders[${i}].prefix`, h.prefix, 'a prefix stripped before decoding, such as "Bearer "');
      return h.prefix === undefined ? { name: h.name } : { name: h.name, prefix: h.prefix };
    });
  }

  private checkHosts(hosts: string[] | undefined): string[] {
    const served = this.gateway.hosts.map((h) => {
      const slash = h.indexOf('/');
      return (slash >= 0 ? h.slice(slash + 1) : h).toLowerCase();
    });
    if (hosts === undefined) return [...new Set(served)];
    if (!Array.isArray(hosts) || hosts.length === 0) {
      throw configError(this, 'hosts', hosts, "at least one host, or no hosts field for every host of the gateway");
    }
    hosts.forEach((h, i) => {
      const problem = MeshGateway.hostProblem(h);
      if (problem) throw configError(this, `hosts[${i}]`, h, problem);
      const first = hosts.indexOf(h);
      if (first < i) throw configError(this, `hosts[${i}]`, h, `each host once (it is also hosts[${first}])`);
      if (!this.gateway.hosts.some((g) => MeshGateway.hostServes(g, h))) {
        throw configError(this, `hosts[${i}]`, h,
          `a host that gateway ${this.gateway.reference} serves (${this.gateway.hosts.join(', ')}): a token requirement elsewhere protects nothing`);
      }
    });
    return [...hosts];
  }

  private checkPaths(field: string, paths: string[] | undefined): string[] {
    if (paths === undefined) return [];
    if (!Array.isArray(paths) || paths.length === 0) {
      throw configError(this, field, paths, `at least one path, or no ${field} field`);
    }
    paths.forEach((p, i) => {
      const star = typeof p === 'string' ? p.indexOf('*') : -1;
      if (typeof p !== 'string' || !p.startsWith('/') || /\s|[?#]/.test(p) || (star >= 0 && star !== p.length - 1)) {
        throw configError(this, `${field}[${i}]`, p, PATH_ALLOWED);
      }
    });
    return [...paths];
  }

  /** Deny requests without a valid token to the protected hosts and paths (from and to in one rule). */
  private denyRule(ports: number[]): sec.AuthorizationPolicySpecRules {
    const hostForms: string[] = [];
    let everyHost = false;
    for (const h of this.hosts) {
      if (h === '*') {
        everyHost = true;
        continue;
      }
      hostForms.push(h);
      if (h.startsWith('*.')) hostForms.push(...ports.map((p) => `${h}:${p}`));
      else hostForms.push(`${h}:*`);
    }
    const operation: sec.AuthorizationPolicySpecRulesToOperation = {
      hosts: everyHost ? undefined : [...new Set(hostForms)],
      paths: this.paths.length > 0 ? [...this.paths] : undefined,
      notPaths: this.excludePaths.length > 0 ? [...this.excludePaths] : undefined,
    };
    return {
      from: [{ source: { notRequestPrincipals: ['*'] } }],
      to: [{ operation }],
    };
  }

  private requestAuth(id: string, name: string, spec: sec.RequestAuthenticationSpec, namespace = this.namespace): ApiObject {
    const metadata = { name, namespace };
    if (this.apiVersion === IstioApiVersion.V1BETA1) {
      return new sec.RequestAuthenticationV1Beta1(this, id, { metadata, spec: spec as sec.RequestAuthenticationV1Beta1Spec });
    }
    return new sec.RequestAuthentication(this, id, { metadata, spec });
  }

  private denyPolicy(id: string, name: string, spec: Omit<sec.AuthorizationPolicySpec, 'action'>, namespace = this.namespace): ApiObject {
    const metadata = { name, namespace };
    if (this.apiVersion === IstioApiVersion.V1BETA1) {
      return new sec.AuthorizationPolicyV1Beta1(this, id, {
        metadata,
        spec: { ...spec, action: sec.AuthorizationPolicyV1Beta1SpecAction.DENY } as sec.AuthorizationPolicyV1Beta1Spec,
      });
    }
    return new sec.AuthorizationPolicy(this, id, { metadata, spec: { ...spec, action: sec.AuthorizationPolicySpecAction.DENY } });
  }
}
