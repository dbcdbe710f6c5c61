/** Metrics of the TokenReview webhook and its decision cache. */
import { counter, gauge, histogram } from '../metrics/define.ts';

/** `result` is `authenticated`, `chain_unavailable`, `bad_request` or a refusal reason code. */
export const tokenReviewTotal = counter({
  name: 'tokenreview_total',
  help: 'TokenReviews answered, by result (authenticated, a refusal reason, chain_unavailable, bad_request)',
  labelNames: ['result'] as const,
});

/** `result` here is coarse (authenticated | refused | error) to keep the histogram small. */
export const tokenReviewSeconds = histogram({
  name: 'tokenreview_duration_seconds',
  help: 'Time to answer a TokenReview, by coarse result',
  labelNames: ['result'] as const,
});

export const cacheHits = counter({
  name: 'cache_hits_total',
  help: 'Decision cache lookups that found a cached identity',
});

export const cacheMisses = counter({
  name: 'cache_misses_total',
  help: 'Decision cache lookups that found nothing',
});

let cacheSize: (() => number) | undefined;

/** Read at scrape time (see reportCacheSize), not kept up to date on the request path. */
export const cacheEntries = gauge({
  name: 'cache_entries',
  help: 'Identities currently held in the decision cache',
  collect() {
    if (cacheSize) this.set(cacheSize());
  },
});

/** Where cache_entries reads its value from at scrape time. */
export function reportCacheSize(source: () => number): void {
  cacheSize = source;
}

export const cacheDrops = counter({
  name: 'cache_drops_total',
  help: 'Cached identities dropped by revocation, by cause (chain event name or SealBindingChanged)',
  labelNames: ['cause'] as const,
});

export function coarseResult(result: string): 'authenticated' | 'refused' | 'error' {
  if (result === 'authenticated') return 'authenticated';
  return result === 'chain_unavailable' || result === 'bad_request' ? 'error' : 'refused';
}

/** Pass as the Authenticator's `onCacheLookup`. */
export function recordCacheLookup(hit: boolean): void {
  (hit ? cacheHits : cacheMisses).inc();
}
