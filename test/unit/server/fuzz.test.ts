/**
 * Fuzz (fast-check): 100,000 random and mutated seal tokens against the authenticator, and 100,000
 * random and mutated TokenReview bodies against the real HTTPS server. Nothing may crash, no answer
 * may be a 5xx, and nothing but the untouched valid tokens may ever be accepted.
 */
import fc from 'fast-check';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { CLAIM_BREAKS, mutatedToken, randomToken, tokenReviewBody } from '../../../bench/fuzz/arbitraries.ts';
import { makeSealToken, type SealClaims } from '../../../src/token/index.ts';
import { claimsFor, signRawClaims } from '../token/fixtures.ts';
import { openTestServer, type ServerEnv, type TestClient } from './harness.ts';
import { makeTestPki } from './pki.ts';

const RUNS = Number(process.env.DAAS_FUZZ_RUNS ?? 100_000);
const SEED = 20_240_601;
const now = () => Math.floor(Date.now() / 1000);

let env: ServerEnv;
let client: TestClient;
let close: () => Promise<void>;
const valid: string[] = [];
const keys: Ed25519Keypair[] = [];
const claimSets: SealClaims[] = [];

beforeAll(async () => {
  ({ env, client, close } = await openTestServer(makeTestPki()));
  for (let i = 0; i < 4; i++) {
    const kp = new Ed25519Keypair();
    const { token } = env.chain.stake(kp, [0.5, 2, 5, 10][i]!);
    const claims = claimsFor(kp, { tok: token.id, iat: now() - 5, exp: now() + 800, nonce: `n${i}` });
    keys.push(kp);
    claimSets.push(claims);
    valid.push(await makeSealToken(kp, claims));
  }
  // Sanity: the seeds themselves are accepted, so "never accepted" below means something.
  for (const token of valid) expect((await env.authn.authenticate(token)).authenticated).toBe(true);
});

afterAll(() => close());

// ---- arbitraries (shared with `npm run fuzz`: bench/fuzz/arbitraries.ts) ---------------------------

const mutated = mutatedToken(valid);
const brokenClaims = fc.tuple(fc.nat(3), fc.nat(CLAIM_BREAKS.length - 1));
const anyToken = fc.oneof(randomToken, mutated);
const body = tokenReviewBody(anyToken);

// ---- runs ---------------------------------------------------------------------------------------

/** Runs `check` over `RUNS` samples, 64 at a time (property failures still report the sample). */
async function runInBatches<T>(arb: fc.Arbitrary<T>, runs: number, check: (sample: T) => Promise<void>): Promise<void> {
  const samples = fc.sample(arb, { numRuns: runs, seed: SEED });
  for (let i = 0; i < samples.length; i += 64) {
    await Promise.all(
      samples.slice(i, i + 64).map(async (sample) => {
        try {
          await check(sample);
        } catch (error) {
          throw new Error(`fuzz sample ${JSON.stringify(sample).slice(0, 400)}: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  }
}

describe('fuzz', () => {
  it(`refuses ${RUNS} random and mutated tokens without crashing`, async () => {
    const tokens = fc.oneof({ weight: 2, arbitrary: randomToken }, { weight: 7, arbitrary: mutated }, { weight: 1, arbitrary: brokenClaims.map((b) => b as unknown) });
    let signedBreaks = 0;
    await runInBatches(tokens, RUNS, async (sample) => {
      let token: string;
      if (Array.isArray(sample)) {
        const [who, how] = sample as [number, number];
        const claims = claimSets[who]!;
        token = await signRawClaims(keys[who]!, CLAIM_BREAKS[how]!(claims, JSON.stringify(claims), now()));
        signedBreaks++;
      } else token = sample as string;
      const decision = await env.authn.authenticate(token);
      expect(decision.authenticated).toBe(false);
      expect('error' in decision).toBe(false);
    });
    expect(signedBreaks).toBeGreaterThan(RUNS / 20);
  }, 900_000);

  it(`answers ${RUNS} random and mutated TokenReview bodies with no 5xx and no acceptance`, async () => {
    const seen = new Map<number, number>();
    await runInBatches(body, RUNS, async (text) => {
      const reply = await client.post('/authenticate', text);
      seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);
      expect([200, 400, 413]).toContain(reply.status);
      if (reply.status === 200) expect(reply.json().status).toEqual({ authenticated: false });
    });
    // Both well-formed refusals and malformed-request answers were exercised.
    expect(seen.get(200)).toBeGreaterThan(RUNS / 50);
    expect(seen.get(400)).toBeGreaterThan(RUNS / 50);
  }, 900_000);
});
