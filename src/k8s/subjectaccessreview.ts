/**
 * The SubjectAccessReview wire format (`authorization.k8s.io` v1 and v1beta1) as kube-apiserver's
 * webhook authorizer sends and reads it, and a strict validator for the request body. One place for
 * these types: the /authorize route, its tests and the e2e use them.
 *
 * v1 and v1beta1 differ in one spec field: the user's groups are `groups` in v1 and `group` in
 * v1beta1. Each version is held to its own name.
 */

export const SAR_GROUP = 'authorization.k8s.io';
export const SAR_API_VERSIONS = [`${SAR_GROUP}/v1`, `${SAR_GROUP}/v1beta1`] as const;
export type SarApiVersion = (typeof SAR_API_VERSIONS)[number];
export const SAR_KIND = 'SubjectAccessReview';

/** The parts of a review the decision reads; the request's attributes are checked, then not kept. */
export interface SarRequest {
  apiVersion: SarApiVersion;
  kind: typeof SAR_KIND;
  spec: {
    user: string;
    uid: string;
    groups: string[];
    extra: Record<string, string[]>;
  };
}

export interface SarStatus {
  allowed: boolean;
  /** A definitive no: later authorizers are not asked. Only with allowed false. */
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface SarResponse {
  apiVersion: SarApiVersion;
  kind: typeof SAR_KIND;
  status: SarStatus;
}

export type SarParse = { ok: true; review: SarRequest } | { ok: false; message: string };

const TOP_KEYS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const SPEC_KEYS_COMMON = ['resourceAttributes', 'nonResourceAttributes', 'user', 'extra', 'uid'];
const SPEC_KEYS: Record<SarApiVersion, ReadonlySet<string>> = {
  'authorization.k8s.io/v1': new Set([...SPEC_KEYS_COMMON, 'groups']),
  'authorization.k8s.io/v1beta1': new Set([...SPEC_KEYS_COMMON, 'group']),
};
/** ResourceAttributes as of Kubernetes 1.34 (fieldSelector and labelSelector since 1.31). */
const RESOURCE_KEYS: ReadonlySet<string> = new Set(['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name', 'fieldSelector', 'labelSelector']);
const NON_RESOURCE_KEYS: ReadonlySet<string> = new Set(['path', 'verb']);
const MAX_LIST = 256;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a decoded request body: known fields only, exactly one of resourceAttributes and
 * nonResourceAttributes, string user/uid, string lists for groups and every extra value. Tolerates
 * `metadata` and the zero status Go writes into a request (`{"allowed":false}`).
 */
export function parseSubjectAccessReview(body: unknown): SarParse {
  if (!isPlainObject(body)) return refuse('body must be a JSON object');
  for (const key of Object.keys(body)) if (!TOP_KEYS.has(key)) return refuse(`unknown field "${key}"`);
  const { apiVersion, kind, metadata, spec, status } = body;
  if (!SAR_API_VERSIONS.includes(apiVersion as SarApiVersion)) return refuse(`apiVersion must be one of ${SAR_API_VERSIONS.join(', ')}`);
  const version = apiVersion as SarApiVersion;
  if (kind !== SAR_KIND) return refuse(`kind must be ${SAR_KIND}`);
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) return refuse('metadata must be an object');
  if (status !== undefined && status !== null && !isZeroStatus(status)) return refuse('a SubjectAccessReview request carries no status');
  if (!isPlainObject(spec)) return refuse('spec must be an object');
  for (const key of Object.keys(spec)) if (!SPEC_KEYS[version].has(key)) return refuse(`unknown field "spec.${key}"`);
  const attributes = checkAttributes(spec);
  if (attributes) return refuse(attributes);
  const user = optionalString(spec.user, 'spec.user');
  const uid = optionalString(spec.uid, 'spec.uid');
  const groups = stringList(version === 'authorization.k8s.io/v1' ? spec.groups : spec.group, version === 'authorization.k8s.io/v1' ? 'spec.groups' : 'spec.group');
  const extra = extraMap(spec.extra);
  for (const part of [user, uid, groups, extra]) if (isError(part)) return refuse(part.error);
  return {
    ok: true,
    review: { apiVersion: version, kind: SAR_KIND, spec: { user: user as string, uid: uid as string, groups: groups as string[], extra: extra as Record<string, string[]> } },
  };
}

export function sarResponse(apiVersion: SarApiVersion, status: SarStatus): SarResponse {
  return { apiVersion, kind: SAR_KIND, status };
}

type Invalid = { error: string };
const isError = (value: unknown): value is Invalid => isPlainObject(value) && typeof value.error === 'string' && Object.keys(value).length === 1;
const refuse = (message: string): { ok: false; message: string } => ({ ok: false, message });

function checkAttributes(spec: Record<string, unknown>): string | undefined {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(resource) === has(nonResource)) return 'exactly one of spec.resourceAttributes and spec.nonResourceAttributes is required';
  const [name, value, keys] = has(resource) ? ['spec.resourceAttributes', resource, RESOURCE_KEYS] as const : ['spec.nonResourceAttributes', nonResource, NON_RESOURCE_KEYS] as const;
  if (!isPlainObject(value)) return `${name} must be an object`;
  for (const [key, field] of Object.entries(value)) {
    if (!keys.has(key)) return `unknown field "${name}.${key}"`;
    // Selectors are structured (requirements lists); every other attribute is a string.
    const ok = key === 'fieldSelector' || key === 'labelSelector' ? field === null || isPlainObject(field) : field === null || typeof field === 'string';
    if (!ok) return `${name}.${key} has the wrong type`;
  }
  return undefined;
}

function optionalString(value: unknown, name: string): string | Invalid {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : { error: `${name} must be a string` };
}

function stringList(value: unknown, name: string): string[] | Invalid {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_LIST || !value.every((v) => typeof v === 'string')) return { error: `${name} must be a list of strings` };
  return value as string[];
}

function extraMap(value: unknown): Record<string, string[]> | Invalid {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) return { error: 'spec.extra must be an object' };
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [key, values] of Object.entries(value)) {
    const list = stringList(values, `spec.extra["${key}"]`);
    if (isError(list)) return list;
    out[key] = list;
  }
  return out;
}

/** Go's encoding/json writes a request's zero status as `{"allowed":false}`. */
function isZeroStatus(status: unknown): boolean {
  if (!isPlainObject(status)) return false;
  return Object.entries(status).every(([key, value]) => value === null || (key === 'allowed' || key === 'denied' ? value === false : (key === 'reason' || key === 'evaluationError') && value === ''));
}
