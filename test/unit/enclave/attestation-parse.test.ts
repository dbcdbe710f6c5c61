import { Decoder, Encoder, Tag } from 'cbor-x';
import { parseNitroDocument, verifyNitroDocument } from '../../../src/enclave/attestation/index.ts';
import { byteString, encodeCoseSign1, ES384_PROTECTED_HEADER } from '../../../src/enclave/attestation/cose.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { codeOf, eternis } from './helpers.ts';

const nsm = SimulatedNsm.generate();
const roots = [nsm.rootPem];
const at = new Date();
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const SIGNATURE = new Uint8Array(96);

/** A document whose payload map was edited before signing: any rejection is the parser's. */
const edited = (edit: (payload: Map<string, unknown>) => void) => nsm.attest({}, { at, mutatePayload: edit });
/** A COSE_Sign1 around arbitrary payload bytes (signature irrelevant: parsing fails or passes first). */
const envelope = (payload: Uint8Array, header = ES384_PROTECTED_HEADER) => encodeCoseSign1(header, payload, SIGNATURE, false);
const payloadOf = (doc: Uint8Array) => parseNitroDocument(doc).cose.payload;

describe('strict payload schema', () => {
  test('a document of the real shape parses, with null optional fields', () => {
    const doc = parseNitroDocument(nsm.attest({}, { at }));
    expect(doc.publicKey).toBeNull();
    expect(doc.userData).toBeNull();
    expect(doc.nonce).toBeNull();
  });

  test('absent optional fields are fine too', () => {
    const doc = edited((p) => ['public_key', 'user_data', 'nonce'].forEach((k) => p.delete(k)));
    expect(() => verifyNitroDocument(doc, { at, roots })).not.toThrow();
  });

  test.each([
    ['an unknown field', (p: Map<string, unknown>) => p.set('extra', 1)],
    ['a missing module_id', (p: Map<string, unknown>) => p.delete('module_id')],
    ['an empty module_id', (p: Map<string, unknown>) => p.set('module_id', '')],
    ['digest SHA256', (p: Map<string, unknown>) => p.set('digest', 'SHA256')],
    ['a text timestamp', (p: Map<string, unknown>) => p.set('timestamp', '1700000000000')],
    ['a float timestamp', (p: Map<string, unknown>) => p.set('timestamp', 1.5)],
    ['a negative timestamp', (p: Map<string, unknown>) => p.set('timestamp', -1)],
    ['a 33-byte PCR', (p: Map<string, unknown>) => (p.get('pcrs') as Map<number, Uint8Array>).set(1, new Uint8Array(33))],
    ['PCR index 32', (p: Map<string, unknown>) => (p.get('pcrs') as Map<number, Uint8Array>).set(32, new Uint8Array(48))],
    ['a text PCR index', (p: Map<string, unknown>) => (p.get('pcrs') as Map<unknown, Uint8Array>).set('0', new Uint8Array(48))],
    ['no PCRs', (p: Map<string, unknown>) => p.set('pcrs', new Map())],
    ['a 1025-byte certificate', (p: Map<string, unknown>) => p.set('certificate', new Uint8Array(1025))],
    ['an empty cabundle', (p: Map<string, unknown>) => p.set('cabundle', [])],
    ['an 11-certificate cabundle', (p: Map<string, unknown>) => p.set('cabundle', Array(11).fill(new Uint8Array(10)))],
    ['a text cabundle entry', (p: Map<string, unknown>) => p.set('cabundle', ['cert'])],
    ['a 1025-byte public_key', (p: Map<string, unknown>) => p.set('public_key', new Uint8Array(1025))],
    ['an empty public_key', (p: Map<string, unknown>) => p.set('public_key', new Uint8Array(0))],
    ['a 513-byte user_data', (p: Map<string, unknown>) => p.set('user_data', new Uint8Array(513))],
    ['a 513-byte nonce', (p: Map<string, unknown>) => p.set('nonce', new Uint8Array(513))],
    ['a text nonce', (p: Map<string, unknown>) => p.set('nonce', 'abc')],
    ['a tagged byte string (tag 64)', (p: Map<string, unknown>) => p.set('user_data', new Tag(new Uint8Array(4), 64))],
    ['a nested COSE tag (18)', (p: Map<string, unknown>) => p.set('user_data', new Tag(new Uint8Array(4), 18))],
  ])('%s is MALFORMED_PAYLOAD', (_name, edit) => {
    expect(codeOf(() => parseNitroDocument(edited(edit)))).toBe('MALFORMED_PAYLOAD');
  });

  test('the size limits are inclusive: 1024 / 512 / 512 bytes parse', () => {
    const doc = parseNitroDocument(
      nsm.attest({ publicKey: new Uint8Array(1024), userData: new Uint8Array(512), nonce: new Uint8Array(512) }, { at }),
    );
    expect([doc.publicKey?.length, doc.userData?.length, doc.nonce?.length]).toEqual([1024, 512, 512]);
  });

  test('a duplicate key is MALFORMED_PAYLOAD', () => {
    const payload = payloadOf(nsm.attest({}, { at, indefiniteLengthMap: true }));
    const duplicated = Buffer.concat([payload.subarray(0, -1), encoder.encode('nonce'), encoder.encode(null), Uint8Array.of(0xff)]);
    expect(codeOf(() => parseNitroDocument(envelope(duplicated)))).toBe('MALFORMED_PAYLOAD');
  });

  test('a payload that is not a map, or has trailing bytes, is MALFORMED_PAYLOAD', () => {
    expect(codeOf(() => parseNitroDocument(envelope(encoder.encode([1, 2]))))).toBe('MALFORMED_PAYLOAD');
    const payload = payloadOf(nsm.attest({}, { at }));
    expect(codeOf(() => parseNitroDocument(envelope(Buffer.concat([payload, Uint8Array.of(0)]))))).toBe('MALFORMED_PAYLOAD');
  });
});

describe('COSE_Sign1 envelope', () => {
  const { bytes } = eternis();

  test('garbage and truncation are MALFORMED_COSE', () => {
    expect(codeOf(() => parseNitroDocument(Uint8Array.of(0, 0)))).toBe('MALFORMED_COSE');
    expect(codeOf(() => parseNitroDocument(bytes.subarray(0, bytes.length - 1)))).toBe('MALFORMED_COSE');
    expect(codeOf(() => parseNitroDocument(new Uint8Array([...bytes, 0])))).toBe('MALFORMED_COSE');
  });

  test('an array of 3 or 5 items is MALFORMED_COSE', () => {
    expect(codeOf(() => parseNitroDocument(new Uint8Array([0x83, ...bytes.subarray(1)])))).toBe('MALFORMED_COSE');
    expect(codeOf(() => parseNitroDocument(new Uint8Array([0x85, ...bytes.subarray(1), 0xf6])))).toBe('MALFORMED_COSE');
  });

  test('a 95-byte signature is MALFORMED_COSE', () => {
    const doc = parseNitroDocument(bytes);
    const short = encodeCoseSign1(doc.cose.protectedHeader, doc.cose.payload, doc.cose.signature.subarray(1), false);
    expect(codeOf(() => parseNitroDocument(short))).toBe('MALFORMED_COSE');
  });

  test('an algorithm other than ES384 is UNSUPPORTED_ALGORITHM', () => {
    const payload = payloadOf(bytes);
    expect(codeOf(() => parseNitroDocument(envelope(payload, Uint8Array.of(0xa1, 0x01, 0x26))))).toBe('UNSUPPORTED_ALGORITHM'); // ES256
    const extraParam = Uint8Array.of(0xa2, 0x01, 0x38, 0x22, 0x04, 0x41, 0x00); // {1: -35, 4: h'00'}
    expect(codeOf(() => parseNitroDocument(envelope(payload, extraParam)))).toBe('UNSUPPORTED_ALGORITHM');
  });

  test('a non-empty unprotected header is MALFORMED_COSE', () => {
    const payload = payloadOf(bytes);
    const withKid = Buffer.concat([
      Uint8Array.of(0x84),
      byteString(ES384_PROTECTED_HEADER),
      Uint8Array.of(0xa1, 0x04, 0x41, 0x01), // {4: h'01'}
      byteString(payload),
      byteString(SIGNATURE),
    ]);
    expect(codeOf(() => parseNitroDocument(withKid))).toBe('MALFORMED_COSE');
  });
});

describe('exact payload bytes (never re-encoded)', () => {
  test('an indefinite-length payload map, as NSMs write since 2025, verifies', () => {
    const doc = nsm.attest({ nonce: Uint8Array.of(7) }, { at, indefiniteLengthMap: true });
    const parsed = parseNitroDocument(doc);
    expect(parsed.cose.payload[0]).toBe(0xbf); // indefinite-length map header
    expect(verifyNitroDocument(doc, { at, roots, nonce: Uint8Array.of(7) }).nonce).toEqual(Uint8Array.of(7));
    // a verifier that re-encoded the decoded map would hash different bytes: that signature fails
    const reencoded = encoder.encode(decoder.decode(parsed.cose.payload));
    expect(Buffer.from(reencoded).equals(Buffer.from(parsed.cose.payload))).toBe(false);
    const swapped = encodeCoseSign1(parsed.cose.protectedHeader, reencoded, parsed.cose.signature, false);
    expect(codeOf(() => verifyNitroDocument(swapped, { at, roots }))).toBe('SIGNATURE_INVALID');
  });
});
