/** Metrics of the authorization webhook (POST /authorize) and its set of revoked ids. */
import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, registry } from './registry.ts';

/** `result` is an AuthorizeResult (src/authz/decision.ts) or `bad_request`. */
export const authorizeTotal = new Counter({
  name: `${METRIC_PREFIX}authorize_total`,
  help: 'SubjectAccessReviews answered, by result (denied_stake_revoked, denied_token_revoked, denied_binding_ended, no_opinion, bad_request)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const authorizeSeconds = new Histogram({
  name: `${METRIC_PREFIX}authorize_duration_seconds`,
  help: 'Time to answer a SubjectAccessReview',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

let revokedSize: (() => number) | undefined;

export const revokedIds = new Gauge({
  name: `${METRIC_PREFIX}authorize_revoked_ids`,
  help: 'Stake record and SealToken ids the authorization webhook currently denies',
  registers: [registry],
  collect() {
    if (revokedSize) this.set(revokedSize());
  },
});

/** Where authorize_revoked_ids reads its value from at scrape time. */
export function reportRevokedSize(source: () => number): void {
  revokedSize = source;
}
