/** Builds the real authn server (createApp + HTTPS on port 0) over a FakeChain for server tests. */
import { PassThrough } from 'node:stream';
import { Authenticator } from '../../../src/authn/authenticator.ts';
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import { createLogger } from '../../../src/log/index.ts';
import { recordCacheLookup } from '../../../src/authn/metrics.ts';
import { AUTHENTICATE_PATH, tokenReviewRoutes } from '../../../src/authn/authenticate.ts';
import { createApp, createRequestListener, startHttpsServer, type ReadinessCheck, type RunningServer } from '../../../src/server/index.ts';
import { createAuditLog } from '../../../src/log/audit.ts';
import { ReviewMemo } from '../../../src/authn/review-memo.ts';
import type { Router } from 'express';
import { ClusterResolver } from '../../../src/authn/cluster-of.ts';
import type { ConnectionLimits } from '../../../src/server/https.ts';
import type { RateLimiter } from '../../../src/server/rate-limit.ts';
import type { ClusterAudience } from '../../../src/token/verify.ts';
import { FakeChain } from '../authn/fake-chain.ts';
import { testAuthenticator } from '../authn/fixtures.ts';
import type { TestPki } from './pki.ts';
import { httpsClient } from './client.ts';

export interface ServerEnv {
  chain: FakeChain;
  bindings: BindingIndex;
  authn: Authenticator;
  server: RunningServer;
  logLines: string[];
  ready: { value: boolean };
  /** The webhook's memo of parsed review bodies. */
  memo: ReviewMemo;
  close(): Promise<void>;
}

export interface TestServerOptions {
  requireClientCert?: boolean;
  routers?: Router[];
  tls?: { certFile: string; keyFile: string };
  /** Several clusters: reviews are placed by client certificate / path (ClusterResolver). */
  clusters?: ClusterAudience[];
  limiter?: RateLimiter;
  limits?: ConnectionLimits;
}

export async function startTestServer(pki: TestPki, options: TestServerOptions = {}): Promise<ServerEnv> {
  const chain = new FakeChain();
  const bindings = new BindingIndex();
  const authn = testAuthenticator({ chain, bindings, cacheTtlSeconds: 60, onCacheLookup: recordCacheLookup, ...(options.clusters ? { clusters: options.clusters } : {}) });
  const resolver = options.clusters ? new ClusterResolver(AUTHENTICATE_PATH, options.clusters) : undefined;
  const stream = new PassThrough();
  const logLines: string[] = [];
  stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ stream });
  const ready = { value: true };
  const memo = new ReviewMemo();
  const check: ReadinessCheck = { name: 'chain', ok: () => ready.value };
  // As serve.ts composes it: POST /authenticate dispatched ahead of the express app.
  const app = createRequestListener({
    app: createApp({ routers: options.routers ?? [], readiness: [check], requireClientCert: options.requireClientCert, limiter: options.limiter }),
    fastRoutes: tokenReviewRoutes({ authenticator: authn, logger, audit: createAuditLog(stream), memo, ...(resolver ? { clusters: resolver } : {}) }),
    requireClientCert: options.requireClientCert,
    limiter: options.limiter,
  });
  const tls = options.tls ?? { certFile: pki.certFile, keyFile: pki.keyFile };
  const server = await startHttpsServer({
    app,
    port: 0,
    host: '127.0.0.1',
    tls: { ...tls, ...(options.requireClientCert || options.clusters ? { clientCaFile: pki.caFile } : {}) },
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return {
    chain,
    bindings,
    authn,
    server,
    logLines,
    ready,
    memo,
    close: async () => {
      await server.close();
      authn.close();
    },
  };
}

export type TestClient = ReturnType<typeof httpsClient>;

/** A test server and a keep-alive client trusting its certificate; close() ends both. */
export async function openTestServer(pki: TestPki): Promise<{ env: ServerEnv; client: TestClient; close(): Promise<void> }> {
  const env = await startTestServer(pki);
  const client = httpsClient(env.server.url, { ca: pki.ca });
  return {
    env,
    client,
    close: async () => {
      client.close();
      await env.close();
    },
  };
}
