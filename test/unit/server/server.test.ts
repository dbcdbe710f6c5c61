import { copyFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import express from 'express';
import { createAuditLog } from '../../../src/log/audit.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { createAuthnRouter } from '../../../src/authn/authenticate.ts';
import { createApp, startHttpsServer } from '../../../src/server/index.ts';
import { makeSealToken } from '../../../src/token/index.ts';
import { tokenHash } from '../../../src/token/hash.ts';
import { API_AUDIENCE, claimsFor, newKey } from '../token/fixtures.ts';
import { httpsClient, tokenReview } from './client.ts';
import { openTestServer, startTestServer, type ServerEnv, type TestClient } from './harness.ts';
import { makeTestPki, type TestPki } from './pki.ts';

// Tokens are made with the real clock here: the server uses it.
const now = () => Math.floor(Date.now() / 1000);
const freshClaims = (kp: ReturnType<typeof newKey>, tok: string, extra = {}) => claimsFor(kp, { tok, iat: now() - 5, exp: now() + 600, ...extra });

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

describe('POST /authenticate', () => {
  let env: ServerEnv;
  let client: TestClient;
  let close: () => Promise<void>;
  beforeAll(async () => ({ env, client, close } = await openTestServer(pki)));
  afterAll(() => close());

  it.each(['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'])('authenticates a staker and echoes %s', async (apiVersion) => {
    const kp = newKey();
    const { token } = env.chain.stake(kp, 10);
    const bearer = await makeSealToken(kp, freshClaims(kp, token.id));
    const reply = await client.review(tokenReview(bearer, apiVersion));
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      apiVersion,
      kind: 'TokenReview',
      status: {
        authenticated: true,
        user: expect.objectContaining({ username: `sui:${kp.toSuiAddress()}`, uid: kp.toSuiAddress(), groups: ['daas:stakers', 'daas:tier:cluster-admin'] }),
      },
    });
  });

  it('returns status.audiences when spec.audiences is given', async () => {
    const kp = newKey();
    const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 1).token.id));
    const ok = await client.review(tokenReview(bearer, undefined, ['https://x', API_AUDIENCE]));
    expect(ok.json().status).toMatchObject({ authenticated: true, audiences: [API_AUDIENCE] });
    const refused = await client.review(tokenReview(bearer, undefined, ['https://x']));
    expect(refused.status).toBe(200);
    expect(refused.json().status).toEqual({ authenticated: false });
  });

  it('answers a definitive refusal with 200, authenticated false and no error', async () => {
    const reply = await client.review(tokenReview('seal_bm9wZQ.bm9wZQ'));
    expect(reply.status).toBe(200);
    expect(reply.json().status).toEqual({ authenticated: false });
  });

  it('answers "chain unavailable" with authenticated false and an error', async () => {
    const kp = newKey();
    const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 1).token.id));
    env.chain.down = true;
    try {
      const reply = await client.review(tokenReview(bearer));
      expect(reply.status).toBe(200);
      expect(reply.json().status).toEqual({ authenticated: false, error: expect.stringMatching(/chain unavailable/) });
    } finally {
      env.chain.down = false;
    }
  });

  it.each([
    ['not JSON', '{"apiVersion":', 'application/json'],
    ['duplicate keys', JSON.stringify(tokenReview('seal_a.b')).replace('"token":', '"token":"seal_x.y","token":'), 'application/json'],
    ['wrong apiVersion', JSON.stringify({ ...tokenReview('t'), apiVersion: 'authentication.k8s.io/v2' }), 'application/json'],
    ['wrong kind', JSON.stringify({ ...tokenReview('t'), kind: 'SubjectAccessReview' }), 'application/json'],
    ['missing token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} }), 'application/json'],
    ['token not a string', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 1 } }), 'application/json'],
    ['unknown spec field', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 't', groups: [] } }), 'application/json'],
    ['a filled-in status', JSON.stringify({ ...tokenReview('t'), status: { authenticated: true } }), 'application/json'],
    ['bad audiences', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 't', audiences: 'x' } }), 'application/json'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'application/json'],
    ['wrong content type', JSON.stringify(tokenReview('t')), 'text/plain'],
    ['empty body', '', 'application/json'],
  ])('refuses a malformed request (%s) with 400', async (_name, body, type) => {
    const reply = await client.post('/authenticate', body, type);
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ error: expect.any(String) });
  });

  it('answers other methods with 405', async () => {
    expect((await client.get('/authenticate')).status).toBe(405);
  });

  it('refuses an oversize body with 413', async () => {
    const reply = await client.post('/authenticate', JSON.stringify(tokenReview('x'.repeat(70_000))));
    expect(reply.status).toBe(413);
  });

  it('writes one audit line per decision with the token hash, never the token', async () => {
    const kp = newKey();
    const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 5).token.id));
    const mine = () => env.logLines.map((line) => JSON.parse(line)).filter((line) => line.tokenHash === tokenHash(bearer));
    await client.review(tokenReview(bearer));
    // Audit lines are written in batches (at most 20 ms late): wait for this one.
    for (let i = 0; i < 200 && mine().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mine()).toEqual([
      expect.objectContaining({ audit: 'tokenreview', level: 'info', service: 'daas-auth', result: 'authenticated', tier: 'admin', username: `sui:${kp.toSuiAddress()}`, cached: false }),
    ]);
    expect(env.logLines.join('\n')).not.toContain(bearer.slice(5, 60));
  });

  it('writes the same audit line and answer on the warm path as on the general one', async () => {
    const kp = newKey();
    const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 5).token.id));
    const review = tokenReview(bearer, 'authentication.k8s.io/v1beta1', [API_AUDIENCE]);
    const compact = JSON.stringify(review);
    const mine = () => env.logLines.filter((line) => line.includes(tokenHash(bearer)));
    const fresh = await client.post('/authenticate', compact);
    const warm = await client.post('/authenticate', compact);
    expect(env.memo.get(Buffer.from(compact))?.warm).toBeDefined();
    // Same token, other bytes: a memo miss, so a cached decision answered by the general path.
    const general = await client.post('/authenticate', JSON.stringify(review, null, 1));
    for (let i = 0; i < 200 && mine().length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(warm.text).toBe(fresh.text);
    expect(general.text).toBe(warm.text);
    const [, warmLine, generalLine] = mine();
    const unclocked = (line: string) => line.replace(/"timestamp":"[^"]*"/, '').replace(/"seconds":[^,}]*/, '');
    expect(unclocked(warmLine!)).toBe(unclocked(generalLine!));
    expect(JSON.parse(warmLine!)).toMatchObject({ result: 'authenticated', cached: true, apiVersion: 'authentication.k8s.io/v1beta1', audiences: [API_AUDIENCE], remote: '127.0.0.1' });
    expect(Object.keys(JSON.parse(warmLine!))).toEqual(Object.keys(JSON.parse(mine()[0]!)));
  });

  describe('memo of parsed bodies', () => {
    it('remembers the body of an authenticated review and answers its repeat the same way', async () => {
      const kp = newKey();
      const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 2).token.id));
      const body = tokenReview(bearer, undefined, [API_AUDIENCE]);
      const first = await client.review(body);
      expect(env.memo.get(Buffer.from(JSON.stringify(body)))?.review.spec).toEqual({ token: bearer, audiences: [API_AUDIENCE] });
      const second = await client.review(body);
      expect(second.text).toBe(first.text);
      expect(second.json().status).toMatchObject({ authenticated: true, audiences: [API_AUDIENCE] });
    });

    it('forgets a remembered body as soon as its token stops authenticating', async () => {
      const kp = newKey();
      const { token, record } = env.chain.stake(kp, 2);
      const bearer = await makeSealToken(kp, freshClaims(kp, token.id));
      const body = tokenReview(bearer);
      expect((await client.review(body)).json().status.authenticated).toBe(true);
      expect(env.memo.get(Buffer.from(JSON.stringify(body)))).toBeDefined();
      // As the revocation follower does on StakeSlashed: the chain changes, the cache entry goes.
      env.chain.records.set(record.id, { ...record, status: 'slashed' });
      env.authn.cache.dropRecord(record.id);
      expect((await client.review(body)).json().status).toEqual({ authenticated: false });
      expect(env.memo.get(Buffer.from(JSON.stringify(body)))).toBeUndefined();
    });

    it('never remembers a refused or malformed review', async () => {
      const before = env.memo.size;
      const kp = newKey();
      const stranger = await makeSealToken(kp, freshClaims(kp, '0x' + 'ab'.repeat(32)));
      expect((await client.review(tokenReview(stranger))).json().status).toEqual({ authenticated: false });
      expect((await client.review(tokenReview('seal_bm9wZQ.bm9wZQ'))).json().status).toEqual({ authenticated: false });
      expect((await client.post('/authenticate', '{"apiVersion":', 'application/json')).status).toBe(400);
      expect(env.memo.size).toBe(before);
    });

    it('parses a body that differs only in spacing on its own (the memo matches exact bytes)', async () => {
      const kp = newKey();
      const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 2).token.id));
      const compact = JSON.stringify(tokenReview(bearer));
      const spaced = JSON.stringify(tokenReview(bearer), null, 1);
      expect((await client.post('/authenticate', compact)).json().status.authenticated).toBe(true);
      expect(env.memo.get(Buffer.from(spaced))).toBeUndefined();
      // A duplicate key in an otherwise remembered body is still refused as malformed.
      const duplicate = compact.replace('"token":', `"token":"seal_x.y","token":`);
      expect((await client.post('/authenticate', duplicate)).status).toBe(400);
      expect((await client.post('/authenticate', spaced)).json().status.authenticated).toBe(true);
      expect(env.memo.get(Buffer.from(spaced))).toBeDefined();
    });
  });
});

describe('health, readiness, metrics', () => {
  let env: ServerEnv;
  let client: TestClient;
  let close: () => Promise<void>;
  beforeAll(async () => ({ env, client, close } = await openTestServer(pki)));
  afterAll(() => close());

  it('serves /healthz always and /readyz only while the checks pass', async () => {
    expect((await client.get('/healthz')).status).toBe(200);
    expect((await client.get('/readyz')).status).toBe(200);
    env.ready.value = false;
    const notReady = await client.get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.text).toContain('chain');
    env.ready.value = true;
    expect((await client.get('/readyz')).status).toBe(200);
  });

  it('exports daas_auth_ metrics for reviews and cache lookups', async () => {
    const kp = newKey();
    const bearer = await makeSealToken(kp, freshClaims(kp, env.chain.stake(kp, 2).token.id));
    await client.review(tokenReview(bearer));
    await client.review(tokenReview(bearer));
    await client.review(tokenReview('nope'));
    const text = (await client.get('/metrics')).text;
    expect(text).toMatch(/daas_auth_tokenreview_total\{result="authenticated"\} [1-9]/);
    expect(text).toMatch(/daas_auth_tokenreview_total\{result="bad_prefix"\} [1-9]/);
    expect(text).toMatch(/daas_auth_tokenreview_duration_seconds_bucket\{le="[^"]+",result="authenticated"\}/);
    expect(text).toMatch(/daas_auth_cache_hits_total [1-9]/);
    expect(text).toMatch(/daas_auth_cache_misses_total [1-9]/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const reply = await client.get('/nope');
    expect(reply.status).toBe(404);
    expect(reply.json()).toEqual({ error: 'not found' });
  });
});

describe('composition and TLS', () => {
  it('serves the same webhook when mounted as an express router (createAuthnRouter)', async () => {
    const { Authenticator } = await import('../../../src/authn/authenticator.ts');
    const { BindingIndex } = await import('../../../src/feeds/bindings.ts');
    const { DEFAULT_TIERS, validateTiers } = await import('../../../src/policy/tiers.ts');
    const { FakeChain } = await import('../authn/fake-chain.ts');
    const chain = new FakeChain();
    const authenticator = new Authenticator({ chain, bindings: new BindingIndex(), clusters: [{ id: 'daas-test', apiAudiences: [] }], tiers: validateTiers(DEFAULT_TIERS), skewSeconds: 60, maxLifetimeSeconds: 900, cacheTtlSeconds: 60, cacheMaxEntries: 10 });
    const app = createApp({ routers: [createAuthnRouter({ authenticator, logger: silentLogger(), audit: createAuditLog(new PassThrough()) })] });
    const server = await startHttpsServer({ app, tls: { certFile: pki.certFile, keyFile: pki.keyFile }, host: '127.0.0.1', port: 0 });
    const client = httpsClient(server.url, { ca: pki.ca });
    try {
      const kp = newKey();
      const bearer = await makeSealToken(kp, freshClaims(kp, chain.stake(kp, 2).token.id));
      expect((await client.review(tokenReview(bearer))).json().status).toMatchObject({ authenticated: true });
    } finally {
      client.close();
      await server.close();
      authenticator.close();
    }
  });

  it('mounts other components\' routers on the same server', async () => {
    const extra = express.Router();
    extra.post('/admission/test', (_req, res) => {
      res.json({ mounted: true });
    });
    const env = await startTestServer(pki, { routers: [extra] });
    const client = httpsClient(env.server.url, { ca: pki.ca });
    try {
      expect((await client.post('/admission/test', '{}')).json()).toEqual({ mounted: true });
    } finally {
      client.close();
      await env.close();
    }
  });

  it('requires a client certificate from the configured CA on webhook paths only', async () => {
    const env = await startTestServer(pki, { requireClientCert: true });
    const anonymous = httpsClient(env.server.url, { ca: pki.ca });
    const stranger = httpsClient(env.server.url, { ca: pki.ca, ...pki.stranger });
    const apiserver = httpsClient(env.server.url, { ca: pki.ca, ...pki.client });
    try {
      expect((await anonymous.review(tokenReview('seal_a.b'))).status).toBe(401);
      expect((await stranger.review(tokenReview('seal_a.b'))).status).toBe(401);
      expect((await apiserver.review(tokenReview('seal_a.b'))).status).toBe(200);
      expect((await anonymous.get('/healthz')).status).toBe(200);
      expect((await anonymous.get('/metrics')).status).toBe(200);
    } finally {
      [anonymous, stranger, apiserver].forEach((c) => c.close());
      await env.close();
    }
  });

  it('reloads the serving certificate when its files change', async () => {
    const first = pki.newServingPair('rotating');
    const live = { certFile: `${pki.dir}/live.crt`, keyFile: `${pki.dir}/live.key` };
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
    const env = await startTestServer(pki, { tls: live });
    try {
      const before = httpsClient(env.server.url, { ca: pki.ca, keepAlive: false });
      const seenBefore = (await before.get('/healthz')).peer?.subject?.CN;
      before.close();
      expect(seenBefore).toBe('daas-auth-rotating');
      const second = pki.newServingPair('rotated');
      copyFileSync(second.keyFile, live.keyFile);
      copyFileSync(second.certFile, live.certFile);
      // Poll new connections until the reload has happened (the watcher settles for 100 ms).
      let seen = seenBefore;
      for (let i = 0; i < 100 && seen !== 'daas-auth-rotated'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const fresh = httpsClient(env.server.url, { ca: pki.ca, keepAlive: false });
        seen = (await fresh.get('/healthz')).peer?.subject?.CN;
        fresh.close();
      }
      expect(seen).toBe('daas-auth-rotated');
    } finally {
      await env.close();
    }
  });
});

describe('responseJson', () => {
  it('is byte for byte what serialising the TokenReview response gives', async () => {
    const { responseJson } = await import('../../../src/authn/answer-text.ts');
    const { tokenReviewResponse } = await import('../../../src/k8s/tokenreview.ts');
    const user = { username: 'sui:0xabc', uid: '0xabc', groups: ['daas:stakers', 'daas:tier:viewer'], extra: { 'daas.io/tier': ['viewer'] } };
    const decision = { authenticated: true, user, audiences: ['aud-1'], identity: { path: 'user', user }, claims: {}, cached: true } as never;
    for (const apiVersion of ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'] as const) {
      expect(responseJson(apiVersion, decision, undefined)).toBe(JSON.stringify(tokenReviewResponse(apiVersion, { authenticated: true, user })));
      expect(responseJson(apiVersion, decision, ['aud-1', 'x'])).toBe(JSON.stringify(tokenReviewResponse(apiVersion, { authenticated: true, user, audiences: ['aud-1'] })));
    }
    const refused = { authenticated: false, reason: 'expired', cached: false } as never;
    expect(responseJson('authentication.k8s.io/v1', refused, undefined)).toBe('{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":false}}');
  });
});
