/**
 * The claim set of a seal token v1 (docs/design.md §3) and its strict schema: exactly these keys, each of
 * exactly this type and format. Shared by the verifier and by `makeSealToken`, so we never mint a
 * token we would refuse.
 */
import { isDns1123Subdomain, isSuiId } from '../policy/formats.ts';
import type { JsonValue } from './strict-json.ts';
import type { TokenRejectReason } from './reasons.ts';

export const SEAL_TOKEN_VERSION = 1;

export interface SealClaims {
  v: typeof SEAL_TOKEN_VERSION;
  /** The cluster id this token is for. */
  aud: string;
  /** The signer's Sui address (`0x` + 64 lowercase hex). */
  sub: string;
  /** The SealToken object id backing this token. */
  tok: string;
  /** Issued-at and expiry, unix seconds. */
  iat: number;
  exp: number;
  /** Kubelet tokens only: the node name this token authenticates. */
  node?: string;
  /** Free caller-chosen uniqueness; carries no meaning for the verifier. */
  nonce?: string;
}

/** Keys in the order makeSealToken writes them. */
export const CLAIM_KEYS = ['v', 'aud', 'sub', 'tok', 'iat', 'exp', 'node', 'nonce'] as const;
const REQUIRED_KEYS: ReadonlySet<string> = new Set(['v', 'aud', 'sub', 'tok', 'iat', 'exp']);
const ALLOWED_KEYS: ReadonlySet<string> = new Set(CLAIM_KEYS);

/** A cluster id / audience: printable ASCII without spaces, as Kubernetes audiences are in practice. */
const AUDIENCE_RE = /^[\x21-\x7e]{1,253}$/;
const NONCE_RE = /^[A-Za-z0-9._~-]{1,128}$/;
/** Latest representable time we accept (year 9999); keeps arithmetic on iat/exp exact. */
const MAX_TIME = 253_402_300_799;

export function isAudience(value: unknown): value is string {
  return typeof value === 'string' && AUDIENCE_RE.test(value);
}

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_TIME;

const FIELD_CHECKS: Record<(typeof CLAIM_KEYS)[number], (value: unknown) => boolean> = {
  v: (value) => typeof value === 'number',
  aud: isAudience,
  sub: isSuiId,
  tok: isSuiId,
  iat: isTime,
  exp: isTime,
  node: isDns1123Subdomain,
  nonce: (value) => typeof value === 'string' && NONCE_RE.test(value),
};

export type ClaimsCheck = { ok: true; claims: SealClaims } | { ok: false; reason: TokenRejectReason };

/** Checks the shape of a parsed claim object: keys, types, formats and the version. */
export function checkClaimsShape(value: JsonValue): ClaimsCheck {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'bad_json' };
  const keys = Object.keys(value);
  if (keys.some((key) => !ALLOWED_KEYS.has(key))) return { ok: false, reason: 'unknown_claim' };
  for (const key of REQUIRED_KEYS) if (!Object.hasOwn(value, key)) return { ok: false, reason: 'missing_claim' };
  for (const key of keys) {
    if (!FIELD_CHECKS[key as (typeof CLAIM_KEYS)[number]](value[key])) return { ok: false, reason: 'bad_claim' };
  }
  if (value.v !== SEAL_TOKEN_VERSION) return { ok: false, reason: 'bad_version' };
  // Copy field by field so the result is an ordinary object holding only known keys.
  const claims: SealClaims = {
    v: SEAL_TOKEN_VERSION,
    aud: value.aud as string,
    sub: value.sub as string,
    tok: value.tok as string,
    iat: value.iat as number,
    exp: value.exp as number,
  };
  if (value.node !== undefined) claims.node = value.node as string;
  if (value.nonce !== undefined) claims.nonce = value.nonce as string;
  return { ok: true, claims };
}

/** The canonical JSON text of a claim set (fixed key order, no whitespace). */
export function serializeClaims(claims: SealClaims): string {
  const ordered: Record<string, unknown> = {};
  for (const key of CLAIM_KEYS) if (claims[key] !== undefined) ordered[key] = claims[key];
  return JSON.stringify(ordered);
}
