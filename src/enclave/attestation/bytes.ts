/** Byte helpers shared by the attestation verifier, the simulated NSM and the CLI. */
import { createHash, timingSafeEqual } from 'node:crypto';

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict hex: even length, [0-9a-fA-F] only, optional 0x prefix. Throws a plain Error naming `what`. */
export function fromHex(text: string, what = 'value'): Uint8Array {
  const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`${what} is not valid hex`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fresh copy that owns its memory (cbor-x hands out Buffer views into the input). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Constant-time equality. Lengths are compared first: the length of an expected PCR, nonce or key is
 * not secret, and timingSafeEqual needs equal lengths.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** Plain byte equality for public values (certificate DER, names), where timing does not matter. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
