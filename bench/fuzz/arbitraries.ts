/**
 * fast-check arbitraries for fuzzing the webhook: random and mutated seal tokens, validly signed claim
 * sets that must still be refused, TokenReview bodies and AdmissionReview bodies. Shared by the unit
 * fuzz test (test/unit/server/fuzz.test.ts, 100,000 cases) and `npm run fuzz` (bench/fuzz/run.ts).
 *
 * `valid` is read at sample time, so callers may fill it after building the arbitraries.
 */
import fc from 'fast-check';
import { encodeBase64url } from '../../src/token/base64url.ts';
import type { SealClaims } from '../../src/token/claims.ts';

export const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NASTY = ['=', '+', '/', ' ', '.', '\n', '\u0000', 'é', '\ud800', '%', 'seal_', '..', '==', '\ufeff'];

// Strings built from index arrays: fast-check's own unit strings build a reverse map of their whole
// alphabet (all of Unicode for 'binary'), which dominated a million-case run.
const b64String = (maxLength: number) => fc.array(fc.nat(63), { maxLength }).map((ix) => ix.map((i) => B64URL[i]).join(''));
const anyUnicode = (maxLength: number) => fc.array(fc.nat(0x10ffff), { maxLength }).map((cps) => String.fromCodePoint(...cps));

export const randomToken: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 600 }),
  anyUnicode(300),
  fc.tuple(b64String(400), b64String(200)).map(([a, b]) => `seal_${a}.${b}`),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => `seal_${encodeBase64url(bytes)}.${encodeBase64url(bytes.slice(0, 97))}`),
  fc.jsonValue({ maxDepth: 3 }).map((value) => `seal_${encodeBase64url(Buffer.from(JSON.stringify(value) ?? 'null'))}.${'A'.repeat(130)}`),
);

type Mutation = (token: string, rnd: [number, number]) => string;
const at = (token: string, r: number) => Math.floor(r * token.length);
const MUTATIONS: Mutation[] = [
  (t, [r, c]) => t.slice(0, at(t, r)) + B64URL[Math.floor(c * 64)] + t.slice(at(t, r) + 1),
  (t, [r, c]) => t.slice(0, at(t, r)) + NASTY[Math.floor(c * NASTY.length)] + t.slice(at(t, r)),
  (t, [r]) => t.slice(0, at(t, r)) + t.slice(at(t, r) + 1),
  (t, [r]) => t.slice(0, Math.max(5, at(t, r))),
  (t) => `${t}=`,
  (t) => t.split('.').reverse().join('.'),
  (t) => `${t}.${t.split('.')[1]}`,
  (t, [r]) => (r < 0.5 ? t.toUpperCase() : t.toLowerCase()),
  (t) => t.replace('seal_', ''),
  (t) => `${t}${'A'.repeat(8200)}`,
  // The signature segment reversed, maybe shortened: same alphabet, wrong bytes.
  (t, [r]) => `${t.split('.')[0]}.${t.split('.')[1]?.split('').reverse().join('') ?? ''}`.slice(0, t.length - Math.floor(r * 3)),
];

/** 1–3 mutations of a valid seed token; never a seed itself. */
export function mutatedToken(valid: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat(), fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true })), { minLength: 1, maxLength: 3 }))
    .map(([which, steps]) => {
      let token = valid[which % valid.length]!;
      for (const [m, r, c] of steps) token = MUTATIONS[m]!(token, [r, c]);
      return token;
    })
    .filter((token) => !valid.includes(token));
}

/** Claim texts that are validly signed by the right key but must still be refused. */
export type ClaimBreak = (claims: SealClaims, json: string, now: number) => string;
export const CLAIM_BREAKS: ClaimBreak[] = [
  (_c, json) => json.replace('{', '{"v":1,'), // duplicate key
  (_c, json) => json.replace('{', '{"groups":["system:masters"],'), // unknown claim
  (c) => JSON.stringify({ ...c, v: 2 }),
  (c) => JSON.stringify({ ...c, aud: 'another-cluster' }),
  (c, _j, now) => JSON.stringify({ ...c, iat: now + 3600, exp: now + 3700 }),
  (c, _j, now) => JSON.stringify({ ...c, exp: now - 3600 }),
  (c) => JSON.stringify({ ...c, exp: c.iat + 3600 }),
  (c) => JSON.stringify({ ...c, iat: String(c.iat) }),
  (_c, json) => json.replace(/"exp":(\d+)/, '"exp":$1.0'),
  (c) => JSON.stringify({ ...c, tok: undefined }),
  (c) => JSON.stringify({ ...c, node: 'worker-1' }),
  (c) => JSON.stringify({ ...c, tok: `0x${'1'.repeat(64)}` }),
  (c) => JSON.stringify([c]),
  (_c, json) => `\ufeff${json}`, // byte-order mark
  (c) => JSON.stringify({ ...c, sub: c.sub.toUpperCase().replace('0X', '0x') }),
];

export const TOKENREVIEW_VERSIONS = ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'] as const;

/** Well-formed TokenReview bodies around `token`, and malformed ones. */
export function tokenReviewBody(anyToken: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const apiVersion = fc.constantFrom(...TOKENREVIEW_VERSIONS, 'authentication.k8s.io/v2', 'v1', '');
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
    .tuple(fc.constantFrom(...TOKENREVIEW_VERSIONS), anyToken, fc.option(fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }), { nil: undefined }))
    .filter(([, token]) => token.length > 0)
    .map(([version, token, audiences]) => JSON.stringify({ apiVersion: version, kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token, ...(audiences ? { audiences } : {}) }, status: { user: {} } }));
  return fc.oneof(
    { weight: 3, arbitrary: wellFormed },
    review.map((r) => JSON.stringify(r)),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
    fc.string({ maxLength: 200 }),
    fc.tuple(anyToken, fc.nat(10)).map(([token, cut]) => {
      const text = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      if (cut === 0) return text.replace('"kind"', '"kind":"TokenReview","kind"');
      if (cut === 1) return `\ufeff${text}`;
      return text.slice(0, text.length - cut);
    }),
  );
}

const SUI_ID = fc.oneof(fc.constant(`0x${'ab'.repeat(32)}`), fc.string({ maxLength: 70 }));

/** AdmissionReview bodies for /admission/sealbindings and /admission/nodes: plausible and broken. */
export const admissionReviewBody: fc.Arbitrary<string> = (() => {
  const bindingSpec = fc.record(
    { nodeName: fc.oneof(fc.constantFrom('worker-1', 'cp-1', ''), fc.string({ maxLength: 80 })), owner: SUI_ID, stakeRecord: SUI_ID, sealToken: SUI_ID, drainPolicy: fc.jsonValue({ maxDepth: 2 }) },
    { requiredKeys: [] },
  );
  const object = fc.oneof(
    fc.record({ apiVersion: fc.constant('daas.io/v1alpha1'), kind: fc.constant('SealBinding'), metadata: fc.record({ name: fc.string({ maxLength: 80 }) }), spec: bindingSpec }),
    fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Node'), metadata: fc.record({ name: fc.string({ maxLength: 80 }), labels: fc.dictionary(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })) }, { requiredKeys: ['name'] }) }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const request = fc.record(
    {
      uid: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
      kind: fc.oneof(fc.constant({ group: 'daas.io', version: 'v1alpha1', kind: 'SealBinding' }), fc.constant({ group: '', version: 'v1', kind: 'Node' }), fc.jsonValue({ maxDepth: 1 })),
      resource: fc.oneof(fc.constant({ group: 'daas.io', version: 'v1alpha1', resource: 'sealbindings' }), fc.constant({ group: '', version: 'v1', resource: 'nodes' })),
      operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'create', ''),
      userInfo: fc.oneof(fc.record({ username: fc.oneof(fc.constant('sui:0xabc'), fc.string({ maxLength: 40 })), groups: fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }) }), fc.jsonValue({ maxDepth: 1 })),
      name: fc.string({ maxLength: 80 }),
      object,
      oldObject: fc.option(object, { nil: undefined }),
    },
    { requiredKeys: ['uid'] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1', ''), kind: fc.constantFrom('AdmissionReview', 'TokenReview'), request }, { requiredKeys: [] }).map((r) => JSON.stringify(r)) },
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
    fc.string({ maxLength: 300 }),
  );
})();
