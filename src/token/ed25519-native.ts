/**
 * The ed25519 fast path of signature checks. The SDK verifies ed25519 in JavaScript (~1.5 ms of CPU
 * a signature); OpenSSL through node:crypto does it in well under a tenth of that, which is what
 * makes cold TokenReviews affordable. The signed digest is built with the SDK's own intent encoding,
 * so only the curve arithmetic changes hands.
 *
 * OpenSSL's RFC 8032 verification is at least as strict as the SDK's (ZIP 215) rules: a signature a
 * wallet makes passes both; an adversarial edge case the SDK would accept may be refused here, never
 * the other way round (test/unit/token/signature.test.ts checks agreement on valid and tampered
 * signatures).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { bcs } from '@mysten/sui/bcs';
import { messageWithIntent } from '@mysten/sui/cryptography';
import { Ed25519PublicKey } from '@mysten/sui/keypairs/ed25519';
import { blake2b } from '@noble/hashes/blake2.js';

/** DER SubjectPublicKeyInfo header of an Ed25519 key; the 32 raw key bytes follow. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Parsed keys by hex, so a staker's repeated tokens do not re-parse the key (bounded). */
const KEYS = new Map<string, KeyObject | null>();
const MAX_KEYS = 10_000;

/** The 32-byte digest a Sui personal-message signature signs. */
export function personalMessageDigest(message: Uint8Array): Uint8Array {
  return blake2b(messageWithIntent('PersonalMessage', bcs.byteVector().serialize(message).toBytes()), { dkLen: 32 });
}

function keyObject(publicKey: Uint8Array): KeyObject | null {
  const hex = Buffer.from(publicKey).toString('hex');
  let key = KEYS.get(hex);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    if (KEYS.size >= MAX_KEYS) KEYS.clear();
    KEYS.set(hex, key);
  }
  return key;
}

/** Whether `signature` (64 bytes) is an ed25519 personal-message signature of `message` by `publicKey` (32 bytes). */
export function verifyEd25519PersonalMessage(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const key = keyObject(publicKey);
  if (!key) return false;
  try {
    return verify(null, personalMessageDigest(message), key, signature);
  } catch {
    return false;
  }
}

/** The Sui address of a raw ed25519 public key. */
export function ed25519Address(publicKey: Uint8Array): string {
  return new Ed25519PublicKey(publicKey).toSuiAddress();
}
