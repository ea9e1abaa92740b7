/**
 * The API version Istio objects are written with. `v1` is served from Istio 1.22
 * (AuthorizationPolicy and RequestAuthentication from 1.17); `v1beta1` for older control planes.
 * All served versions of a kind have the same schema.
 */
export enum IstioApiVersion {
  /** networking.istio.io/v1, security.istio.io/v1 (Istio 1.22+). */
  V1 = 'v1',
  /** networking.istio.io/v1beta1, security.istio.io/v1beta1. */
  V1BETA1 = 'v1beta1',
}

/** Istio's trust domain unless the mesh was installed with another one. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
