/**
 * The wrapping itself, pure: AES-256-GCM under a key-encryption key (KEK), and the key id derived from
 * the KEK. kube-apiserver hands the plugin a data-key seed (32 bytes) to wrap; what comes back is stored
 * in etcd next to the Secret, so its format is a storage format and carries a version.
 *
 *   ciphertext = "DKMS" | 0x01 | fingerprint (16) | nonce (12) | AES-256-GCM(seed) | tag (16)
 *
 * The header (magic, version, fingerprint) is the GCM additional data, so it cannot be altered without
 * failing authentication. The fingerprint names the KEK (first 16 bytes of a domain-separated SHA-256 of
 * it): decryption finds the KEK by it, and one from a KEK this plugin does not hold is refused by name.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const KEK_BYTES = 32;
export const FINGERPRINT_BYTES = 16;
const MAGIC = Buffer.from('DKMS', 'ascii');
const VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + FINGERPRINT_BYTES;
/** Everything but the sealed plaintext. */
export const OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/** The API's limit for a ciphertext and a key id ("less than 1 kB"). */
export const API_LIMIT_BYTES = 1024;
/** The largest plaintext accepted: its ciphertext stays under the API limit. kube-apiserver sends 32 bytes. */
export const MAX_PLAINTEXT_BYTES = 512;

/** Annotation the plugin attaches: keys must be lowercase RFC 1123 names (`kms.daas.io/alg` is refused). */
export const ALG_ANNOTATION = 'alg.kms.daas.io';
export const ALG = 'aes-256-gcm/v1';

const KEY_ID_PREFIX = 'kek-';

/** Why a request is refused; `code` is the gRPC status it is answered with. */
export class KmsError extends Error {
  readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'FAILED_PRECONDITION';
  constructor(code: KmsError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface Kek {
  /** `kek-` + hex fingerprint: what the apiserver stores and Status reports. Reveals nothing of the key. */
  id: string;
  fingerprint: Buffer;
  key: Buffer;
}

export function fingerprintOf(key: Buffer): Buffer {
  return createHash('sha256').update('daas-auth kms key id v1\0').update(key).digest().subarray(0, FINGERPRINT_BYTES);
}

export function keyIdOf(fingerprint: Buffer): string {
  return `${KEY_ID_PREFIX}${fingerprint.toString('hex')}`;
}

export function makeKek(key: Buffer): Kek {
  if (key.length !== KEK_BYTES) throw new Error(`a KEK is ${KEK_BYTES} bytes, not ${key.length}`);
  const fingerprint = fingerprintOf(key);
  return { id: keyIdOf(fingerprint), fingerprint, key };
}

export function generateKek(): Kek {
  return makeKek(randomBytes(KEK_BYTES));
}

export function wrap(kek: Kek, plaintext: Uint8Array): Buffer {
  if (plaintext.length === 0) throw new KmsError('INVALID_ARGUMENT', 'plaintext is empty');
  if (plaintext.length > MAX_PLAINTEXT_BYTES)
    throw new KmsError('INVALID_ARGUMENT', `plaintext of ${plaintext.length} bytes is over the ${MAX_PLAINTEXT_BYTES}-byte limit`);
  const header = Buffer.concat([MAGIC, Buffer.of(VERSION), kek.fingerprint]);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek.key, nonce).setAAD(header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

export interface ParsedCiphertext {
  fingerprint: Buffer;
  header: Buffer;
  nonce: Buffer;
  body: Buffer;
  tag: Buffer;
}

/** Structure only; authenticity is checked by unwrap. */
export function parseCiphertext(ciphertext: Uint8Array): ParsedCiphertext {
  const c = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  if (c.length > API_LIMIT_BYTES)
    throw new KmsError('INVALID_ARGUMENT', `ciphertext of ${c.length} bytes is over the ${API_LIMIT_BYTES}-byte limit`);
  if (c.length < OVERHEAD_BYTES + 1)
    throw new KmsError('INVALID_ARGUMENT', `ciphertext of ${c.length} bytes is too short (truncated?)`);
  if (!c.subarray(0, MAGIC.length).equals(MAGIC))
    throw new KmsError('INVALID_ARGUMENT', 'not a daas-auth KMS ciphertext (bad header)');
  if (c[MAGIC.length] !== VERSION) throw new KmsError('INVALID_ARGUMENT', `unknown ciphertext version ${c[MAGIC.length]}`);
  return {
    header: c.subarray(0, HEADER_BYTES),
    fingerprint: c.subarray(MAGIC.length + 1, HEADER_BYTES),
    nonce: c.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    body: c.subarray(HEADER_BYTES + NONCE_BYTES, c.length - TAG_BYTES),
    tag: c.subarray(c.length - TAG_BYTES),
  };
}

export function unwrap(kek: Kek, parsed: ParsedCiphertext): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek.key, parsed.nonce).setAAD(parsed.header);
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
  } catch {
    throw new KmsError('INVALID_ARGUMENT', `ciphertext failed authentication under ${kek.id} (tampered or truncated)`);
  }
}
