/**
 * The parsed form of recently answered TokenReview bodies, keyed by the body's exact bytes.
 *
 * kube-apiserver sends byte-identical bodies for the same token and audiences, so on the warm path
 * the UTF-8 decoding, the strict JSON parse, the field-by-field validation and the token's SHA-256
 * can be skipped: identical bytes parse identically, so nothing about strictness changes. The memo
 * never decides anything: each review still asks the authenticator (cache, clock, epoch, audiences,
 * bindings).
 *
 * Lookups go by a fingerprint of the bytes (their length and words sampled across them) and are
 * confirmed by comparing every byte with the remembered body, so two bodies that share a fingerprint
 * only ever miss — never answer for each other. Fingerprinting instead of hashing the whole body is
 * what makes the lookup cheaper than the parse it saves: hashing a ~1 KiB body as a string key cost
 * about as much as a fifth of the rest of a warm review (bench/tokenreview, docs/benchmarks.md).
 *
 * Only bodies whose token was an authenticated cache hit are remembered (junk cannot fill it), an
 * entry is dropped as soon as its token stops being one, and size is bounded in entries and in the
 * bytes of each body, so at most maxEntries × maxBodyBytes bytes of bearer tokens are held — the
 * same tokens the decision cache already vouches for.
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
  /** Its answer and audit fields once authenticated from the cache (answer-text.ts). */
  warm?: WarmText;
}

/** A warm review's answer and audit fields, for one remembered body and one cached identity (made by answer-text.ts). */
export interface WarmText {
  /** The identity object they were made for: a new one (re-cached token) makes them anew. */
  user: object;
  audiences: readonly string[];
  response: string;
  responseBytes: number;
  /** The audit line's fields before `seconds` (log/audit.ts reviewFields). */
  auditFields: string;
}

export interface ReviewMemoOptions {
  maxEntries: number;
  /** Longer bodies are never remembered (a normal TokenReview body is about 1 KiB). */
  maxBodyBytes: number;
}

export const DEFAULT_REVIEW_MEMO: ReviewMemoOptions = { maxEntries: 4096, maxBodyBytes: 4096 };

interface Remembered extends MemoEntry {
  /** A private copy of the body: the caller's buffer may be reused. */
  bytes: Buffer;
}

/** 32-bit words read from the body, spread evenly over it; two bearer tokens differ in many of them. */
const SAMPLES = 32;

export class ReviewMemo {
  readonly #entries = new Map<number, Remembered>();
  readonly #options: ReviewMemoOptions;

  constructor(options: ReviewMemoOptions = DEFAULT_REVIEW_MEMO) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(body: Buffer): MemoEntry | undefined {
    const entry = this.#entries.get(fingerprint(body));
    return entry !== undefined && entry.bytes.equals(body) ? entry : undefined;
  }

  remember(body: Buffer, entry: MemoEntry): void {
    if (this.#options.maxEntries <= 0 || body.length > this.#options.maxBodyBytes) return;
    const key = fingerprint(body);
    // A body sharing the fingerprint of another takes its place (the other then misses, nothing worse).
    this.#entries.delete(key);
    if (this.#entries.size >= this.#options.maxEntries) {
      // Oldest first (a Map iterates in insertion order): cheap, and a hot body is simply re-added.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { ...entry, bytes: Buffer.from(body) });
  }

  forget(body: Buffer): void {
    const key = fingerprint(body);
    if (this.#entries.get(key)?.bytes.equals(body)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The length and SAMPLES words at evenly spaced offsets, mixed into a 31-bit integer (a cheap Map key). */
export function fingerprint(body: Buffer): number {
  const length = body.length;
  let hash = Math.imul(length ^ 0x9e3779b9, 0x85ebca6b);
  if (length >= 4) {
    const last = length - 4;
    for (let i = 0; i < SAMPLES; i++) {
      const offset = Math.floor((last * i) / (SAMPLES - 1));
      hash = Math.imul(hash ^ body.readInt32LE(offset), 0x27d4eb2d);
      hash ^= hash >>> 15;
    }
  } else {
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ body[i]!, 0x27d4eb2d);
  }
  return hash >>> 1;
}
