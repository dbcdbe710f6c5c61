/** Builds the real authn server (createApp + HTTPS on port 0) over a FakeChain for server tests. */
import { PassThrough } from 'node:stream';
import { Authenticator } from '../../../src/authn/authenticator.ts';
import { BindingIndex } from '../../../src/authn/bindings.ts';
import { createLogger } from '../../../src/log/index.ts';
import { recordCacheLookup } from '../../../src/metrics/authn.ts';
import { AUTHENTICATE_PATH, createApp, createRequestListener, createTokenReviewHandler, startHttpsServer, type ReadinessCheck, type RunningServer } from '../../../src/server/index.ts';
import { createAuditLog } from '../../../src/log/audit.ts';
import { ReviewMemo } from '../../../src/server/review-memo.ts';
import type { Router } from 'express';
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

export async function startTestServer(pki: TestPki, options: { requireClientCert?: boolean; routers?: Router[]; tls?: { certFile: string; keyFile: string } } = {}): Promise<ServerEnv> {
  const chain = new FakeChain();
  const bindings = new BindingIndex();
  const authn = testAuthenticator({ chain, bindings, cacheTtlSeconds: 60, onCacheLookup: recordCacheLookup });
  const stream = new PassThrough();
  const logLines: string[] = [];
  stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ stream });
  const ready = { value: true };
  const memo = new ReviewMemo();
  const check: ReadinessCheck = { name: 'chain', ok: () => ready.value };
  // As serve.ts composes it: POST /authenticate dispatched ahead of the express app.
  const app = createRequestListener({
    app: createApp({ routers: options.routers ?? [], readiness: [check], requireClientCert: options.requireClientCert }),
    fastRoutes: { [AUTHENTICATE_PATH]: createTokenReviewHandler({ authenticator: authn, logger, audit: createAuditLog(stream), memo }) },
    requireClientCert: options.requireClientCert,
  });
  const tls = options.tls ?? { certFile: pki.certFile, keyFile: pki.keyFile };
  const server = await startHttpsServer({
    app,
    port: 0,
    host: '127.0.0.1',
    tls: { ...tls, ...(options.requireClientCert ? { clientCaFile: pki.caFile } : {}) },
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
