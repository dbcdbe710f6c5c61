/**
 * The webhook under test, as serve.ts builds it: Authenticator (audit log and metrics on, as in
 * production) over an in-memory chain holding the fixture's stakes, so the numbers are the webhook's
 * own cost, not a full node's round trip. Shared by authn-server.ts (over HTTPS) and in-process.ts.
 */
import type { Writable } from 'node:stream';
import { Authenticator } from '../../src/authn/authenticator.ts';
import { BindingIndex } from '../../src/feeds/bindings.ts';
import { DEFAULT_TIERS, validateTiers } from '../../src/policy/tiers.ts';
import { createAuditLog } from '../../src/log/audit.ts';
import { createLogger } from '../../src/log/index.ts';
import { recordCacheLookup } from '../../src/authn/metrics.ts';
import { AUTHENTICATE_PATH, tokenReviewRoutes } from '../../src/authn/authenticate.ts';
import type { FastRoute } from '../../src/server/index.ts';
import { ClusterResolver } from '../../src/authn/cluster-of.ts';
import { MemoryChain, type Fixture } from './fixture.ts';

/** The fast route of POST /authenticate, as the authn component hands it to the host. */
export function benchRoute(fixture: Fixture, cacheTtlSeconds: number, auditStream: Writable): FastRoute {
  const clusters = [{ id: fixture.cluster, apiAudiences: [fixture.apiAudience] }];
  const authenticator = new Authenticator({
    chain: new MemoryChain(fixture),
    bindings: new BindingIndex(),
    clusters,
    tiers: validateTiers(DEFAULT_TIERS),
    skewSeconds: 60,
    maxLifetimeSeconds: 900,
    cacheTtlSeconds,
    cacheMaxEntries: 100_000,
    onCacheLookup: recordCacheLookup,
  });
  // As the authn component mounts it: each review placed with its cluster (cluster-of.ts).
  return tokenReviewRoutes({ authenticator, logger: createLogger(), audit: createAuditLog(auditStream), clusters: new ClusterResolver(AUTHENTICATE_PATH, clusters) })[AUTHENTICATE_PATH]!;
}
