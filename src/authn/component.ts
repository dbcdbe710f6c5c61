/**
 * The TokenReview webhook as a `serve` component: builds the Authenticator from config, drops cached
 * decisions on the revocation events of the process's chain event feed and on SealBinding changes, and
 * mounts POST /authenticate (and /authenticate/<cluster id>) as a fast route of the host.
 */
import type { ServeComponent } from '../server/types.ts';
import { describeHealthChange } from '../feeds/bindings.ts';
import { auditLogFor } from '../log/audit.ts';
import { recordCacheLookup, cacheDrops, reportCacheSize } from './metrics.ts';
import { AUTHENTICATE_PATH, tokenReviewRoutes } from './authenticate.ts';
import { Authenticator } from './authenticator.ts';
import { ClusterResolver } from './cluster-of.ts';
import { watchRevocations } from './revocation.ts';

export const authnComponent: ServeComponent = {
  name: 'authn',
  async start({ config, logger, reader, feeds }) {
    const { bindings } = feeds;
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
    const unwatchEpoch = feeds.epochs.subscribe(({ epoch }) => {
      if (epoch !== undefined) authenticator.observeEpoch(epoch);
    });
    // Node tokens are refused while the SealBinding index may be out of date (bindings.ts): say when.
    const unwatchBindingHealth = bindings.onHealthChange?.((change) => {
      const { level, message, meta } = describeHealthChange(change);
      logger.log(level, message, meta);
    });
    reportCacheSize(() => authenticator.cache.size);
    const audit = auditLogFor(logger);
    const watch = watchRevocations({
      cache: authenticator.cache,
      events: feeds.events,
      bindings,
      onDrop: (cause, dropped) => {
        cacheDrops.inc({ cause }, dropped);
        if (dropped > 0) logger.info('revocation dropped cached identities', { cause, dropped });
      },
    });
    // POST /authenticate and /authenticate/<cluster id>: each review is placed with the cluster that sent it.
    const clusters = new ClusterResolver(AUTHENTICATE_PATH, config.clusters);
    return {
      fastRoutes: tokenReviewRoutes({ authenticator, logger, audit, clusters }),
      stop: async () => {
        await watch.stop();
        unwatchEpoch();
        unwatchBindingHealth?.();
        authenticator.close();
        audit.flush();
      },
    };
  },
};
