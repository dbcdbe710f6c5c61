/**
 * Revocation while cached, through the real sui-sim and webhook: after a slash transaction the next
 * TokenReview for that staker is refused within 2 s (measured), and kubectl gets a 401; revoking the
 * SealToken works the same way.
 */
import { readFileSync } from 'node:fs';
import { ChainWriter } from '../../src/chain/writer.ts';
import { parseSuiPrivateKey } from '../../src/cli/keys.ts';
import { tokenHash } from '../../src/token/hash.ts';
import { bearer, closeReviewAgent, daasEnv, review, staker, UNAUTHORIZED, whoami } from './authn-support.ts';
import { e2eEnv, localNetwork, waitFor } from './harness/index.ts';

afterAll(() => closeReviewAgent());

/** The webhook's audit lines for one token. */
function auditLines(token: string): Array<{ result: string; cached?: boolean }> {
  const hash = tokenHash(token);
  return readFileSync(daasEnv().logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(hash))
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.audit === 'tokenreview' && entry.tokenHash === hash);
}

/** Polls the webhook until it refuses `token`; returns the milliseconds since `since`. */
async function msUntilRefused(token: string, since: number): Promise<number> {
  for (;;) {
    const { body } = await review(token);
    if (!body.status.authenticated) {
      expect(body.status.error).toBeUndefined();
      return performance.now() - since;
    }
    if (performance.now() - since > 30_000) throw new Error('still authenticated 30 s after the revocation');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('slash while cached: refused within 2 s of the slash transaction', async () => {
  const s = await staker(5);
  const token = await bearer(s.key, s.tokenId);
  expect((await review(token)).body.status.authenticated).toBe(true);
  expect((await review(token)).body.status.authenticated).toBe(true);
  // Audit lines are written in batches: wait for both, the second answered from the cache.
  await waitFor('both audit lines', async () => auditLines(token).length >= 2, { timeoutMs: 5_000, intervalMs: 20 });
  expect(auditLines(token).map((line) => line.cached)).toEqual([false, true]);

  const admin = new ChainWriter(localNetwork(), parseSuiPrivateKey(e2eEnv().sim.network.adminKey, 'sim admin key'));
  await admin.slash(s.recordId, 'e2e: slash while cached');
  const slashedAt = performance.now();
  const elapsed = await msUntilRefused(token, slashedAt);
  process.stderr.write(`[authn-revocation] refused ${Math.round(elapsed)} ms after the slash transaction\n`);
  expect(elapsed).toBeLessThanOrEqual(2_000);
  expect(await whoami(token)).toEqual({ error: expect.stringMatching(UNAUTHORIZED) });
});

it('revoking the SealToken while cached refuses its bearer tokens within 2 s', async () => {
  const s = await staker(2);
  const token = await bearer(s.key, s.tokenId);
  expect((await review(token)).body.status.authenticated).toBe(true);
  await s.writer.revokeSealToken(s.tokenId);
  const revokedAt = performance.now();
  expect(await msUntilRefused(token, revokedAt)).toBeLessThanOrEqual(2_000);
  expect(await whoami(token)).toEqual({ error: expect.stringMatching(UNAUTHORIZED) });
});
