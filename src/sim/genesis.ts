/**
 * Genesis of a fresh sim: a random chain id and package id, the Clock (0x6), the published `daas`
 * package (an immutable package object), the modules' `init` run with a generated publisher key
 * (AdminCap to the publisher, StakePool and EnclaveConfig shared), and the faucet account's coin.
 * Everything is at version 1, created by a synthetic genesis transaction digest.
 */
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { CLOCK_OBJECT_ID, MIST_PER_SUI } from '../chain/schema.ts';
import { CLOCK_TYPE, SUI_COIN_TYPE_NORMALIZED, encodeStruct, sealObject } from './codec.ts';
import { randomDigest, randomObjectId } from './digest.ts';
import { writeObject } from './exec/effects.ts';
import { moveContext } from './exec/movecall.ts';
import { Staging } from './exec/staging.ts';
import { REFERENCE_GAS_PRICE } from './gas.ts';
import { Ledger } from './ledger.ts';
import { PACKAGE_MODULES, runPackageInit } from './mirror.ts';
import type { NitroLoader } from './nitro.ts';
import type { SimObject } from './types.ts';

/** SUI the faucet account starts with: 9 billion SUI (of the 10 billion total supply). */
export const FAUCET_SUPPLY = 9_000_000_000n * MIST_PER_SUI;
const GENESIS_VERSION = 1n;

export function createGenesis(nowMs: bigint, loadNitroAttestation: NitroLoader): Ledger {
  const genesisDigest = randomDigest();
  const packageId = randomObjectId();
  const publisher = Ed25519Keypair.generate();
  const faucet = Ed25519Keypair.generate();
  const staging = new Staging(genesisDigest, packageId, GENESIS_VERSION);

  const ctx = moveContext(
    { staging, sender: publisher.toSuiAddress(), epoch: 0n, epochTimestampMs: nowMs, events: [], loadNitroAttestation },
    'staking',
    new Set(),
  );
  const { adminCap, pool, enclaveConfig } = runPackageInit(ctx);
  const initObjects = [...staging.objects.values()]
    .filter((s) => s.state === 'live' && s.owner)
    .map((s) => writeObject(s, GENESIS_VERSION, genesisDigest));

  const faucetCoinId = staging.freshId();
  const system = (object: Omit<SimObject, 'digest' | 'version' | 'previousTransaction' | 'storageRebate'>): SimObject =>
    sealObject({ ...object, version: GENESIS_VERSION, previousTransaction: genesisDigest, storageRebate: 0n });

  const ledger = new Ledger(
    {
      chainId: randomDigest(),
      packageId,
      poolId: pool.id,
      adminCapId: adminCap.id,
      enclaveConfigId: enclaveConfig.id,
      adminKey: publisher.getSecretKey(),
      faucetKey: faucet.getSecretKey(),
      genesisDigest,
    },
    { epoch: 0n, startTimestampMs: nowMs, referenceGasPrice: REFERENCE_GAS_PRICE },
  );
  ledger.putObjects([
    system({ id: packageId, owner: { kind: 'immutable' }, data: { kind: 'package', modules: [...PACKAGE_MODULES] } }),
    system({
      id: CLOCK_OBJECT_ID,
      owner: { kind: 'shared', initialVersion: GENESIS_VERSION },
      data: {
        kind: 'move',
        type: CLOCK_TYPE,
        struct: '0x2::clock::Clock',
        hasPublicTransfer: false,
        contents: encodeStruct('0x2::clock::Clock', { id: CLOCK_OBJECT_ID, timestamp_ms: nowMs }),
      },
    }),
    system({
      id: faucetCoinId,
      owner: { kind: 'address', address: faucet.toSuiAddress() },
      data: {
        kind: 'move',
        type: SUI_COIN_TYPE_NORMALIZED,
        struct: '0x2::coin::Coin<0x2::sui::SUI>',
        hasPublicTransfer: true,
        contents: encodeStruct('0x2::coin::Coin<0x2::sui::SUI>', { id: faucetCoinId, balance: FAUCET_SUPPLY }),
      },
    }),
    ...initObjects,
  ]);
  return ledger;
}
