import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createHash } from 'node:crypto';
import {
  AWS_NITRO_ROOT_G1_PEM,
  AWS_NITRO_ROOT_G1_SHA256,
  awsNitroRootDer,
  parseNitroDocument,
  pemCertificatesToDer,
  verifyNitroDocument,
} from '../../../src/enclave/attestation/index.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { DAY_MS, SHARED_FIXTURES, codeOf, eternis, eternisInvalid, evervault, flipInside, flipped, suiVector } from './helpers.ts';

describe('pinned AWS Nitro root G1', () => {
  test('the embedded PEM is the fixture root, with the published SHA-256', () => {
    const fixturePem = readFileSync(resolve(SHARED_FIXTURES, 'aws-nitro-root-g1.pem'), 'utf8');
    const [fixtureDer] = pemCertificatesToDer(fixturePem);
    expect(Buffer.from(awsNitroRootDer()).equals(Buffer.from(fixtureDer!))).toBe(true);
    expect(createHash('sha256').update(pemCertificatesToDer(AWS_NITRO_ROOT_G1_PEM)[0]!).digest('hex')).toBe(
      '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b',
    );
  });
});

describe('real documents verify as of their own time', () => {
  test('evervault 2023-09-18 (debug mode, no public key)', () => {
    const { bytes, at } = evervault();
    const doc = verifyNitroDocument(bytes, { at });
    expect(doc.moduleId).toBe('i-0918f6c55e3b61d89-enc018aa8b8e2285d13');
    expect(doc.timestampMs).toBe(BigInt(at.getTime()));
    expect(doc.digest).toBe('SHA384');
    expect([...doc.pcrs.keys()]).toEqual([...Array(16).keys()]);
    expect(doc.pcrs.get(0)).toEqual(new Uint8Array(48)); // debug mode
    expect(doc.publicKey).toBeNull();
    expect(doc.userData?.length).toBe(91);
    expect(doc.nonce?.length).toBe(256);
    expect(doc.cose.tagged).toBe(false);
    expect(doc.chain).toHaveLength(5);
    expect(doc.chain[0]!.subject).toContain('CN=aws.nitro-enclaves');
    expect(doc.rootSha256).toBe(AWS_NITRO_ROOT_G1_SHA256);
  });

  test('eternis 2024-09-09 (public_key "dummy", 20-byte nonce)', () => {
    const { bytes, at } = eternis();
    const doc = verifyNitroDocument(bytes, { at });
    expect(Buffer.from(doc.publicKey!).toString()).toBe('dummy');
    expect(doc.userData?.length).toBe(68);
    expect(doc.nonce?.length).toBe(20);
    expect(doc.publicKeySha256).toBe(createHash('sha256').update('dummy').digest('hex'));
  });

  test("Sui's test vector (2024-11-14) at Sui's clock time", () => {
    const { bytes, at } = suiVector();
    const doc = verifyNitroDocument(bytes, { at });
    expect(doc.moduleId).toBe('i-0f73a4b4cb74cc9f2-enc0192e4188fef781d');
    expect(doc.userData?.length).toBe(32);
    expect(doc.nonce).toBeNull();
  });
});

describe('rejections, each with its own code', () => {
  test('eternis-invalid: its COSE signature does not verify', () => {
    const { bytes, at } = eternisInvalid();
    expect(() => parseNitroDocument(bytes)).not.toThrow();
    expect(codeOf(() => verifyNitroDocument(bytes, { at }))).toBe('SIGNATURE_INVALID');
  });

  test('one day after the leaf expired', () => {
    const { bytes, at } = eternis();
    const leaf = verifyNitroDocument(bytes, { at }).chain.at(-1)!;
    // the window is inclusive: the last second still verifies, the next one does not
    expect(() => verifyNitroDocument(bytes, { at: leaf.notAfter })).not.toThrow();
    expect(codeOf(() => verifyNitroDocument(bytes, { at: new Date(leaf.notAfter.getTime() + 1000) }))).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
    expect(codeOf(() => verifyNitroDocument(bytes, { at: new Date(leaf.notAfter.getTime() + DAY_MS) }))).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
  });

  test('before the leaf was issued', () => {
    const { bytes, at } = evervault();
    expect(codeOf(() => verifyNitroDocument(bytes, { at: new Date(at.getTime() - DAY_MS) }))).toBe(
      'CERTIFICATE_NOT_VALID_AT_TIME',
    );
  });

  test('a flipped byte in the payload', () => {
    const { bytes, at } = evervault();
    const userData = parseNitroDocument(bytes).userData!;
    const tampered = flipInside(bytes, userData, 10);
    expect(parseNitroDocument(tampered).userData).not.toEqual(userData); // still parses
    expect(codeOf(() => verifyNitroDocument(tampered, { at }))).toBe('SIGNATURE_INVALID');
  });

  test('a flipped byte in the signature', () => {
    const { bytes, at } = eternis();
    const tampered = flipped(bytes, -1, 0x80);
    expect(codeOf(() => verifyNitroDocument(tampered, { at }))).toBe('SIGNATURE_INVALID');
  });

  test('a wrong PCR (and the right one passes)', () => {
    const { bytes, at } = suiVector();
    const pcr3 = parseNitroDocument(bytes).pcrs.get(3)!;
    expect(() => verifyNitroDocument(bytes, { at, expectedPcrs: new Map([[3, pcr3]]) })).not.toThrow();
    const wrong = flipped(pcr3, 47);
    expect(codeOf(() => verifyNitroDocument(bytes, { at, expectedPcrs: new Map([[3, wrong]]) }))).toBe('PCR_MISMATCH');
    expect(codeOf(() => verifyNitroDocument(bytes, { at, expectedPcrs: new Map([[0, pcr3]]) }))).toBe('PCR_MISMATCH');
    expect(codeOf(() => verifyNitroDocument(bytes, { at, expectedPcrs: new Map([[20, pcr3]]) }))).toBe('PCR_MISMATCH');
  });

  test('a wrong nonce (and the right one passes)', () => {
    const { bytes, at } = eternis();
    const nonce = parseNitroDocument(bytes).nonce!;
    expect(() => verifyNitroDocument(bytes, { at, nonce })).not.toThrow();
    expect(codeOf(() => verifyNitroDocument(bytes, { at, nonce: nonce.subarray(1) }))).toBe('NONCE_MISMATCH');
    const other = flipped(nonce, 0);
    expect(codeOf(() => verifyNitroDocument(bytes, { at, nonce: other }))).toBe('NONCE_MISMATCH');
    const noNonce = suiVector();
    expect(codeOf(() => verifyNitroDocument(noNonce.bytes, { at: noNonce.at, nonce }))).toBe('NONCE_MISMATCH');
  });

  test('a wrong public key (and the right one passes)', () => {
    const { bytes, at } = eternis();
    expect(() => verifyNitroDocument(bytes, { at, publicKey: Buffer.from('dummy') })).not.toThrow();
    expect(codeOf(() => verifyNitroDocument(bytes, { at, publicKey: Buffer.from('dummz') }))).toBe('PUBLIC_KEY_MISMATCH');
    const none = evervault();
    expect(codeOf(() => verifyNitroDocument(none.bytes, { at: none.at, publicKey: Buffer.from('dummy') }))).toBe(
      'PUBLIC_KEY_MISMATCH',
    );
  });

  test('a different root', () => {
    const { bytes, at } = evervault();
    const otherRoot = SimulatedNsm.generate().rootPem;
    expect(codeOf(() => verifyNitroDocument(bytes, { at, roots: [otherRoot] }))).toBe('UNTRUSTED_ROOT');
    // the AWS root given explicitly, beside another, still works
    expect(() => verifyNitroDocument(bytes, { at, roots: [otherRoot, AWS_NITRO_ROOT_G1_PEM] })).not.toThrow();
  });
});

describe('COSE tagging', () => {
  test('tagged (18) and untagged forms both parse and verify', () => {
    const { bytes, at } = eternis();
    const tagged = new Uint8Array([0xd2, ...bytes]);
    expect(parseNitroDocument(bytes).cose.tagged).toBe(false);
    expect(parseNitroDocument(tagged).cose.tagged).toBe(true);
    expect(verifyNitroDocument(tagged, { at }).moduleId).toBe(verifyNitroDocument(bytes, { at }).moduleId);
  });

  test('any other tag is rejected', () => {
    const { bytes } = eternis();
    expect(codeOf(() => parseNitroDocument(new Uint8Array([0xd3, ...bytes])))).toBe('MALFORMED_COSE');
    expect(codeOf(() => parseNitroDocument(new Uint8Array([0xd2, 0xd2, ...bytes])))).toBe('MALFORMED_COSE');
  });
});
