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
  /**
   * The cluster runs the Istio CNI node agent (`istioctl install --set components.cni.enabled=true`,
   * or the `istio/cni` chart), which sets up each pod's traffic redirection from the node.
   *
   * Without it, Istio injects an `istio-init` init container into every pod, which runs as root
   * and adds the NET_ADMIN and NET_RAW capabilities. Pod Security "restricted" refuses it (root,
   * added capabilities) and so does "baseline" (neither capability is in the set it allows), so
   * only a namespace enforcing "privileged" can start such pods. With Istio CNI the injected
   * containers (`istio-validation`, `istio-proxy`) run as uid 1337 with every capability
   * dropped, which "restricted" admits (the pods' seccomp profile is set by the workloads).
   *
   * A NamespaceBaseline enrolled in the mesh that enforces "restricted" or "baseline" therefore
   * needs `cni: true`; without Istio CNI, enrol only a namespace whose `podSecurity` is
   * PRIVILEGED.
   * @default false
   */
  readonly cni?: boolean;
}

/** Sidecar size when none is given: Istio's default requests, with a memory limit that bounds it. */
export const DEFAULT_SIDECAR_RESOURCES = Resources.of({
  requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
  limits: { cpu: Cpu.millis(1000), memory: Size.mebibytes(512) },
});
