/**
 * Diagnostic server (`run.ts --only echo-host`): the baseline's echo handler served by the daas-auth
 * host (startHttpsServer: its TLS settings, limits and drain wrapper), to tell what the host costs
 * from what the TokenReview handler costs. Usage: node echo-host-server.ts CERT KEY  (prints the port)
 */
import { startHttpsServer } from '../../src/server/index.ts';
import { echoHandler } from './echo.ts';

const [certFile, keyFile] = process.argv.slice(2) as [string, string];
const server = await startHttpsServer({ app: echoHandler, tls: { certFile, keyFile }, host: '127.0.0.1', port: 0 });
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
