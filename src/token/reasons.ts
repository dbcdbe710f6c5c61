/**
 * Why a seal token was refused by the pure checks of docs/design.md §3 steps 1–3, one code per rule, in the
 * order the rules run. The authenticator adds its chain and identity reasons (src/authn/reasons.ts);
 * both end up in the audit log and the `daas_auth_tokenreview_total{result}` metric.
 */
export const TOKEN_REJECT_REASONS = [
  // step 1: the raw string, before any decoding
  'oversize',
  'bad_prefix',
  'bad_segments',
  'bad_base64url',
  // step 2: claims
  'bad_utf8',
  'bad_json',
  'duplicate_key',
  'unknown_claim',
  'missing_claim',
  'bad_claim',
  'bad_version',
  'unknown_audience',
  // `aud` is one of ours, but not the cluster that sent the review (a cross-cluster replay)
  'wrong_cluster',
  'audience_mismatch',
  'not_yet_valid',
  'expired',
  'bad_lifetime',
  'lifetime_too_long',
  // step 3: signature
  'bad_signature',
  'wrong_signer',
  // zkLogin (alone or in a multisig) is not supported: it needs the chain, and sui-sim cannot verify it
  'zklogin_unsupported',
] as const;

export type TokenRejectReason = (typeof TOKEN_REJECT_REASONS)[number];
