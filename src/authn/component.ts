/**
 * The TokenReview webhook as a `serve` component: builds the Authenticator from config, follows
 * revocation events from now on, and mounts POST /authenticate and the authorization webhook
 * POST /authorize (src/authz) that the same events feed.
 */
import type { ServeComponent } from '../server/serve.ts';
import { AUTHENTICATE_PATH, createTokenReviewHandler } from '../server/authenticate.ts';
import { ClusterResolver } from '../server/cluster-of.ts';
import { auditLogFor } from '../log/audit.ts';
import { recordCacheLookup, cacheDrops, reportCacheSize } from './metrics.ts';
import { Authenticator } from './authenticator.ts';
import { describeHealthChange } from './bindings.ts';
import { REVOCATION_EVENTS, watchRevocations } from './revocation.ts';
import { createRevokedSet } from '../authz/component.ts';
import { createAuthorizeRouter } from '../server/authorize.ts';

export const authnComponent: ServeComponent = {
  name: 'authn',
  async start({ config, logger, reader, bindings, onEpoch }) {
    const authenticator = new Authenticator({
      chain: reader,
      bindings,
      clusters: config.clusters,
      tiers: config.tiers,
      skewSeconds: config.token.skewSeconds,
      maxLifetimeSeconds: config.token.maxLifetimeSeconds,
      cacheTtlSeconds: config.cache.ttlSeconds,
      cacheMaxEntries: config.cache.maxEntries,
      cacheMaxEntriesPerIdentity: config.cache.maxEntriesPerIdentity,
      // A coalesced read may have started this long before the request that joined it (failover
      // tries each endpoint in turn, each with the per-call deadline).
      readRaceMs: reader.client.endpoints.length * config.network.timeoutMs + 1_000,
      onCacheLookup: recordCacheLookup,
    });
    onEpoch((epoch) => authenticator.observeEpoch(epoch));
    // Node tokens are refused while the SealBinding index may be out of date (bindings.ts): say when.
    const unwatchBindingHealth = bindings.onHealthChange?.((change) => {
      const { level, message, meta } = describeHealthChange(change);
      logger.log(level, message, meta);
    });
    reportCacheSize(() => authenticator.cache.size);
    const audit = auditLogFor(logger);
    // Follow from now on: the cache starts empty, so older events cannot matter. If the chain is
    // down at start, follow from the beginning instead of not at all.
    const after = await reader.latestEventCursor([...REVOCATION_EVENTS]).catch(() => null);
    // The authorization webhook (POST /authorize) denies what these same events revoke: one follower feeds both.
    const revoked = createRevokedSet(config.token);
    const watch = watchRevocations({
      cache: authenticator.cache,
      followEvents: (opts) => reader.followEvents(opts),
      after,
      bindings,
      pollMs: config.network.eventPollMs,
      onDrop: (cause, dropped) => {
        cacheDrops.inc({ cause }, dropped);
        if (dropped > 0) logger.info('revocation dropped cached identities', { cause, dropped });
      },
      onEvent: revoked.onEvent,
      onError: (error) => logger.warn('revocation event follower: chain read failed; retrying', { error: String(error) }),
    });
    // POST /authenticate and /authenticate/<cluster id>: each review is placed with the cluster that sent it.
    const clusters = new ClusterResolver(AUTHENTICATE_PATH, config.clusters);
    const handler = createTokenReviewHandler({ authenticator, logger, audit, clusters });
    return {
      fastRoutes: Object.fromEntries(clusters.paths.map((path) => [path, handler])),
      routers: [createAuthorizeRouter({ revoked: revoked.set, bindings, logger })],
      stop: async () => {
        await watch.stop();
        unwatchBindingHealth?.();
        authenticator.close();
        audit.flush();
      },
    };
  },
};
