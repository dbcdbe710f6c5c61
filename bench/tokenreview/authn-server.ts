/**
 * The webhook under test: the real createApp + POST /authenticate + Authenticator (audit log and
 * metrics on, as in production), over an in-memory chain holding the fixture's stakes so the numbers
 * are the webhook's own cost, not a full node's round trip.
 * Usage: node authn-server.ts CERT KEY FIXTURE.json CACHE_TTL_SECONDS  (prints the port on stdout)
 */
import { readFileSync } from 'node:fs';
import { Authenticator } from '../../src/authn/authenticator.ts';
import { BindingIndex } from '../../src/authn/bindings.ts';
import { DEFAULT_TIERS, validateTiers } from '../../src/authn/tiers.ts';
import { createLogger } from '../../src/log/index.ts';
import { recordCacheLookup } from '../../src/metrics/authn.ts';
import { AUTHENTICATE_PATH, createApp, createRequestListener, createTokenReviewHandler, startHttpsServer } from '../../src/server/index.ts';
import { createAuditLog } from '../../src/log/audit.ts';
import { MemoryChain, type Fixture } from './fixture.ts';

const [certFile, keyFile, fixtureFile, ttl] = process.argv.slice(2) as [string, string, string, string];
const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
const authenticator = new Authenticator({
  chain: new MemoryChain(fixture),
  bindings: new BindingIndex(),
  clusters: [{ id: fixture.cluster, apiAudiences: [fixture.apiAudience] }],
  tiers: validateTiers(DEFAULT_TIERS),
  skewSeconds: 60,
  maxLifetimeSeconds: 900,
  cacheTtlSeconds: Number(ttl),
  cacheMaxEntries: 100_000,
  onCacheLookup: recordCacheLookup,
});
// stderr, as in production (run.ts sends it to /dev/null; in a pod it is the container log).
const handler = createTokenReviewHandler({ authenticator, logger: createLogger(), audit: createAuditLog(process.stderr) });
// Composed as serve.ts composes it.
const app = createRequestListener({ app: createApp({ readiness: [] }), fastRoutes: { [AUTHENTICATE_PATH]: handler } });
const server = await startHttpsServer({ app, tls: { certFile, keyFile }, host: '127.0.0.1', port: 0 });
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
