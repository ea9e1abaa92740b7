import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ValueProblem, joinField } from '../core/errors';
import { sizeQuantity } from '../core/quantity';
import { BOOL, Check, SIZE, STRINGS, int, isFieldsObject, shape, str } from '../core/runtime-types';

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
    const o = optionsOf(options);
    return new Volume(name, VolumeSource.EMPTY_DIR, {
      name,
      emptyDir: {
        medium: o.inMemory === true ? 'Memory' : undefined,
        sizeLimit: o.sizeLimit && !SIZE.problem(o.sizeLimit) ? k8s.Quantity.fromString(sizeQuantity(o.sizeLimit)) : undefined,
      },
    }, undefined, given(name, [], options, EMPTY_DIR_OPTIONS));
  }

  /** Files from a ConfigMap. */
  public static fromConfigMap(name: string, configMapName: string, options: ProjectedFileOptions = {}): Volume {
    const o = optionsOf(options);
    return new Volume(name, VolumeSource.CONFIG_MAP, {
      name,
      configMap: { name: configMapName, defaultMode: o.defaultMode ?? 0o444, optional: o.optional, items: projectedItems(o) },
    }, configMapName, given(name, referenceProblem('configMapName', configMapName), options, PROJECTED_OPTIONS));
  }

  /** Files from a Secret. */
  public static fromSecret(name: string, secretName: string, options: ProjectedFileOptions = {}): Volume {
    const o = optionsOf(options);
    return new Volume(name, VolumeSource.SECRET, {
      name,
      secret: { secretName, defaultMode: o.defaultMode ?? 0o440, optional: o.optional, items: projectedItems(o) },
    }, secretName, given(name, referenceProblem('secretName', secretName), options, PROJECTED_OPTIONS));
  }

  /**
   * A directory on the node, mounted read-only. Only a NodeAgent may use it (and write only to its
   * `stateDirectory`).
   */
  public static hostPath(name: string, path: string, options: HostPathOptions = {}): Volume {
    const o = optionsOf(options);
    return new Volume(name, VolumeSource.HOST_PATH, { name, hostPath: { path, type: o.createIfMissing === true ? 'DirectoryOrCreate' : 'Directory' } }, path,
      given(name, referenceProblem('hostPath', path), options, HOST_PATH_OPTIONS));
  }

  /**
   * A PersistentVolumeClaim by name. A StatefulService creates these for its `volumeClaims`;
   * use this to mount one of them into a sidecar too.
   */
  public static fromClaim(name: string, claimName?: string): Volume {
    return new Volume(name, VolumeSource.PERSISTENT_VOLUME_CLAIM, { name, persistentVolumeClaim: { claimName: claimName ?? name } }, claimName ?? name,
      given(name, claimName === undefined ? [] : referenceProblem('claimName', claimName)));
  }

  private constructor(
    /** Volume name, unique within the pod. */
    public readonly name: string,
    /** What backs it. */
    public readonly source: VolumeSource,
    private readonly spec: k8s.Volume,
    /** The ConfigMap, Secret or host path it refers to, if any. */
    public readonly reference?: string,
    private readonly given: ValueProblem[] = [],
  ) {}

  /** Everything wrong with what the volume was made from (fields relative to it); empty when it can be used. */
  public problems(): ValueProblem[] {
    return [...this.given];
  }

  /** The L1 form. */
  public toKube(): k8s.Volume {
    return this.spec;
  }
}

const EMPTY_DIR_OPTIONS: Check = shape({ sizeLimit: SIZE, inMemory: BOOL }, 'options { sizeLimit, inMemory }');
const PROJECTED_OPTIONS: Check = shape({ defaultMode: int(0, 0o777, 'a file mode from 0 to 0o777'), optional: BOOL, keys: STRINGS },
  'options { defaultMode, optional, keys }');
const HOST_PATH_OPTIONS: Check = shape({ createIfMissing: BOOL }, 'options { createIfMissing }');
const NAME: Check = str('a volume name (a DNS label)');

/** The options as an object to read (wrong ones are reported by `given`). */
function optionsOf<T extends object>(options: T): Partial<T> {
  return isFieldsObject(options) ? options : {};
}

/** The problems of what a volume was made from: its name, the name it refers to (`more`), its options. */
function given(name: unknown, more: ValueProblem[], options?: unknown, check?: Check): ValueProblem[] {
  const n = NAME.problem(name);
  const o = check?.problem(options);
  return [...(n ? [{ ...n, field: 'name' }] : []), ...more, ...(o ? [{ ...o, field: joinField('options', o.field) }] : [])];
}

/** The name of the object or path a volume refers to must be a string. */
function referenceProblem(field: string, value: unknown): ValueProblem[] {
  const p = str().problem(value);
  return p ? [{ ...p, field }] : [];
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
  return Array.isArray(options.keys) && options.keys.length ? options.keys.map((key) => ({ key, path: key })) : undefined;
}
