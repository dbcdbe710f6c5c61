/**
 * The TokenReview wire format (`authentication.k8s.io` v1 and v1beta1 — the same shape), as
 * kube-apiserver's webhook token authenticator sends and reads it, and a strict validator for the
 * request body. One place for these types: the server, tests, bench and CLI use them.
 */

export const TOKENREVIEW_GROUP = 'authentication.k8s.io';
export const TOKENREVIEW_API_VERSIONS = [`${TOKENREVIEW_GROUP}/v1`, `${TOKENREVIEW_GROUP}/v1beta1`] as const;
export type TokenReviewApiVersion = (typeof TOKENREVIEW_API_VERSIONS)[number];
export const TOKENREVIEW_KIND = 'TokenReview';

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReviewSpec {
  token: string;
  audiences?: string[];
}

export interface TokenReviewStatus {
  authenticated: boolean;
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

export interface TokenReviewRequest {
  apiVersion: TokenReviewApiVersion;
  kind: typeof TOKENREVIEW_KIND;
  metadata?: Record<string, unknown>;
  spec: TokenReviewSpec;
}

export interface TokenReviewResponse {
  apiVersion: TokenReviewApiVersion;
  kind: typeof TOKENREVIEW_KIND;
  metadata?: Record<string, unknown>;
  status: TokenReviewStatus;
}

export const MAX_AUDIENCES = 32;
const MAX_AUDIENCE_LENGTH = 1024;
const SPEC_KEYS: ReadonlySet<string> = new Set(['token', 'audiences']);
const TOP_KEYS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

export type TokenReviewParse = { ok: true; review: TokenReviewRequest } | { ok: false; message: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a decoded request body. Refuses unknown top-level or spec fields, a missing or non-string
 * token, malformed audiences; tolerates `metadata` (the apiserver sends an empty one) and an empty
 * `status` object. The token's own format is the token module's business, not this one's.
 */
export function parseTokenReviewRequest(body: unknown): TokenReviewParse {
  if (!isPlainObject(body)) return { ok: false, message: 'body must be a JSON object' };
  for (const key of Object.keys(body)) if (!TOP_KEYS.has(key)) return { ok: false, message: `unknown field "${key}"` };
  const { apiVersion, kind, metadata, spec, status } = body;
  if (!TOKENREVIEW_API_VERSIONS.includes(apiVersion as TokenReviewApiVersion)) {
    return { ok: false, message: `apiVersion must be one of ${TOKENREVIEW_API_VERSIONS.join(', ')}` };
  }
  if (kind !== TOKENREVIEW_KIND) return { ok: false, message: 'kind must be TokenReview' };
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) return { ok: false, message: 'metadata must be an object' };
  if (status !== undefined && status !== null && !isZeroStatus(status)) {
    return { ok: false, message: 'a TokenReview request carries no status' };
  }
  if (!isPlainObject(spec)) return { ok: false, message: 'spec must be an object' };
  for (const key of Object.keys(spec)) if (!SPEC_KEYS.has(key)) return { ok: false, message: `unknown field "spec.${key}"` };
  if (typeof spec.token !== 'string' || spec.token.length === 0) return { ok: false, message: 'spec.token must be a non-empty string' };
  const audiences = parseAudiences(spec.audiences);
  if (typeof audiences === 'string') return { ok: false, message: audiences };
  const review: TokenReviewRequest = {
    apiVersion: apiVersion as TokenReviewApiVersion,
    kind: TOKENREVIEW_KIND,
    spec: { token: spec.token, ...(audiences ? { audiences } : {}) },
  };
  return { ok: true, review };
}

/**
 * Go's encoding/json writes the zero status of a request as `{"user":{}}` (omitempty does not drop a
 * struct), so a request's status may be present but must hold nothing.
 */
function isZeroStatus(status: unknown): boolean {
  if (!isPlainObject(status)) return false;
  for (const key in status) {
    const value = status[key];
    if (value === null) continue;
    const zero =
      key === 'authenticated' ? value === false
      : key === 'error' ? value === ''
      : key === 'audiences' ? Array.isArray(value) && value.length === 0
      : key === 'user' ? isZeroUser(value)
      : false;
    if (!zero) return false;
  }
  return true;
}

function isZeroUser(user: unknown): boolean {
  if (!isPlainObject(user)) return false;
  for (const key in user) {
    const v = user[key];
    if (!(v === '' || v === null || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0))) return false;
  }
  return true;
}

function parseAudiences(value: unknown): string[] | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return 'spec.audiences must be a list of strings';
  if (value.length > MAX_AUDIENCES) return `spec.audiences has more than ${MAX_AUDIENCES} entries`;
  for (const entry of value) {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > MAX_AUDIENCE_LENGTH) {
      return 'spec.audiences must be a list of non-empty strings';
    }
  }
  return value as string[];
}

export function tokenReviewResponse(apiVersion: TokenReviewApiVersion, status: TokenReviewStatus): TokenReviewResponse {
  return { apiVersion, kind: TOKENREVIEW_KIND, status };
}
