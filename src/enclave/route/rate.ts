/**
 * A token bucket for GET /attestation: every document costs an NSM call and a P-384 signature, and
 * the route needs no credentials, so it is bounded process-wide (per-caller limits would be spent
 * by anyone who can open connections from many addresses). Pure: the clock is passed in.
 */
export class AttestationRateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(perMinute: number, nowMs: number) {
    this.#capacity = perMinute;
    this.#perMs = perMinute / 60_000;
    this.#tokens = perMinute;
    this.#at = nowMs;
  }

  /** Takes one token; returns 0 when allowed, else the whole seconds until the next token. */
  take(nowMs: number): number {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (nowMs - this.#at) * this.#perMs);
    this.#at = nowMs;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs / 1000));
  }
}
