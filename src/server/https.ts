/**
 * The HTTPS server: one listener for all webhooks, keep-alive on (kube-apiserver reuses connections),
 * TLS material from files with live reload, client-certificate requests when a client CA is set.
 *
 * TLS (issue 9 item 10): 1.3 preferred, 1.2 the floor, and on 1.2 only ECDHE key exchange with AEAD
 * ciphers (forward secrecy; no CBC, no RSA key transport). Connection limits: maxConnections open at
 * once, maxRequestsPerConnection on one keep-alive connection, and time limits on headers, requests
 * and idle keep-alive.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';

/** TLS 1.2 suites: ECDHE (ECDSA or RSA certificates) with AES-GCM or ChaCha20-Poly1305 only. */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
/** TLS 1.3 suites (all AEAD), listed first so OpenSSL keeps them enabled. */
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export interface ConnectionLimits {
  maxConnections: number;
  /** 0: no limit. */
  maxRequestsPerConnection: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 1024,
  maxRequestsPerConnection: 100_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
};

export interface HttpsOptions {
  /** The request listener: an express app, or createRequestListener's dispatcher. */
  app: RequestListener;
  tls: TlsFiles;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  limits?: ConnectionLimits;
  onTlsReload?(): void;
  onTlsError?(error: unknown): void;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /**
   * From now on every answer carries `Connection: close`: a client's keep-alive connection ends after its
   * next request instead of being cut under it when the server stops (kube-apiserver does not retry a
   * webhook POST that failed on a reused connection).
   */
  drain(): void;
  close(): Promise<void>;
}

export async function startHttpsServer(options: HttpsOptions): Promise<RunningServer> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  let draining = false;
  const app: typeof options.app = (req, res) => {
    if (draining) res.setHeader('connection', 'close');
    options.app(req, res);
  };
  const server = createServer(
    {
      ...readTlsFiles(options.tls),
      // Ask for a client certificate when a CA is configured; the webhook guard (dispatch.ts) refuses
      // webhook requests without a verified one, while /healthz, /readyz and /metrics stay reachable.
      requestCert: options.tls.clientCaFile !== undefined,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
      honorCipherOrder: true,
      keepAlive: true,
    },
    app,
  );
  // A connection's client certificate is read once (peer.ts) and must not change under it: TLS 1.2
  // renegotiation could present another one. (TLS 1.3 has no renegotiation.)
  server.on('secureConnection', (socket) => socket.disableRenegotiation());
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Node wants headersTimeout ≤ requestTimeout.
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const reloader = watchTlsFiles(server, options.tls, { onReload: options.onTlsReload, onError: options.onTlsError });
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    server,
    port,
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    // Idle connections are left open: closing one races a client that is just reusing it (the very
    // failure drain avoids); close() ends those that stayed idle through the drain.
    drain: () => {
      draining = true;
    },
    close: async () => {
      reloader.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
