/**
 * The authenticator: bearer token in, decision out. Pure token checks (src/token), then the chain
 * (batched, coalesced reads), then identity mapping and the final `system:` guard; positive
 * decisions are cached by token digest and re-checked cheaply (audience, time, binding) on a hit.
 *
 * Every failure to reach the chain is a transient "could not check" (never cached); everything else
 * is a definitive refusal with a reason code. Nothing here throws for bad input.
 */
import type { SealTokenView, StakeRecordView } from '../chain/objects.ts';
import { bindingAuthorizesNode } from '../k8s/sealbinding.ts';
import type { UserInfo } from '../k8s/tokenreview.ts';
import type { SealClaims } from '../token/claims.ts';
import { tokenDigest } from '../token/hash.ts';
import type { TokenRejectReason } from '../token/reasons.ts';
import { checkAudience, checkTimes, verifySealToken, type ClusterAudience } from '../token/verify.ts';
import type { BindingSource } from '../feeds/bindings.ts';
import { DecisionCache, type CachedDecision } from './cache.ts';
import { checkChainState, guardIdentity, nodeIdentity, userIdentity, type Identity, type IdentityResult } from './identity.ts';
import { TRANSIENT_RESULT, type AuthnRejectReason } from './reasons.ts';
import type { Tier } from '../policy/tiers.ts';

/**
 * What the authenticator needs of src/chain's ChainReader (which satisfies it). The reader batches
 * (≤ 50 ids a call) and coalesces concurrent reads of one id; it answers null for an object that is
 * absent or not of our package, and throws ChainUnavailableError when no endpoint answers.
 */
export interface AuthnChain {
  getSealTokens(ids: Iterable<string>): Promise<Map<string, SealTokenView | null>>;
  getStakeRecords(ids: Iterable<string>): Promise<Map<string, StakeRecordView | null>>;
  getEpoch(): Promise<bigint>;
}

export interface AuthenticatorOptions {
  chain: AuthnChain;
  bindings: BindingSource;
  clusters: readonly ClusterAudience[];
  /** Sorted ascending (validateTiers). */
  tiers: readonly Tier[];
  skewSeconds: number;
  maxLifetimeSeconds: number;
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  /** Most cached entries per signer address (default 64: DecisionCache). */
  cacheMaxEntriesPerIdentity?: number;
  /** Longest a chain read can be in flight, ms (DecisionCache.readRaceMs). */
  readRaceMs?: number;
  /** Unix seconds (tests pass a fake clock). */
  now?: () => number;
  /** Called for each cache lookup (metrics). */
  onCacheLookup?: (hit: boolean) => void;
}

export type RejectReason = TokenRejectReason | AuthnRejectReason;

export type Decision = (
  | { authenticated: true; user: UserInfo; audiences: string[]; identity: Identity; claims: SealClaims; cached: boolean }
  | { authenticated: false; reason: RejectReason; claims?: SealClaims; cached: boolean }
  | { authenticated: false; reason: typeof TRANSIENT_RESULT; error: string; claims?: SealClaims; cached: false }
) & {
  /** tokenDigest() of the token (the cache key), so callers need not hash it again for logs. */
  digest?: string;
};

export class Authenticator {
  readonly cache: DecisionCache;
  readonly #options: AuthenticatorOptions;
  readonly #now: () => number;
  /** The newest epoch seen from the chain (reads here, or observeEpoch from the readiness probe). */
  #epoch = -1n;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    // Token times are whole seconds; cache lifetimes use the precise clock so an entry never ends early.
    const cacheClock = options.now ?? (() => Date.now() / 1000);
    this.cache = new DecisionCache({
      ttlSeconds: options.cacheTtlSeconds,
      maxEntries: options.cacheMaxEntries,
      now: cacheClock,
      ...(options.cacheMaxEntriesPerIdentity !== undefined ? { maxEntriesPerIdentity: options.cacheMaxEntriesPerIdentity } : {}),
      ...(options.readRaceMs !== undefined ? { readRaceMs: options.readRaceMs } : {}),
    });
  }

  /** `cluster`: the cluster that sent the review (the token's `aud` must be it); default: any of ours. */
  async authenticate(token: string, requestedAudiences?: readonly string[], cluster?: ClusterAudience): Promise<Decision> {
    return this.decide(token, requestedAudiences, undefined, cluster ? [cluster] : undefined);
  }

  /**
   * Like authenticate, but a cache hit is answered synchronously (no promise, no microtask turn):
   * the webhook's warm path. A miss returns the promise of the full check. `digest` is
   * tokenDigest(token) when the caller already has it. `scope` is the cluster that sent the review,
   * as a one-element array the caller keeps (no allocation per request); default: every cluster.
   */
  decide(
    token: string,
    requestedAudiences?: readonly string[],
    digest: string = tokenDigest(token),
    scope: readonly ClusterAudience[] = this.#options.clusters,
  ): Decision | Promise<Decision> {
    const cached = this.#cached(digest, requestedAudiences, scope);
    if (cached) {
      cached.digest = digest;
      return cached;
    }
    return this.#fresh(digest, token, requestedAudiences, scope).then((decision) => {
      decision.digest = digest;
      return decision;
    });
  }

  #cached(digest: string, requested: readonly string[] | undefined, scope: readonly ClusterAudience[]): Decision | undefined {
    const hit = this.cache.get(digest);
    this.#options.onCacheLookup?.(hit !== undefined);
    return hit ? this.#fromCache(hit, requested, scope) : undefined;
  }

  /** An `aud` of ours that is not the reviewing cluster's is a replay from another cluster. */
  #audienceReason(reason: RejectReason, aud: string | undefined, scope: readonly ClusterAudience[]): RejectReason {
    if (reason !== 'unknown_audience' || scope === this.#options.clusters) return reason;
    return this.#options.clusters.some((cluster) => cluster.id === aud) ? 'wrong_cluster' : reason;
  }

  /** Tells the authenticator the chain's current epoch (the readiness probe reads it anyway). */
  observeEpoch(epoch: bigint): void {
    if (epoch > this.#epoch) this.#epoch = epoch;
  }

  close(): void {
    this.cache.close();
  }

  /** A cached identity still has to fit this request's audiences, the clock and (nodes) the binding. */
  #fromCache(hit: CachedDecision, requested: readonly string[] | undefined, scope: readonly ClusterAudience[]): Decision {
    const { claims, identity } = hit;
    const audience = checkAudience(claims.aud, scope, requested);
    if (!audience.ok) return { authenticated: false, reason: this.#audienceReason(audience.reason, claims.aud, scope), claims, cached: true };
    // The entry stays: once the index is current again, the binding check below decides.
    const stale = identity.path === 'node' ? this.#bindingIndexOutage(claims) : undefined;
    if (stale) return stale;
    // Epochs advance without an event: a SealToken that expired since caching is caught here.
    const reason =
      checkTimes(claims, this.#now(), this.#options) ??
      (this.#epoch >= hit.expiresEpoch ? 'seal_token_expired' : null) ??
      (identity.path === 'node' && !this.#nodeStillBound(claims, hit.stakeRecord) ? 'no_active_binding' : null);
    if (reason) {
      this.cache.dropToken(hit.sealToken);
      return { authenticated: false, reason, claims, cached: true };
    }
    return { authenticated: true, user: identity.user, audiences: audience.audiences, identity, claims, cached: true };
  }

  /**
   * While the SealBinding index may be out of date (watch down, not listed yet, silent), no node
   * identity can be vouched for — nor refused for good: "could not check" (not cached by the
   * apiserver), so kubelets are let back in as soon as the relist lands.
   */
  #bindingIndexOutage(claims: SealClaims): Decision | undefined {
    const cause = this.#options.bindings.staleness?.();
    return cause === undefined ? undefined : transient(`SealBinding index may be out of date (${cause})`, claims);
  }

  #nodeStillBound(claims: SealClaims, stakeRecord: string): boolean {
    if (claims.node === undefined) return false;
    const binding = this.#options.bindings.forNode(claims.node);
    return binding !== undefined && bindingAuthorizesNode(binding, { node: claims.node, owner: claims.sub, stakeRecord });
  }

  async #fresh(digest: string, token: string, requested: readonly string[] | undefined, scope: readonly ClusterAudience[]): Promise<Decision> {
    const ticket = this.cache.begin();
    const options = this.#options;
    const verified = await verifySealToken(token, {
      clusters: scope,
      requestedAudiences: requested,
      now: this.#now(),
      skewSeconds: options.skewSeconds,
      maxLifetimeSeconds: options.maxLifetimeSeconds,
    });
    if (!verified.ok) {
      return { authenticated: false, reason: this.#audienceReason(verified.reason, verified.claims?.aud, scope), claims: verified.claims, cached: false };
    }
    const { claims } = verified;
    let views: { token: SealTokenView | null; record: StakeRecordView | null; epoch: bigint };
    try {
      views = await this.#readChain(claims.tok);
    } catch (error) {
      return transient(`chain unavailable: ${(error as Error)?.message ?? String(error)}`, claims);
    }
    const chainReason = checkChainState(claims, views.token, views.record, views.epoch);
    if (chainReason) return { authenticated: false, reason: chainReason, claims, cached: false };
    const stale = claims.node === undefined ? undefined : this.#bindingIndexOutage(claims);
    if (stale) return stale;
    const mapped = this.#identity(claims, views.token!, views.record!);
    if (!mapped.ok) return { authenticated: false, reason: mapped.reason, claims, cached: false };
    const { identity } = mapped;
    this.cache.set(digest, { claims, identity, sealToken: views.token!.id, stakeRecord: views.record!.id, expiresEpoch: views.token!.expiresEpoch }, ticket);
    return { authenticated: true, user: identity.user, audiences: verified.audiences, identity, claims, cached: false };
  }

  async #readChain(tok: string): Promise<{ token: SealTokenView | null; record: StakeRecordView | null; epoch: bigint }> {
    const { chain } = this.#options;
    const [tokens, epoch] = await Promise.all([chain.getSealTokens([tok]), chain.getEpoch()]);
    this.observeEpoch(epoch);
    const token = tokens.get(tok) ?? null;
    const record = token ? ((await chain.getStakeRecords([token.stakeRecord])).get(token.stakeRecord) ?? null) : null;
    return { token, record, epoch };
  }

  #identity(claims: SealClaims, token: SealTokenView, record: StakeRecordView): IdentityResult {
    const mapped =
      claims.node === undefined
        ? userIdentity(claims, token, record, this.#options.tiers)
        : nodeIdentity({ ...claims, node: claims.node }, token, record, this.#options.bindings.forNode(claims.node));
    return mapped.ok ? guardIdentity(mapped.identity, claims) : mapped;
  }
}

function transient(error: string, claims?: SealClaims): Decision {
  return { authenticated: false, reason: TRANSIENT_RESULT, error, ...(claims ? { claims } : {}), cached: false };
}
