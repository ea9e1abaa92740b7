// The `cdk8s-nats-mesh/pulumi` entry point: deploys cdk8s apps through @pulumi/kubernetes.
// Deliberately not re-exported by constructs/index.ts: @pulumi/pulumi and @pulumi/kubernetes are
// optional peer dependencies, loaded only by this entry point.
export * from './cdk8s-manifests';
export * from './manifest-plan';
