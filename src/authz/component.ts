/**
 * The authorization webhook (POST /authorize) as a `serve` component: a RevokedSet, sized from the
 * token settings, fed by the process's chain event feed (the same feed the authn cache follows), and
 * the router that denies what it holds.
 */
import type { ChainEvent } from '../chain/reader.ts';
import type { EventFeed } from '../feeds/events.ts';
import { reportRevokedSize } from './metrics.ts';
import type { ServeComponent } from '../server/types.ts';
import { REVOKING_EVENTS, revokeForEvent } from './feed.ts';
import { RevokedSet } from './revoked.ts';
import { createAuthorizeRouter } from './router.ts';

/** kube-apiserver's TokenSuccessCacheTTL: fixed, no flag (k8s.io/kubernetes pkg/kubeapiserver/options). */
export const APISERVER_TOKEN_SUCCESS_CACHE_MS = 10_000;
/** Enough for every revocation of a busy pool within the retention window; the oldest go first past it. */
export const REVOKED_MAX_ENTRIES = 100_000;

export interface RevokedFeed {
  set: RevokedSet;
  onEvent(event: ChainEvent): void;
  /** Stops following the feed (when given one). */
  stop(): void;
}

/**
 * Keeps ids for a token's maximum lifetime plus skew plus the apiserver's 10 s: longer than any
 * token minted before the revocation can live, so no cached authentication of it can outlast the entry.
 * With `events`, follows the revocations on it from now on.
 */
export function createRevokedSet(token: { maxLifetimeSeconds: number; skewSeconds: number }, events?: EventFeed): RevokedFeed {
  const set = new RevokedSet({
    retainMs: (token.maxLifetimeSeconds + token.skewSeconds) * 1000 + APISERVER_TOKEN_SUCCESS_CACHE_MS,
    maxEntries: REVOKED_MAX_ENTRIES,
  });
  reportRevokedSize(() => set.size);
  const onEvent = (event: ChainEvent): void => void revokeForEvent(set, event);
  const unfollow = events?.subscribe(REVOKING_EVENTS, onEvent);
  return { set, onEvent, stop: () => unfollow?.() };
}

export const authzComponent: ServeComponent = {
  name: 'authz',
  async start({ config, logger, feeds }) {
    const revoked = createRevokedSet(config.token, feeds.events);
    return { routers: [createAuthorizeRouter({ revoked: revoked.set, bindings: feeds.bindings, logger })], stop: () => revoked.stop() };
  },
};
