/**
 * `daas-auth serve`: one process, one HTTPS server, several components. Each component (the authn
 * webhook, the admission webhook, the controller, ...) gets the shared context — config, logger,
 * chain reader, Kubernetes client, SealBinding index — and returns the routers it mounts, the
 * readiness checks it adds and how to stop it. src/server/components.ts lists the components.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Router } from 'express';
import { isExemptNode } from '../admission/config.ts';
import { informerBindings, BindingIndex, type BindingSource } from '../authn/bindings.ts';
import { ChainReader } from '../chain/reader.ts';
import { resolveNetwork } from '../chain/network.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/index.ts';
import { chainCallHook } from '../metrics/chain.ts';
import { EndpointProbe } from '../chain/endpoint-probe.ts';
import { createApp } from './app.ts';
import type { RequestHandler } from './authenticate.ts';
import { createRequestListener } from './dispatch.ts';
import { startHttpsServer, type RunningServer } from './https.ts';
import { RateLimiter } from './rate-limit.ts';
import { ChainProbe, type ReadinessCheck } from './readiness.ts';

export interface ServeContext {
  config: Config;
  logger: Logger;
  reader: ChainReader;
  /** Present when Kubernetes access is configured (kubernetes.watchBindings, a kubeconfig, or a pod's service account). */
  kubeConfig?: KubeConfig;
  /** SealBindings by node, kept current by one informer shared by every component. */
  bindings: BindingSource;
  /** Calls `listener` with the chain's epoch every time the readiness probe reads it. */
  onEpoch(listener: (epoch: bigint) => void): void;
}

export interface StartedComponent {
  routers?: Router[];
  /** Hot paths served by a plain Node handler ahead of express (see dispatch.ts). */
  fastRoutes?: Record<string, RequestHandler>;
  /** Public endpoints that are not webhooks: no client certificate, no rate limit (AppOptions.openRouters). */
  openRouters?: Router[];
  readiness?: ReadinessCheck[];
  stop?(): Promise<void> | void;
}

export interface ServeComponent {
  name: string;
  start(context: ServeContext): Promise<StartedComponent>;
}

export interface Serving {
  url: string;
  port: number;
  context: ServeContext;
  close(): Promise<void>;
}

const PROBE_INTERVAL_MS = 5_000;
/** Each configured Sui endpoint is asked this often (only with several endpoints: one is the ChainProbe's). */
const ENDPOINT_PROBE_INTERVAL_MS = 30_000;

export async function startServe(config: Config, logger: Logger, components: readonly ServeComponent[]): Promise<Serving> {
  const network = resolveNetwork(config.network.name, {
    stateDir: config.network.stateDir,
    overrides: { endpoints: config.network.endpoints, packageId: config.network.packageId, poolId: config.network.poolId },
  });
  const reader = new ChainReader(network, { timeoutMs: config.network.timeoutMs, onCall: chainCallHook });
  const kubeConfig = loadKubeConfig(config);
  // Exempt (control-plane) node names never get a node identity, whatever a binding says (issue 9).
  const exemptNode = (node: string): boolean => isExemptNode(config.admission, node);
  const informer = kubeConfig && config.kubernetes.watchBindings ? informerBindings(kubeConfig, (error) => logger.warn('SealBinding watch failed; retrying', { error: String(error) }), { isExemptNode: exemptNode }) : undefined;
  const bindings: BindingSource = informer ?? new BindingIndex();
  const epochListeners: Array<(epoch: bigint) => void> = [];
  const context: ServeContext = { config, logger, reader, kubeConfig, bindings, onEpoch: (listener) => void epochListeners.push(listener) };

  const stops: Array<() => Promise<void> | void> = [() => reader.close()];
  try {
    if (informer) {
      await informer.start();
      stops.unshift(() => informer.stop());
    }
    const probe = new ChainProbe({
      probe: () => {
        reader.invalidateEpoch(); // a real request every time, not the reader's cached epoch
        return reader.getEpoch();
      },
      intervalMs: PROBE_INTERVAL_MS,
      onEpoch: (epoch) => epochListeners.forEach((listener) => listener(epoch)),
      onChange: (up, error) => logger.log(up ? 'info' : 'warn', up ? 'chain reachable' : 'chain unreachable', error ? { error: String(error) } : {}),
    });
    await probe.start();
    stops.unshift(() => probe.stop());
    if (network.endpoints.length > 1) {
      // Failover keeps traffic on one endpoint; this keeps every endpoint's daas_auth_chain_endpoint_up current.
      const endpoints = new EndpointProbe(network.endpoints, { intervalMs: ENDPOINT_PROBE_INTERVAL_MS, timeoutMs: config.network.timeoutMs, onCall: chainCallHook });
      endpoints.start();
      stops.unshift(() => endpoints.stop());
    }
    const readiness: ReadinessCheck[] = [probe];
    if (informer) readiness.push({ name: 'sealbindings', ok: () => informer.synced() });
    const routers: Router[] = [];
    const fastRoutes: Record<string, RequestHandler> = {};
    const openRouters: Router[] = [];
    for (const component of components) {
      const started = await component.start(context);
      routers.push(...(started.routers ?? []));
      Object.assign(fastRoutes, started.fastRoutes);
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
        app: createApp({ routers, openRouters, readiness, requireClientCert, limiter }),
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
    return { url: server.url, port: server.port, context, close: () => runStops(stops) };
  } catch (error) {
    await runStops(stops);
    throw error;
  }
}

async function runStops(stops: Array<() => Promise<void> | void>): Promise<void> {
  for (const stop of stops) await stop();
}

/** Inside a pod: the kubelet's service-account mount and the apiserver address it puts in the environment. */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
function inCluster(): boolean {
  return Boolean(process.env.KUBERNETES_SERVICE_HOST) && existsSync(IN_CLUSTER_TOKEN);
}

function loadKubeConfig(config: Config): KubeConfig | undefined {
  // A pod's service account is configured access too: the chart's controller pod watches no bindings and
  // names no kubeconfig, and without this its controller never started (seen on a real kubelet, issue 11).
  if (!config.kubernetes.watchBindings && !config.kubernetes.kubeconfig && !inCluster()) return undefined;
  const kubeConfig = new KubeConfig();
  if (config.kubernetes.kubeconfig) kubeConfig.loadFromFile(config.kubernetes.kubeconfig);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
