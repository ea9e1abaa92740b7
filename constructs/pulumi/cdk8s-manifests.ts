import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { PlannedObject, planManifests } from './manifest-plan';

/** Arguments of {@link Cdk8sManifests}. */
export interface Cdk8sManifestsArgs {
  /**
   * Deploy every chart of this app (for the reference platform: `buildEnvironment(env, outdir)`).
   * @default - `chart` must be given
   */
  readonly app?: App;
  /**
   * Deploy this chart and the charts nested in it.
   * @default - `app` must be given
   */
  readonly chart?: Chart;
  /**
   * An existing Kubernetes provider for every object. Excludes `kubeconfig`, `context` and `namespace`.
   * @default - a provider built from `kubeconfig`, `context` and `namespace` when any is given;
   * otherwise the provider the component inherits (its `providers` option, or the default one)
   */
  readonly provider?: k8s.Provider;
  /**
   * Kubeconfig contents or path for a provider the component creates (`<name>-provider`).
   * @default - the provider's own default (`KUBECONFIG`, `~/.kube/config`)
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /**
   * Kubeconfig context for a provider the component creates.
   * @default - the kubeconfig's current context
   */
  readonly context?: pulumi.Input<string>;
  /**
   * Namespace for objects without `metadata.namespace`, on a provider the component creates. Objects
   * that name their namespace (every namespaced object of the reference platform) keep it.
   * @default - the kubeconfig context's namespace
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Prefix of every resource name: `<prefix>:<namespace>/<Kind>/<name>`, `<prefix>:<Kind>/<name>`.
   * Two components in one stack need different prefixes.
   * @default - the component's name
   */
  readonly resourcePrefix?: string;
  /**
   * Resources every object is deployed after (a component's own `dependsOn` orders only the
   * component, not the objects in it).
   * @default - none
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * Resources the objects of kinds Kubernetes does not build in (NACK streams, PodMonitors,
   * Certificates, Istio and Gateway API kinds, ...) are deployed after: typically the operator or
   * Helm release that installs their CRDs. CRDs that are part of the app are waited for anyway.
   * @default - none
   */
  readonly customResourceDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One Kubernetes object of the app and the Pulumi resource that deploys it. */
export interface DeployedObject extends PlannedObject {
  /** The Pulumi resource: a typed `@pulumi/kubernetes` resource, or `apiextensions.CustomResource`. */
  readonly resource: pulumi.CustomResource;
  /** Pulumi type token, `kubernetes:<group or core>/<version>:<Kind>`. */
  readonly type: string;
  /** Whether the kind is not built into Kubernetes (registered as `apiextensions.CustomResource`). */
  readonly customResource: boolean;
}

type KubernetesResourceClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The typed class `@pulumi/kubernetes` has for a built-in kind (`k8s.apps.v1.Deployment`, ...),
 * checked against its type token, so that an API group that only looks like a built-in one never
 * picks the wrong class. Typed classes give the same type tokens `k8s.yaml` uses and mark Secret
 * data secret.
 */
function builtInClass(group: string, version: string, kind: string): KubernetesResourceClass | undefined {
  const moduleName = group === '' ? 'core' : group.split('.')[0];
  const token = typeToken(group, version, kind);
  const mod = Object.prototype.hasOwnProperty.call(k8s, moduleName) ? (k8s as any)[moduleName] : undefined;
  const versions = mod && typeof mod === 'object' && Object.prototype.hasOwnProperty.call(mod, version) ? mod[version] : undefined;
  const cls = versions && typeof versions === 'object' && Object.prototype.hasOwnProperty.call(versions, kind) ? versions[kind] : undefined;
  return typeof cls === 'function' && cls.__pulumiType === token ? cls : undefined;
}

function typeToken(group: string, version: string, kind: string): string {
  return `kubernetes:${group === '' ? 'core' : group}/${version}:${kind}`;
}

/**
 * Deploys a cdk8s app, or one chart, through `@pulumi/kubernetes`: exactly the objects
 * `cdk8s synth` writes, one Pulumi resource per object, with no YAML in between.
 *
 * - Objects come from `chart.toJson()`, the call `cdk8s synth` makes, so the app's validations run
 *   and an invalid app registers nothing.
 * - Resource names are stable and readable: `<prefix>:<namespace>/<Kind>/<name>`, or
 *   `<prefix>:<Kind>/<name>` for objects without a namespace.
 * - Namespaces are registered first and every object in one of them depends on it; CRDs in the app
 *   come next and their custom resources depend on them; cdk8s dependencies become `dependsOn`;
 *   a NACK Consumer depends on the Stream of its `streamName`, and NACK objects on the Account of
 *   their `account`, when the app holds them.
 * - Built-in kinds use the typed `@pulumi/kubernetes` classes; other kinds
 *   `k8s.apiextensions.CustomResource`, with `customResourceDependsOn`.
 *
 * ```ts
 * const env = ENVIRONMENTS.find((e) => e.name === new pulumi.Config().require('environment'))!;
 * new Cdk8sManifests(`shop-${env.name}`, { app: buildEnvironment(env, 'dist'), context: 'prod-eu' });
 * ```
 */
export class Cdk8sManifests extends pulumi.ComponentResource {
  /** Pulumi type token of the component. */
  public static readonly TYPE = 'cdk8s-nats-mesh:pulumi:Cdk8sManifests';

  /** The provider the component created from `kubeconfig`/`context`/`namespace`, or the one given. */
  public readonly provider?: k8s.Provider;
  /** Every object, in registration order. */
  public readonly objects: readonly DeployedObject[];

  constructor(name: string, args: Cdk8sManifestsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Plan first: an invalid app or a conflicting option registers nothing.
    const plan = planManifests({ app: args.app, chart: args.chart, resourcePrefix: args.resourcePrefix ?? name });
    const providerSettings = [args.kubeconfig, args.context, args.namespace].some((x) => x !== undefined);
    if (args.provider && providerSettings) {
      throw new Error(`Cdk8sManifests ${name}: received both provider and kubeconfig/context/namespace; allowed: one of them`);
    }
    super(Cdk8sManifests.TYPE, name, {}, opts);

    this.provider = args.provider ?? (providerSettings
      ? new k8s.Provider(`${name}-provider`, { kubeconfig: args.kubeconfig, context: args.context, namespace: args.namespace }, { parent: this })
      : undefined);

    const registered = new Map<string, pulumi.CustomResource>();
    const objects: DeployedObject[] = [];
    for (const o of plan) {
      const typed = builtInClass(o.group, o.version, o.kind);
      const dependsOn: pulumi.Input<pulumi.Resource>[] = [
        ...(args.dependsOn ?? []),
        ...(typed ? [] : args.customResourceDependsOn ?? []),
        ...o.dependsOn.map((n) => registered.get(n)!),
      ];
      const resourceOpts: pulumi.CustomResourceOptions = {
        parent: this,
        ...(this.provider ? { provider: this.provider } : {}),
        ...(dependsOn.length ? { dependsOn } : {}),
      };
      const resource = typed
        ? new typed(o.resourceName, o.manifest, resourceOpts)
        : new k8s.apiextensions.CustomResource(o.resourceName, o.manifest as k8s.apiextensions.CustomResourceArgs, resourceOpts);
      registered.set(o.resourceName, resource);
      objects.push({ ...o, resource, type: typeToken(o.group, o.version, o.kind), customResource: !typed });
    }
    this.objects = objects;
    this.registerOutputs({ resourceNames: objects.map((o) => o.resourceName) });
  }

  /**
   * The resource of one object, to depend on it or read its outputs (`.get('Service', 'nats', 'shop')`).
   * Throws when the app has no such object, or more than one of that kind and name (give the group
   * as `Kind.group`, e.g. `Gateway.networking.istio.io`).
   */
  public get(kind: string, name: string, namespace?: string): pulumi.CustomResource {
    const matches = this.objects.filter((o) => (o.kind === kind || `${o.kind}.${o.group}` === kind)
      && o.name === name && (namespace === undefined || o.namespace === namespace));
    if (matches.length !== 1) {
      const what = `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
      throw new Error(`Cdk8sManifests: ${matches.length ? `more than one ${what}: ${matches.map((m) => m.resourceName).join(', ')}` : `no ${what} in the app`}`);
    }
    return matches[0].resource;
  }
}
