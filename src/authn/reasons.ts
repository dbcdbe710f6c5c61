/**
 * Every outcome code of an authentication decision: the token module's pure reasons plus the chain
 * and identity reasons below. These are the `reason` of audit lines and the `result` label values of
 * daas_auth_tokenreview_total (bounded: one label value per code).
 */
import { TOKEN_REJECT_REASONS } from '../token/reasons.ts';

export const AUTHN_REJECT_REASONS = [
  // docs/design.md §3 step 4: chain
  'seal_token_not_found',
  'not_token_owner',
  'seal_token_expired',
  'stake_record_not_found',
  'not_staker',
  'stake_slashed',
  'stake_withdrawn',
  'stake_unbonding',
  // step 5: identity
  'node_token_without_node_claim',
  'node_claim_mismatch',
  'below_lowest_tier',
  'no_active_binding',
  'binding_mismatch',
  'system_identity_refused',
] as const;

export type AuthnRejectReason = (typeof AUTHN_REJECT_REASONS)[number];

/** Not a verdict: the chain could not be reached. */
export const TRANSIENT_RESULT = 'chain_unavailable';

export const ALL_RESULTS = ['authenticated', TRANSIENT_RESULT, 'bad_request', ...TOKEN_REJECT_REASONS, ...AUTHN_REJECT_REASONS] as const;
