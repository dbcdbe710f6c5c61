/**
 * `daas-auth serve`: one process, one HTTPS server, several components. The host opens the shared
 * feeds once (src/feeds: Kubernetes client, SealBinding watcher, chain event feed, epoch clock), hands
 * every component the context, and mounts the routers each returns. It knows no component: the
 * `serve` command passes the list (src/cli/commands/serve.ts).
 */
import type { Router } from 'express';
import { ChainReader } from '../chain/reader.ts';
import { resolveNetwork } from '../chain/network.ts';
import type { Config } from '../config/schema.ts';
import { openFeeds, type FeedOptions } from '../feeds/index.ts';
import type { Logger } from '../log/index.ts';
import { chainCallHook } from '../chain/metrics.ts';
import { EndpointProbe } from '../chain/endpoint-probe.ts';
import { createApp } from './app.ts';
import { createRequestListener } from './dispatch.ts';
import { startHttpsServer, type RunningServer } from './https.ts';
import { RateLimiter } from './rate-limit.ts';
import type { FastRoute, ReadinessCheck, ServeComponent, ServeContext } from './types.ts';

export type { ServeComponent, ServeContext, StartedComponent } from './types.ts';

export interface Serving {
  url: string;
  port: number;
  context: ServeContext;
  /**
   * The graceful half of a shutdown: /readyz answers 503 and every answer closes its connection for
   * `ms`, so traffic moves to other replicas; then close().
   */
  drain(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Each configured Sui endpoint is asked this often (only with several endpoints: one is the epoch clock's). */
const ENDPOINT_PROBE_INTERVAL_MS = 30_000;

export async function startServe(config: Config, logger: Logger, components: readonly ServeComponent[], feedOptions: FeedOptions = {}): Promise<Serving> {
  const network = resolveNetwork(config.network.name, {
    stateDir: config.network.stateDir,
    overrides: { endpoints: config.network.endpoints, packageId: config.network.packageId, poolId: config.network.poolId },
  });
  const reader = new ChainReader(network, { timeoutMs: config.network.timeoutMs, onCall: chainCallHook });
  const stops: Array<() => Promise<void> | void> = [() => reader.close()];
  try {
    const opened = await openFeeds(config, logger, reader, feedOptions);
    stops.unshift(() => opened.stop());
    const context: ServeContext = { config, logger, reader, feeds: opened.feeds };
    if (network.endpoints.length > 1) {
      // Failover keeps traffic on one endpoint; this keeps every endpoint's daas_auth_chain_endpoint_up current.
      const endpoints = new EndpointProbe(network.endpoints, { intervalMs: ENDPOINT_PROBE_INTERVAL_MS, timeoutMs: config.network.timeoutMs, onCall: chainCallHook });
      endpoints.start();
      stops.unshift(() => endpoints.stop());
    }
    let draining = false;
    const readiness: ReadinessCheck[] = [...opened.readiness, { name: 'shutting down', ok: () => !draining }];
    const routers: Router[] = [];
    const fastRoutes: Record<string, FastRoute> = {};
    const bodyLimits: Record<string, number> = {};
    const openRouters: Router[] = [];
    for (const component of components) {
      const started = await component.start(context);
      routers.push(...(started.routers ?? []));
      Object.assign(fastRoutes, started.fastRoutes);
      Object.assign(bodyLimits, started.bodyLimits);
      openRouters.push(...(started.openRouters ?? []));
      readiness.push(...(started.readiness ?? []));
      if (started.stop) stops.unshift(started.stop);
      logger.info('component started', { component: component.name });
    }
    // Config validation already refused a missing client CA unless insecureNoClientCert says otherwise.
    const requireClientCert = !config.server.insecureNoClientCert;
    if (!requireClientCert) logger.warn('server.insecureNoClientCert: webhook paths answer anyone who reaches the port');
    const limiter = config.server.rateLimit.perSecond > 0 ? new RateLimiter(config.server.rateLimit) : undefined;
    const server: RunningServer = await startHttpsServer({
      app: createRequestListener({
        app: createApp({ routers, openRouters, readiness, requireClientCert, limiter, bodyLimits }),
        fastRoutes,
        requireClientCert,
        limiter,
      }),
      tls: { certFile: config.server.tlsCertFile, keyFile: config.server.tlsKeyFile, clientCaFile: config.server.clientCaFile },
      limits: {
        maxConnections: config.server.maxConnections,
        maxRequestsPerConnection: config.server.maxRequestsPerConnection,
        headersTimeoutMs: config.server.headersTimeout * 1000,
        requestTimeoutMs: config.server.requestTimeout * 1000,
        keepAliveTimeoutMs: config.server.keepAliveTimeout * 1000,
      },
      host: config.server.host,
      port: config.server.port,
      onTlsReload: () => logger.info('TLS material reloaded'),
      onTlsError: (error) => logger.warn('TLS files changed but could not be loaded; keeping the previous ones', { error: String(error) }),
    });
    stops.unshift(() => server.close());
    logger.info('serving', { url: server.url, network: network.name, packageId: network.packageId, clusters: config.clusters.map((c) => c.id) });
    const drain = async (ms: number): Promise<void> => {
      draining = true;
      server.drain();
      logger.info('draining: not ready, closing connections after their next answer', { seconds: ms / 1000 });
      await new Promise((resolve) => setTimeout(resolve, ms));
    };
    return { url: server.url, port: server.port, context, drain, close: () => runStops(stops) };
  } catch (error) {
    await runStops(stops);
    throw error;
  }
}

async function runStops(stops: Array<() => Promise<void> | void>): Promise<void> {
  for (const stop of stops) await stop();
}
