import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ValueProblem, describeValue } from '../core/errors';
import { Check, SIZE, instance, required, shape } from '../core/runtime-types';
import { Cpu } from './cpu';
import { sizeBytes, sizeProblem, sizeQuantity } from '../core/quantity';

/**
 * Amounts of each resource a container asks for or is capped at.
 */
export interface ResourceAmounts {
  /** CPU. */
  readonly cpu: Cpu;
  /** Memory. */
  readonly memory: Size;
  /**
   * Ephemeral storage (container writable layer, logs and emptyDir volumes).
   * @default - not set
   */
  readonly ephemeralStorage?: Size;
}

/**
 * Requests and limits of one container.
 */
export interface ResourcesProps {
  /** What the scheduler reserves for the container. */
  readonly requests: ResourceAmounts;
  /** The most the container may use. */
  readonly limits: ResourceAmounts;
}

/**
 * Kubernetes quality-of-service class of a pod, derived from its containers' resources.
 */
export enum QosClass {
  /** Every container has CPU and memory requests equal to its limits. */
  GUARANTEED = 'Guaranteed',
  /** Some requests or limits are set, but not equal everywhere. */
  BURSTABLE = 'Burstable',
  /** No container sets any request or limit. */
  BEST_EFFORT = 'BestEffort',
}

/**
 * Requests and limits for one container. Every container the library emits has both, for CPU and
 * memory, so every pod is Guaranteed or Burstable and every namespace quota can count it.
 */
export class Resources {
  /** Separate requests and limits (Burstable unless they are equal). */
  public static of(props: ResourcesProps): Resources {
    return new Resources(props?.requests, props?.limits);
  }

  /** Requests equal to limits: the Guaranteed QoS class. */
  public static guaranteed(amounts: ResourceAmounts): Resources {
    return new Resources(amounts, amounts);
  }

  /** What the scheduler reserves. */
  public readonly requests: ResourceAmounts;
  /** The caps. */
  public readonly limits: ResourceAmounts;

  private constructor(requests: ResourceAmounts, limits: ResourceAmounts) {
    this.requests = requests;
    this.limits = limits;
  }

  /** The QoS class a pod made only of containers with these resources would get. */
  public get qosClass(): QosClass {
    return this.isGuaranteed() ? QosClass.GUARANTEED : QosClass.BURSTABLE;
  }

  /** True when CPU and memory requests equal the limits. */
  public isGuaranteed(): boolean {
    return this.requests.cpu.millicores === this.limits.cpu.millicores
      && sizeBytes(this.requests.memory) === sizeBytes(this.limits.memory);
  }

  /** Everything wrong with these resources (empty when they can be used). */
  public problems(): ValueProblem[] {
    const out: ValueProblem[] = [];
    for (const side of ['requests', 'limits'] as const) {
      const a = this[side];
      if (!a || !a.cpu || !a.memory) {
        out.push({ field: side, received: describeAmounts(a), allowed: 'both cpu and memory set' });
        continue;
      }
      const cpu = a.cpu instanceof Cpu ? a.cpu.problem() : CPU_ALLOWED;
      if (cpu) out.push({ field: `${side}.cpu`, received: cpuReceived(a.cpu), allowed: cpu });
      for (const [field, size] of [['memory', a.memory], ['ephemeralStorage', a.ephemeralStorage]] as const) {
        if (size === undefined) continue;
        const problem = size instanceof Size ? sizeProblem(size) : SIZE.expects;
        if (problem) out.push({ field: `${side}.${field}`, received: size instanceof Size ? `${sizeBytes(size)} bytes` : describeValue(size), allowed: problem });
      }
    }
    if (out.length > 0) return out;
    if (this.limits.cpu.millicores === 0) {
      out.push({ field: 'limits.cpu', received: '0', allowed: 'more than zero' });
    }
    if (sizeBytes(this.limits.memory) === 0) {
      out.push({ field: 'limits.memory', received: '0', allowed: 'more than zero' });
    }
    if (this.requests.cpu.millicores > this.limits.cpu.millicores) {
      out.push({
        field: 'requests.cpu',
        received: `${this.requests.cpu.toQuantity()} (limit ${this.limits.cpu.toQuantity()})`,
        allowed: 'a request no larger than the limit',
      });
    }
    if (sizeBytes(this.requests.memory) > sizeBytes(this.limits.memory)) {
      out.push({
        field: 'requests.memory',
        received: `${sizeQuantity(this.requests.memory)} (limit ${sizeQuantity(this.limits.memory)})`,
        allowed: 'a request no larger than the limit',
      });
    }
    const reqEph = this.requests.ephemeralStorage;
    const limEph = this.limits.ephemeralStorage;
    if (reqEph && limEph && sizeBytes(reqEph) > sizeBytes(limEph)) {
      out.push({
        field: 'requests.ephemeralStorage',
        received: `${sizeQuantity(reqEph)} (limit ${sizeQuantity(limEph)})`,
        allowed: 'a request no larger than the limit',
      });
    }
    return out;
  }

  /** The L1 form. */
  public toKube(): k8s.ResourceRequirements {
    return { requests: toQuantities(this.requests), limits: toQuantities(this.limits) };
  }

  /** Human-readable form, e.g. `cpu 250m/500m, memory 256Mi/256Mi`. */
  public toString(): string {
    const r = this.requests;
    const l = this.limits;
    const parts = [
      `cpu ${r?.cpu}/${l?.cpu}`,
      `memory ${amountText(r?.memory)}/${amountText(l?.memory)}`,
    ];
    if (r?.ephemeralStorage || l?.ephemeralStorage) {
      parts.push(`ephemeral-storage ${amountText(r?.ephemeralStorage)}/${amountText(l?.ephemeralStorage)}`);
    }
    return parts.join(', ');
  }
}

/** What a CPU amount must be. */
const CPU_ALLOWED = 'a Cpu such as Cpu.millis(250), Cpu.cores(0.5) or Cpu.parse("250m")';

/** A CPU amount as received: millicores, what could not be read, or whatever was given instead of a Cpu. */
function cpuReceived(cpu: unknown): string {
  if (!(cpu instanceof Cpu)) return describeValue(cpu);
  return cpu.problem() && Number.isNaN(cpu.millicores) ? String(cpu) : `${cpu.millicores}m`;
}

function describeAmounts(a: ResourceAmounts | undefined): string {
  if (typeof a !== 'object' || a === null) return describeValue(a);
  const keys = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  return keys.length ? `{ ${keys.join(', ')} }` : '{}';
}

/** A memory or storage amount for `toString`: a quantity, `-` when unset, or whatever was given instead. */
function amountText(size: unknown): string {
  if (size === undefined) return '-';
  return size instanceof Size ? sizeQuantity(size) : describeValue(size);
}

function toQuantities(a: ResourceAmounts): { [key: string]: k8s.Quantity } {
  const out: { [key: string]: k8s.Quantity } = {
    'cpu': k8s.Quantity.fromString(a.cpu.toQuantity()),
    'memory': k8s.Quantity.fromString(sizeQuantity(a.memory)),
  };
  if (a.ephemeralStorage) out['ephemeral-storage'] = k8s.Quantity.fromString(sizeQuantity(a.ephemeralStorage));
  return out;
}

/** A CPU amount that can be used. */
const CPU: Check = instance(Cpu, CPU_ALLOWED, (c) => c.problem());

/** Amounts of CPU, memory and ephemeral storage, as constructs that size containers themselves take them. */
export const RESOURCE_AMOUNTS: Check = shape({ cpu: required(CPU), memory: required(SIZE), ephemeralStorage: SIZE },
  'amounts { cpu, memory, ephemeralStorage }');

/** Requests and limits that can be used. */
export const RESOURCES: Check = instance(Resources, 'Resources.of(...) or Resources.guaranteed(...) with CPU and memory', (r) => r.problems()[0]);

/** The QoS class of a pod made of containers with the given resources. */
export function podQosClass(containers: Resources[]): QosClass {
  if (containers.length === 0) return QosClass.BEST_EFFORT;
  return containers.every((r) => r.isGuaranteed()) ? QosClass.GUARANTEED : QosClass.BURSTABLE;
}

/**
 * Totals of a set of containers or pods, used for quotas and budgets.
 */
export class ResourceTotals {
  /** Nothing. */
  public static zero(): ResourceTotals {
    return new ResourceTotals(0, 0, 0, 0, 0, 0);
  }

  private constructor(
    /** CPU requests, millicores. */
    public readonly requestsCpu: number,
    /** Memory requests, bytes. */
    public readonly requestsMemory: number,
    /** CPU limits, millicores. */
    public readonly limitsCpu: number,
    /** Memory limits, bytes. */
    public readonly limitsMemory: number,
    /** Ephemeral storage requests, bytes. */
    public readonly requestsEphemeral: number,
    /** Ephemeral storage limits, bytes. */
    public readonly limitsEphemeral: number,
  ) {}

  /** These totals plus `count` containers with the given resources. */
  public add(r: Resources, count: number = 1): ResourceTotals {
    return new ResourceTotals(
      this.requestsCpu + r.requests.cpu.millicores * count,
      this.requestsMemory + sizeBytes(r.requests.memory) * count,
      this.limitsCpu + r.limits.cpu.millicores * count,
      this.limitsMemory + sizeBytes(r.limits.memory) * count,
      this.requestsEphemeral + (r.requests.ephemeralStorage ? sizeBytes(r.requests.ephemeralStorage) : 0) * count,
      this.limitsEphemeral + (r.limits.ephemeralStorage ? sizeBytes(r.limits.ephemeralStorage) : 0) * count,
    );
  }

  /** Sum of two totals. */
  public plus(o: ResourceTotals): ResourceTotals {
    return new ResourceTotals(
      this.requestsCpu + o.requestsCpu, this.requestsMemory + o.requestsMemory,
      this.limitsCpu + o.limitsCpu, this.limitsMemory + o.limitsMemory,
      this.requestsEphemeral + o.requestsEphemeral, this.limitsEphemeral + o.limitsEphemeral,
    );
  }

  /** These totals times a whole factor (e.g. replicas). */
  public times(factor: number): ResourceTotals {
    return new ResourceTotals(
      this.requestsCpu * factor, this.requestsMemory * factor, this.limitsCpu * factor,
      this.limitsMemory * factor, this.requestsEphemeral * factor, this.limitsEphemeral * factor,
    );
  }
}
