/**
 * A token bucket per client address for the admission endpoints: each answer may cost the server a
 * Node GET, a SubjectAccessReview and chain reads, so one caller must not be able to turn the webhook
 * into a load amplifier. Over the limit → 429 with Retry-After (kube-apiserver then applies the
 * webhook's failurePolicy: Fail, so nothing is admitted unchecked).
 */
import type { AdmissionRateLimit } from '../config/admission.ts';

/** Buckets kept at most; the least recently used address is forgotten first (a full bucket again). */
const MAX_CLIENTS = 4096;

interface Bucket {
  tokens: number;
  at: number;
}

export class AdmissionRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: AdmissionRateLimit;
  readonly #now: () => number;

  constructor(limit: AdmissionRateLimit, now: () => number = () => performance.now()) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Takes one token for `client`: 0 when allowed, else the seconds until one is free. */
  take(client: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(client) ?? { tokens: this.#limit.burst, at: now };
    this.#buckets.delete(client); // re-inserted last: Map order is the LRU order
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#limit.perSecond);
    bucket.at = now;
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > MAX_CLIENTS) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#limit.perSecond));
  }
}
