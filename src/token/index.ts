/** Seal tokens v1 (docs/design.md §3): making and verifying, pure code. */
export { SEAL_TOKEN_VERSION, CLAIM_KEYS, type SealClaims } from './claims.ts';
export { TOKEN_REJECT_REASONS, type TokenRejectReason } from './reasons.ts';
export { MAX_TOKEN_BYTES, SEAL_TOKEN_PREFIX, parseSealToken, type ParsedSealToken } from './parse.ts';
export {
  checkAudience,
  checkTimes,
  verifySealToken,
  type ClusterAudience,
  type TimePolicy,
  type VerifyOptions,
  type VerifyResult,
} from './verify.ts';
export { makeSealToken, newClaims, type NewClaimsInput, type PersonalMessageSigner } from './make.ts';
export { tokenDigest, tokenHash } from './hash.ts';
export type { SignatureSchemeName } from './signature.ts';
