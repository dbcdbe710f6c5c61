/**
 * Hashes exactly as Sui computes them: Blake2b-256 over `<TypeName>::` followed by the BCS bytes
 * (transaction, effects, events and object digests, Base58 encoded), and fresh object ids from the
 * transaction digest and a creation counter.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { bcs } from '@mysten/sui/bcs';
import { fromBase58, normalizeSuiAddress, toBase58, toHex } from '@mysten/sui/utils';
import { TransactionDataBuilder } from '@mysten/sui/transactions';

/** Blake2b-256 of `<typeName>::` ‖ bytes (Sui's `default_hash` of a `BcsSignable` value). */
export function hashTyped(typeName: string, bytes: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`${typeName}::`);
  const data = new Uint8Array(prefix.length + bytes.length);
  data.set(prefix);
  data.set(bytes, prefix.length);
  return blake2b(data, { dkLen: 32 });
}

/** The transaction digest of BCS `TransactionData` (what the SDK and explorers show). */
export function transactionDigest(txBytes: Uint8Array): string {
  return TransactionDataBuilder.getDigestFromBytes(txBytes);
}

export function effectsDigest(effectsBcs: Uint8Array): string {
  return toBase58(hashTyped('TransactionEffects', effectsBcs));
}

export function eventsDigest(eventsBcs: Uint8Array): string {
  return toBase58(hashTyped('TransactionEvents', eventsBcs));
}

export function objectDigest(objectBcs: Uint8Array): string {
  return toBase58(hashTyped('Object', objectBcs));
}

/** `HashingIntentScope::RegularObjectId`: the domain separator of ids created by a transaction. */
const REGULAR_OBJECT_ID_SCOPE = 0xf1;

/**
 * `ObjectID::derive_id(tx_digest, creation_num)`: Blake2b-256(0xf1 ‖ digest bytes ‖ u64 LE counter).
 * Every object a transaction creates gets the next counter value, starting at 0.
 */
export function deriveObjectId(txDigest: string, creationNum: bigint): string {
  const digestBytes = fromBase58(txDigest);
  if (digestBytes.length !== 32) throw new Error(`not a 32-byte digest: ${txDigest}`);
  const data = new Uint8Array(1 + 32 + 8);
  data[0] = REGULAR_OBJECT_ID_SCOPE;
  data.set(digestBytes, 1);
  data.set(bcs.u64().serialize(creationNum).toBytes(), 33);
  return normalizeSuiAddress(toHex(blake2b(data, { dkLen: 32 })));
}

/** A random 32-byte digest in Base58 (chain identifiers and synthetic system transactions). */
export function randomDigest(): string {
  return toBase58(crypto.getRandomValues(new Uint8Array(32)));
}

/** A random object/package id. */
export function randomObjectId(): string {
  return normalizeSuiAddress(toHex(crypto.getRandomValues(new Uint8Array(32))));
}
