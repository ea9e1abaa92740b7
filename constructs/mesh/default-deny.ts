import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction, AuthorizationPolicyV1Beta1,
  AuthorizationPolicyV1Beta1Spec,
} from '../imports/security.istio.io';
import { DEFAULT_DENIES } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsLabel } from '../core/names';
import { checkProps, rule, shape, str } from '../core/runtime-types';
import { ISTIO_RESERVED_PORTS } from '../workloads/port';
import { IstioApiVersion } from './istio-api-version';

/** Properties of a DefaultDeny. */
export interface DefaultDenyProps {
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * Container ports that any source may reach on every workload of the namespace: the metrics
   * ports a Prometheus outside the mesh scrapes (it has no principal for a ServiceAuthorization
   * to name). Written as a second policy, `allow-metrics`.
   * @default - none (nothing is scraped through the sidecar)
   */
  readonly metricsPorts?: number[];
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

/** The types of a DefaultDeny's props (the namespace, ports and API version are checked further by the construct). */
const DEFAULT_DENY_PROPS = shape({
  namespace: str(),
  metricsPorts: rule('a list of container ports', Array.isArray),
}, 'the props of a DefaultDeny: { namespace, metricsPorts, apiVersion }');

const DEFAULT_DENY_SYMBOL = Symbol.for('cdk8s-nats-mesh.DefaultDeny');
const VERSIONS = Object.values(IstioApiVersion) as string[];

/**
 * "Allow nothing" for a namespace: the AuthorizationPolicy `deny-all` with an empty spec, which
 * selects every workload of the namespace and has no rule, so only what a ServiceAuthorization
 * allows gets through (staging and prod).
 *
 * It blocks everything else, including:
 * - the ingress gateway: every workload a gateway routes to needs a ServiceAuthorization with
 *   that gateway among its callers (checked at synth time);
 * - Prometheus scraping application ports (a Prometheus outside the mesh has no principal):
 *   list those ports in `metricsPorts`. Istio's merged metrics on the sidecar's port 15020 are
 *   not affected;
 * - a gateway whose pods run in this namespace: keep gateways in a namespace of their own.
 */
export class DefaultDeny extends Construct {
  /** Whether `x` is a DefaultDeny. */
  public static isDefaultDeny(x: unknown): x is DefaultDeny {
    return typeof x === 'object' && x !== null && (x as any)[DEFAULT_DENY_SYMBOL] === true;
  }

  /** Namespace of the policy. */
  public readonly namespaceName: string;
  /** The API version written. */
  public readonly apiVersion: IstioApiVersion;
  /** Ports open to any source (sorted). */
  public readonly metricsPorts: number[];
  /** The AuthorizationPolicy `deny-all`. */
  public readonly policy: ApiObject;
  /** The AuthorizationPolicy `allow-metrics`, when metricsPorts are given. */
  public readonly metricsPolicy?: ApiObject;

  constructor(scope: Construct, id: string, props: DefaultDenyProps = {}) {
    checkProps(scope, id, props, DEFAULT_DENY_PROPS);
    super(scope, id);
    Object.defineProperty(this, DEFAULT_DENY_SYMBOL, { value: true });
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (!isDnsLabel(namespace)) {
      throw configError(this, 'namespace', namespace, 'a namespace name (the namespace prop, or a chart with a namespace)');
    }
    this.namespaceName = namespace;
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!VERSIONS.includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, `one of ${VERSIONS.join(', ')} (IstioApiVersion)`);
    }
    const ports = props.metricsPorts;
    if (ports !== undefined && ports.length === 0) {
      throw configError(this, 'metricsPorts', ports, 'at least one port, or no metricsPorts prop (an empty port list would match every port)');
    }
    (ports ?? []).forEach((p, i) => {
      if (!Number.isInteger(p) || p < 1 || p > 65535 || (p >= ISTIO_RESERVED_PORTS.from && p <= ISTIO_RESERVED_PORTS.to)) {
        throw configError(this, `metricsPorts[${i}]`, p, `a container port from 1 to 65535 outside ${ISTIO_RESERVED_PORTS.from}-${ISTIO_RESERVED_PORTS.to} (the sidecar's own)`);
      }
      if (ports!.indexOf(p) !== i) throw configError(this, `metricsPorts[${i}]`, p, 'each port once');
    });
    this.metricsPorts = [...(ports ?? [])].sort((a, b) => a - b);

    this.policy = this.authorizationPolicy('Policy', 'deny-all', {});
    if (this.metricsPorts.length) {
      this.metricsPolicy = this.authorizationPolicy('MetricsPolicy', 'allow-metrics', {
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [{ to: [{ operation: { ports: this.metricsPorts.map(String) } }] }],
      });
    }
    // Checked against the app's gateways, routes and authorizations in constructs/checks/mesh.ts.
    AppIndex.of(this).add(DEFAULT_DENIES, this, this);
  }

  private authorizationPolicy(id: string, name: string, spec: AuthorizationPolicySpec): ApiObject {
    const metadata = { name, namespace: this.namespaceName };
    return this.apiVersion === IstioApiVersion.V1BETA1
      ? new AuthorizationPolicyV1Beta1(this, id, { metadata, spec: spec as unknown as AuthorizationPolicyV1Beta1Spec })
      : new AuthorizationPolicy(this, id, { metadata, spec });
  }
}
