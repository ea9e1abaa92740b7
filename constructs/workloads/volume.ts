import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { sizeQuantity } from '../core/quantity';

/** What backs a volume. */
export enum VolumeSource {
  /** Scratch space that lives as long as the pod. */
  EMPTY_DIR = 'emptyDir',
  /** Files from a ConfigMap. */
  CONFIG_MAP = 'configMap',
  /** Files from a Secret. */
  SECRET = 'secret',
  /** A path on the node (NodeAgent only; read-only but for the agent's declared state directory). */
  HOST_PATH = 'hostPath',
  /** A PersistentVolumeClaim (StatefulService claim templates). */
  PERSISTENT_VOLUME_CLAIM = 'persistentVolumeClaim',
}

/** Options of an emptyDir volume. */
export interface EmptyDirOptions {
  /**
   * Cap on the space it may use.
   * @default - none (counts toward the container's ephemeral-storage limit)
   */
  readonly sizeLimit?: Size;
  /**
   * Back it with memory (tmpfs); counts toward the memory limit.
   * @default false
   */
  readonly inMemory?: boolean;
}

/** Options of a host path volume. */
export interface HostPathOptions {
  /**
   * Create the directory when the node does not have it (`DirectoryOrCreate`: the kubelet creates
   * it owned by root, mode 0755).
   * @default false (`Directory`: the pod does not start without it)
   */
  readonly createIfMissing?: boolean;
}

/** Options of ConfigMap and Secret volumes. */
export interface ProjectedFileOptions {
  /**
   * File mode of the projected files.
   * @default 0o440 for Secrets, 0o444 for ConfigMaps
   */
  readonly defaultMode?: number;
  /**
   * The volume may be missing.
   * @default false
   */
  readonly optional?: boolean;
  /**
   * Project only these keys (each as a file of the same name), e.g. a CA bundle without the
   * private key next to it.
   * @default - every key
   */
  readonly keys?: string[];
}

/**
 * A pod volume. Volumes are collected from container mounts, so each is declared once, where it
 * is mounted.
 */
export class Volume {
  /** Scratch space. */
  public static emptyDir(name: string, options: EmptyDirOptions = {}): Volume {
    return new Volume(name, VolumeSource.EMPTY_DIR, {
      name,
      emptyDir: {
        medium: options.inMemory ? 'Memory' : undefined,
        sizeLimit: options.sizeLimit ? k8s.Quantity.fromString(sizeQuantity(options.sizeLimit)) : undefined,
      },
    });
  }

  /** Files from a ConfigMap. */
  public static fromConfigMap(name: string, configMapName: string, options: ProjectedFileOptions = {}): Volume {
    return new Volume(name, VolumeSource.CONFIG_MAP, {
      name,
      configMap: { name: configMapName, defaultMode: options.defaultMode ?? 0o444, optional: options.optional, items: projectedItems(options) },
    }, configMapName);
  }

  /** Files from a Secret. */
  public static fromSecret(name: string, secretName: string, options: ProjectedFileOptions = {}): Volume {
    return new Volume(name, VolumeSource.SECRET, {
      name,
      secret: { secretName, defaultMode: options.defaultMode ?? 0o440, optional: options.optional, items: projectedItems(options) },
    }, secretName);
  }

  /**
   * A directory on the node, mounted read-only. Only a NodeAgent may use it (and write only to its
   * `stateDirectory`).
   */
  public static hostPath(name: string, path: string, options: HostPathOptions = {}): Volume {
    return new Volume(name, VolumeSource.HOST_PATH, { name, hostPath: { path, type: options.createIfMissing ? 'DirectoryOrCreate' : 'Directory' } }, path);
  }

  /**
   * A PersistentVolumeClaim by name. A StatefulService creates these for its `volumeClaims`;
   * use this to mount one of them into a sidecar too.
   */
  public static fromClaim(name: string, claimName?: string): Volume {
    return new Volume(name, VolumeSource.PERSISTENT_VOLUME_CLAIM, { name, persistentVolumeClaim: { claimName: claimName ?? name } }, claimName ?? name);
  }

  private constructor(
    /** Volume name, unique within the pod. */
    public readonly name: string,
    /** What backs it. */
    public readonly source: VolumeSource,
    private readonly spec: k8s.Volume,
    /** The ConfigMap, Secret or host path it refers to, if any. */
    public readonly reference?: string,
  ) {}

  /** The L1 form. */
  public toKube(): k8s.Volume {
    return this.spec;
  }
}

/**
 * A volume mounted into a container.
 */
export interface VolumeMount {
  /** The volume. */
  readonly volume: Volume;
  /** Where it appears in the container. */
  readonly mountPath: string;
  /**
   * Mount read-only. Host paths are always read-only, but a NodeAgent's `stateDirectory`.
   * @default false (true for Secrets, ConfigMaps and host paths)
   */
  readonly readOnly?: boolean;
  /**
   * Mount one entry of the volume instead of all of it.
   * @default - the whole volume
   */
  readonly subPath?: string;
}

function projectedItems(options: ProjectedFileOptions): k8s.KeyToPath[] | undefined {
  return options.keys?.length ? options.keys.map((key) => ({ key, path: key })) : undefined;
}
