/** Sui's hashes as the sim computes them: transaction digests, derived object ids, object digests. */
import { describe, expect, test } from '@jest/globals';
import { blake2b } from '@noble/hashes/blake2.js';
import { Transaction } from '@mysten/sui/transactions';
import { fromBase58, normalizeSuiAddress, toHex } from '@mysten/sui/utils';
import { objectBcs, sealObject } from '../../../src/sim/codec.ts';
import { deriveObjectId, hashTyped, objectDigest, randomDigest, transactionDigest } from '../../../src/sim/digest.ts';
import type { SimObject } from '../../../src/sim/types.ts';

describe('transaction digest', () => {
  test('is the digest the SDK computes for the same bytes', async () => {
    const tx = new Transaction();
    tx.setSender(`0x${'11'.repeat(32)}`);
    tx.setGasPayment([{ objectId: `0x${'22'.repeat(32)}`, version: '7', digest: randomDigest() }]);
    tx.setGasPrice(1000);
    tx.setGasBudget(1_000_000);
    tx.transferObjects([tx.gas], tx.pure.address(`0x${'33'.repeat(32)}`));
    const bytes = await tx.build();
    expect(transactionDigest(bytes)).toBe(await tx.getDigest());
  });

  test('is Blake2b-256 over "TransactionData::" and the BCS', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const expected = blake2b(new Uint8Array([...new TextEncoder().encode('TransactionData::'), 1, 2, 3]), { dkLen: 32 });
    expect(fromBase58(transactionDigest(bytes))).toEqual(expected);
    expect(hashTyped('TransactionData', bytes)).toEqual(expected);
  });
});

describe('fresh object ids', () => {
  const digest = randomDigest();

  test('are Blake2b-256(0xf1 ‖ transaction digest ‖ u64 LE creation number), as tx_context::derive_id', () => {
    const data = new Uint8Array(41);
    data[0] = 0xf1;
    data.set(fromBase58(digest), 1);
    data[33] = 2; // little-endian 2
    expect(deriveObjectId(digest, 2n)).toBe(normalizeSuiAddress(toHex(blake2b(data, { dkLen: 32 }))));
  });

  test('are deterministic per (digest, counter) and differ between counters and transactions', () => {
    expect(deriveObjectId(digest, 0n)).toBe(deriveObjectId(digest, 0n));
    const ids = new Set([0n, 1n, 2n, 3n].map((n) => deriveObjectId(digest, n)));
    ids.add(deriveObjectId(randomDigest(), 0n));
    expect(ids.size).toBe(5);
  });

  test('refuse a digest that is not 32 bytes', () => {
    expect(() => deriveObjectId('abc', 0n)).toThrow(/32-byte digest/);
  });
});

describe('object digest', () => {
  const coin: Omit<SimObject, 'digest'> = {
    id: `0x${'44'.repeat(32)}`,
    version: 3n,
    owner: { kind: 'address', address: `0x${'55'.repeat(32)}` },
    previousTransaction: randomDigest(),
    storageRebate: 0n,
    data: {
      kind: 'move',
      type: '0x0000000000000000000000000000000000000000000000000000000000000002::coin::Coin<0x0000000000000000000000000000000000000000000000000000000000000002::sui::SUI>',
      struct: '0x2::coin::Coin<0x2::sui::SUI>',
      hasPublicTransfer: true,
      contents: new Uint8Array(40),
    },
  };

  test('hashes "Object::" and the BCS of the whole object', () => {
    expect(sealObject(coin).digest).toBe(objectDigest(objectBcs(coin)));
    expect(fromBase58(sealObject(coin).digest)).toEqual(hashTyped('Object', objectBcs(coin)));
  });

  test('changes with the version, the owner and the previous transaction', () => {
    const base = sealObject(coin).digest;
    expect(sealObject({ ...coin, version: 4n }).digest).not.toBe(base);
    expect(sealObject({ ...coin, owner: { kind: 'immutable' } }).digest).not.toBe(base);
    expect(sealObject({ ...coin, previousTransaction: randomDigest() }).digest).not.toBe(base);
  });
});
