/**
 * What the library knows of Kubernetes kinds as such: the API group of an apiVersion and which
 * kinds are cluster-scoped. Used wherever an object's identity matters (objects written by two
 * environments, the Pulumi plan).
 */

/** The API group of an apiVersion: `apps` of `apps/v1`, `` (the core group) of `v1`. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Cluster-scoped kinds (`<Kind>.<group>`, the core group empty) of Kubernetes and of the
 * projects the library works with: one object per name in a cluster, whatever namespace a chart
 * gives it.
 */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace.', 'Node.', 'PersistentVolume.', 'ClusterRole.rbac.authorization.k8s.io', 'ClusterRoleBinding.rbac.authorization.k8s.io',
  'StorageClass.storage.k8s.io', 'CSIDriver.storage.k8s.io', 'VolumeAttachment.storage.k8s.io', 'IngressClass.networking.k8s.io',
  'PriorityClass.scheduling.k8s.io', 'RuntimeClass.node.k8s.io', 'CustomResourceDefinition.apiextensions.k8s.io',
  'MutatingWebhookConfiguration.admissionregistration.k8s.io', 'ValidatingWebhookConfiguration.admissionregistration.k8s.io',
  'ValidatingAdmissionPolicy.admissionregistration.k8s.io', 'APIService.apiregistration.k8s.io',
  'GatewayClass.gateway.networking.k8s.io', 'ClusterIssuer.cert-manager.io',
]);

/**
 * Whether objects of the kind are cluster-scoped: one per name in a cluster, whatever namespace
 * a chart writes on them (cdk8s writes a chart's namespace on every object; the API server
 * ignores it on these).
 */
export function isClusterScopedKind(group: string, kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(`${kind}.${group}`);
}
