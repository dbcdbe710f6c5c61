import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Encoder } from 'cbor-x';
import { parseNitroDocument, verifyNitroDocument } from '../../../src/enclave/attestation/index.ts';
import { loadNitroAttestationForSim, NITRO_ABORT } from '../../../src/sim/nitro-attestation.ts';
import { encodeCoseSign1, ES384_PROTECTED_HEADER, sigStructure } from '../../../src/enclave/attestation/cose.ts';
import { OID } from '../../../src/enclave/attestation/x509.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { buildCertificate, type CertificateSpec } from '../../../src/enclave/nsm-sim/x509-builder.ts';
import { MoveAbort } from '../../../src/sim/package/api.ts';
import { codeOf, evervault, flipped } from './helpers.ts';

const at = new Date('2030-06-01T00:00:00Z');
const from = new Date('2030-01-01T00:00:00Z');
const until = new Date('2031-01-01T00:00:00Z');
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const p384 = () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const name = (cn: string) => [[OID.COMMON_NAME, cn] as const];

type Tweak = Partial<Pick<CertificateSpec, 'ca' | 'pathLen' | 'keyUsageBits' | 'omitBasicConstraints' | 'issuer'>>;

/**
 * A document signed by a hand-built chain root → ca1 → ca2 → leaf (cabundle [root, ca1, ca2]),
 * with per-certificate tweaks; returns it with the root PEM to trust.
 */
function documentWith(tweaks: { root?: Tweak; ca1?: Tweak; ca2?: Tweak; leaf?: Tweak } = {}) {
  const keys = { root: p384(), ca1: p384(), ca2: p384(), leaf: p384() };
  const cert = (cn: 'root' | 'ca1' | 'ca2' | 'leaf', issuer: 'root' | 'ca1' | 'ca2', signer: KeyObject, ca: boolean) =>
    buildCertificate({
      subject: name(cn),
      issuer: name(issuer),
      notBefore: from,
      notAfter: until,
      subjectKey: keys[cn].publicKey,
      signingKey: signer,
      ca,
      ...tweaks[cn],
    });
  const root = cert('root', 'root', keys.root.privateKey, true);
  const ca1 = cert('ca1', 'root', keys.root.privateKey, true);
  const ca2 = cert('ca2', 'ca1', keys.ca1.privateKey, true);
  const leaf = cert('leaf', 'ca2', keys.ca2.privateKey, false);
  const payload = encoder.encode(
    new Map<string, unknown>([
      ['module_id', 'i-test-enc0'],
      ['digest', 'SHA384'],
      ['timestamp', BigInt(at.getTime())],
      ['pcrs', new Map([0, 1, 2, 3, 4, 8].map((i) => [i, new Uint8Array(48)]))],
      ['certificate', leaf],
      ['cabundle', [root, ca1, ca2]],
      ['public_key', null],
      ['user_data', null],
      ['nonce', null],
    ]),
  );
  const signature = sign('sha384', sigStructure(ES384_PROTECTED_HEADER, payload), {
    key: keys.leaf.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const rootPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(root).toString('base64')}\n-----END CERTIFICATE-----`;
  return { bytes: encodeCoseSign1(ES384_PROTECTED_HEADER, payload, signature, false), rootPem };
}

/** Strict code and Sui abort code for the same document. */
function outcome(doc: { bytes: Uint8Array; rootPem: string }): [string, number | 'ok'] {
  let strict = 'ok';
  try {
    verifyNitroDocument(doc.bytes, { at, roots: [doc.rootPem] });
  } catch {
    strict = codeOf(() => verifyNitroDocument(doc.bytes, { at, roots: [doc.rootPem] }));
  }
  let sui: number | 'ok' = 'ok';
  try {
    loadNitroAttestationForSim(doc.bytes, BigInt(at.getTime()), [doc.rootPem]);
  } catch (error) {
    sui = (error as MoveAbort).code;
  }
  return [strict, sui];
}

describe('certificate chain constraints (strict verifier and Sui mirror alike)', () => {
  test('a well-formed four-certificate chain verifies', () => {
    expect(outcome(documentWith())).toEqual(['ok', 'ok']);
  });

  test.each<[string, Parameters<typeof documentWith>[0]]>([
    ['a leaf without keyUsage', { leaf: { keyUsageBits: null } }],
    ['a leaf whose keyUsage lacks digitalSignature', { leaf: { keyUsageBits: 0x04 } }],
    ['a leaf marked as a CA', { leaf: { ca: true } }],
    ['an intermediate without keyCertSign', { ca2: { keyUsageBits: 0x82 } }],
    ['an intermediate that is not a CA', { ca2: { ca: false, keyUsageBits: 0x86 } }],
    ['an intermediate without basicConstraints', { ca1: { omitBasicConstraints: true } }],
    ['a pathLen of 0 with a CA below', { ca1: { pathLen: 0 } }],
    ['a root without keyUsage', { root: { keyUsageBits: null } }],
    ['an issuer name that is not the next subject', { ca2: { issuer: name('someone else') } }],
  ])('%s is CHAIN_INVALID / EVerifyError', (_name, tweaks) => {
    expect(outcome(documentWith(tweaks))).toEqual(['CHAIN_INVALID', NITRO_ABORT.VERIFY]);
  });

  test('pathLen 1 above one CA is enough', () => {
    expect(outcome(documentWith({ ca1: { pathLen: 1 } }))).toEqual(['ok', 'ok']);
  });
});

describe('certificate signatures and names', () => {
  test('a corrupted intermediate signature (real document) is CHAIN_INVALID, before the COSE signature', () => {
    const { bytes, at: when } = evervault();
    const zonal = parseNitroDocument(bytes).cabundle[2]!;
    const corrupted = flipped(zonal, -3); // inside the certificate's own ECDSA signature
    const at2 = Buffer.from(bytes).indexOf(Buffer.from(zonal));
    const tampered = new Uint8Array(bytes);
    tampered.set(corrupted, at2);
    expect(codeOf(() => verifyNitroDocument(tampered, { at: when }))).toBe('CHAIN_INVALID');
    expect(() => loadNitroAttestationForSim(tampered, BigInt(when.getTime()))).toThrow(MoveAbort);
  });

  test('a same-named CA from another PKI does not chain (signature check, not names)', () => {
    const nsm = SimulatedNsm.generate({ validFrom: from });
    const impostor = parseNitroDocument(SimulatedNsm.generate({ validFrom: from }).attest({}, { at })).cabundle[1]!;
    const doc = nsm.attest({}, { at, mutatePayload: (p) => p.set('cabundle', [nsm.rootDer, impostor]) });
    expect(codeOf(() => verifyNitroDocument(doc, { at, roots: [nsm.rootPem] }))).toBe('CHAIN_INVALID');
  });
});
