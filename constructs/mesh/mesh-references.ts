import { IConstruct } from 'constructs';
import { Workload } from '../workloads/workload';

/**
 * An Istio ingress Gateway that routes bind to: one defined in this app (MeshGateway) or one
 * that exists elsewhere (`MeshGateway.fromAttributes`).
 */
export interface IMeshGateway extends IConstruct {
  /** Name of the Gateway object. */
  readonly gatewayName: string;
  /** Namespace of the Gateway object. */
  readonly gatewayNamespace: string;
  /** `<namespace>/<name>`, as VirtualServices reference it. */
  readonly reference: string;
  /** Hosts its servers accept (`shop.example.com`, `*.example.com`, `ns/host` forms allowed). */
  readonly hosts: string[];
  /** Namespace of the gateway workload (its pods, its TLS Secrets, its RequestAuthentication). */
  readonly workloadNamespace: string;
  /** Labels selecting the gateway workload's pods. */
  readonly workloadSelector: { [key: string]: string };
  /** The gateway workload's identity: `<trust domain>/ns/<namespace>/sa/<service account>`. */
  readonly principal: string;
}

/**
 * Set by routes that expose a workload through gateways, so that authorization policies can
 * check that the gateway is among the allowed callers (an ALLOW policy denies everything else).
 */
export const GATEWAY_EXPOSURE_SYMBOL = Symbol.for('cdk8s-nats-mesh.GatewayExposure');

/** What a gateway-bound route exposes. */
export interface GatewayExposure {
  /** Workloads the route sends traffic to (every version). */
  readonly workloads: Workload[];
  /** Gateways the route is bound to. */
  readonly gateways: IMeshGateway[];
}

/** Every exposure declared anywhere in the app. */
export function gatewayExposures(scope: IConstruct): GatewayExposure[] {
  return scope.node.root.node.findAll()
    .map((c) => (c as any)[GATEWAY_EXPOSURE_SYMBOL] as GatewayExposure | undefined)
    .filter((e): e is GatewayExposure => e !== undefined);
}

/** `<trust domain>/ns/<namespace>/sa/<service account>`: the identity Istio gives a workload. */
export function workloadPrincipal(trustDomain: string, namespace: string | undefined, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace ?? 'default'}/sa/${serviceAccount}`;
}
