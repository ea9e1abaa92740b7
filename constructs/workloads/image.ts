import { ValueProblem, describeValue } from '../core/errors';

/**
 * A container image pinned to a version tag or a digest. `latest` and untagged references are
 * refused: a manifest must name exactly what runs.
 */
export class ContainerImage {
  /** An image by repository and version tag, e.g. `of('nats', '2.10.22-alpine')`. */
  public static of(repository: string, tag: string): ContainerImage {
    return new ContainerImage(repository, tag, undefined);
  }

  /** An image by repository and content digest (`sha256:<64 hex>`). */
  public static fromDigest(repository: string, digest: string): ContainerImage {
    return new ContainerImage(repository, undefined, digest);
  }

  /** Parses `repo:tag`, `repo@sha256:...` or `repo:tag@sha256:...`. */
  public static parse(reference: string): ContainerImage {
    // Not text: kept as it is, for problems() to report.
    if (typeof reference !== 'string') return new ContainerImage(reference, undefined, undefined);
    const at = reference.indexOf('@');
    const digest = at >= 0 ? reference.slice(at + 1) : undefined;
    const rest = at >= 0 ? reference.slice(0, at) : reference;
    const lastSlash = rest.lastIndexOf('/');
    const colon = rest.lastIndexOf(':');
    const hasTag = colon > lastSlash;
    return new ContainerImage(hasTag ? rest.slice(0, colon) : rest, hasTag ? rest.slice(colon + 1) : undefined, digest);
  }

  /** Registry and path, e.g. `ghcr.io/acme/order`. */
  public readonly repository: string;
  /** Version tag, if any. */
  public readonly tag?: string;
  /** Content digest, if any. */
  public readonly digest?: string;

  private constructor(repository: string, tag: string | undefined, digest: string | undefined) {
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /** The full reference to put in a pod spec. */
  public get reference(): string {
    return `${this.repository}${this.tag ? `:${this.tag}` : ''}${this.digest ? `@${this.digest}` : ''}`;
  }

  /** The version label value: the tag, or the first 12 hex digits of the digest. */
  public get version(): string {
    if (this.tag) return this.tag;
    return (this.digest ?? '').replace(/^sha256:/, '').slice(0, 12);
  }

  /** Everything wrong with the reference (empty when it can be used). */
  public problems(): ValueProblem[] {
    const out: ValueProblem[] = [];
    const received = JSON.stringify(this.reference);
    const notText = ([['repository', this.repository], ['tag', this.tag], ['digest', this.digest]] as const)
      .filter(([field, v]) => (field === 'repository' || v !== undefined) && typeof v !== 'string');
    if (notText.length) {
      return notText.map(([field, v]) => ({ field: '', received: `${field} ${describeValue(v)}`, allowed: `a ${field} given as a string` }));
    }
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(this.repository)
      && !/^[a-z0-9.-]+(?::[0-9]+)?(\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/.test(this.repository)) {
      out.push({ field: '', received, allowed: 'a lower-case image repository such as ghcr.io/acme/order' });
    }
    if (this.tag === undefined && this.digest === undefined) {
      out.push({ field: '', received, allowed: 'an image pinned to a version tag or a sha256 digest' });
    }
    if (this.tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(this.tag)) {
      out.push({ field: '', received, allowed: 'a tag of letters, digits, _ . - (at most 128 characters)' });
    }
    if (this.tag === 'latest' && !this.digest) {
      out.push({ field: '', received, allowed: 'a version tag or digest, not the moving tag "latest"' });
    } else if (this.tag !== undefined && !this.digest && !/[0-9]/.test(this.tag)) {
      // Branch-like tags (main, stable, edge) move like latest; a version has digits.
      out.push({ field: '', received, allowed: 'a version tag (with digits, such as 1.4.2) or a digest: a tag without a version moves' });
    }
    if (this.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(this.digest)) {
      out.push({ field: '', received, allowed: 'a digest of the form sha256:<64 hex digits>' });
    }
    return out;
  }

  /** The reference. */
  public toString(): string {
    return this.reference;
  }
}
