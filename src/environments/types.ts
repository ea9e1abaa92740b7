import { Size } from 'cdk8s';
import { Cpu, EnvironmentIdentity, GatewayInstall, IstioApiVersion, MtlsMode, NatsMeshMode, Resources, TopologySpread } from '../../constructs';

/** Named container sizes; environments override what a name means. */
export type SizeName = 'xsmall' | 'small' | 'medium' | 'large' | 'xlarge';
export const SIZE_NAMES: SizeName[] = ['xsmall', 'small', 'medium', 'large', 'xlarge'];

/** The e-commerce services of the reference platform. */
export type ServiceName = 'user' | 'product' | 'order' | 'inventory' | 'payment';
export const SERVICE_NAMES: ServiceName[] = ['user', 'product', 'order', 'inventory', 'payment'];

export interface AutoscalingSettings {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuUtilization: number;
}

export interface ServiceSettings {
  /** Fixed replica count (ignored when autoscaling is set). */
  readonly replicas: number;
  readonly size: SizeName;
  readonly imageTag: string;
  readonly autoscaling?: AutoscalingSettings;
  readonly logLevel: 'debug' | 'info' | 'warn';
}

export interface LedgerSettings {
  readonly replicas: number;
  readonly size: SizeName;
  readonly imageTag: string;
  readonly storage: Size;
  /** @default the cluster's default StorageClass */
  readonly storageClassName?: string;
}

export interface LogShipperSettings {
  readonly size: SizeName;
  readonly imageTag: string;
  /** Where the shipper forwards logs (fluent forward protocol). */
  readonly sink: { readonly host: string; readonly cidr: string; readonly port: number };
  readonly expectedNodes: number;
}

export interface NatsSettings {
  /** Servers: 1 (standalone) or an odd number for a JetStream cluster. */
  readonly replicas: number;
  /** Image tag of nats (the server version is read from it). */
  readonly imageTag: string;
  /** CPU and memory of each server (requests = limits). */
  readonly cpu: Cpu;
  readonly memory: Size;
  /** JetStream volume per server. */
  readonly fileStorage: Size;
  readonly memoryStorage: Size;
  readonly storageClassName?: string;
  /** Replicas of the platform's streams, consumers and buckets. */
  readonly streamReplicas: number;
  /** Retention cap of the ORDERS stream. */
  readonly ordersMaxBytes: Size;
  /** TLS on client and route connections, issued by this cert-manager ClusterIssuer. */
  readonly tlsIssuer?: string;
  readonly mesh: NatsMeshMode;
  readonly natsBox: boolean;
}

export interface CanarySettings {
  /** Image tag of the canary version. */
  readonly imageTag: string;
  /** Share of the traffic (percent) the canary gets; the stable version gets the rest. */
  readonly weight: number;
  readonly replicas: number;
}

export interface MeshSettings {
  /** Istio API version the objects are written with. */
  readonly apiVersion: IstioApiVersion;
  /** Control-plane revision label; unset: `istio-injection: enabled`. */
  readonly revision?: string;
  /**
   * The cluster runs Istio CNI. The platform namespace enforces Pod Security "restricted", which
   * refuses the `istio-init` container injected without it (root, NET_ADMIN and NET_RAW): so the
   * reference platform needs Istio CNI, and synthesis fails with false.
   */
  readonly cni: boolean;
  /** Namespace-wide mTLS: PERMISSIVE while clients move into the mesh, then STRICT. */
  readonly mtls: MtlsMode;
  /** Deny everything that no ServiceAuthorization allows. */
  readonly defaultDeny: boolean;
  /** Hosts the ingress gateway serves. */
  readonly hosts: string[];
  /** TLS Secret of the hosts, in the ingress gateway's namespace. */
  readonly tlsCredential: string;
  /** Requests and limits of each injected sidecar. */
  readonly sidecar: Resources;
  /** Token validation at the gateway for the API; unset: none. */
  readonly jwt?: { readonly issuer: string; readonly jwksUri: string; readonly audiences: string[] };
  /** A canary of the order service; unset: no canary. */
  readonly orderCanary?: CanarySettings;
}

export interface BudgetSettings {
  readonly cpu: Cpu;
  readonly memory: Size;
  readonly pods: number;
  readonly storage: Size;
}

/**
 * One environment of the reference platform: everything that differs between dev, staging and
 * prod. `base.ts` holds the shared values; each environment file overrides only what differs.
 */
export interface PlatformEnvironment extends EnvironmentIdentity {
  /** Registry and path prefix of the services' images. */
  readonly imageRegistry: string;
  readonly sizes: Record<SizeName, Resources>;
  readonly services: Record<ServiceName, ServiceSettings>;
  readonly ledger: LedgerSettings;
  readonly nats: NatsSettings;
  readonly mesh: MeshSettings;
  readonly logShipper: LogShipperSettings;
  /** Namespace of the node agents (kept apart: host paths need a privileged namespace). */
  readonly agentsNamespace: string;
  /**
   * The ingress gateway as it is installed on the cluster (its namespace, pod labels and
   * ServiceAccount): `GatewayInstall.helmGatewayChart(release, namespace)` for Istio's gateway Helm
   * chart, `GatewayInstall.ISTIOCTL_DEFAULT` for `istioctl install`, or `GatewayInstall.custom(...)`.
   */
  readonly ingressGateway: GatewayInstall;
  /**
   * The card payment provider the payment service calls (HTTPS, outside the cluster): its host,
   * port and the addresses its host resolves to (NetworkPolicies open egress by address).
   */
  readonly paymentProvider: { readonly host: string; readonly port: number; readonly cidr: string };
  /** Namespace of Prometheus, allowed to scrape metrics ports. */
  readonly monitoringNamespace: string;
  /** Where the NACK controller runs (it creates the JetStream resources through NATS). */
  readonly nack: { readonly namespace: string; readonly serviceAccount: string };
  readonly spread: TopologySpread;
  /** Hard quota for the platform namespace; unset: sized from the workloads. */
  readonly budget?: BudgetSettings;
  readonly quotaHeadroomPercent: number;
}

/** Partial overrides of an environment, any depth; `null` removes an optional setting. */
export type EnvironmentOverrides = {
  readonly [K in keyof PlatformEnvironment]?: Overrides<PlatformEnvironment[K]>;
};
type Overrides<T> = T extends Resources | Size | Cpu | string | number | boolean | unknown[] | undefined ? T
  : { readonly [K in keyof T]?: Overrides<T[K]> | (undefined extends T[K] ? null : never) };
