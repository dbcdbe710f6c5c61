/**
 * Rate limits: one token bucket, used three ways.
 *
 * - The host's per-client limit on the webhook paths (issue 9 item 7): a bucket per client — the
 *   verified client certificate's subject CN, else the remote address — found once per TLS connection
 *   (a WeakMap on the socket), so the warm TokenReview path pays a lookup and a little arithmetic, no
 *   allocation. Over the limit a request gets 429 with Retry-After, before its body is read.
 * - Admission's per-address limit (admission/component.ts): ClientBuckets keyed by address.
 * - The attestation route's process-wide limit (enclave/route): one TokenBucket.
 *
 * ClientBuckets holds at most maxClients buckets and forgets the least recently used first, so spoofed
 * source addresses cannot grow it without bound; a forgotten client comes back with a full bucket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RateLimit } from '../config/rate-limit.ts';
import { peerOf } from './peer.ts';

/** A bucket refilled continuously at `perSecond` up to `burst`, full at first. Pure: the clock (ms) is passed in. */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, nowMs: number) {
    this.#perMs = limit.perSecond / 1000;
    this.#burst = limit.burst;
    this.#tokens = limit.burst;
    this.#at = nowMs;
  }

  /** Takes one token: 0 when there was one, else the whole seconds (at least 1) until there is. */
  take(nowMs: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#at) * this.#perMs);
    this.#at = nowMs;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs / 1000));
  }
}

/** Buckets kept at most by default. */
const MAX_CLIENTS = 4096;

/** A TokenBucket per client key, at most `maxClients` of them (least recently used forgotten first). */
export class ClientBuckets {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #limit: RateLimit;
  readonly #maxClients: number;

  constructor(limit: RateLimit, maxClients = MAX_CLIENTS) {
    this.#limit = limit;
    this.#maxClients = maxClients;
  }

  /** The bucket of `client`, made full if it has none; it becomes the most recently used. */
  bucket(client: string, nowMs: number): TokenBucket {
    let bucket = this.#buckets.get(client);
    if (bucket) this.#buckets.delete(client); // re-inserted last: Map order is the LRU order
    else bucket = new TokenBucket(this.#limit, nowMs);
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    return bucket;
  }

  /** Takes one token for `client`: 0 when allowed, else the seconds until one is free. */
  take(client: string, nowMs: number): number {
    return this.bucket(client, nowMs).take(nowMs);
  }
}

/** The host's per-client limit of the webhook paths; `perSecond` 0 turns it off. */
export class RateLimiter {
  readonly #clients: ClientBuckets | undefined;
  readonly #bySocket = new WeakMap<Socket, TokenBucket>();

  constructor(limit: RateLimit) {
    this.#clients = limit.perSecond > 0 ? new ClientBuckets(limit) : undefined;
  }

  get enabled(): boolean {
    return this.#clients !== undefined;
  }

  /** Takes one request's token for the client of `socket`: 0 when allowed, else seconds to wait. */
  take(socket: Socket, nowMs = performance.now()): number {
    if (!this.#clients) return 0;
    let bucket = this.#bySocket.get(socket);
    if (!bucket) this.#bySocket.set(socket, (bucket = this.#clients.bucket(clientKey(socket), nowMs)));
    return bucket.take(nowMs);
  }
}

function clientKey(socket: Socket): string {
  const { clientCn, remote } = peerOf(socket);
  return clientCn !== undefined ? `cn:${clientCn}` : `ip:${remote ?? ''}`;
}

const TOO_MANY = '{"error":"too many requests"}';

/** Answers 429 when the client is over its limit; true when the request may go on. */
export function admitRequest(limiter: RateLimiter | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  const wait = limiter ? limiter.take(req.socket) : 0;
  if (wait === 0) return true;
  res.writeHead(429, { 'content-type': 'application/json', 'content-length': TOO_MANY.length, 'retry-after': String(wait) });
  res.end(TOO_MANY);
  req.resume();
  return false;
}
