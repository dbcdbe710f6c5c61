/**
 * The HTTPS server: one listener for all webhooks, keep-alive on (kube-apiserver reuses connections),
 * TLS material from files with live reload, optional client-certificate requests.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.ts';

export interface HttpsOptions {
  /** The request listener: an express app, or createRequestListener's dispatcher. */
  app: RequestListener;
  tls: TlsFiles;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  onTlsReload?(): void;
  onTlsError?(error: unknown): void;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startHttpsServer(options: HttpsOptions): Promise<RunningServer> {
  const server = createServer(
    {
      ...readTlsFiles(options.tls),
      // Ask for a client certificate when a CA is configured; app.ts decides per path whether it is required.
      requestCert: options.tls.clientCaFile !== undefined,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      keepAlive: true,
    },
    options.app,
  );
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
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
    close: async () => {
      reloader.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
