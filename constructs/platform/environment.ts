import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ConfigError, ENVIRONMENT_CONTEXT_KEY } from '../core/errors';
import { apiGroupOf, isClusterScopedKind } from '../core/kinds';

/**
 * What every environment of a platform has. A platform's own environment type extends this with
 * its sizes, replica counts and switches.
 */
export interface EnvironmentIdentity {
  /** Short name: `dev`, `staging`, `prod`. Also the output folder. */
  readonly name: string;
  /** Namespace the platform's workloads live in. */
  readonly namespace: string;
  /** The cluster's DNS domain (`cluster.local` unless the cluster was set up otherwise). */
  readonly clusterDomain: string;
}

/** Environment names: lower-case letters, digits and '-', starting with a letter. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * Records the environment on a construct tree (usually the App), so that every error raised
 * below it names the environment.
 */
export function markEnvironment(scope: IConstruct, environment: string): void {
  scope.node.setContext(ENVIRONMENT_CONTEXT_KEY, environment);
}

/** One environment's app, for `sharedObjectClashes`. */
export interface EnvironmentApp {
  /** The environment's name. */
  readonly environment: string;
  /** Its cdk8s App (or any construct whose tree holds its objects). */
  readonly app: IConstruct;
}

/**
 * Objects that two environments would both write: the same kind, namespace and name. Each
 * environment owns its namespace, but some objects live in namespaces that environments share on
 * one cluster (the ingress gateway's, Istio's root namespace, cluster-scoped kinds); written by
 * two environments, the last apply wins and the other environment silently loses its object
 * (a JWT requirement, a PeerAuthentication). Returns one message per clash, naming both
 * environments and construct paths; empty when every object belongs to one environment.
 *
 * Reads the objects' identities from the construct trees (one walk per app), without rendering.
 */
export function sharedObjectClashes(apps: readonly EnvironmentApp[]): string[] {
  const owners = new Map<string, { environment: string; path: string }>();
  const clashes: string[] = [];
  for (const { environment, app } of apps) {
    const seen = new Set<string>();
    for (const c of app.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      const group = apiGroupOf(c.apiVersion);
      // cdk8s writes a chart's namespace onto cluster-scoped objects too; the API server ignores it.
      const clusterScoped = isClusterScopedKind(group, c.kind);
      const namespace = clusterScoped ? undefined : c.metadata.namespace;
      const key = `${group}/${c.kind}/${namespace ?? ''}/${c.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const first = owners.get(key);
      if (!first) {
        owners.set(key, { environment, path: c.node.path });
      } else if (first.environment !== environment) {
        clashes.push(new ConfigError({
          environment,
          path: c.node.path,
          field: 'metadata.name',
          received: `${c.kind} ${namespace ? `${namespace}/` : ''}${c.name}${clusterScoped ? ' (cluster-scoped)' : ''}, which environment ${first.environment} also writes (${first.path})`,
          allowed: 'objects of one environment only: in a namespace that environments share on a cluster (or for a cluster-scoped kind), put the environment in the name, or the last environment applied replaces the other\'s object',
        }).message);
      }
    }
  }
  return clashes;
}
