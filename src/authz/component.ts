/**
 * The authorization webhook's state in `serve`: the RevokedSet, sized from the token settings, and
 * the hook the authn component's event follower calls (one follower feeds both, src/authn/component.ts).
 */
import type { ChainEvent } from '../chain/reader.ts';
import { reportRevokedSize } from './metrics.ts';
import { revokeForEvent } from './feed.ts';
import { RevokedSet } from './revoked.ts';

/** kube-apiserver's TokenSuccessCacheTTL: fixed, no flag (k8s.io/kubernetes pkg/kubeapiserver/options). */
export const APISERVER_TOKEN_SUCCESS_CACHE_MS = 10_000;
/** Enough for every revocation of a busy pool within the retention window; the oldest go first past it. */
export const REVOKED_MAX_ENTRIES = 100_000;

export interface RevokedFeed {
  set: RevokedSet;
  onEvent(event: ChainEvent): void;
}

/**
 * Keeps ids for a token's maximum lifetime plus skew plus the apiserver's 10 s: longer than any
 * token minted before the revocation can live, so no cached authentication of it can outlast the entry.
 */
export function createRevokedSet(token: { maxLifetimeSeconds: number; skewSeconds: number }): RevokedFeed {
  const set = new RevokedSet({
    retainMs: (token.maxLifetimeSeconds + token.skewSeconds) * 1000 + APISERVER_TOKEN_SUCCESS_CACHE_MS,
    maxEntries: REVOKED_MAX_ENTRIES,
  });
  reportRevokedSize(() => set.size);
  return { set, onEvent: (event) => void revokeForEvent(set, event) };
}
