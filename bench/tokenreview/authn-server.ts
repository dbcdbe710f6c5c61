/**
 * The webhook under test over HTTPS: benchHandler (handler.ts) composed as serve.ts composes it
 * (createRequestListener + createApp). Audit lines go to stderr, as in production (run.ts sends it to
 * /dev/null; in a pod it is the container log).
 * Usage: node authn-server.ts CERT KEY FIXTURE.json CACHE_TTL_SECONDS  (prints the port on stdout)
 */
import { readFileSync } from 'node:fs';
import { AUTHENTICATE_PATH } from '../../src/authn/authenticate.ts';
import { createApp, createRequestListener, startHttpsServer } from '../../src/server/index.ts';
import { RateLimiter } from '../../src/server/rate-limit.ts';
import type { Fixture } from './fixture.ts';
import { benchRoute } from './handler.ts';

const [certFile, keyFile, fixtureFile, ttl] = process.argv.slice(2) as [string, string, string, string];
const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
const route = benchRoute(fixture, Number(ttl), process.stderr);
// The default per-client rate limit is on, as in serve (with a burst far above what wrk can spend). wrk
// cannot present a client certificate, so the certificate check alone is left out.
const limiter = new RateLimiter({ perSecond: 1e9, burst: 1e9 });
const app = createRequestListener({ app: createApp({ readiness: [], limiter }), fastRoutes: { [AUTHENTICATE_PATH]: route }, limiter });
const server = await startHttpsServer({ app, tls: { certFile, keyFile }, host: '127.0.0.1', port: 0 });
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
