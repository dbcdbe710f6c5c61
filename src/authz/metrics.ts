/** Metrics of the authorization webhook (POST /authorize) and its set of revoked ids. */
import { counter, gauge, histogram } from '../metrics/define.ts';

/** `result` is an AuthorizeResult (src/authz/decision.ts) or `bad_request`. */
export const authorizeTotal = counter({
  name: 'authorize_total',
  help: 'SubjectAccessReviews answered, by result (denied_stake_revoked, denied_token_revoked, denied_binding_ended, no_opinion, bad_request)',
  labelNames: ['result'] as const,
});

export const authorizeSeconds = histogram({
  name: 'authorize_duration_seconds',
  help: 'Time to answer a SubjectAccessReview',
});

let revokedSize: (() => number) | undefined;

export const revokedIds = gauge({
  name: 'authorize_revoked_ids',
  help: 'Stake record and SealToken ids the authorization webhook currently denies',
  collect() {
    if (revokedSize) this.set(revokedSize());
  },
});

/** Where authorize_revoked_ids reads its value from at scrape time. */
export function reportRevokedSize(source: () => number): void {
  revokedSize = source;
}
