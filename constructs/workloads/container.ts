import { ContainerImage } from './image';
import { WorkloadPort } from './port';
import { Probe } from './probe';
import { Resources } from './resources';
import { VolumeMount } from './volume';

/**
 * An environment variable read from one key of a Secret or ConfigMap.
 */
export interface KeyRefEnv {
  /** Variable name. */
  readonly name: string;
  /** Secret or ConfigMap name. */
  readonly from: string;
  /** Key within it. */
  readonly key: string;
  /**
   * The object or key may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/**
 * One container of a workload: the main one, a sidecar or an init container.
 */
export interface ContainerSpec {
  /**
   * Container name.
   * @default - the workload's name for the main container; required for the others
   */
  readonly name?: string;
  /** Image, pinned to a tag or digest. */
  readonly image: ContainerImage;
  /** CPU and memory requests and limits (required: no container runs without them). */
  readonly resources: Resources;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's arguments */
  readonly args?: string[];
  /** @default - no ports */
  readonly ports?: WorkloadPort[];
  /**
   * Plain environment variables. Never put credentials here: use `secretEnv`. A variable whose
   * name reads like a credential (`DB_PASSWORD`, `API_TOKEN`, `STRIPE_API_KEY`, ...) or whose
   * value holds one (a URL with a password, a PEM private key, a JSON Web Token, a NATS nkey
   * seed, an AWS access key ID) is refused unless `allowPlaintextEnv` says why it is none (the
   * rules: constructs/workloads/secret-env.ts).
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Variables of `env` that look like credentials but are none, each with the reason, e.g.
   * `{ TOKEN_CACHE: 'a directory, not a token' }`. An entry excuses its variable from every
   * credential rule; it sets nothing (the value stays in `env`). Refused: a name `env` does not
   * define (no excuse outlives its variable), an empty reason, the value itself or any credential as
   * the reason.
   * @default - none (every variable of env is checked)
   */
  readonly allowPlaintextEnv?: { [name: string]: string };
  /**
   * Variables from fields of the pod, e.g. `{ POD_NAME: 'metadata.name' }`.
   * @default - none
   */
  readonly fieldEnv?: { [name: string]: string };
  /**
   * Variables from keys of Secrets.
   * @default - none
   */
  readonly secretEnv?: KeyRefEnv[];
  /**
   * Variables from keys of ConfigMaps.
   * @default - none
   */
  readonly configMapEnv?: KeyRefEnv[];
  /**
   * Import every key of these ConfigMaps as variables.
   * @default - none
   */
  readonly envFromConfigMaps?: string[];
  /**
   * Import every key of these Secrets as variables.
   * @default - none
   */
  readonly envFromSecrets?: string[];
  /** @default - none (a Microservice with ports gets a TCP readiness probe on its first port) */
  readonly readiness?: Probe;
  /** @default - none */
  readonly liveness?: Probe;
  /** @default - none */
  readonly startup?: Probe;
  /**
   * Command run before the container is stopped.
   * @default - none
   */
  readonly preStop?: string[];
  /** @default - none */
  readonly mounts?: VolumeMount[];
  /**
   * Paths that must stay writable although the root filesystem is read-only; each gets an
   * emptyDir (capped by the container's ephemeral-storage limit when it has one).
   * @default - none
   */
  readonly writablePaths?: string[];
  /**
   * Mount the root filesystem read-only. Turn off only for images that write outside
   * `writablePaths`.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /** @default - the image's */
  readonly workingDir?: string;
}
