/**
 * A draining server (src/server/https.ts drain(), called by serve on SIGTERM) ends each keep-alive
 * connection after its next answer, so clients move to another replica instead of having a connection
 * cut under a request when the server stops.
 */
import { request, Agent } from 'node:https';
import { createApp, startHttpsServer, type RunningServer } from '../../../src/server/index.ts';
import { Registry } from 'prom-client';
import { makeTestPki, type TestPki } from './pki.ts';

let pki: TestPki;
let server: RunningServer;
let draining = false;

beforeAll(async () => {
  pki = makeTestPki();
  const app = createApp({ readiness: [{ name: 'shutting down', ok: () => !draining }], metrics: new Registry() });
  server = await startHttpsServer({ app, tls: { certFile: pki.certFile, keyFile: pki.keyFile }, host: '127.0.0.1', port: 0 });
});

afterAll(() => server.close());

function get(agent: Agent, path: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { agent, ca: pki.ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('before drain answers keep the connection; after it every answer closes it and /readyz says no', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect(await get(agent, '/readyz')).toEqual({ status: 200, connection: 'keep-alive' });
    draining = true;
    server.drain();
    expect(await get(agent, '/healthz')).toEqual({ status: 200, connection: 'close' });
    expect(await get(agent, '/readyz')).toEqual({ status: 503, connection: 'close' });
  } finally {
    agent.destroy();
  }
});
