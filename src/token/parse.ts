/**
 * docs/design.md §3 steps 1 and 2, first half: from the raw bearer string to a claim set, refusing anything
 * that is not exactly `seal_<claims>.<signature>` in canonical base64url with strict JSON claims.
 * Every check on the raw string runs before any decoding, and nothing here throws for bad input.
 */
import { decodeBase64url, isStrictBase64url } from './base64url.ts';
import { checkClaimsShape, type SealClaims } from './claims.ts';
import type { TokenRejectReason } from './reasons.ts';
import { parseStrictJson, StrictJsonError, type JsonValue } from './strict-json.ts';

export const SEAL_TOKEN_PREFIX = 'seal_';
/** Largest token accepted, in bytes (the string is ASCII once the alphabet check passed). */
export const MAX_TOKEN_BYTES = 8 * 1024;

export interface ParsedSealToken {
  claims: SealClaims;
  /** The `<claims>` segment exactly as sent: its ASCII bytes are what was signed. */
  claimsSegment: string;
  /** The decoded Sui serialized signature (`flag || sig || pubkey`). */
  signature: Uint8Array;
}

export type ParseResult = { ok: true; token: ParsedSealToken } | { ok: false; reason: TokenRejectReason };

const fail = (reason: TokenRejectReason): ParseResult => ({ ok: false, reason });
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Step 1: size, prefix, two segments, alphabet. Returns the two segments or a reason. */
export function splitSealToken(token: unknown): { claims: string; signature: string } | TokenRejectReason {
  if (typeof token !== 'string') return 'bad_prefix';
  // String length counts UTF-16 units; a non-ASCII token fails the alphabet check below anyway.
  if (token.length > MAX_TOKEN_BYTES) return 'oversize';
  if (!token.startsWith(SEAL_TOKEN_PREFIX)) return 'bad_prefix';
  const segments = token.slice(SEAL_TOKEN_PREFIX.length).split('.');
  if (segments.length !== 2) return 'bad_segments';
  const [claims, signature] = segments as [string, string];
  if (!isStrictBase64url(claims) || !isStrictBase64url(signature)) return 'bad_base64url';
  return { claims, signature };
}

/** Steps 1 and the schema part of 2 (audience and time checks follow in verify.ts). */
export function parseSealToken(token: unknown): ParseResult {
  const split = splitSealToken(token);
  if (typeof split === 'string') return fail(split);
  const claimBytes = decodeBase64url(split.claims);
  const signature = decodeBase64url(split.signature);
  if (!claimBytes || !signature) return fail('bad_base64url'); // unreachable after the split check
  const json = decodeJson(claimBytes);
  if (typeof json === 'string') return fail(json);
  const shape = checkClaimsShape(json.value);
  if (!shape.ok) return fail(shape.reason);
  return { ok: true, token: { claims: shape.claims, claimsSegment: split.claims, signature } };
}

function decodeJson(bytes: Uint8Array): { value: JsonValue } | TokenRejectReason {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return 'bad_utf8';
  }
  try {
    return { value: parseStrictJson(text) };
  } catch (error) {
    if (error instanceof StrictJsonError) {
      if (error.code === 'duplicate_key') return 'duplicate_key';
      if (error.code === 'non_integer') return 'bad_claim';
    }
    return 'bad_json';
  }
}
