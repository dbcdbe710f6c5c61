/**
 * Fuzz (fast-check): 100,000 random and mutated seal tokens against the authenticator, and 100,000
 * random and mutated TokenReview bodies against the real HTTPS server. Nothing may crash, no answer
 * may be a 5xx, and nothing but the untouched valid tokens may ever be accepted.
 */
import fc from 'fast-check';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { encodeBase64url } from '../../../src/token/base64url.ts';
import { makeSealToken, type SealClaims } from '../../../src/token/index.ts';
import { claimsFor, signRawClaims } from '../token/fixtures.ts';
import { tokenReview } from './client.ts';
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

// ---- token arbitraries --------------------------------------------------------------------------

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NASTY = ['=', '+', '/', ' ', '.', '\n', '\u0000', 'é', '\ud800', '%', 'seal_', '..', '=='];

const randomToken = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.tuple(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 400 }), fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 200 })).map(([a, b]) => `seal_${a}.${b}`),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => `seal_${encodeBase64url(bytes)}.${encodeBase64url(bytes.slice(0, 97))}`),
  fc.jsonValue({ maxDepth: 3 }).map((value) => `seal_${encodeBase64url(Buffer.from(JSON.stringify(value) ?? 'null'))}.${'A'.repeat(130)}`),
);

type Mutation = (token: string, rnd: number[]) => string;
const at = (token: string, r: number) => Math.floor(r * token.length);
const MUTATIONS: Mutation[] = [
  (t, [r, c]) => t.slice(0, at(t, r!)) + B64URL[Math.floor(c! * 64)] + t.slice(at(t, r!) + 1),
  (t, [r, c]) => t.slice(0, at(t, r!)) + NASTY[Math.floor(c! * NASTY.length)] + t.slice(at(t, r!)),
  (t, [r]) => t.slice(0, at(t, r!)) + t.slice(at(t, r!) + 1),
  (t, [r]) => t.slice(0, Math.max(5, at(t, r!))),
  (t) => `${t}=`,
  (t) => t.split('.').reverse().join('.'),
  (t) => `${t}.${t.split('.')[1]}`,
  (t, [r]) => (r! < 0.5 ? t.toUpperCase() : t.toLowerCase()),
  (t) => t.replace('seal_', ''),
  (t) => `${t}${'A'.repeat(8200)}`,
];

const mutatedToken = fc
  .tuple(fc.nat(valid.length ? valid.length - 1 : 3), fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true })), { minLength: 1, maxLength: 3 }))
  .map(([which, steps]) => {
    let token = valid[which % valid.length]!;
    for (const [m, r, c] of steps) token = MUTATIONS[m]!(token, [r, c]);
    return token;
  })
  .filter((token) => !valid.includes(token));

/** Claim sets that are validly signed by the right key but must still be refused. */
type ClaimBreak = (claims: SealClaims, json: string) => string;
const CLAIM_BREAKS: ClaimBreak[] = [
  (_c, json) => json.replace('{', '{"v":1,'), // duplicate key
  (_c, json) => json.replace('{', '{"groups":["system:masters"],'), // unknown claim
  (c) => JSON.stringify({ ...c, v: 2 }),
  (c) => JSON.stringify({ ...c, aud: 'another-cluster' }),
  (c) => JSON.stringify({ ...c, iat: now() + 3600, exp: now() + 3700 }),
  (c) => JSON.stringify({ ...c, exp: now() - 3600 }),
  (c) => JSON.stringify({ ...c, exp: c.iat + 3600 }),
  (c) => JSON.stringify({ ...c, iat: String(c.iat) }),
  (_c, json) => json.replace(/"exp":(\d+)/, '"exp":$1.0'),
  (c) => JSON.stringify({ ...c, tok: undefined }),
  (c) => JSON.stringify({ ...c, node: 'worker-1' }),
  (c) => JSON.stringify({ ...c, tok: `0x${'1'.repeat(64)}` }),
  (c) => JSON.stringify([c]),
];
const brokenClaims = fc.tuple(fc.nat(3), fc.nat(CLAIM_BREAKS.length - 1));

// ---- body arbitraries ---------------------------------------------------------------------------

const anyToken = fc.oneof(randomToken, mutatedToken);
const apiVersion = fc.constantFrom('authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1', 'authentication.k8s.io/v2', 'v1', '');
const review = fc.record(
  {
    apiVersion,
    kind: fc.constantFrom('TokenReview', 'tokenreview', 'AdmissionReview'),
    metadata: fc.oneof(fc.constant({ creationTimestamp: null }), fc.jsonValue({ maxDepth: 2 })),
    spec: fc.record(
      { token: fc.oneof(anyToken, fc.jsonValue({ maxDepth: 1 })), audiences: fc.oneof(fc.array(fc.string()), fc.jsonValue({ maxDepth: 1 })), extra: fc.jsonValue({ maxDepth: 1 }) },
      { requiredKeys: [] },
    ),
    status: fc.oneof(fc.constant({ user: {} }), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);
const wellFormed = fc
  .tuple(fc.constantFrom('authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'), anyToken, fc.option(fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }), { nil: undefined }))
  .filter(([, token]) => token.length > 0)
  .map(([version, token, audiences]) => JSON.stringify(tokenReview(token, version, audiences)));
const body = fc.oneof(
  { weight: 3, arbitrary: wellFormed },
  review.map((r) => JSON.stringify(r)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
  fc.string({ maxLength: 200 }),
  fc.tuple(anyToken, fc.nat(10)).map(([token, cut]) => {
    const text = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    return cut === 0 ? text.replace('"kind"', '"kind":"TokenReview","kind"') : text.slice(0, text.length - cut);
  }),
);

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
    const tokens = fc.oneof({ weight: 2, arbitrary: randomToken }, { weight: 7, arbitrary: mutatedToken }, { weight: 1, arbitrary: brokenClaims.map((b) => b as unknown) });
    let signedBreaks = 0;
    await runInBatches(tokens, RUNS, async (sample) => {
      let token: string;
      if (Array.isArray(sample)) {
        const [who, how] = sample as [number, number];
        const claims = claimSets[who]!;
        token = await signRawClaims(keys[who]!, CLAIM_BREAKS[how]!(claims, JSON.stringify(claims)));
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
