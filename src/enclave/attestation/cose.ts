/**
 * COSE_Sign1 (RFC 9052) as AWS Nitro uses it: [protected = bstr({1: -35}), unprotected = {}, payload,
 * signature (96 bytes, r || s)], optionally under tag 18. The payload stays the exact bytes received:
 * the signature covers them, so nothing is ever re-encoded.
 */
import { verify } from 'node:crypto';
import { CborError, decodeStrictCbor } from './cbor.ts';
import { fail } from './errors.ts';
import type { CoseSign1 } from './types.ts';
import { COSE_LIMITS } from './types.ts';
import { isP384, type Certificate } from './x509.ts';

export const COSE_SIGN1_TAG = 18;
/** COSE algorithm identifier of ECDSA with SHA-384 (ES384). */
export const ES384 = -35;
/** The protected header AWS writes: the map {1: -35}. */
export const ES384_PROTECTED_HEADER = Uint8Array.of(0xa1, 0x01, 0x38, 0x22);

/** Decodes and shape-checks a COSE_Sign1. Errors: MALFORMED_COSE, UNSUPPORTED_ALGORITHM. */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  let decoded;
  try {
    decoded = decodeStrictCbor(bytes, { topLevelTag: COSE_SIGN1_TAG });
  } catch (error) {
    return fail('MALFORMED_COSE', `not a CBOR COSE_Sign1: ${(error as Error).message}`);
  }
  const items = decoded.value;
  if (!Array.isArray(items) || items.length !== 4) fail('MALFORMED_COSE', 'COSE_Sign1 must be an array of 4 items');
  const [protectedHeader, unprotected, payload, signature] = items as unknown[];
  if (!(protectedHeader instanceof Uint8Array)) fail('MALFORMED_COSE', 'protected header must be a byte string');
  if (!(unprotected instanceof Map)) fail('MALFORMED_COSE', 'unprotected header must be a map');
  if (!(payload instanceof Uint8Array)) fail('MALFORMED_COSE', 'payload must be a byte string (detached payloads are not used)');
  if (!(signature instanceof Uint8Array)) fail('MALFORMED_COSE', 'signature must be a byte string');
  if (payload.length < 1 || payload.length > COSE_LIMITS.maxPayload) {
    fail('MALFORMED_COSE', `payload is ${payload.length} bytes (allowed 1..${COSE_LIMITS.maxPayload})`);
  }
  if (signature.length !== COSE_LIMITS.signatureLength) {
    fail('MALFORMED_COSE', `signature is ${signature.length} bytes, ES384 needs ${COSE_LIMITS.signatureLength}`);
  }
  checkProtectedHeader(protectedHeader);
  return {
    tagged: decoded.tag === COSE_SIGN1_TAG,
    protectedHeader: new Uint8Array(protectedHeader),
    unprotected,
    payload: new Uint8Array(payload),
    signature: new Uint8Array(signature),
  };
}

/** The protected header must be exactly one entry, alg (1) = ES384 (-35), as AWS documents it. */
function checkProtectedHeader(bytes: Uint8Array): void {
  let header: unknown;
  try {
    header = decodeStrictCbor(bytes).value;
  } catch (error) {
    fail('MALFORMED_COSE', `protected header is not CBOR: ${(error as CborError).message}`);
  }
  if (!(header instanceof Map)) fail('MALFORMED_COSE', 'protected header must be a CBOR map');
  if (header.size !== 1 || header.get(1) !== ES384) {
    fail('UNSUPPORTED_ALGORITHM', `protected header must be exactly {1: -35} (ES384), got ${describeHeader(header)}`);
  }
}

function describeHeader(header: Map<unknown, unknown>): string {
  const entries = [...header].map(([k, v]) => `${String(k)}: ${v instanceof Uint8Array ? 'bytes' : String(v)}`);
  return `{${entries.join(', ')}}`;
}

/** Sig_structure = ["Signature1", body_protected, external_aad = h'', payload], canonical CBOR. */
export function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return concat(
    Uint8Array.of(0x84, 0x6a),
    Buffer.from('Signature1', 'latin1'),
    byteString(protectedHeader),
    byteString(new Uint8Array(0)),
    byteString(payload),
  );
}

/** Checks the COSE signature with the leaf certificate's key. Errors: UNSUPPORTED_ALGORITHM, SIGNATURE_INVALID. */
export function verifyCoseSignature(cose: CoseSign1, leaf: Certificate): void {
  if (!isP384(leaf.publicKey)) fail('UNSUPPORTED_ALGORITHM', 'the leaf certificate key is not ECDSA P-384');
  const message = sigStructure(cose.protectedHeader, cose.payload);
  const ok = verify('sha384', message, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, cose.signature);
  if (!ok) fail('SIGNATURE_INVALID', `the COSE_Sign1 signature does not verify with the key of ${leaf.subjectText}`);
}

/** Encodes a COSE_Sign1 the way the NSM does (empty unprotected map); used by the simulated NSM. */
export function encodeCoseSign1(protectedHeader: Uint8Array, payload: Uint8Array, signature: Uint8Array, tagged: boolean): Uint8Array {
  return concat(
    tagged ? Uint8Array.of(0xc0 | COSE_SIGN1_TAG) : new Uint8Array(0),
    Uint8Array.of(0x84),
    byteString(protectedHeader),
    Uint8Array.of(0xa0),
    byteString(payload),
    byteString(signature),
  );
}

/** A definite-length CBOR byte string with the shortest head. */
export function byteString(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  let head: Uint8Array;
  if (n < 24) head = Uint8Array.of(0x40 | n);
  else if (n < 0x100) head = Uint8Array.of(0x58, n);
  else if (n < 0x10000) head = Uint8Array.of(0x59, n >> 8, n & 0xff);
  else head = Uint8Array.of(0x5a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  return concat(head, bytes);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
