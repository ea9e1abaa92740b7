import { IConstruct } from 'constructs';
import { GATEWAY_EXPOSURES } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { Check, isObject, rule } from '../core/runtime-types';
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

/** What a gateway given to a route or policy must be (a MeshGateway, or one from MeshGateway.fromAttributes). */
export const MESH_GATEWAY_REF: Check = rule('a MeshGateway (or MeshGateway.fromAttributes)', (v) => isObject(v)
  && typeof v.reference === 'string' && Array.isArray(v.hosts) && typeof v.workloadNamespace === 'string'
  && isObject(v.workloadSelector) && typeof v.principal === 'string');

/** What a gateway-bound route exposes. */
export interface GatewayExposure {
  /** Workloads the route sends traffic to (every version). */
  readonly workloads: Workload[];
  /** Gateways the route is bound to. */
  readonly gateways: IMeshGateway[];
}

/**
 * Declares that `owner` (a route written by other means than ServiceRoute) sends the gateways'
 * traffic to the workloads, so that the app-wide rules check it like a ServiceRoute's: each
 * workload's ServiceAuthorization lists the gateways, and deny-all does not drop it.
 */
export function declareGatewayExposure(owner: IConstruct, exposure: GatewayExposure): void {
  AppIndex.of(owner).add(GATEWAY_EXPOSURES, { owner, workloads: [...exposure.workloads], gateways: [...exposure.gateways] });
}

/** Every exposure declared anywhere in the app. */
export function gatewayExposures(scope: IConstruct): GatewayExposure[] {
  return [...AppIndex.of(scope).list(GATEWAY_EXPOSURES)];
}

/** `<trust domain>/ns/<namespace>/sa/<service account>`: the identity Istio gives a workload. */
export function workloadPrincipal(trustDomain: string, namespace: string | undefined, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace ?? 'default'}/sa/${serviceAccount}`;
}
