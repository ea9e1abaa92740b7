import { IConstruct } from 'constructs';
import { ENVIRONMENT_CONTEXT_KEY } from '../core/errors';

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
