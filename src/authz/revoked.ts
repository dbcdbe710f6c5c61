/**
 * The ids (StakeRecord and SealToken object ids) revoked on chain recently: what the authorization
 * webhook denies while kube-apiserver may still hold a successful authentication of them in its own
 * cache (a fixed 10 s, TokenSuccessCacheTTL). Fed by the same event follower that drops the authn
 * decision cache (src/authn/revocation.ts); no I/O here.
 *
 * An id is kept `retainMs` after the event was seen — at least a token's maximum lifetime plus skew
 * plus the apiserver's 10 s — and the set holds at most `maxEntries` ids; past that the oldest go
 * first (a flood of revocations forgets the oldest, which the apiserver's cache has long dropped).
 */

export interface RevokedSetOptions {
  retainMs: number;
  maxEntries: number;
  now?: () => number;
}

export class RevokedSet {
  /** id → when and why it was revoked; Map keeps insertion order, so the first entries are the oldest. */
  readonly #revoked = new Map<string, { at: number; cause: string }>();
  readonly #retainMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: RevokedSetOptions) {
    if (!(options.retainMs > 0) || !(options.maxEntries > 0)) throw new Error('RevokedSet: retainMs and maxEntries must be positive');
    this.#retainMs = options.retainMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Marks `id` revoked from now on, for `cause` (the chain event's name); a repeat refreshes it. */
  add(id: string, cause: string): void {
    if (id === '') return;
    this.#revoked.delete(id);
    this.#revoked.set(id, { at: this.#now(), cause });
    this.#prune();
  }

  /** Why `id` was revoked, if it was within the retention window. */
  causeOf(id: string): string | undefined {
    const entry = this.#revoked.get(id);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.at < this.#retainMs) return entry.cause;
    this.#revoked.delete(id);
    return undefined;
  }

  get size(): number {
    return this.#revoked.size;
  }

  #prune(): void {
    const cutoff = this.#now() - this.#retainMs;
    for (const [id, { at }] of this.#revoked) {
      if (at > cutoff && this.#revoked.size <= this.#maxEntries) break;
      this.#revoked.delete(id);
    }
  }
}
