/**
 * The baseline server: echoHandler (echo.ts) on node:https with the same TLS and keep-alive settings
 * as the webhook. Usage: node echo-server.ts CERT KEY  (prints the port on stdout)
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { echoHandler } from './echo.ts';

const [certFile, keyFile] = process.argv.slice(2) as [string, string];
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2', keepAlive: true }, echoHandler);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  process.exit(0);
});
