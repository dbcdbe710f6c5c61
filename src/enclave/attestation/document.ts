/**
 * Strict parser of the attestation document: COSE_Sign1 envelope, then the payload map against the
 * AWS schema. Unknown keys, wrong types and out-of-range sizes are MALFORMED_PAYLOAD; optional fields
 * (public_key, user_data, nonce) may be absent or CBOR null.
 */
import { decodeStrictCbor } from './cbor.ts';
import { decodeCoseSign1 } from './cose.ts';
import { fail } from './errors.ts';
import { DOCUMENT_LIMITS as L, PAYLOAD_KEYS, type AttestationPayload, type ParsedDocument } from './types.ts';

const U64_MAX = (1n << 64n) - 1n;

export function parseNitroDocument(bytes: Uint8Array): ParsedDocument {
  const cose = decodeCoseSign1(bytes);
  if (cose.unprotected.size !== 0) fail('MALFORMED_COSE', 'the unprotected header must be empty');
  return { cose, ...parsePayload(cose.payload) };
}

/** Decodes the payload bytes into a Map with text keys; nothing else. */
export function decodePayloadMap(payload: Uint8Array, rejectDuplicateKeys: boolean): Map<string, unknown> {
  let value: unknown;
  try {
    value = decodeStrictCbor(payload, { rejectDuplicateKeys }).value;
  } catch (error) {
    return fail('MALFORMED_PAYLOAD', `payload is not valid CBOR: ${(error as Error).message}`);
  }
  if (!(value instanceof Map)) return fail('MALFORMED_PAYLOAD', 'payload must be a CBOR map');
  for (const key of value.keys()) {
    if (typeof key !== 'string') fail('MALFORMED_PAYLOAD', `payload map key ${String(key)} is not text`);
  }
  return value as Map<string, unknown>;
}

function parsePayload(payload: Uint8Array): AttestationPayload {
  const map = decodePayloadMap(payload, true);
  const known: readonly string[] = PAYLOAD_KEYS;
  for (const key of map.keys()) {
    if (!known.includes(key)) fail('MALFORMED_PAYLOAD', `unknown field '${key}'`);
  }
  return {
    moduleId: moduleIdOf(map.get('module_id')),
    digest: digestOf(map.get('digest')),
    timestampMs: timestampOf(map.get('timestamp')),
    pcrs: pcrsOf(map.get('pcrs')),
    certificate: certificateOf(map.get('certificate'), 'certificate'),
    cabundle: cabundleOf(map.get('cabundle')),
    publicKey: optionalBytes(map.get('public_key'), 'public_key', 1, L.maxPublicKey),
    userData: optionalBytes(map.get('user_data'), 'user_data', 0, L.maxUserData),
    nonce: optionalBytes(map.get('nonce'), 'nonce', 0, L.maxNonce),
  };
}

export function moduleIdOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail('MALFORMED_PAYLOAD', 'module_id must be non-empty text');
  return value;
}

export function digestOf(value: unknown): 'SHA384' {
  if (value !== 'SHA384') fail('MALFORMED_PAYLOAD', `digest must be "SHA384", got ${JSON.stringify(String(value))}`);
  return value;
}

export function timestampOf(value: unknown): bigint {
  const n = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
  if (typeof n !== 'bigint' || n < 0n || n > U64_MAX) fail('MALFORMED_PAYLOAD', 'timestamp must be an unsigned 64-bit integer');
  return n;
}

/** A byte string of `min..max` bytes, copied out of the decoder's buffer. */
export function bytesOf(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) return fail('MALFORMED_PAYLOAD', `${field} must be a byte string`);
  if (value.length < min || value.length > max) {
    fail('MALFORMED_PAYLOAD', `${field} is ${value.length} bytes (allowed ${min}..${max})`);
  }
  return new Uint8Array(value);
}

function optionalBytes(value: unknown, field: string, min: number, max: number): Uint8Array | null {
  return value === undefined || value === null ? null : bytesOf(value, field, min, max);
}

export function certificateOf(value: unknown, field: string): Uint8Array {
  return bytesOf(value, field, 1, L.maxCertificate);
}

function cabundleOf(value: unknown): Uint8Array[] {
  if (!Array.isArray(value)) return fail('MALFORMED_PAYLOAD', 'cabundle must be an array');
  if (value.length < 1 || value.length > L.maxCabundle) {
    fail('MALFORMED_PAYLOAD', `cabundle holds ${value.length} certificates (allowed 1..${L.maxCabundle})`);
  }
  return value.map((cert: unknown, i) => certificateOf(cert, `cabundle[${i}]`));
}

function pcrsOf(value: unknown): Map<number, Uint8Array> {
  if (!(value instanceof Map)) return fail('MALFORMED_PAYLOAD', 'pcrs must be a map');
  if (value.size < 1 || value.size > L.maxPcrs) fail('MALFORMED_PAYLOAD', `pcrs holds ${value.size} entries (allowed 1..${L.maxPcrs})`);
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, pcr] of value as Map<unknown, unknown>) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= L.maxPcrs) {
      fail('MALFORMED_PAYLOAD', `PCR index ${String(index)} is not an integer in 0..${L.maxPcrs - 1}`);
    }
    pcrs.set(index, pcrValueOf(pcr, index));
  }
  return pcrs;
}

export function pcrValueOf(value: unknown, index: number | string): Uint8Array {
  if (!(value instanceof Uint8Array)) return fail('MALFORMED_PAYLOAD', `PCR${index} must be a byte string`);
  if (!L.pcrLengths.includes(value.length)) {
    fail('MALFORMED_PAYLOAD', `PCR${index} is ${value.length} bytes (allowed ${L.pcrLengths.join('/')})`);
  }
  return new Uint8Array(value);
}
