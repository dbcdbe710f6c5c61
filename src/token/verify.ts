/**
 * `verifySealToken`: docs/design.md §3 steps 1–3 in order — raw string, claims (schema, version, audience,
 * time), signature. Pure. Never throws for bad input; the result says why a token was refused.
 */
import type { SealClaims } from './claims.ts';
import { parseSealToken } from './parse.ts';
import type { TokenRejectReason } from './reasons.ts';
import { verifyClaimsSignature, type SignatureSchemeName } from './signature.ts';

/** One cluster this authenticator serves: its id (a token's `aud`) and the kube-apiserver
 * audiences (`--api-audiences`) that stand for it in a TokenReview's `spec.audiences`. */
export interface ClusterAudience {
  id: string;
  apiAudiences: readonly string[];
  /** Subject CNs of this cluster's kube-apiserver client certificates (how the server tells clusters apart). */
  clientCommonNames?: readonly string[];
}

export interface TimePolicy {
  /** Allowed clock difference, seconds (docs/design.md default 60). */
  skewSeconds: number;
  /** Largest `exp − iat`, seconds (docs/design.md default 900). */
  maxLifetimeSeconds: number;
}

export interface VerifyOptions extends TimePolicy {
  clusters: readonly ClusterAudience[];
  /** The TokenReview's `spec.audiences`, when it has any. */
  requestedAudiences?: readonly string[];
  /** Current unix time, seconds. */
  now: number;
}

export type VerifyResult =
  | { ok: true; claims: SealClaims; scheme: SignatureSchemeName; audiences: string[] }
  | { ok: false; reason: TokenRejectReason; claims?: SealClaims };

export type AudienceCheck = { ok: true; audiences: string[] } | { ok: false; reason: TokenRejectReason };

/**
 * `aud` must be one of our clusters; when the TokenReview names audiences, at least one of them must
 * be that cluster's id or one of its apiserver audiences. Returns the audiences to put in
 * `status.audiences` (empty when none were requested: the apiserver's implicit audience applies).
 */
export function checkAudience(
  aud: string,
  clusters: readonly ClusterAudience[],
  requested: readonly string[] | undefined,
): AudienceCheck {
  const cluster = clusters.find((candidate) => candidate.id === aud);
  if (!cluster) return { ok: false, reason: 'unknown_audience' };
  if (!requested || requested.length === 0) return { ok: true, audiences: [] };
  const accepted = requested.filter((want) => want === cluster.id || cluster.apiAudiences.includes(want));
  if (accepted.length === 0) return { ok: false, reason: 'audience_mismatch' };
  return { ok: true, audiences: accepted.length === 1 ? accepted : [...new Set(accepted)] };
}

export function checkTimes(claims: Pick<SealClaims, 'iat' | 'exp'>, now: number, policy: TimePolicy): TokenRejectReason | null {
  if (claims.iat > now + policy.skewSeconds) return 'not_yet_valid';
  if (claims.exp <= now - policy.skewSeconds) return 'expired';
  if (claims.exp <= claims.iat) return 'bad_lifetime';
  if (claims.exp - claims.iat > policy.maxLifetimeSeconds) return 'lifetime_too_long';
  return null;
}

export async function verifySealToken(token: unknown, options: VerifyOptions): Promise<VerifyResult> {
  const parsed = parseSealToken(token);
  if (!parsed.ok) return parsed;
  const { claims, claimsSegment, signature } = parsed.token;
  const audience = checkAudience(claims.aud, options.clusters, options.requestedAudiences);
  if (!audience.ok) return { ok: false, reason: audience.reason, claims };
  const timeReason = checkTimes(claims, options.now, options);
  if (timeReason) return { ok: false, reason: timeReason, claims };
  const signed = await verifyClaimsSignature(claimsSegment, signature, claims.sub);
  if (signed.ok) return { ok: true, claims, scheme: signed.scheme, audiences: audience.audiences };
  return { ok: false, reason: signed.reason, claims };
}
