/**
 * The plugin's sockets: `v2.KeyManagementService` on the socket kube-apiserver is configured with, the
 * admin service on a second socket (rotation is not the apiserver's to call), both 0600 in a 0700
 * directory when it is ours to create; and optionally /metrics over plain HTTP on a loopback port.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { adaptService } from '@protobuf-ts/grpc-backend';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { registry } from '../metrics/registry.ts';
import { KeyAdmin, KeyManagementService } from './api.ts';
import type { KmsPlugin } from './plugin.ts';

/** Larger requests are refused by gRPC itself (RESOURCE_EXHAUSTED) before any parsing: the API's are < 1 kB. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface KmsServerOptions {
  socket: string;
  adminSocket: string;
  metrics?: { host: string; port: number };
}

export interface KmsServerHandle {
  metricsPort?: number;
  stop(): Promise<void>;
}

/** A socket file left by a plugin that died is removed; one that still answers means another plugin runs. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path} is in use: another plugin is serving on it`);
  unlinkSync(path);
}

async function bindUnix(server: Server, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  await clearStaleSocket(path);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  chmodSync(path, 0o600);
}

function grpcServer(): Server {
  return new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
}

async function startMetrics(host: string, port: number): Promise<HttpServer> {
  const http = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  return http;
}

export async function startKmsServer(plugin: KmsPlugin, opts: KmsServerOptions): Promise<KmsServerHandle> {
  const kms = grpcServer();
  kms.addService(...adaptService(KeyManagementService, plugin.service()));
  const admin = grpcServer();
  admin.addService(...adaptService(KeyAdmin, plugin.adminService()));
  await bindUnix(kms, opts.socket);
  await bindUnix(admin, opts.adminSocket);
  const http = opts.metrics ? await startMetrics(opts.metrics.host, opts.metrics.port) : undefined;
  const address = http?.address();
  return {
    metricsPort: typeof address === 'object' && address ? address.port : undefined,
    stop: async () => {
      const shut = (s: Server) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
      const force = setTimeout(() => [kms, admin].forEach((s) => s.forceShutdown()), 2000);
      await Promise.all([shut(kms), shut(admin), new Promise<void>((r) => (http ? http.close(() => r()) : r()))]);
      clearTimeout(force);
    },
  };
}
