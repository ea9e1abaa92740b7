import { Size } from 'cdk8s';
import { Cpu } from '../workloads/cpu';
import { Resources } from '../workloads/resources';

/**
 * How a namespace joins the Istio mesh: the injection label (or a revision label for canary
 * upgrades of the control plane, never both) and the resources of the sidecar injected into each
 * pod, which the namespace quota counts and each pod declares through annotations.
 */
export interface MeshEnrolment {
  /**
   * Control-plane revision (`istio.io/rev: <revision>`).
   * @default - the default revision (`istio-injection: enabled`)
   */
  readonly revision?: string;
  /**
   * Namespace of istiod: the namespace's NetworkPolicy lets the sidecars reach it on 15012
   * (configuration and certificates), or no sidecar gets ready under the default deny.
   * @default 'istio-system'
   */
  readonly controlPlaneNamespace?: string;
  /**
   * Requests and limits of the injected `istio-proxy` container.
   * @default DEFAULT_SIDECAR_RESOURCES
   */
  readonly sidecarResources?: Resources;
}

/** Sidecar size when none is given: Istio's default requests, with a memory limit that bounds it. */
export const DEFAULT_SIDECAR_RESOURCES = Resources.of({
  requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
  limits: { cpu: Cpu.millis(1000), memory: Size.mebibytes(512) },
});
