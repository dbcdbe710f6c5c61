/**
 * The decision cache: positive authentication results under the SHA-256 of the token, alive until
 * min(token exp, ttl). Revocation must bite at once, so every entry is indexed by the seal token,
 * stake record and node it depends on, and `drop*` removes the affected entries immediately.
 *
 * A read that started before a revocation must not re-insert a stale "yes" after it: `begin()` hands
 * out a ticket (a sequence number), each drop records the sequence at which it happened per id, and
 * `set` refuses an entry one of whose ids was dropped after the ticket was taken. A ticket is taken
 * when a request starts, but the chain reader coalesces reads: a request that starts after a
 * StakeSlashed drop can join a fetch that began before the slash and still answer with the
 * pre-slash record. So `set` also refuses an entry whose stake record or SealToken was dropped less
 * than `readRaceMs` ago — longer than any chain read can be in flight — whatever its ticket.
 *
 * One staker may hold at most `maxEntriesPerIdentity` entries (by `sub`): minting token after token
 * evicts that staker's own oldest entry instead of filling the cache for everyone.
 */
import NodeCache from 'node-cache';
import type { SealClaims } from '../token/claims.ts';
import type { Identity } from './identity.ts';

export interface CachedDecision {
  /** Unix seconds after which the entry is void (set by the cache: min(exp, now + ttl)). */
  expiresAt?: number;
  claims: SealClaims;
  identity: Identity;
  sealToken: string;
  stakeRecord: string;
  /** The SealToken's expiry epoch: the entry is void from that epoch on. */
  expiresEpoch: bigint;
}

export interface DecisionCacheOptions {
  /** Upper bound on an entry's life, seconds. */
  ttlSeconds: number;
  /** Most entries held; further decisions are simply not cached. */
  maxEntries: number;
  /** Most entries per signer address (`sub`); past it the signer's oldest entry goes. Default 64. */
  maxEntriesPerIdentity?: number;
  /** Longest a chain read can be in flight, ms: a drop younger than this blocks caching. Default 30 s. */
  readRaceMs?: number;
  /** Clock, unix seconds (tests pass a fake). */
  now?: () => number;
}

type IndexName = 'record' | 'token' | 'node' | 'sub';
/** How long a drop is remembered for racing reads; far longer than any chain read may take. */
const DROP_MEMORY_MS = 5 * 60_000;

export class DecisionCache {
  readonly #cache: NodeCache;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #index: Record<IndexName, Map<string, Set<string>>> = { record: new Map(), token: new Map(), node: new Map(), sub: new Map() };
  readonly #perIdentity: number;
  readonly #readRaceMs: number;
  readonly #dropped = new Map<string, { seq: number; at: number }>();
  #seq = 0;
  #clearedAt = -1;

  constructor(options: DecisionCacheOptions) {
    this.#ttl = options.ttlSeconds;
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#perIdentity = options.maxEntriesPerIdentity ?? 64;
    this.#readRaceMs = Math.min(options.readRaceMs ?? 30_000, DROP_MEMORY_MS);
    this.#cache = new NodeCache({ useClones: false, checkperiod: 60, maxKeys: options.maxEntries });
    // Expired and deleted entries leave the indexes too.
    this.#cache.on('del', (key: string, value: CachedDecision) => this.#unindex(key, value));
    this.#cache.on('expired', (key: string, value: CachedDecision) => this.#unindex(key, value));
  }

  get size(): number {
    return this.#cache.getStats().keys; // O(1); keys().length copies every key
  }

  /** The live entry for a token digest. Expiry is checked against our clock here; node-cache's own
   * timer only reclaims memory. */
  get(digest: string): CachedDecision | undefined {
    const entry = this.#cache.get<CachedDecision>(digest);
    if (entry && (entry.expiresAt ?? 0) <= this.#now()) {
      this.#cache.del(digest);
      return undefined;
    }
    return entry;
  }

  /** A ticket for a decision about to be computed; pass it to `set`. */
  begin(): number {
    return this.#seq;
  }

  /**
   * Caches a decision unless it is already expired, or one of its ids was dropped since `ticket` or
   * within the last readRaceMs (the read may have joined a fetch older than the drop).
   */
  set(digest: string, decision: CachedDecision, ticket: number): boolean {
    if (this.#droppedSince(decision, ticket)) return false;
    const now = this.#now();
    const ttl = Math.min(this.#ttl, decision.claims.exp - now);
    if (ttl <= 0) return false;
    this.#makeRoomFor(decision.claims.sub, digest);
    try {
      this.#cache.set(digest, { ...decision, expiresAt: now + ttl }, Math.ceil(ttl));
    } catch {
      return false; // full: serve uncached rather than evict arbitrarily
    }
    for (const [name, id] of this.#ids(decision)) this.#indexSet(name, id).add(digest);
    return true;
  }

  dropRecord(recordId: string): number {
    return this.#drop('record', recordId);
  }

  dropToken(tokenId: string): number {
    return this.#drop('token', tokenId);
  }

  dropNode(nodeName: string): number {
    return this.#drop('node', nodeName);
  }

  clear(): void {
    this.#clearedAt = ++this.#seq;
    this.#cache.flushAll();
    for (const index of Object.values(this.#index)) index.clear();
  }

  close(): void {
    this.#cache.close();
  }

  #drop(name: IndexName, id: string): number {
    const seq = ++this.#seq;
    const at = Date.now();
    this.#dropped.set(`${name}:${id}`, { seq, at });
    for (const [key, value] of this.#dropped) if (at - value.at > DROP_MEMORY_MS) this.#dropped.delete(key);
    const digests = [...(this.#index[name].get(id) ?? [])];
    return this.#cache.del(digests);
  }

  #droppedSince(decision: CachedDecision, ticket: number): boolean {
    if (this.#clearedAt > ticket) return true;
    const raceFrom = Date.now() - this.#readRaceMs;
    return this.#ids(decision).some(([name, id]) => {
      const drop = this.#dropped.get(`${name}:${id}`);
      // Node drops come from the SealBinding index, read synchronously: no fetch to race with.
      return drop !== undefined && (drop.seq > ticket || (name !== 'node' && drop.at > raceFrom));
    });
  }

  /** Keeps one signer below its share: its oldest entry (Sets iterate in insertion order) goes first. */
  #makeRoomFor(sub: string, digest: string): void {
    const mine = this.#index.sub.get(sub);
    if (!mine || mine.has(digest)) return;
    while (mine.size >= this.#perIdentity) {
      const oldest = mine.values().next().value!;
      mine.delete(oldest);
      this.#cache.del(oldest);
    }
  }

  #ids(decision: CachedDecision): Array<[IndexName, string]> {
    const ids: Array<[IndexName, string]> = [
      ['record', decision.stakeRecord],
      ['token', decision.sealToken],
    ];
    if (decision.claims.node !== undefined) ids.push(['node', decision.claims.node]);
    ids.push(['sub', decision.claims.sub]);
    return ids;
  }

  #indexSet(name: IndexName, id: string): Set<string> {
    let set = this.#index[name].get(id);
    if (!set) this.#index[name].set(id, (set = new Set()));
    return set;
  }

  #unindex(digest: string, decision: CachedDecision): void {
    for (const [name, id] of this.#ids(decision)) {
      const set = this.#index[name].get(id);
      set?.delete(digest);
      if (set?.size === 0) this.#index[name].delete(id);
    }
  }
}
