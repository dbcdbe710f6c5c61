/**
 * POST /authorize through real TLS, composed as serve composes it: behind the webhook guard (client
 * certificate required), strict about its body, echoing the review's apiVersion, counting results.
 */
import { PassThrough } from 'node:stream';
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import { EXTRA_KEYS } from '../../../src/policy/identity.ts';
import { RevokedSet } from '../../../src/authz/revoked.ts';
import { createLogger } from '../../../src/log/index.ts';
import { registry } from '../../../src/metrics/registry.ts';
import { AUTHORIZE_PATH, createAuthorizeRouter } from '../../../src/authz/router.ts';
import { httpsClient } from '../server/client.ts';
import { startTestServer, type ServerEnv } from '../server/harness.ts';
import { makeTestPki, type TestPki } from '../server/pki.ts';

const RECORD = `0x${'a'.repeat(64)}`;

const review = (apiVersion: string, record: string) =>
  JSON.stringify({
    kind: 'SubjectAccessReview',
    apiVersion,
    metadata: { creationTimestamp: null },
    spec: { nonResourceAttributes: { path: '/version', verb: 'get' }, user: 'sui:0x1', extra: { [EXTRA_KEYS.stakeRecord]: [record] }, uid: 'u' },
    status: { allowed: false },
  });

async function counter(result: string): Promise<number> {
  const metric = await registry.getSingleMetric('daas_auth_authorize_total')?.get();
  return metric?.values.find((v) => v.labels.result === result)?.value ?? 0;
}

let pki: TestPki;
let env: ServerEnv;
let client: ReturnType<typeof httpsClient>;
const revoked = new RevokedSet({ retainMs: 60_000, maxEntries: 10 });

beforeAll(async () => {
  pki = makeTestPki();
  const logger = createLogger({ stream: new PassThrough() });
  env = await startTestServer(pki, { requireClientCert: true, routers: [createAuthorizeRouter({ revoked, bindings: new BindingIndex(), logger })] });
  client = httpsClient(env.server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });
});

afterAll(async () => {
  client.close();
  await env.close();
});

it('requires the client certificate, like every webhook path', async () => {
  const anonymous = httpsClient(env.server.url, { ca: pki.ca });
  try {
    expect((await anonymous.post(AUTHORIZE_PATH, review('authorization.k8s.io/v1', RECORD))).status).toBe(401);
  } finally {
    anonymous.close();
  }
});

it('answers no opinion, then a denial once the stake is revoked, echoing the apiVersion', async () => {
  const before = await counter('denied_stake_revoked');
  const fine = await client.post(AUTHORIZE_PATH, review('authorization.k8s.io/v1', RECORD));
  expect([fine.status, fine.json()]).toEqual([200, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status: { allowed: false } }]);
  revoked.add(RECORD, 'StakeSlashed');
  const denied = await client.post(AUTHORIZE_PATH, review('authorization.k8s.io/v1beta1', RECORD));
  expect([denied.status, denied.json()]).toEqual([
    200,
    { apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', status: { allowed: false, denied: true, reason: `daas-auth: stake record ${RECORD} revoked on chain (StakeSlashed)` } },
  ]);
  expect(await counter('denied_stake_revoked')).toBe(before + 1);
});

it.each([
  ['duplicate keys', '{"kind":"SubjectAccessReview","kind":"SubjectAccessReview"}', 'duplicate key in body'],
  ['not JSON', '{', 'body is not valid JSON'],
  ['an empty body', '', 'empty body'],
  ['a TokenReview', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x' } }), 'apiVersion must be one of'],
])('refuses %s with a 400 and one line', async (_what, body, message) => {
  const reply = await client.post(AUTHORIZE_PATH, body);
  expect(reply.status).toBe(400);
  expect(reply.json().error).toContain(message);
});

it('refuses another content type and another method', async () => {
  expect((await client.post(AUTHORIZE_PATH, review('authorization.k8s.io/v1', RECORD), 'text/plain')).json()).toEqual({ error: 'Content-Type must be application/json' });
  expect((await client.get(AUTHORIZE_PATH)).status).toBe(405);
});
