/**
 * The sim's executor in process (no network): Sui's version rules (Lamport versions, shared
 * objects' initial versions, read-only shared inputs), derived object ids, failure semantics,
 * the validator's input checks, and server-side resolution of object inputs.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Inputs, Transaction } from '@mysten/sui/transactions';
import { fromBase64, normalizeSuiAddress } from '@mysten/sui/utils';
import { GrpcTypes } from '@mysten/sui/grpc';
import { MIST_PER_SUI } from '../../../src/chain/schema.ts';
import { suiBalanceOf } from '../../../src/sim/codec.ts';
import { deriveObjectId } from '../../../src/sim/digest.ts';
import { TransactionRejected } from '../../../src/sim/exec/inputs.ts';
import { Faucet } from '../../../src/sim/faucet.ts';
import { minimumBudget, REFERENCE_GAS_PRICE } from '../../../src/sim/gas.ts';
import { createGenesis } from '../../../src/sim/genesis.ts';
import type { Ledger } from '../../../src/sim/ledger.ts';
import { nitroLoader } from '../../../src/sim/nitro.ts';
import { SimNode } from '../../../src/sim/node.ts';
import { resolveTransaction } from '../../../src/sim/resolve.ts';
import type { SimObject } from '../../../src/sim/types.ts';

let ledger: Ledger;
let node: SimNode;
let faucet: Faucet;
const alice = Ed25519Keypair.generate();

beforeAll(async () => {
  ledger = createGenesis(BigInt(Date.now()), nitroLoader());
  node = new SimNode(ledger, nitroLoader());
  faucet = new Faucet(node);
  await faucet.fund(alice.toSuiAddress(), 100n * MIST_PER_SUI);
});

const object = (id: string): SimObject => ledger.getObject(id)!;
const ref = (o: SimObject) => ({ objectId: o.id, version: o.version.toString(), digest: o.digest });
const shared = (id: string, mutable: boolean) => {
  const o = object(id);
  if (o.owner.kind !== 'shared') throw new Error('not shared');
  return Inputs.SharedObjectRef({ objectId: id, initialSharedVersion: o.owner.initialVersion.toString(), mutable });
};
const target = (module: string, fn: string) => `${ledger.genesis.packageId}::${module}::${fn}`;

/** The signer's largest coin: what pays for gas. */
function gasCoinOf(signer: Ed25519Keypair): SimObject {
  return node.suiCoinsOf(signer.toSuiAddress()).sort((a, b) => (suiBalanceOf(b) > suiBalanceOf(a) ? 1 : -1))[0]!;
}
const aliceCoin = () => gasCoinOf(alice);

/** Builds a fully resolved transaction offline, signs it as `signer` and executes it. */
async function run(build: (tx: Transaction) => void, signer = alice): Promise<GrpcTypes.ExecutedTransaction> {
  const tx = new Transaction();
  tx.setSender(signer.toSuiAddress());
  tx.setGasPayment([ref(gasCoinOf(signer))]);
  tx.setGasPrice(REFERENCE_GAS_PRICE);
  tx.setGasBudget(minimumBudget(REFERENCE_GAS_PRICE));
  build(tx);
  const bytes = await tx.build();
  const { signature } = await signer.signTransaction(bytes);
  return node.execute(bytes, [fromBase64(signature)]);
}

function stake(tx: Transaction, kind: number, nodeId: string) {
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(2n * MIST_PER_SUI)]);
  tx.moveCall({ target: target('staking', 'stake'), arguments: [tx.object(shared(ledger.genesis.poolId, true)), coin!, tx.pure.u8(kind), tx.pure.string(nodeId)] });
}

const createdIds = (tx: GrpcTypes.ExecutedTransaction) =>
  tx.effects!.changedObjects.filter((c) => c.idOperation === GrpcTypes.ChangedObject_IdOperation.CREATED).map((c) => c.objectId!);

describe('versions', () => {
  test('every written object gets the Lamport version: one more than the highest input version', async () => {
    const gas = aliceCoin();
    const pool = object(ledger.genesis.poolId);
    const tx = await run((t) => stake(t, 0, 'node-a'));
    const lamport = (gas.version > pool.version ? gas.version : pool.version) + 1n;
    expect(tx.effects!.lamportVersion).toBe(lamport);
    expect(object(gas.id).version).toBe(lamport);
    expect(object(pool.id).version).toBe(lamport);
    const [recordId] = createdIds(tx);
    expect(object(recordId!).version).toBe(lamport);
    // A shared object's initial shared version is the version it was created at.
    expect(object(recordId!).owner).toEqual({ kind: 'shared', initialVersion: lamport });
  });

  test('a read-only shared input keeps its version and digest and is reported as an unchanged consensus object', async () => {
    const staked = await run((t) => stake(t, 0, 'node-b'));
    const [recordId] = createdIds(staked);
    const record = object(recordId!);
    const tx = await run((t) => t.moveCall({ target: target('seal', 'create_worker_seal_token'), arguments: [t.object(shared(recordId!, false))] }));
    expect(object(recordId!).version).toBe(record.version);
    expect(tx.effects!.lamportVersion).toBeGreaterThan(record.version);
    expect(tx.effects!.unchangedConsensusObjects).toEqual([
      expect.objectContaining({ objectId: recordId, version: record.version, digest: record.digest, kind: 1 }),
    ]);
  });

  test('objects a transaction creates get ids derived from its digest, in creation order', async () => {
    const tx = await run((t) => {
      const coins = t.splitCoins(t.gas, [t.pure.u64(1n), t.pure.u64(2n), t.pure.u64(3n)]);
      t.transferObjects([coins[0]!, coins[1]!, coins[2]!], t.pure.address(alice.toSuiAddress()));
    });
    const expected = [0n, 1n, 2n].map((n) => deriveObjectId(tx.digest!, n)).sort();
    expect(createdIds(tx).sort()).toEqual(expected);
  });

  test('a failed transaction keeps only the gas charge and the version bumps of its mutable inputs', async () => {
    const pool = object(ledger.genesis.poolId);
    const tx = await run((t) => {
      const [coin] = t.splitCoins(t.gas, [t.pure.u64(1n)]); // below the minimum: EBelowMinimum
      t.moveCall({ target: target('staking', 'stake'), arguments: [t.object(shared(pool.id, true)), coin!, t.pure.u8(0), t.pure.string('node-c')] });
    });
    expect(tx.effects!.status!.success).toBe(false);
    expect(tx.effects!.status!.error!.errorDetails).toMatchObject({ oneofKind: 'abort', abort: { abortCode: 1n } });
    expect(createdIds(tx)).toEqual([]);
    expect(tx.events).toBeUndefined();
    const after = object(pool.id);
    expect(after.version).toBe(tx.effects!.lamportVersion);
    expect(after.data).toEqual(pool.data);
  });
});

describe('abilities', () => {
  test('a SealToken has no `store`: TransferObjects of it fails InvalidTransferObject and it stays with its staker', async () => {
    const staked = await run((t) => stake(t, 0, 'node-transfer'));
    const [recordId] = createdIds(staked);
    const minted = await run((t) => t.moveCall({ target: target('seal', 'create_worker_seal_token'), arguments: [t.object(shared(recordId!, false))] }));
    const tokenId = createdIds(minted)[0]!;
    const bob = Ed25519Keypair.generate().toSuiAddress();
    const tx = await run((t) => t.transferObjects([t.object(Inputs.ObjectRef(ref(object(tokenId))))], t.pure.address(bob)));
    expect(tx.effects!.status!.success).toBe(false);
    expect(tx.effects!.status!.error!.errorDetails).toMatchObject({
      oneofKind: 'commandArgumentError',
      commandArgumentError: { kind: GrpcTypes.CommandArgumentError_CommandArgumentErrorKind.INVALID_TRANSFER_OBJECT },
    });
    expect(object(tokenId).owner).toEqual({ kind: 'address', address: normalizeSuiAddress(alice.toSuiAddress()) });
  });
});

describe('validator checks', () => {
  test('an owned object must be given at its current version and digest, by its owner', async () => {
    const coin = aliceCoin();
    await run((t) => t.transferObjects([t.splitCoins(t.gas, [t.pure.u64(1n)])[0]!], t.pure.address(alice.toSuiAddress())));
    const stale = new Transaction();
    stale.setSender(alice.toSuiAddress());
    stale.setGasPayment([ref(coin)]);
    stale.setGasPrice(REFERENCE_GAS_PRICE);
    stale.setGasBudget(minimumBudget(REFERENCE_GAS_PRICE));
    const bytes = await stale.build();
    await expect(node.execute(bytes, [fromBase64((await alice.signTransaction(bytes)).signature)])).rejects.toThrow(TransactionRejected);

    const publisher = Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(ledger.genesis.adminKey).secretKey);
    const cap = object(ledger.genesis.adminCapId);
    await expect(run((t) => t.transferObjects([t.object(Inputs.ObjectRef(ref(cap)))], t.pure.address(alice.toSuiAddress())))).rejects.toThrow(
      `Object ${cap.id} is owned by account address ${publisher.toSuiAddress()}`,
    );
  });

  test('a shared object must be named by its initial shared version; the Clock only by immutable reference', async () => {
    await expect(
      run((t) => t.moveCall({ target: target('staking', 'request_unstake'), arguments: [t.object(Inputs.SharedObjectRef({ objectId: ledger.genesis.poolId, initialSharedVersion: 99, mutable: true }))] })),
    ).rejects.toThrow(/initial shared version 1, not 99/);
    await expect(
      run((t) => t.moveCall({ target: '0x2::nitro_attestation::load_nitro_attestation', arguments: [t.pure.vector('u8', [1]), t.object(Inputs.SharedObjectRef({ objectId: '0x6', initialSharedVersion: 1, mutable: true }))] })),
    ).rejects.toThrow(/Clock \(0x6\) can only be passed by immutable reference/);
  });

  test('a call into an unknown package or an unimplemented framework function is refused', async () => {
    await expect(run((t) => t.moveCall({ target: `0x${'99'.repeat(32)}::m::f` }))).rejects.toThrow(/Dependent package not found/);
    await expect(run((t) => t.moveCall({ target: '0x2::coin::zero', typeArguments: ['0x2::sui::SUI'] }))).rejects.toThrow(
      /does not implement the framework function/,
    );
  });
});

describe('server-side resolution', () => {
  const draft = (inputs: Parameters<typeof resolveTransaction>[1]['inputs'], fn: string) => ({
    sender: normalizeSuiAddress(alice.toSuiAddress()),
    inputs,
    commands: [{ MoveCall: { package: ledger.genesis.packageId, module: 'seal', function: fn, typeArguments: [], arguments: [{ Input: 0 }] } }],
    gas: { payment: [] },
    expiration: { None: true },
  });

  test('shared inputs get their initial version and the mutability of the parameter; owned ones their reference', async () => {
    const staked = await run((t) => stake(t, 0, 'node-d'));
    const [recordId] = createdIds(staked);
    const read = resolveTransaction(ledger, draft([{ kind: 'object', objectId: recordId! }], 'create_worker_seal_token'), true);
    expect(read.data.kind.ProgrammableTransaction!.inputs[0]).toMatchObject({
      Object: { SharedObject: { objectId: recordId, initialSharedVersion: String((object(recordId!).owner as { initialVersion: bigint }).initialVersion), mutable: false } },
    });
    expect(read.data.gasData.payment.map((p) => p.objectId)).toEqual([aliceCoin().id]);
    expect(read.data.gasData.price).toBe(REFERENCE_GAS_PRICE.toString());

    const cap = object(ledger.genesis.adminCapId);
    const owned = resolveTransaction(ledger, draft([{ kind: 'object', objectId: cap.id }], 'revoke_seal_token'), false);
    expect(owned.data.kind.ProgrammableTransaction!.inputs[0]).toMatchObject({ Object: { ImmOrOwnedObject: ref(cap) } });
  });

  test('gas selection fails with the owner and the budget named when the coins do not cover it', () => {
    const poor = Ed25519Keypair.generate().toSuiAddress();
    const d = { ...draft([], 'revoke_seal_token'), sender: normalizeSuiAddress(poor), commands: [] };
    expect(() => resolveTransaction(ledger, d, true)).toThrow(`insufficient SUI balance for account ${normalizeSuiAddress(poor)}`);
  });
});

describe('simulation', () => {
  test('dry-runs without committing anything', async () => {
    const coin = aliceCoin();
    const tx = new Transaction();
    tx.setSender(alice.toSuiAddress());
    tx.setGasPayment([ref(coin)]);
    tx.setGasPrice(REFERENCE_GAS_PRICE);
    tx.setGasBudget(minimumBudget(REFERENCE_GAS_PRICE));
    tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(5n)])[0]!], tx.pure.address(alice.toSuiAddress()));
    const bytes = await tx.build();
    const checkpoint = ledger.checkpoint;
    const result = node.simulate({ transaction: { bcs: { value: bytes } }, doGasSelection: false });
    expect(result.transaction.effects!.status!.success).toBe(true);
    expect(result.transaction.digest).toBe(await tx.getDigest());
    expect(ledger.checkpoint).toBe(checkpoint);
    expect(ledger.getTransaction(result.transaction.digest!)).toBeUndefined();
    expect(aliceCoin()).toEqual(coin);
  });
});
