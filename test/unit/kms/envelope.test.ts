/** Wrapping under a KEK ring: round trips, key ids, rotation, and every malformed input refused by name. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  ALG_ANNOTATION,
  API_LIMIT_BYTES,
  generateKek,
  KmsError,
  makeKek,
  MAX_PLAINTEXT_BYTES,
} from '../../../src/kms/envelope.ts';
import { Keyring } from '../../../src/kms/keyring.ts';

const single = () => {
  const kek = generateKek();
  return new Keyring([kek], kek.id);
};

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof KmsError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('key ids', () => {
  it('are derived from the KEK: same key, same id; different key, different id; never the key itself', () => {
    const key = randomBytes(32);
    expect(makeKek(key).id).toBe(makeKek(Buffer.from(key)).id);
    expect(makeKek(randomBytes(32)).id).not.toBe(makeKek(key).id);
    expect(makeKek(key).id).toMatch(/^kek-[0-9a-f]{32}$/);
    expect(makeKek(key).id).not.toContain(key.toString('hex').slice(0, 8));
  });

  it('refuses a KEK of the wrong size', () => {
    expect(() => makeKek(randomBytes(16))).toThrow(/32 bytes, not 16/);
  });
});

describe('Keyring', () => {
  it('round-trips any plaintext up to the limit, with a fresh ciphertext each time and under 1 kB', () => {
    const ring = single();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: MAX_PLAINTEXT_BYTES }), (pt) => {
        const a = ring.encrypt(pt);
        const b = ring.encrypt(pt);
        expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
        expect(a.ciphertext.length).toBeLessThan(API_LIMIT_BYTES);
        expect(ring.decrypt(a.ciphertext, a.keyId, a.annotations)).toEqual(Buffer.from(pt));
      }),
      { numRuns: 50 },
    );
  });

  it('answers with the current key id and an RFC 1123 annotation key', () => {
    const ring = single();
    const out = ring.encrypt(randomBytes(32));
    expect(out.keyId).toBe(ring.current.id);
    expect(Object.keys(out.annotations)).toEqual([ALG_ANNOTATION]);
    expect(ALG_ANNOTATION).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });

  it('after rotation wraps under the new key and still unwraps under the old', () => {
    const ring = single();
    const old = ring.encrypt(Buffer.from('old data key'));
    const next = ring.rotated(generateKek());
    const fresh = next.encrypt(Buffer.from('new data key'));
    expect(fresh.keyId).toBe(next.current.id);
    expect(fresh.keyId).not.toBe(old.keyId);
    expect(next.decrypt(old.ciphertext, old.keyId, old.annotations).toString()).toBe('old data key');
    expect(next.decrypt(fresh.ciphertext, fresh.keyId, fresh.annotations).toString()).toBe('new data key');
    expect(refusal(() => ring.decrypt(fresh.ciphertext, fresh.keyId, fresh.annotations)).code).toBe('NOT_FOUND');
  });

  it('refuses a ciphertext from another KEK by naming the key it does not hold', () => {
    const other = single().encrypt(randomBytes(32));
    const r = refusal(() => single().decrypt(other.ciphertext, other.keyId, other.annotations));
    expect(r).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining(`${other.keyId}, which this plugin does not hold`) });
  });

  it('refuses every truncation', () => {
    const ring = single();
    const { ciphertext, keyId, annotations } = ring.encrypt(randomBytes(32));
    for (let len = 0; len < ciphertext.length; len++) {
      const r = refusal(() => ring.decrypt(ciphertext.subarray(0, len), keyId, annotations));
      expect(r.code).toBe('INVALID_ARGUMENT');
      expect(r.message).toMatch(/too short|failed authentication/);
    }
  });

  it('refuses a flip of any bit', () => {
    const ring = single();
    const { ciphertext, annotations } = ring.encrypt(randomBytes(32));
    for (let i = 0; i < ciphertext.length * 8; i++) {
      const bad = Buffer.from(ciphertext);
      bad[i >> 3]! ^= 1 << (i & 7);
      const r = refusal(() => ring.decrypt(bad, '', annotations));
      expect(r.message).toMatch(/bad header|unknown ciphertext version|does not hold|failed authentication/);
    }
  });

  it('refuses oversized input, empty plaintext, a mismatched key id and unknown annotations', () => {
    const ring = single();
    const ok = ring.encrypt(randomBytes(32));
    expect(refusal(() => ring.encrypt(new Uint8Array(MAX_PLAINTEXT_BYTES + 1))).message).toMatch(/over the 512-byte limit/);
    expect(refusal(() => ring.encrypt(new Uint8Array(0))).message).toMatch(/plaintext is empty/);
    expect(refusal(() => ring.decrypt(Buffer.alloc(API_LIMIT_BYTES + 1), '', {})).message).toMatch(/over the 1024-byte limit/);
    expect(refusal(() => ring.decrypt(ok.ciphertext, 'kek-00', ok.annotations)).message).toMatch(/does not match the ciphertext's key/);
    expect(refusal(() => ring.decrypt(ok.ciphertext, ok.keyId, { 'x.example': Buffer.from('1') })).message).toMatch(/unknown annotation/);
    expect(refusal(() => ring.decrypt(ok.ciphertext, ok.keyId, { [ALG_ANNOTATION]: Buffer.from('rot13') })).message).toMatch(/unsupported algorithm/);
    expect(refusal(() => ring.decrypt(Buffer.alloc(100, 7), '', {})).message).toMatch(/not a daas-auth KMS ciphertext/);
  });

  it('refuses a ring whose current key it does not hold, or a key held twice', () => {
    const a = generateKek();
    expect(() => new Keyring([a], generateKek().id)).toThrow(/not among the keys held/);
    expect(() => new Keyring([a, a], a.id)).toThrow(/held twice/);
  });
});
