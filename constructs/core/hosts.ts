/**
 * Host name rules shared by the layers: Istio's wildcard host matching and label selectors as
 * text.
 */

/** Whether the hostname `name` (exact or `*.` wildcard) lies within `pattern`. */
export function hostCovers(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (name === '*') return false;
  if (!pattern.startsWith('*.')) return pattern === name;
  const suffix = pattern.slice(1); // `.example.com`
  if (name.startsWith('*.')) return name.slice(1).endsWith(suffix);
  return name.endsWith(suffix) && name.length > suffix.length;
}

/** Istio's host overlap (host.Name.Matches): one covers the other. */
export function hostsOverlap(a: string, b: string): boolean {
  return hostCovers(a, b) || hostCovers(b, a);
}

/** A label selector as stable text: `key=value` pairs sorted by key, comma-separated. */
export function selectorText(selector: { [key: string]: string }): string {
  return Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',');
}
