/** Metrics of the TokenReview webhook and its decision cache. */
import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, METRIC_PREFIX, registry } from './registry.ts';

/** `result` is `authenticated`, `chain_unavailable`, `bad_request` or a refusal reason code. */
export const tokenReviewTotal = new Counter({
  name: `${METRIC_PREFIX}tokenreview_total`,
  help: 'TokenReviews answered, by result (authenticated, a refusal reason, chain_unavailable, bad_request)',
  labelNames: ['result'] as const,
  registers: [registry],
});

/** `result` here is coarse (authenticated | refused | error) to keep the histogram small. */
export const tokenReviewSeconds = new Histogram({
  name: `${METRIC_PREFIX}tokenreview_duration_seconds`,
  help: 'Time to answer a TokenReview, by coarse result',
  labelNames: ['result'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const cacheHits = new Counter({
  name: `${METRIC_PREFIX}cache_hits_total`,
  help: 'Decision cache lookups that found a cached identity',
  registers: [registry],
});

export const cacheMisses = new Counter({
  name: `${METRIC_PREFIX}cache_misses_total`,
  help: 'Decision cache lookups that found nothing',
  registers: [registry],
});

let cacheSize: (() => number) | undefined;

/** Read at scrape time (see reportCacheSize), not kept up to date on the request path. */
export const cacheEntries = new Gauge({
  name: `${METRIC_PREFIX}cache_entries`,
  help: 'Identities currently held in the decision cache',
  registers: [registry],
  collect() {
    if (cacheSize) this.set(cacheSize());
  },
});

/** Where cache_entries reads its value from at scrape time. */
export function reportCacheSize(source: () => number): void {
  cacheSize = source;
}

export const cacheDrops = new Counter({
  name: `${METRIC_PREFIX}cache_drops_total`,
  help: 'Cached identities dropped by revocation, by cause (chain event name or SealBindingChanged)',
  labelNames: ['cause'] as const,
  registers: [registry],
});

export function coarseResult(result: string): 'authenticated' | 'refused' | 'error' {
  if (result === 'authenticated') return 'authenticated';
  return result === 'chain_unavailable' || result === 'bad_request' ? 'error' : 'refused';
}

/** Pass as the Authenticator's `onCacheLookup`. */
export function recordCacheLookup(hit: boolean): void {
  (hit ? cacheHits : cacheMisses).inc();
}
