/**
 * Per-client rate limit of the webhook paths (issue 9 item 7): a token bucket per client — the
 * verified client certificate's subject CN, else the remote address — refilled at `perSecond` up to
 * `burst`. Over the limit a request gets 429 with Retry-After, before its body is read.
 *
 * The bucket is looked up once per TLS connection (a WeakMap on the socket), so the warm TokenReview
 * path pays a lookup and a little arithmetic, no allocation. Buckets of clients not seen for a minute
 * are swept, so spoofed source addresses cannot grow the table without bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { peerOf } from './peer.ts';

export interface RateLimitOptions {
  /** Sustained requests per second per client; 0 turns the limit off. */
  perSecond: number;
  /** Requests a client may send at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill. */
  at: number;
}

const IDLE_MS = 60_000;

export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #bySocket = new WeakMap<object, Bucket>();
  #sweptAt = 0;

  constructor(options: RateLimitOptions) {
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
  }

  get enabled(): boolean {
    return this.#perMs > 0;
  }

  /** Takes one request's token for the client of `socket`; false when it has none left. */
  take(socket: TLSSocket, now = performance.now()): boolean {
    if (this.#perMs <= 0) return true;
    let bucket = this.#bySocket.get(socket);
    if (!bucket) this.#bySocket.set(socket, (bucket = this.#bucketFor(clientKey(socket), now)));
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until the client of `socket` has a token again (for Retry-After). */
  retryAfterSeconds(socket: TLSSocket): number {
    const bucket = this.#bySocket.get(socket);
    const missing = bucket ? 1 - bucket.tokens : 0;
    return Math.max(1, Math.ceil(missing / this.#perMs / 1000));
  }

  #bucketFor(key: string, now: number): Bucket {
    if (now - this.#sweptAt > IDLE_MS) {
      this.#sweptAt = now;
      for (const [k, b] of this.#buckets) if (now - b.at > IDLE_MS) this.#buckets.delete(k);
    }
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = { tokens: this.#burst, at: now }));
    return bucket;
  }
}

function clientKey(socket: TLSSocket): string {
  const { clientCn, remote } = peerOf(socket);
  return clientCn !== undefined ? `cn:${clientCn}` : `ip:${remote ?? ''}`;
}

/** Answers 429 when the client is over its limit; true when the request may go on. */
export function admitRequest(limiter: RateLimiter | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  if (!limiter || limiter.take(req.socket as TLSSocket)) return true;
  const body = '{"error":"too many requests"}';
  res.writeHead(429, { 'content-type': 'application/json', 'content-length': body.length, 'retry-after': String(limiter.retryAfterSeconds(req.socket as TLSSocket)) });
  res.end(body);
  req.resume();
  return false;
}
