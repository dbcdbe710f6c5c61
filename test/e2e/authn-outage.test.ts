/**
 * The webhook against a chain that goes away, on a private sui-sim (the run's shared sim must keep
 * running for everyone else) and an in-process `serve` configured as in production:
 * - cached identities keep working until their TTL, new tokens get `authenticated: false` with an
 *   `error` (not a verdict), /readyz says not ready;
 * - when the sim comes back on the same address, service recovers by itself;
 * - a SealToken expired at the current epoch is refused (epochs are advanced on this private sim
 *   only: a hundred epochs on the shared one would expire everybody's tokens).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { authnComponent } from '../../src/authn/component.ts';
import { resolveNetwork } from '../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/log/index.ts';
import { startServe, type Serving } from '../../src/server/serve.ts';
import { SimAdminClient, startSim } from '../../src/sim/index.ts';
import { get } from '../../hack/lib/probe.ts';
import { freePorts } from '../../hack/lib/ports.ts';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { bearer, closeReviewAgent, review } from './authn-support.ts';
import { e2eEnv, waitFor } from './harness/index.ts';

const CACHE_TTL_SECONDS = 10;

let stateDir: string;
let sim: Awaited<ReturnType<typeof startSim>> | undefined;
let ports: { port: number; adminPort: number };
let serving: Serving;

// The sim comes back on the same ports, so they are drawn below the ephemeral range (hack/lib/ports.ts):
// a kernel-chosen port could be taken by some outgoing connection while the sim is down.
const startPrivateSim = async () => {
  sim = await startSim({ stateDir, quiet: true, ...ports });
};
const url = () => serving.url;
const readyz = () => get(`${url()}/readyz`, { ca: e2eEnv().cluster.webhook.caFile });

async function privateStaker(sui: number) {
  const net = resolveNetwork('local', { stateDir, env: {} });
  const key = Ed25519Keypair.generate();
  await new SimAdminClient(sim!.adminUrl).fund(key.toSuiAddress(), BigInt(sui + 5) * MIST_PER_SUI);
  const writer = new ChainWriter(net, key);
  const { recordId } = await writer.stake({ mist: BigInt(sui) * MIST_PER_SUI, kind: 'user' });
  const { tokenId } = await writer.createSealToken(recordId);
  return { key, tokenId };
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(e2eEnv().runDir, 'outage-sim-'));
  const [port, adminPort] = (await freePorts(2)) as [number, number];
  ports = { port, adminPort };
  await startPrivateSim();
  const { webhook } = e2eEnv().cluster;
  const config = loadConfig({
    env: {},
    flags: {
      network: { name: 'local', stateDir, eventPollMs: 200, timeout: 2 },
      clusters: [{ id: 'daas-e2e', apiAudiences: ['https://kubernetes.default.svc.cluster.local'] }],
      cache: { ttl: CACHE_TTL_SECONDS },
      server: { host: '127.0.0.1', port: 0, tlsCertFile: webhook.servingCertFile, tlsKeyFile: webhook.servingKeyFile, clientCaFile: webhook.clientCaFile },
      kubernetes: { watchBindings: false },
    },
  });
  serving = await startServe(config, silentLogger(), [authnComponent]);
});

afterAll(async () => {
  closeReviewAgent();
  await serving?.close();
  await sim?.stop();
});

it('a SealToken expired at the current epoch is refused', async () => {
  const s = await privateStaker(2);
  const token = await bearer(s.key, s.tokenId);
  expect((await review(token, { url: url() })).body.status.authenticated).toBe(true);
  await new SimAdminClient(sim!.adminUrl).advanceEpoch(100);
  // Cached or fresh, the answer turns into a definitive refusal once the new epoch is seen.
  await waitFor('the expired SealToken to be refused', async () => {
    const { body } = await review(await bearer(s.key, s.tokenId), { url: url() });
    return body.status.authenticated === false && body.status.error === undefined;
  }, { timeoutMs: 20_000 });
  await waitFor('the cached identity to be refused too', async () => (await review(token, { url: url() })).body.status.authenticated === false, { timeoutMs: 20_000 });
  expect((await review(token, { url: url() })).body.status).toEqual({ authenticated: false });
});

it('keeps cached identities until their TTL while the chain is down, fails new ones with error, and recovers', async () => {
  const s = await privateStaker(2);
  const cachedToken = await bearer(s.key, s.tokenId);
  const cachedAt = Date.now();
  expect((await review(cachedToken, { url: url() })).body.status.authenticated).toBe(true);
  expect((await readyz()).status).toBe(200);

  await sim!.stop();
  sim = undefined;

  // Cached: still authenticated (within the TTL).
  expect((await review(cachedToken, { url: url() })).body.status).toMatchObject({ authenticated: true });
  expect(Date.now() - cachedAt).toBeLessThan(CACHE_TTL_SECONDS * 1000);
  // New token: not a verdict, an error, and 200 (never a 5xx).
  const freshToken = await bearer(s.key, s.tokenId, { nonce: 'fresh' });
  const fresh = await review(freshToken, { url: url() });
  expect(fresh.status).toBe(200);
  expect(fresh.body.status).toEqual({ authenticated: false, error: expect.stringMatching(/chain unavailable/) });
  // The error (also the audit line's) names the endpoint by its label, never by its URL or address.
  expect(fresh.body.status.error).toMatch(/endpoint #0/);
  expect(fresh.body.status.error).not.toMatch(/127\.0\.0\.1|https?:\/\//);
  await waitFor('/readyz to report the chain down', async () => (await readyz()).status === 503, { timeoutMs: 15_000 });

  // Past the TTL the cached identity is gone too, and without the chain it is an error, not a refusal.
  await waitFor('the cached identity to expire', async () => (await review(cachedToken, { url: url() })).body.status.error !== undefined, { timeoutMs: (CACHE_TTL_SECONDS + 5) * 1000 });
  expect(Date.now() - cachedAt).toBeGreaterThanOrEqual(CACHE_TTL_SECONDS * 1000);

  // The sim returns on the same address: service recovers by itself.
  await startPrivateSim();
  await waitFor('the new token to be accepted', async () => (await review(freshToken, { url: url() })).body.status.authenticated, { timeoutMs: 30_000 });
  expect((await review(cachedToken, { url: url() })).body.status.authenticated).toBe(true);
  await waitFor('/readyz to recover', async () => (await readyz()).status === 200, { timeoutMs: 15_000 });
}, 120_000);
