/**
 * The formats of the names the product trusts: Sui ids and addresses, node names, tier names. One
 * definition each — the SealBinding CRD's CEL rules, the admission webhook, token claims, the chain
 * reader and the CLI all test against these.
 */

/** A Sui address or object id in canonical form: `0x` + 64 lowercase hex digits. */
export const SUI_ID_PATTERN = '^0x[0-9a-f]{64}$';
/** An id as a person may type it: `0x` + 1–64 hex digits of either case (normalised before use). */
export const SUI_ID_INPUT_PATTERN = '^0x[0-9a-fA-F]{1,64}$';
/** A DNS-1123 subdomain (what a Node name must be): ≤ 253 chars, dot-separated lowercase labels. */
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_SUBDOMAIN_MAX = 253;
/** A DNS-1123 label (namespaces, tier names): ≤ 63 lowercase letters, digits and '-'. */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_LABEL_MAX = 63;

const SUI_ID_RE = new RegExp(SUI_ID_PATTERN);
const SUI_ID_INPUT_RE = new RegExp(SUI_ID_INPUT_PATTERN);
const DNS1123_SUBDOMAIN_RE = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
const DNS1123_LABEL_RE = new RegExp(DNS1123_LABEL_PATTERN);

/** Canonical id or address (`0x` + 64 lowercase hex). */
export function isSuiId(value: unknown): value is string {
  return typeof value === 'string' && SUI_ID_RE.test(value);
}

/** An id as typed: `0x` + 1–64 hex digits, any case. */
export function isSuiIdInput(value: unknown): value is string {
  return typeof value === 'string' && SUI_ID_INPUT_RE.test(value);
}

/** A full-length address of either case (`0x` + exactly 64 hex digits). */
export function isFullSuiAddress(value: unknown): value is string {
  return isSuiIdInput(value) && value.length === 66;
}

/** A Node name. */
export function isDns1123Subdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN_RE.test(value);
}

/** A namespace or tier name. */
export function isDns1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL_RE.test(value);
}
