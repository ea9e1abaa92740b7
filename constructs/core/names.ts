/**
 * The DNS name rules Kubernetes applies to object names, namespaces and domains (its
 * IsDNS1123Label, IsDNS1123Subdomain and IsDNS1035Label), written once for every construct.
 * Each takes any value, so a caller need not check the type first: only a string can pass.
 */

/** Lower-case letters, digits and '-', starting and ending with a letter or digit. */
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const LABEL_MAX_LENGTH = 63;
const SUBDOMAIN_MAX_LENGTH = 253;

/**
 * An RFC 1123 label, as namespace names must be: lower-case letters, digits and '-', starting
 * and ending with a letter or digit, 1 to 63 characters.
 */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= LABEL_MAX_LENGTH && DNS_LABEL.test(value);
}

/**
 * An RFC 1123 subdomain, as most object names must be: RFC 1123 labels joined by '.', at most
 * 253 characters in all (Kubernetes sets no limit on a single label here; see isDnsName).
 */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= SUBDOMAIN_MAX_LENGTH && DNS_SUBDOMAIN.test(value);
}

/**
 * A DNS name that resolvers take (a domain or host): an RFC 1123 subdomain in which every label
 * is also at most 63 characters.
 */
export function isDnsName(value: unknown): value is string {
  return isDnsSubdomain(value) && value.split('.').every((label) => label.length <= LABEL_MAX_LENGTH);
}

/**
 * An RFC 1035 label, as Service and container names must be: an RFC 1123 label that starts with
 * a letter.
 */
export function isDns1035Label(value: unknown): value is string {
  return isDnsLabel(value) && /^[a-z]/.test(value);
}
