import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as gwapi from '../imports/gateway.networking.k8s.io';
import * as istio from '../imports/networking.istio.io';
import { MESH_GATEWAYS } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { hostCovers as covers } from '../core/hosts';
import { isDnsLabel, isDnsName } from '../core/names';
import { BOOL, STRING_MAP, checkProps, int, isFieldsObject, isPlainObject, list, shape, str } from '../core/runtime-types';
import { DEFAULT_TRUST_DOMAIN, IstioApiVersion } from './istio-api-version';
import { IMeshGateway, workloadPrincipal } from './mesh-references';

/** How the HTTPS server of a gateway terminates TLS. */
export enum GatewayTlsMode {
  /** Server certificate only (the usual public endpoint). */
  SIMPLE = 'SIMPLE',
  /**
   * Clients must present a certificate signed by the CA in the credential Secret (key `ca.crt`,
   * or a separate Secret named `<credentialName>-cacert`).
   */
  MUTUAL = 'MUTUAL',
}

/** Lowest TLS version a gateway accepts. */
export enum GatewayTlsProtocolVersion {
  /** TLS 1.2 (Istio's own minimum for gateways). */
  TLSV1_2 = 'TLSV1_2',
  /** TLS 1.3 only. */
  TLSV1_3 = 'TLSV1_3',
}

/** A gateway workload installed by hand or by a tool other than istioctl and the istio/gateway chart. */
export interface CustomGatewayInstall {
  /** Namespace of the gateway's pods (its TLS Secrets and RequestAuthentication live there too). */
  readonly namespace: string;
  /** Labels of its pods, which the Gateway's `selector` matches. */
  readonly selector: { [key: string]: string };
  /** ServiceAccount its pods run as: its identity towards the services it calls. */
  readonly serviceAccount: string;
}

/**
 * How the ingress gateway workload was installed, which fixes where its pods run, their labels
 * (the Gateway's `selector`) and their ServiceAccount (the principal authorization policies
 * allow). One setting, so that the three cannot disagree.
 */
export class GatewayInstall {
  /**
   * `istioctl install` with the default (or demo) profile: Deployment `istio-ingressgateway` in
   * `istio-system`, pods labelled `istio: ingressgateway` (and `app: istio-ingressgateway`),
   * ServiceAccount `istio-ingressgateway-service-account`.
   */
  public static readonly ISTIOCTL_DEFAULT = new GatewayInstall('istio-system', { istio: 'ingressgateway' }, 'istio-ingressgateway-service-account',
    'istioctl default profile');

  /**
   * The istio/gateway Helm chart, `helm install <release> istio/gateway -n <namespace>` with the
   * chart's defaults: pods labelled `app: <release>` and `istio: <release without its "istio-"
   * prefix>` (selected by the latter: `istio-ingress` → `istio: ingress`), ServiceAccount
   * `<release>`. With the chart's `name`, `labels` or `serviceAccount.name` values set, use
   * `custom`.
   */
  public static helmGatewayChart(release: string, namespace: string): GatewayInstall {
    const istioLabel = typeof release === 'string' ? release.replace(/^istio-/, '') : release;
    return new GatewayInstall(namespace, { istio: istioLabel }, release, `istio/gateway Helm chart release ${release} in ${namespace}`, release);
  }

  /** A gateway installed another way: its namespace, pod labels and ServiceAccount as they are. */
  public static custom(install: CustomGatewayInstall): GatewayInstall {
    // Kept as given when they are not what they should be: the gateway using them reports them.
    const i: Partial<CustomGatewayInstall> = isFieldsObject(install) ? install : {};
    const selector = isPlainObject(i.selector) ? { ...i.selector } : i.selector;
    return new GatewayInstall(i.namespace as string, selector as { [key: string]: string }, i.serviceAccount as string,
      `custom gateway in ${i.namespace}`);
  }

  private constructor(
    /** Namespace of the gateway's pods. */
    public readonly namespace: string,
    /** Labels selecting its pods. */
    public readonly selector: { readonly [key: string]: string },
    /** Its ServiceAccount. */
    public readonly serviceAccount: string,
    /** What it is, for people. */
    public readonly description: string,
    /** The Helm release, for the istio/gateway chart. */
    public readonly helmRelease?: string,
  ) {}

  /** What it is, for people and messages. */
  public toString(): string {
    return this.description;
  }
}

/** TLS of a gateway's HTTPS server. */
export interface GatewayTls {
  /**
   * Name of the Secret holding the certificate (`tls.crt`, `tls.key`, and `ca.crt` for MUTUAL).
   * Istio reads it in the gateway WORKLOAD's namespace (`workloadNamespace`, e.g. istio-ingress),
   * not in the namespace of the Gateway object; a Secret anywhere else leaves the server without a
   * certificate. The Gateway API Gateway (when enabled) lives in that namespace too, so the same
   * Secret serves it without a ReferenceGrant.
   */
  readonly credentialName: string;
  /** @default GatewayTlsMode.SIMPLE */
  readonly mode?: GatewayTlsMode;
  /** @default GatewayTlsProtocolVersion.TLSV1_2 */
  readonly minProtocolVersion?: GatewayTlsProtocolVersion;
}

/** Properties of a MeshGateway. */
export interface MeshGatewayProps {
  /**
   * Hosts the gateway serves: lower-case FQDNs (`shop.example.com`) or wildcards over a domain
   * (`*.example.com`). Served on 443 (HTTPS) and, unless `httpRedirect` is false, on 80 where
   * requests are redirected to HTTPS.
   */
  readonly hosts: string[];
  /** TLS of the HTTPS server (443). */
  readonly tls: GatewayTls;
  /**
   * Name of the Gateway object (also of the Gateway API Gateway).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway object (routes reference it as `<namespace>/<name>`).
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
  /**
   * How the gateway workload (the Envoy deployment that serves the Gateway) was installed: its
   * namespace (pods, TLS Secrets, RequestAuthentication), pod labels and ServiceAccount. Not
   * together with workloadSelector, workloadNamespace and serviceAccount.
   * @default GatewayInstall.helmGatewayChart('istio-ingressgateway', 'istio-ingress')
   */
  readonly install?: GatewayInstall;
  /**
   * Labels of the gateway workload's pods (the Envoy deployment that serves the Gateway).
   * @deprecated use `install`
   * @default { istio: 'ingressgateway' }
   */
  readonly workloadSelector?: { [key: string]: string };
  /**
   * Namespace of the gateway workload: its pods, its TLS Secrets, its RequestAuthentication.
   * @deprecated use `install`
   * @default 'istio-ingress'
   */
  readonly workloadNamespace?: string;
  /**
   * ServiceAccount of the gateway workload (its identity towards the services it calls).
   * @deprecated use `install`
   * @default 'istio-ingressgateway'
   */
  readonly serviceAccount?: string;
  /** @default DEFAULT_TRUST_DOMAIN ('cluster.local') */
  readonly trustDomain?: string;
  /**
   * Serve port 80 with a redirect to HTTPS. With false, nothing listens on port 80.
   * @default true
   */
  readonly httpRedirect?: boolean;
  /**
   * Also write a Kubernetes Gateway API Gateway (gateway.networking.k8s.io/v1) in the workload
   * namespace: one HTTPS listener per host (certificate from the credential Secret, which is in
   * that namespace, so no ReferenceGrant is needed) and, with `httpRedirect`, an HTTP listener
   * with an HTTPRoute that redirects to HTTPS. With Istio's `istio` class, Istio deploys a gateway
   * workload of its own for it (`<name>-istio`, ServiceAccount `<name>-istio`). Requires SIMPLE
   * TLS with minimum TLS 1.2: the standard channel has neither client certificates nor a
   * minimum-version setting.
   * @default false, unless gatewayApiClassName is set
   */
  readonly gatewayApi?: boolean;
  /**
   * GatewayClass of the Gateway API Gateway.
   * @default 'istio'
   */
  readonly gatewayApiClassName?: string;
  /**
   * Namespaces whose HTTPRoutes may attach to the HTTPS listeners of the Gateway API Gateway.
   * @default - the namespace of the Gateway object (`namespace`)
   */
  readonly gatewayApiRouteNamespaces?: string[];
}

/** What an HTTPRoute puts in `parentRefs` to attach to a Gateway API Gateway. */
export interface GatewayApiParentRef {
  /** Name of the Gateway API Gateway. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /**
   * A listener; without it a route attaches to every HTTPS listener whose hostname it shares
   * (the HTTP listener only admits the redirect route of its own namespace).
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
}

/** What a gateway defined outside this app is. */
export interface MeshGatewayAttributes {
  /** Name of the Gateway object. */
  readonly gatewayName: string;
  /** Namespace of the Gateway object. */
  readonly gatewayNamespace: string;
  /** Hosts its servers accept (`ns/host` forms allowed). */
  readonly hosts: string[];
  /**
   * How its gateway workload was installed. Not together with workloadNamespace, workloadSelector and serviceAccount.
   * @default GatewayInstall.helmGatewayChart('istio-ingressgateway', 'istio-ingress')
   */
  readonly install?: GatewayInstall;
  /** @deprecated use `install` @default 'istio-ingress' */
  readonly workloadNamespace?: string;
  /** @deprecated use `install` @default { istio: 'ingressgateway' } */
  readonly workloadSelector?: { [key: string]: string };
  /** @deprecated use `install` @default 'istio-ingressgateway' */
  readonly serviceAccount?: string;
  /** @default DEFAULT_TRUST_DOMAIN */
  readonly trustDomain?: string;
  /**
   * Ports of its servers (the host forms Istio matches with a wildcard host depend on them).
   * @default [443, 80]
   */
  readonly serverPorts?: number[];
  /**
   * Name of a Gateway API Gateway that serves the same hosts.
   * @default - none
   */
  readonly gatewayApiName?: string;
  /**
   * Namespace of that Gateway API Gateway.
   * @default - workloadNamespace
   */
  readonly gatewayApiNamespace?: string;
}

/** The types of what selects the gateway workload (values are checked by resolveInstall). */
const INSTALL_FIELDS = { workloadSelector: STRING_MAP, workloadNamespace: str(), serviceAccount: str(), trustDomain: str() };

/** The types of a MeshGateway's props (hosts, names and TLS settings are checked further by the gateway). */
const MESH_GATEWAY_PROPS = shape({
  ...INSTALL_FIELDS,
  tls: shape({ credentialName: str('the name of a Secret') }, 'TLS { credentialName, mode, minProtocolVersion }'),
  name: str(),
  namespace: str(),
  httpRedirect: BOOL,
  gatewayApi: BOOL,
  gatewayApiClassName: str(),
}, 'the props of a MeshGateway: { hosts, tls, ... }');

/** The types of what `MeshGateway.fromAttributes` takes. */
const MESH_GATEWAY_ATTRIBUTES = shape({
  ...INSTALL_FIELDS,
  hosts: list(str('a host'), 'a list of hosts'),
  serverPorts: list(int(1, 65535, 'a port from 1 to 65535'), 'a list of ports'),
  gatewayApiName: str(),
  gatewayApiNamespace: str(),
}, 'the attributes of a gateway: { gatewayName, gatewayNamespace, hosts, ... }');

const MESH_GATEWAY_SYMBOL = Symbol.for('cdk8s-nats-mesh.MeshGateway');
/** The default: the istio/gateway chart installed as release istio-ingressgateway in istio-ingress. */
const DEFAULT_INSTALL = GatewayInstall.helmGatewayChart('istio-ingressgateway', 'istio-ingress');
const DEFAULT_CLASS = 'istio';
const HTTPS_PORT = 443;
const HTTP_PORT = 80;

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const HOST_ALLOWED = "a lower-case DNS name with at least two labels (shop.example.com) or a wildcard over a domain (*.example.com): labels of a-z, 0-9 and '-' that neither start nor end with '-', at most 63 characters each and 253 in all";
const WILDCARD_ALLOWED = 'a wildcard only as the whole first label, followed by a domain (*.example.com): Istio and the Gateway API match no partial, inner or bare wildcards';

/** Why a gateway host is not acceptable (exact lower-case FQDN or `*.domain`), or undefined. */
function gatewayHostProblem(host: unknown): string | undefined {
  if (typeof host !== 'string') return HOST_ALLOWED;
  if (host.includes('*')) {
    if (!host.startsWith('*.') || host.indexOf('*', 1) >= 0) return WILDCARD_ALLOWED;
    return isDnsName(host.slice(2)) && host.length <= 253 ? undefined : HOST_ALLOWED;
  }
  return isDnsName(host) && host.includes('.') ? undefined : HOST_ALLOWED;
}

/** The host part of an Istio gateway host (`ns/host`, `./host`, `*\/host` → host), lower-cased. */
function bareHost(host: string): string {
  const slash = host.indexOf('/');
  return (slash >= 0 ? host.slice(slash + 1) : host).toLowerCase();
}

/** Label keys (optionally `prefix/`) and values, as Kubernetes accepts them. */
function selectorProblem(selector: { [key: string]: string }): string | undefined {
  if (!isPlainObject(selector)) return 'labels of the pods, such as { istio: "ingressgateway" }';
  const entries = Object.entries(selector);
  if (entries.length === 0) return 'at least one label (an empty selector picks every gateway workload of the mesh)';
  for (const [k, v] of entries) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    const keyOk = LABEL_NAME.test(name) && name.length <= 63 && (prefix === undefined || isDnsName(prefix));
    const valueOk = typeof v === 'string' && v.length <= 63 && (v === '' || LABEL_NAME.test(v));
    if (!keyOk || !valueOk) return 'label keys and values as Kubernetes accepts them (e.g. istio: ingressgateway)';
  }
  return undefined;
}


/** What a gateway's install settings resolve to, with the field each came from (for messages). */
interface ResolvedInstall {
  readonly install: GatewayInstall;
  readonly fields: { readonly namespace: string; readonly selector: string; readonly serviceAccount: string };
}

/**
 * The gateway workload: `install`, or the deprecated separate props (each defaulting to the
 * default install's), never both. Checks the values and throws at `scope`.
 */
function resolveInstall(scope: Construct, props: {
  readonly install?: GatewayInstall; readonly workloadSelector?: { [key: string]: string }; readonly workloadNamespace?: string; readonly serviceAccount?: string;
}): ResolvedInstall {
  const legacy = (['workloadSelector', 'workloadNamespace', 'serviceAccount'] as const).filter((k) => props[k] !== undefined);
  let resolved: ResolvedInstall;
  if (props.install !== undefined) {
    if (!(props.install instanceof GatewayInstall)) {
      throw configError(scope, 'install', props.install, 'GatewayInstall.ISTIOCTL_DEFAULT, GatewayInstall.helmGatewayChart(release, namespace) or GatewayInstall.custom({...})');
    }
    if (legacy.length) {
      throw configError(scope, legacy[0], props[legacy[0]],
        `nothing with install (${props.install}): it sets the gateway workload's namespace, pod labels and ServiceAccount together`);
    }
    const release = props.install.helmRelease;
    if (release !== undefined && !(isDnsLabel(release) && release.length <= 53)) {
      throw configError(scope, 'install', release, 'a Helm release name (a DNS-1123 label of at most 53 characters)');
    }
    resolved = { install: props.install, fields: { namespace: 'install.namespace', selector: 'install.selector', serviceAccount: 'install.serviceAccount' } };
  } else if (legacy.length) {
    resolved = {
      install: GatewayInstall.custom({
        namespace: props.workloadNamespace ?? DEFAULT_INSTALL.namespace,
        selector: props.workloadSelector ?? { ...DEFAULT_INSTALL.selector },
        serviceAccount: props.serviceAccount ?? DEFAULT_INSTALL.serviceAccount,
      }),
      fields: { namespace: 'workloadNamespace', selector: 'workloadSelector', serviceAccount: 'serviceAccount' },
    };
  } else {
    resolved = { install: DEFAULT_INSTALL, fields: { namespace: 'workloadNamespace', selector: 'workloadSelector', serviceAccount: 'serviceAccount' } };
  }
  const { install, fields } = resolved;
  const selectorIssue = selectorProblem(install.selector as { [key: string]: string });
  if (selectorIssue) throw configError(scope, fields.selector, install.selector, selectorIssue);
  if (!isDnsLabel(install.namespace)) {
    throw configError(scope, fields.namespace, install.namespace, 'a DNS-1123 label of at most 63 characters');
  }
  if (!isDnsName(install.serviceAccount) || install.serviceAccount === 'default') {
    throw configError(scope, fields.serviceAccount, install.serviceAccount,
      "the DNS-1123 name of the gateway workload's own ServiceAccount, not 'default'");
  }
  return resolved;
}

/** Listener name for a host: `https-<host>`; a wildcard `*.example.com` gives `https--example.com`. */
function httpsListenerName(host: string): string {
  return host.startsWith('*.') ? `https--${host.slice(2)}` : `https-${host}`;
}

class ExistingMeshGateway extends Construct implements IMeshGateway {
  public readonly install: GatewayInstall;
  public readonly gatewayName: string;
  public readonly gatewayNamespace: string;
  public readonly reference: string;
  public readonly hosts: string[];
  public readonly workloadNamespace: string;
  public readonly workloadSelector: { [key: string]: string };
  public readonly principal: string;
  public readonly serverPorts: number[];
  public readonly gatewayApiEnabled: boolean;
  public readonly gatewayApiParentRef?: GatewayApiParentRef;

  constructor(scope: Construct, id: string, a: MeshGatewayAttributes) {
    checkProps(scope, id, a, MESH_GATEWAY_ATTRIBUTES);
    super(scope, id);
    if (!isDnsName(a.gatewayName)) throw configError(this, 'gatewayName', a.gatewayName, 'a DNS-1123 name');
    if (!isDnsLabel(a.gatewayNamespace)) throw configError(this, 'gatewayNamespace', a.gatewayNamespace, 'a DNS-1123 label of at most 63 characters');
    if (!Array.isArray(a.hosts) || a.hosts.length === 0) throw configError(this, 'hosts', a.hosts, 'at least one host');
    this.gatewayName = a.gatewayName;
    this.gatewayNamespace = a.gatewayNamespace;
    this.reference = `${a.gatewayNamespace}/${a.gatewayName}`;
    this.hosts = [...a.hosts];
    const { install } = resolveInstall(this, a);
    this.install = install;
    this.workloadNamespace = install.namespace;
    this.workloadSelector = { ...install.selector };
    this.principal = workloadPrincipal(a.trustDomain ?? DEFAULT_TRUST_DOMAIN, this.workloadNamespace, install.serviceAccount);
    this.serverPorts = [...(a.serverPorts ?? [HTTPS_PORT, HTTP_PORT])];
    this.gatewayApiEnabled = a.gatewayApiName !== undefined;
    if (a.gatewayApiName !== undefined) {
      this.gatewayApiParentRef = { name: a.gatewayApiName, namespace: a.gatewayApiNamespace ?? this.workloadNamespace };
    }
  }
}

/**
 * An Istio ingress Gateway (networking.istio.io) that routes bind to, for a gateway workload
 * installed separately (`install`; by default the istio/gateway chart's release
 * `istio-ingressgateway` in `istio-ingress`: pods `istio: ingressgateway`):
 * an HTTPS server on 443 whose certificate comes from a Secret in the WORKLOAD's namespace, an
 * optional mutual TLS, and a server on 80 that redirects to HTTPS. Optionally the same entry
 * point as a Kubernetes Gateway API Gateway.
 *
 * Synth-time checks: host syntax (exact FQDN or `*.domain`), hosts listed once, a credential
 * Secret name, and across the app: no two Gateways with the same workload selector serving an
 * overlapping host on the same port (IST0145), no two Gateway objects with one name.
 */
export class MeshGateway extends Construct implements IMeshGateway {
  /** A Gateway that exists outside this app, for routes and policies to refer to. */
  public static fromAttributes(scope: Construct, id: string, attributes: MeshGatewayAttributes): IMeshGateway {
    return new ExistingMeshGateway(scope, id, attributes);
  }

  /** Whether a construct is a MeshGateway (of any copy of this library). */
  public static isMeshGateway(x: unknown): x is MeshGateway {
    return typeof x === 'object' && x !== null && (x as any)[MESH_GATEWAY_SYMBOL] === true;
  }

  /**
   * The Gateway API parentRef of a gateway (defined here or by `fromAttributes` with
   * `gatewayApiName`), or undefined when it has no Gateway API Gateway.
   */
  public static gatewayApiParentRefOf(gateway: IMeshGateway): GatewayApiParentRef | undefined {
    const ref = (gateway as any).gatewayApiParentRef as GatewayApiParentRef | undefined;
    return (gateway as any).gatewayApiEnabled === true && ref ? { ...ref } : undefined;
  }

  /**
   * Ports of a gateway's servers: those of a MeshGateway, or of `fromAttributes` (443 and 80 when
   * not given).
   */
  public static serverPortsOf(gateway: IMeshGateway): number[] {
    const ports = (gateway as any).serverPorts as number[] | undefined;
    return Array.isArray(ports) ? [...ports] : [HTTPS_PORT, HTTP_PORT];
  }

  /**
   * Why `host` cannot be a gateway host (what would be accepted), or undefined when it can:
   * a lower-case FQDN (`shop.example.com`) or a wildcard over a domain (`*.example.com`).
   */
  public static hostProblem(host: string): string | undefined {
    return gatewayHostProblem(host);
  }

  /**
   * Whether a gateway host (`shop.example.com`, `*.example.com`, `*`, with or without Istio's
   * `ns/` prefix) serves `host` (exact or wildcard): equal, or within the wildcard.
   */
  public static hostServes(gatewayHost: string, host: string): boolean {
    return covers(bareHost(gatewayHost), host.toLowerCase());
  }

  public readonly gatewayName: string;
  public readonly gatewayNamespace: string;
  public readonly reference: string;
  public readonly hosts: string[];
  public readonly workloadNamespace: string;
  public readonly workloadSelector: { [key: string]: string };
  public readonly principal: string;
  /** Istio API version of the Gateway object. */
  public readonly apiVersion: IstioApiVersion;
  /** How the gateway workload was installed (namespace, pod labels, ServiceAccount). */
  public readonly install: GatewayInstall;
  /** ServiceAccount of the gateway workload. */
  public readonly serviceAccount: string;
  /** Trust domain of the principals. */
  public readonly trustDomain: string;
  /** TLS mode of the HTTPS server. */
  public readonly tlsMode: GatewayTlsMode;
  /** Secret with the certificate, in `workloadNamespace`. */
  public readonly credentialName: string;
  /** Lowest TLS version accepted. */
  public readonly minProtocolVersion: GatewayTlsProtocolVersion;
  /** Whether port 80 redirects to HTTPS (false: nothing on port 80). */
  public readonly httpRedirect: boolean;
  /** Ports of the servers: 443, and 80 with `httpRedirect`. */
  public readonly serverPorts: number[];
  /** The Istio Gateway object. */
  public readonly resource: ApiObject;
  /** Whether a Gateway API Gateway is written too. */
  public readonly gatewayApiEnabled: boolean;
  /** Name of the Gateway API Gateway, when enabled. */
  public readonly gatewayApiName?: string;
  /** Namespace of the Gateway API Gateway (the workload namespace), when enabled. */
  public readonly gatewayApiNamespace?: string;
  /** Its GatewayClass, when enabled. */
  public readonly gatewayApiClassName?: string;
  /** Namespaces whose HTTPRoutes its HTTPS listeners admit (empty when not enabled). */
  public readonly gatewayApiRouteNamespaces: string[];
  /** Where HTTPRoutes attach (no sectionName: every HTTPS listener sharing a hostname). */
  public readonly gatewayApiParentRef?: GatewayApiParentRef;
  /**
   * Identity of the workload Istio deploys for the Gateway API Gateway (`<name>-<class>`
   * ServiceAccount in its namespace, as Istio's automated deployment names it); authorization
   * policies of exposed services must allow it besides `principal`.
   */
  public readonly gatewayApiPrincipal?: string;
  /** The Gateway API Gateway, when enabled. */
  public readonly gatewayApiResource?: ApiObject;
  /** The HTTPRoute redirecting port 80 to HTTPS on the Gateway API Gateway, when both are on. */
  public readonly gatewayApiRedirectRoute?: ApiObject;

  constructor(scope: Construct, id: string, props: MeshGatewayProps) {
    checkProps(scope, id, props, MESH_GATEWAY_PROPS);
    super(scope, id);
    Object.defineProperty(this, MESH_GATEWAY_SYMBOL, { value: true });

    this.gatewayName = props.name ?? id;
    if (!isDnsLabel(this.gatewayName)) {
      throw configError(this, 'name', this.gatewayName, 'a DNS-1123 label of at most 63 characters');
    }
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (!isDnsLabel(namespace)) {
      throw configError(this, 'namespace', namespace, 'a DNS-1123 label of at most 63 characters (or a chart with a namespace)');
    }
    this.gatewayNamespace = namespace;
    this.reference = `${this.gatewayNamespace}/${this.gatewayName}`;
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!Object.values(IstioApiVersion).includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, Object.values(IstioApiVersion).join(' or '));
    }

    const { install } = resolveInstall(this, props);
    this.install = install;
    this.workloadSelector = { ...install.selector };
    this.workloadNamespace = install.namespace;
    this.serviceAccount = install.serviceAccount;
    this.trustDomain = props.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    if (!isDnsName(this.trustDomain)) {
      throw configError(this, 'trustDomain', this.trustDomain, 'the mesh trust domain, a DNS name such as cluster.local');
    }
    this.principal = workloadPrincipal(this.trustDomain, this.workloadNamespace, this.serviceAccount);

    this.hosts = this.checkHosts(props.hosts);

    const tls = props.tls;
    if (tls === undefined || tls === null) {
      throw configError(this, 'tls', tls, `TLS for the HTTPS server: the name of a Secret in ${this.workloadNamespace} (credentialName)`);
    }
    this.tlsMode = tls.mode ?? GatewayTlsMode.SIMPLE;
    if (!Object.values(GatewayTlsMode).includes(this.tlsMode)) {
      throw configError(this, 'tls.mode', this.tlsMode, Object.values(GatewayTlsMode).join(' or '));
    }
    if (!isDnsName(tls.credentialName)) {
      throw configError(this, 'tls.credentialName', tls.credentialName,
        `the name of a Secret in the gateway workload's namespace ${this.workloadNamespace} (a DNS-1123 name): Istio reads credentials only there`);
    }
    this.credentialName = tls.credentialName;
    this.minProtocolVersion = tls.minProtocolVersion ?? GatewayTlsProtocolVersion.TLSV1_2;
    if (!Object.values(GatewayTlsProtocolVersion).includes(this.minProtocolVersion)) {
      throw configError(this, 'tls.minProtocolVersion', this.minProtocolVersion, Object.values(GatewayTlsProtocolVersion).join(' or '));
    }
    this.httpRedirect = props.httpRedirect ?? true;
    this.serverPorts = this.httpRedirect ? [HTTPS_PORT, HTTP_PORT] : [HTTPS_PORT];

    this.resource = this.createGateway();

    if (props.gatewayApi === false && props.gatewayApiClassName !== undefined) {
      throw configError(this, 'gatewayApiClassName', props.gatewayApiClassName, 'nothing with gatewayApi false (the class is only for the Gateway API Gateway)');
    }
    if (props.gatewayApi !== true && props.gatewayApiClassName === undefined && props.gatewayApiRouteNamespaces !== undefined) {
      throw configError(this, 'gatewayApiRouteNamespaces', props.gatewayApiRouteNamespaces, 'nothing without gatewayApi (they are only for the Gateway API Gateway)');
    }
    this.gatewayApiEnabled = props.gatewayApi ?? props.gatewayApiClassName !== undefined;
    this.gatewayApiRouteNamespaces = [];
    if (this.gatewayApiEnabled) {
      const className = props.gatewayApiClassName ?? DEFAULT_CLASS;
      if (!isDnsName(className)) {
        throw configError(this, 'gatewayApiClassName', className, 'the name of a GatewayClass (a DNS-1123 name)');
      }
      if (this.tlsMode === GatewayTlsMode.MUTUAL) {
        throw configError(this, 'tls.mode', this.tlsMode,
          'SIMPLE with gatewayApi: the Gateway API v1.2 standard channel cannot ask clients for certificates');
      }
      if (this.minProtocolVersion !== GatewayTlsProtocolVersion.TLSV1_2) {
        throw configError(this, 'tls.minProtocolVersion', this.minProtocolVersion,
          'TLSV1_2 with gatewayApi: a Gateway API listener has no standard minimum-version setting, so it would accept TLS 1.2 anyway');
      }
      const routeNamespaces = props.gatewayApiRouteNamespaces ?? [this.gatewayNamespace];
      this.checkRouteNamespaces(routeNamespaces);
      this.gatewayApiRouteNamespaces = [...routeNamespaces];
      this.gatewayApiClassName = className;
      this.gatewayApiName = this.gatewayName;
      this.gatewayApiNamespace = this.workloadNamespace;
      this.gatewayApiParentRef = { name: this.gatewayApiName, namespace: this.gatewayApiNamespace };
      this.gatewayApiPrincipal = workloadPrincipal(this.trustDomain, this.gatewayApiNamespace, `${this.gatewayApiName}-${className}`);
      this.gatewayApiResource = this.createGatewayApiGateway();
      if (this.httpRedirect) this.gatewayApiRedirectRoute = this.createRedirectRoute();
    }

    // Checked against the other gateways of the app in constructs/checks/mesh.ts.
    AppIndex.of(this).add(MESH_GATEWAYS, this, this);
  }

  /**
   * Name of the Gateway API listener serving `host` (exact host, or a wildcard host of the
   * gateway), for an HTTPRoute's `sectionName`; undefined when the Gateway API output is off or
   * the host is not one of the gateway's hosts.
   */
  public gatewayApiListenerName(host: string): string | undefined {
    if (!this.gatewayApiEnabled) return undefined;
    const h = host.toLowerCase();
    return this.hosts.includes(h) ? httpsListenerName(h) : undefined;
  }

  private checkHosts(hosts: string[]): string[] {
    if (!Array.isArray(hosts) || hosts.length === 0) {
      throw configError(this, 'hosts', hosts, 'at least one host (shop.example.com or *.example.com)');
    }
    hosts.forEach((h, i) => {
      const problem = gatewayHostProblem(h);
      if (problem) throw configError(this, `hosts[${i}]`, h, problem);
      const first = hosts.indexOf(h);
      if (first < i) throw configError(this, `hosts[${i}]`, h, `each host once (it is also hosts[${first}])`);
    });
    return [...hosts];
  }

  private checkRouteNamespaces(namespaces: string[]): void {
    if (!Array.isArray(namespaces) || namespaces.length === 0) {
      throw configError(this, 'gatewayApiRouteNamespaces', namespaces, 'at least one namespace');
    }
    namespaces.forEach((ns, i) => {
      if (!isDnsLabel(ns)) throw configError(this, `gatewayApiRouteNamespaces[${i}]`, ns, 'a DNS-1123 label of at most 63 characters');
      if (this.httpRedirect && ns === this.workloadNamespace) {
        throw configError(this, `gatewayApiRouteNamespaces[${i}]`, ns,
          `a namespace other than the gateway's own (${this.workloadNamespace}) with httpRedirect: its routes would also attach to the plain-HTTP listener`);
      }
    });
  }

  private createGateway(): ApiObject {
    const metadata = { name: this.gatewayName, namespace: this.gatewayNamespace };
    const servers: istio.GatewaySpecServers[] = [{
      hosts: [...this.hosts],
      port: { number: HTTPS_PORT, name: 'https', protocol: 'HTTPS' },
      tls: {
        mode: this.tlsMode as unknown as istio.GatewaySpecServersTlsMode,
        credentialName: this.credentialName,
        minProtocolVersion: this.minProtocolVersion as unknown as istio.GatewaySpecServersTlsMinProtocolVersion,
      },
    }];
    if (this.httpRedirect) {
      servers.push({
        hosts: [...this.hosts],
        port: { number: HTTP_PORT, name: 'http-redirect', protocol: 'HTTP' },
        tls: { httpsRedirect: true },
      });
    }
    const spec: istio.GatewaySpec = { selector: { ...this.workloadSelector }, servers };
    if (this.apiVersion === IstioApiVersion.V1BETA1) {
      // Same schema in both versions; only the generated enum types differ.
      return new istio.GatewayV1Beta1(this, 'Resource', { metadata, spec: spec as unknown as istio.GatewayV1Beta1Spec });
    }
    return new istio.Gateway(this, 'Resource', { metadata, spec });
  }

  private createGatewayApiGateway(): ApiObject {
    const httpsRoutes: gwapi.GatewaySpecListenersAllowedRoutes = {
      kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
      namespaces: {
        from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
        selector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...this.gatewayApiRouteNamespaces] }],
        },
      },
    };
    const listeners: gwapi.GatewaySpecListeners[] = this.hosts.map((host, i) => {
      const name = httpsListenerName(host);
      if (name.length > 253) {
        throw configError(this, `hosts[${i}]`, host, 'a host of at most 246 characters with gatewayApi (its listener name https-<host> is limited to 253)');
      }
      return {
        name,
        hostname: host,
        port: HTTPS_PORT,
        protocol: 'HTTPS',
        tls: {
          mode: gwapi.GatewaySpecListenersTlsMode.TERMINATE,
          certificateRefs: [{ group: '', kind: 'Secret', name: this.credentialName }],
        },
        allowedRoutes: httpsRoutes,
      };
    });
    if (this.httpRedirect) {
      listeners.push({
        name: 'http',
        port: HTTP_PORT,
        protocol: 'HTTP',
        allowedRoutes: {
          kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          namespaces: { from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME },
        },
      });
    }
    return new gwapi.Gateway(this, 'GatewayApi', {
      metadata: { name: this.gatewayApiName!, namespace: this.gatewayApiNamespace! },
      spec: { gatewayClassName: this.gatewayApiClassName!, listeners },
    });
  }

  private createRedirectRoute(): ApiObject {
    return new gwapi.HttpRoute(this, 'GatewayApiRedirect', {
      metadata: { name: `${this.gatewayApiName}-https-redirect`, namespace: this.gatewayApiNamespace! },
      spec: {
        parentRefs: [{ name: this.gatewayApiName!, namespace: this.gatewayApiNamespace!, sectionName: 'http' }],
        hostnames: [...this.hosts],
        rules: [{
          filters: [{
            type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
            requestRedirect: {
              scheme: gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
              statusCode: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
            },
          }],
        }],
      },
    });
  }
}
