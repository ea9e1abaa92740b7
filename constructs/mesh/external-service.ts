import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { EXTERNAL_CALLS } from '../checks/graph';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { STRING_MAP, checkProps, isFieldsObject, list, rule, shape, str } from '../core/runtime-types';
import {
  ServiceEntry, ServiceEntrySpec, ServiceEntrySpecLocation, ServiceEntrySpecResolution, ServiceEntryV1Beta1, ServiceEntryV1Beta1Spec,
} from '../imports/networking.istio.io';
import { isIpv4Cidr } from '../platform/namespace-baseline';
import { PortProtocol } from '../workloads/port';
import { IWorkload } from '../workloads/workload';
import { IstioApiVersion } from './istio-api-version';

/** A port of a service outside the cluster. */
export interface ExternalPort {
  /** The port number. */
  readonly port: number;
  /** HTTPS and TLS pass through the sidecar encrypted; HTTP, gRPC and TCP as they are. */
  readonly protocol: PortProtocol;
}

/** Where traffic to an external service leaves the cluster through an egress gateway. */
export interface EgressGatewayRef {
  /** Namespace of the egress gateway's pods. */
  readonly namespace: string;
  /** Labels of the egress gateway's pods. */
  readonly selector: { [key: string]: string };
}

/** Properties of an ExternalService. */
export interface ExternalServiceProps {
  /** Name of the ServiceEntry. @default - the construct id */
  readonly name?: string;
  /** DNS names of the service (no wildcards: the sidecar resolves them). */
  readonly hosts: string[];
  /** Its ports. */
  readonly ports: ExternalPort[];
  /**
   * The addresses the hosts resolve to, as IPv4 CIDRs: NetworkPolicies match addresses, not
   * names, so the callers' egress is opened to these.
   * @default - none (then `egressGateway` is needed wherever NetworkPolicies deny egress)
   */
  readonly cidrs?: string[];
  /**
   * An egress gateway the callers' traffic leaves through: their egress is opened to its pods.
   * @default - none
   */
  readonly egressGateway?: EgressGatewayRef;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

/** How a workload calls an external service. */
export interface ExternalCallOptions {
  /** Ports called. @default - every port of the service */
  readonly ports?: number[];
}

/** The types of an ExternalService's props (hosts, ports, addresses and the API version are checked further by the construct). */
const EXTERNAL_SERVICE_PROPS = shape({
  name: str(),
  ports: list(rule('a port { port, protocol }', isFieldsObject), 'a list of ports { port, protocol }'),
  cidrs: list(str('an IPv4 CIDR such as 203.0.113.0/24'), 'a list of IPv4 CIDRs'),
  egressGateway: shape({ namespace: str(), selector: STRING_MAP }, 'an egress gateway { namespace, selector }'),
}, 'the props of an ExternalService: { hosts, ports, cidrs, ... }');

/** The end of a host name, not an IP address: a dot and a last label that starts with a letter. */
const HOST_LAST_LABEL = /\.[a-z][^.]*$/;
const PROTOCOLS: Record<string, string> = { http: 'HTTP', https: 'HTTPS', http2: 'HTTP2', grpc: 'GRPC', tcp: 'TCP', tls: 'TLS' };
const VERSIONS = Object.values(IstioApiVersion) as string[];

/**
 * A dependency outside the cluster (a payment provider, a SaaS API): an Istio ServiceEntry
 * (`MESH_EXTERNAL`, DNS resolution, visible in its own namespace), and for every caller
 * (`addCaller`) a NetworkPolicy in the caller's namespace opening its egress to the service's
 * addresses or to the egress gateway, on the ports called. Checked at synth: a caller in a
 * namespace whose NetworkPolicies deny egress needs `cidrs` or an `egressGateway`.
 */
export class ExternalService extends Construct {
  /** Name of the ServiceEntry. */
  public readonly name: string;
  public readonly hosts: string[];
  public readonly ports: ExternalPort[];
  public readonly cidrs: string[];
  public readonly egressGateway?: EgressGatewayRef;
  /** The ServiceEntry. */
  public readonly serviceEntry: ApiObject;
  /** The egress NetworkPolicies, one per caller application. */
  public readonly egressPolicies: ApiObject[] = [];
  private readonly apiVersion: IstioApiVersion;

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    checkProps(scope, id, props, EXTERNAL_SERVICE_PROPS);
    super(scope, id);
    this.name = props.name ?? id;
    if (!isDnsLabel(this.name)) {
      throw configError(this, 'name', this.name, 'a DNS-1123 label of at most 63 characters');
    }
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) throw configError(this, 'hosts', props.hosts, 'at least one DNS name, such as api.payments.example.com');
    props.hosts.forEach((h, i) => {
      if (!isDnsSubdomain(h) || !HOST_LAST_LABEL.test(h)) throw configError(this, `hosts[${i}]`, h, 'a fully qualified DNS name in lower case, without wildcards (the sidecar resolves it)');
    });
    this.hosts = [...props.hosts];
    if (!Array.isArray(props.ports) || props.ports.length === 0) throw configError(this, 'ports', props.ports, 'at least one port');
    props.ports.forEach((p, i) => {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw configError(this, `ports[${i}].port`, p.port, 'an integer from 1 to 65535');
      if (!(p.protocol instanceof PortProtocol) || !PROTOCOLS[p.protocol.name]) {
        throw configError(this, `ports[${i}].protocol`, p.protocol, `one of ${Object.keys(PROTOCOLS).join(', ')} (PortProtocol)`);
      }
      if (props.ports.findIndex((q) => q.port === p.port) !== i) throw configError(this, `ports[${i}].port`, p.port, 'each port once');
    });
    this.ports = [...props.ports];
    this.cidrs = [...(props.cidrs ?? [])];
    this.cidrs.forEach((c, i) => {
      if (!isIpv4Cidr(c)) throw configError(this, `cidrs[${i}]`, c, 'an IPv4 CIDR such as 203.0.113.0/24');
    });
    this.egressGateway = props.egressGateway;
    if (this.egressGateway && (!isDnsLabel(this.egressGateway.namespace) || !Object.keys(this.egressGateway.selector ?? {}).length)) {
      throw configError(this, 'egressGateway', this.egressGateway, 'a namespace and at least one label of the egress gateway\'s pods');
    }
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!VERSIONS.includes(this.apiVersion)) throw configError(this, 'apiVersion', this.apiVersion, `one of ${VERSIONS.join(', ')} (IstioApiVersion)`);

    const spec: ServiceEntrySpec = {
      hosts: [...this.hosts],
      location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
      resolution: ServiceEntrySpecResolution.DNS,
      ports: this.ports.map((p) => ({ number: p.port, name: `${p.protocol.name}-${p.port}`, protocol: PROTOCOLS[p.protocol.name] })),
      // Visible in its own namespace and in its callers'.
      exportTo: Lazy.any({ produce: () => this.exportTo() }) as any,
    };
    const metadata = { name: this.name };
    this.serviceEntry = this.apiVersion === IstioApiVersion.V1BETA1
      ? new ServiceEntryV1Beta1(this, 'ServiceEntry', { metadata, spec: spec as unknown as ServiceEntryV1Beta1Spec })
      : new ServiceEntry(this, 'ServiceEntry', { metadata, spec });
  }

  /**
   * Declares that `caller` (every version of its app) calls this service: records the call in the
   * service graph and opens the caller's egress to it.
   */
  public addCaller(caller: IWorkload, options: ExternalCallOptions = {}): void {
    const field = `addCaller(${caller?.name})`;
    if (typeof caller?.app !== 'string' || caller.namespace === undefined) {
      throw configError(this, 'addCaller', caller, 'a workload in a namespace (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
    }
    if (options?.ports !== undefined && !Array.isArray(options.ports)) throw configError(this, `${field}.ports`, options.ports, 'a list of ports');
    const ports = options?.ports ?? this.ports.map((p) => p.port);
    ports.forEach((p, j) => {
      if (!this.ports.some((x) => x.port === p)) throw configError(this, `${field}.ports[${j}]`, p, `a port of ${this.name}: ${this.ports.map((x) => x.port).join(', ')}`);
    });
    AppIndex.of(this).add(EXTERNAL_CALLS, { from: caller, service: this, ports: [...ports].sort((a, b) => a - b) }, this);
    const peers: k8s.NetworkPolicyPeer[] = [
      ...this.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ...(this.egressGateway ? [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.egressGateway.namespace } },
        podSelector: { matchLabels: { ...this.egressGateway.selector } },
      }] : []),
    ];
    if (!peers.length) return; // refused at synth where egress is denied (constructs/checks/enforcement.ts)
    const selector = caller.managed ? { app: caller.app } : { ...caller.selectorLabels };
    this.egressPolicies.push(new k8s.KubeNetworkPolicy(this, `Egress-${caller.namespace}-${caller.app}`, {
      metadata: { name: `allow-${caller.app}-to-${this.name}`, namespace: caller.namespace },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Egress'],
        egress: [{
          to: peers,
          ports: [...ports].sort((a, b) => a - b).map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' })),
        }],
      },
    }));
  }

  private exportTo(): string[] {
    const own = this.namespace;
    const others = AppIndex.of(this).list(EXTERNAL_CALLS).filter((c) => c.service === this)
      .map((c) => c.from.namespace!).filter((ns) => ns !== own);
    return ['.', ...[...new Set(others)].sort()];
  }

  /** The namespace of the ServiceEntry (its chart's). */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }
}
