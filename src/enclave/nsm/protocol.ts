/**
 * The NSM's wire messages for the one request daas-auth makes, `Attestation`, as the NSM API crate
 * (aws/aws-nitro-enclaves-nsm-api, serde_cbor) encodes them:
 *
 *   request   {"Attestation": {"user_data": bstr|null, "nonce": bstr|null, "public_key": bstr|null}}
 *   response  {"Attestation": {"document": bstr}}   or   {"Error": "<ErrorCode>"}
 *
 * Pure: no I/O. device.ts carries these bytes through the ioctl; nothing else parses them.
 */
import { Encoder } from 'cbor-x';
import { decodeStrictCbor } from '../attestation/cbor.ts';
import { DOCUMENT_LIMITS } from '../attestation/types.ts';

export interface AttestationRequest {
  /** DER SubjectPublicKeyInfo to bind (the webhook's TLS key). */
  publicKey?: Uint8Array | null;
  userData?: Uint8Array | null;
  nonce?: Uint8Array | null;
}

/** The NSM driver's request buffer limit (NSM_REQUEST_MAX_SIZE). */
export const NSM_REQUEST_MAX_SIZE = 0x1000;
/** The response buffer daas-auth hands the driver (NSM_RESPONSE_MAX_SIZE). */
export const NSM_RESPONSE_MAX_SIZE = 0x3000;

/** A refusal by the NSM (its ErrorCode) or a response this code cannot read. */
export class NsmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`NSM ${code}: ${message}`);
    this.name = 'NsmError';
    this.code = code;
  }
}

const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

/** Field limits the NSM enforces (InvalidArgument); checked here first so the caller gets a clear error. */
export function checkAttestationRequest(request: AttestationRequest): void {
  const limits: Array<[keyof AttestationRequest, string, number]> = [
    ['publicKey', 'public_key', DOCUMENT_LIMITS.maxPublicKey],
    ['userData', 'user_data', DOCUMENT_LIMITS.maxUserData],
    ['nonce', 'nonce', DOCUMENT_LIMITS.maxNonce],
  ];
  for (const [field, name, max] of limits) {
    const value = request[field];
    if (value && value.length > max) throw new NsmError('InvalidArgument', `${name} is ${value.length} bytes, the NSM allows ${max}`);
  }
}

export function encodeAttestationRequest(request: AttestationRequest): Uint8Array {
  checkAttestationRequest(request);
  const body = new Map<string, Uint8Array | null>([
    ['user_data', bytesOrNull(request.userData)],
    ['nonce', bytesOrNull(request.nonce)],
    ['public_key', bytesOrNull(request.publicKey)],
  ]);
  const bytes = new Uint8Array(encoder.encode(new Map([['Attestation', body]])));
  if (bytes.length > NSM_REQUEST_MAX_SIZE) throw new NsmError('InputTooLarge', `request is ${bytes.length} bytes`);
  return bytes;
}

/** The document of an `Attestation` response; an `Error` response or any other shape throws NsmError. */
export function decodeAttestationResponse(bytes: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = decodeStrictCbor(bytes).value;
  } catch (error) {
    throw new NsmError('InvalidResponse', `not CBOR: ${(error as Error).message}`);
  }
  if (!(value instanceof Map) || value.size !== 1) throw new NsmError('InvalidResponse', 'expected a map with one key');
  const [[kind, body]] = [...value] as [[unknown, unknown]];
  if (kind === 'Error') throw new NsmError(typeof body === 'string' ? body : 'InvalidResponse', 'the NSM refused the request');
  if (kind !== 'Attestation' || !(body instanceof Map) || body.size !== 1) {
    throw new NsmError('InvalidResponse', `expected {"Attestation": {"document": ...}}, got key ${JSON.stringify(String(kind))}`);
  }
  const document: unknown = body.get('document');
  if (!(document instanceof Uint8Array) || document.length === 0) throw new NsmError('InvalidResponse', 'document is not a byte string');
  return new Uint8Array(document);
}

function bytesOrNull(value: Uint8Array | null | undefined): Uint8Array | null {
  return value && value.length > 0 ? value : null;
}
