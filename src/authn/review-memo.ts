/**
 * The parsed form of recently answered TokenReview bodies, keyed by the exact body text.
 *
 * kube-apiserver sends byte-identical bodies for the same token and audiences, so on the warm path
 * the strict JSON parse, the field-by-field validation and the token's SHA-256 can be skipped:
 * identical text parses identically, so nothing about strictness changes. The memo never decides
 * anything: each review still asks the authenticator (cache, clock, epoch, audiences, bindings).
 *
 * Only bodies whose token was an authenticated cache hit are remembered (junk cannot fill it), an
 * entry is dropped as soon as its token stops being one, and size is bounded in entries and in the
 * characters of each body, so at most maxEntries × maxBodyChars characters of bearer tokens are
 * held — the same tokens the decision cache already vouches for.
 */
import type { TokenReviewApiVersion } from '../k8s/tokenreview.ts';

export interface ParsedReview {
  apiVersion: TokenReviewApiVersion;
  spec: { token: string; audiences?: string[] };
}

export interface MemoEntry {
  review: ParsedReview;
  /** tokenDigest(review.spec.token): the decision cache's key. */
  digest: string;
}

export interface ReviewMemoOptions {
  maxEntries: number;
  /** Longer bodies are never remembered (a normal TokenReview body is about 1 KiB). */
  maxBodyChars: number;
}

export const DEFAULT_REVIEW_MEMO: ReviewMemoOptions = { maxEntries: 4096, maxBodyChars: 4096 };

export class ReviewMemo {
  readonly #entries = new Map<string, MemoEntry>();
  readonly #options: ReviewMemoOptions;

  constructor(options: ReviewMemoOptions = DEFAULT_REVIEW_MEMO) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(body: string): MemoEntry | undefined {
    return this.#entries.get(body);
  }

  remember(body: string, entry: MemoEntry): void {
    if (this.#options.maxEntries <= 0 || body.length > this.#options.maxBodyChars) return;
    if (this.#entries.size >= this.#options.maxEntries) {
      // Oldest first (a Map iterates in insertion order): cheap, and a hot body is simply re-added.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(body, entry);
  }

  forget(body: string): void {
    this.#entries.delete(body);
  }

  clear(): void {
    this.#entries.clear();
  }
}
