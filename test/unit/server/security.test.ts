/**
 * The server's defences of issue 9 through real TLS: reviews placed with the cluster that sent them
 * (client certificate CN or path), the client certificate on every webhook path, the per-client rate
 * limit, TLS versions and suites, connection limits, and a byte-order mark before the body refused.
 */
import { connect, type TLSSocket } from 'node:tls';
import express from 'express';
import { RateLimiter } from '../../../src/server/rate-limit.ts';
import { makeSealToken } from '../../../src/token/index.ts';
import { claimsFor, newKey } from '../token/fixtures.ts';
import { httpsClient, tokenReview } from './client.ts';
import { startTestServer, type ServerEnv } from './harness.ts';
import { makeTestPki, type TestPki } from './pki.ts';

const now = () => Math.floor(Date.now() / 1000);
const EU = { id: 'prod-eu-1', apiAudiences: ['https://eu.example'], clientCommonNames: ['kube-apiserver'] };
const US = { id: 'prod-us-1', apiAudiences: ['https://us.example'], clientCommonNames: ['other-apiserver'] };
/** Known by its path only. */
const LAB = { id: 'lab', apiAudiences: [], clientCommonNames: [] };

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

async function bearer(env: ServerEnv, aud: string): Promise<string> {
  const kp = newKey();
  const { token } = env.chain.stake(kp, 2);
  return makeSealToken(kp, claimsFor(kp, { aud, tok: token.id, iat: now() - 5, exp: now() + 600 }));
}

describe('one webhook, several clusters: the token must be for the cluster that sent the review', () => {
  let env: ServerEnv;
  let eu: ReturnType<typeof httpsClient>;
  let us: ReturnType<typeof httpsClient>;
  beforeAll(async () => {
    env = await startTestServer(pki, { requireClientCert: true, clusters: [EU, US, LAB] });
    eu = httpsClient(env.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
    us = httpsClient(env.server.url, { ca: pki.ca, cert: pki.otherClient.cert, key: pki.otherClient.key });
  });
  afterAll(async () => {
    eu.close();
    us.close();
    await env.close();
  });

  it('refuses an eu token replayed by the us apiserver, fresh and from the cache', async () => {
    const token = await bearer(env, EU.id);
    const replay = async () => (await us.review(tokenReview(token))).json().status;
    expect(await replay()).toEqual({ authenticated: false });
    expect((await eu.review(tokenReview(token))).json().status.authenticated).toBe(true);
    expect((await eu.review(tokenReview(token))).json().status.authenticated).toBe(true); // now cached
    expect(await replay()).toEqual({ authenticated: false });
    // Audit lines are written in batches: wait for both refusals' lines.
    const refusals = () => env.logLines.filter((line) => line.includes('"result":"wrong_cluster"'));
    for (let i = 0; i < 200 && refusals().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(refusals().map((line) => JSON.parse(line).cached)).toEqual([false, true]);
    expect((await us.review(tokenReview(await bearer(env, US.id)))).json().status.authenticated).toBe(true);
  });

  it('refuses the replay even when the review names an audience both clusters would share', async () => {
    const token = await bearer(env, EU.id);
    const reply = await us.review(tokenReview(token, undefined, ['https://eu.example', 'https://us.example']));
    expect(reply.json().status).toEqual({ authenticated: false });
  });

  it('places a review by its path; path and certificate must agree', async () => {
    const lab = await bearer(env, LAB.id);
    const post = (client: typeof eu, path: string, token: string) => client.post(path, JSON.stringify(tokenReview(token)));
    expect((await post(eu, '/authenticate/lab', lab)).status).toBe(403); // eu's certificate names eu
    const labOnly = httpsClient(env.server.url, { ca: pki.ca, cert: pki.otherClient.cert, key: pki.otherClient.key });
    expect((await post(labOnly, '/authenticate/prod-eu-1', await bearer(env, EU.id))).status).toBe(403);
    labOnly.close();
    expect((await post(eu, '/authenticate/prod-eu-1', await bearer(env, EU.id))).json().status.authenticated).toBe(true);
  });

  it('refuses a review it cannot place', async () => {
    const env2 = await startTestServer(pki, { requireClientCert: true, clusters: [LAB, { ...LAB, id: 'lab-2' }] });
    const client = httpsClient(env2.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
    try {
      const token = await bearer(env2, LAB.id);
      const unplaced = await client.review(tokenReview(token));
      expect(unplaced.status).toBe(403);
      expect(unplaced.json().error).toMatch(/several clusters are served: send reviews to \/authenticate\/<cluster id>/);
      expect((await client.post('/authenticate/lab-2', JSON.stringify(tokenReview(token)))).json().status).toEqual({ authenticated: false });
      expect((await client.post('/authenticate/lab', JSON.stringify(tokenReview(token)))).json().status.authenticated).toBe(true);
    } finally {
      client.close();
      await env2.close();
    }
  });
});

describe('webhook guard: client certificate and rate limit', () => {
  let env: ServerEnv;
  beforeAll(async () => {
    const admission = express.Router().post('/validate/sealbindings', (_req, res) => void res.json({ reached: true }));
    env = await startTestServer(pki, { requireClientCert: true, routers: [admission], limiter: new RateLimiter({ perSecond: 0.5, burst: 3 }) });
  });
  afterAll(() => env.close());

  it('requires the client certificate on the TokenReview and admission paths, not on probes', async () => {
    const anonymous = httpsClient(env.server.url, { ca: pki.ca });
    try {
      expect((await anonymous.review(tokenReview('seal_x.y'))).status).toBe(401);
      expect((await anonymous.post('/validate/sealbindings', '{}')).status).toBe(401);
      expect((await anonymous.get('/healthz')).status).toBe(200);
    } finally {
      anonymous.close();
    }
  });

  it('answers 429 with Retry-After once a client spent its burst', async () => {
    const client = httpsClient(env.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
    try {
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 5; i++) {
        const reply = await client.post(i % 2 ? '/validate/sealbindings' : '/authenticate', JSON.stringify(tokenReview('seal_x.y')));
        statuses.push(reply.status);
        retryAfter ??= reply.headers['retry-after'];
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });
});

/** Handshakes with the given TLS settings; the negotiated protocol and suite, or the error code. */
function handshake(env: ServerEnv, options: { minVersion?: 'TLSv1' | 'TLSv1.2'; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port: env.server.port, ca: pki.ca, cert: pki.client.cert, key: pki.client.key, ...options }, () => {
      resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
  });
}

describe('TLS and connection limits', () => {
  let env: ServerEnv;
  beforeAll(async () => {
    env = await startTestServer(pki, {
      requireClientCert: true,
      limits: { maxConnections: 3, maxRequestsPerConnection: 2, headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 30_000 },
    });
  });
  afterAll(() => env.close());

  it('prefers TLS 1.3, allows 1.2 with ECDHE + AEAD only, refuses older versions and CBC suites', async () => {
    expect(await handshake(env, {})).toMatch(/^TLSv1\.3 TLS_/);
    expect(await handshake(env, { maxVersion: 'TLSv1.2' })).toMatch(/^TLSv1\.2 ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
    expect(await handshake(env, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' })).toMatch(/^error /);
    expect(await handshake(env, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^error /);
  });

  it('closes a keep-alive connection after maxRequestsPerConnection requests', async () => {
    const client = httpsClient(env.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key, keepAlive: true });
    try {
      const first = await client.get('/healthz');
      const second = await client.get('/healthz');
      expect(first.headers.connection).toBe('keep-alive');
      expect(second.headers.connection).toBe('close');
    } finally {
      client.close();
    }
  });

  it('refuses connections beyond maxConnections', async () => {
    const open: TLSSocket[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await new Promise<string>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port: env.server.port, ca: pki.ca, cert: pki.client.cert, key: pki.client.key }, () => resolve('open'));
          socket.on('error', () => resolve('refused'));
          socket.on('close', () => resolve('refused'));
          open.push(socket);
        }),
      );
    }
    for (const socket of open) socket.destroy();
    expect(outcomes).toEqual(['open', 'open', 'open', 'refused', 'refused']);
  });
});

describe('TokenReview body', () => {
  let env: ServerEnv;
  let client: ReturnType<typeof httpsClient>;
  beforeAll(async () => {
    env = await startTestServer(pki, { requireClientCert: true });
    client = httpsClient(env.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
  });
  afterAll(async () => {
    client.close();
    await env.close();
  });

  it('refuses a byte-order mark before the JSON, even of a body that is otherwise accepted', async () => {
    const token = await bearer(env, 'daas-test');
    const body = JSON.stringify(tokenReview(token));
    expect((await client.post('/authenticate', body)).json().status.authenticated).toBe(true);
    const withBom = await client.post('/authenticate', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    expect(withBom.status).toBe(400);
    expect(withBom.json()).toEqual({ error: 'a byte-order mark before the JSON body is not allowed' });
  });
});
