import { Size, SizeRoundingBehavior } from 'cdk8s';

/** Bytes in a Size (cdk8s has no byte unit; kibibytes are its finest, exact for binary units). */
export function sizeBytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

/**
 * A memory or storage Size as a Kubernetes quantity, in the largest binary unit that keeps it
 * whole (`512Mi`, `2Gi`, `1536Mi`).
 */
export function sizeQuantity(size: Size): string {
  const bytes = sizeBytes(size);
  const units: Array<[string, number]> = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
  for (const [suffix, factor] of units) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  }
  return String(Math.round(bytes));
}

/** Why a Size cannot be used as a quantity, or undefined when it can. */
export function sizeProblem(size: Size): string | undefined {
  const bytes = sizeBytes(size);
  if (!Number.isFinite(bytes) || bytes < 0) return 'a non-negative size';
  if (!Number.isInteger(bytes)) return 'a whole number of bytes';
  return undefined;
}

/** Bytes as a Kubernetes-style quantity in the largest binary unit that keeps it whole (`9Gi`, `1536Mi`). */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
  for (const [suffix, factor] of units) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${suffix}`;
  }
  return String(bytes);
}
