/**
 * One audit line per authentication decision: who (identity, tier), which token (short hash only),
 * what was decided and why (the reason code). The token itself is never passed in.
 */
import type { Logger } from './index.ts';

export interface TokenReviewAudit {
  /** tokenHash() of the bearer token, or undefined when the body had none. */
  tokenHash?: string;
  apiVersion?: string;
  /** `authenticated`, a refusal reason, `chain_unavailable` or `bad_request`. */
  result: string;
  authenticated: boolean;
  cached?: boolean;
  username?: string;
  groups?: string[];
  tier?: string;
  /** Public claim values (addresses and object ids are public on chain). */
  sub?: string;
  tok?: string;
  aud?: string;
  node?: string;
  error?: string;
  /** The TokenReview's spec.audiences. */
  audiences?: string[];
  seconds: number;
  remote?: string;
  /** Common name of the verified client certificate (kube-apiserver's), when one was presented. */
  clientCn?: string;
}

export function auditTokenReview(logger: Logger, entry: TokenReviewAudit): void {
  const level = entry.result === 'chain_unavailable' ? 'warn' : 'info';
  logger.log(level, 'tokenreview', { audit: 'tokenreview', ...entry });
}
