/**
 * Every entry point of the daas package, executed through the wire with the unmodified SDK client
 * against sui-sim: each one once with success and once with a failure that shows its abort (named
 * with abortName, as the CLI names it). docs/entry-points.md lists these tests per entry point.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import type { Transaction } from '@mysten/sui/transactions';
import { Coin, MIST_PER_SUI, PACKAGE_VERSION, POOL_DEFAULTS, SealToken, SEAL_TOKEN_LIFETIME_EPOCHS, StakePool, StakeRecord, StakeStatus } from '../../src/chain/schema.ts';
import { SimulatedNsm } from '../../src/enclave/nsm-sim/index.ts';
import { abortOf, created, execute, executeOk, fundedAccount, startTestSim, type TestSim } from './sim-support.ts';

jest.setTimeout(60_000);

const nsm = SimulatedNsm.generate({ pcrs: new Map([[0, new Uint8Array(48).fill(1)], [1, new Uint8Array(48).fill(2)], [2, new Uint8Array(48).fill(3)]]) });
let t: TestSim;
let alice: Ed25519Keypair;
let bob: Ed25519Keypair;

beforeAll(async () => {
  // The simulated NSM's root is trusted only because this sim is told so explicitly.
  t = await startTestSim({ nitroExtraRoots: [nsm.rootPem] });
  alice = await fundedAccount(t, 100n);
  bob = await fundedAccount(t, 100n);
});

afterAll(async () => {
  await t.sim.stop();
});

const pool = () => t.sim.network.poolId;
const cap = () => t.sim.network.adminCapId;

async function read<T>(id: string, schema: { parse(b: Uint8Array): T }): Promise<{ fields: T; owner: unknown; version: string }> {
  const { object } = await t.client.core.getObject({ objectId: id, include: { content: true } });
  return { fields: schema.parse(await object.content), owner: object.owner, version: object.version };
}

function stakeCall(tx: Transaction, kind: number, nodeId: string, mist: bigint) {
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(mist)]);
  tx.moveCall({ target: t.target('staking', 'stake'), arguments: [tx.object(pool()), coin!, tx.pure.u8(kind), tx.pure.string(nodeId)] });
}

async function stake(signer: Ed25519Keypair, kind: number, nodeId: string, mist: bigint): Promise<string> {
  const result = await executeOk(t, signer, (tx) => stakeCall(tx, kind, nodeId, mist));
  return created(result, '::staking::StakeRecord')[0]!;
}

const call = (module: string, fn: string, args: (tx: Transaction) => Parameters<Transaction['moveCall']>[0]['arguments']) => (tx: Transaction) => {
  tx.moveCall({ target: t.target(module, fn), arguments: args(tx) });
};

describe('staking (wire)', () => {
  test('init: the publisher holds the AdminCap, the pool is shared with the defaults', async () => {
    const adminCap = await t.client.core.getObject({ objectId: cap() });
    expect(adminCap.object.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: t.publisher.toSuiAddress() });
    const p = await read(pool(), StakePool);
    expect(p.owner).toMatchObject({ $kind: 'Shared' });
    expect(p.fields.min_stake).toEqual(POOL_DEFAULTS.minStake.map(String));
    expect(p.fields.slash_bps).toBe(POOL_DEFAULTS.slashBps.toString());
    expect(p.fields.unbonding_epochs).toEqual(POOL_DEFAULTS.unbondingEpochs.map(String));
    expect(p.fields.version).toBe(PACKAGE_VERSION.toString());
  });

  test('stake: creates an active shared record; below the minimum aborts EBelowMinimum', async () => {
    const id = await stake(alice, 0, 'worker-1', 2n * MIST_PER_SUI);
    const record = await read(id, StakeRecord);
    expect(record.owner).toMatchObject({ $kind: 'Shared' });
    expect(record.fields).toMatchObject({ staker: alice.toSuiAddress(), node_id: 'worker-1', amount: (2n * MIST_PER_SUI).toString(), status: StakeStatus.active });
    const abort = await abortOf(t, alice, (tx) => stakeCall(tx, 0, 'worker-1', 1n));
    expect(abort).toMatchObject({ name: 'staking::EBelowMinimum', functionName: 'stake', packageId: t.sim.network.packageId });
  });

  test('top_up: adds to an active stake; someone else aborts ENotStaker', async () => {
    const id = await stake(alice, 1, '', MIST_PER_SUI);
    const topUp = (tx: Transaction) => {
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
      tx.moveCall({ target: t.target('staking', 'top_up'), arguments: [tx.object(pool()), tx.object(id), coin!] });
    };
    const result = await executeOk(t, alice, topUp);
    expect(result.events!.map((e) => e.eventType)).toEqual([`${t.sim.network.packageId}::staking::StakeToppedUp`]);
    expect((await read(id, StakeRecord)).fields.amount).toBe((2n * MIST_PER_SUI).toString());
    expect((await abortOf(t, bob, topUp)).name).toBe('staking::ENotStaker');
  });

  test('request_unstake: starts unbonding; twice aborts ENotActive', async () => {
    const id = await stake(alice, 1, '', MIST_PER_SUI);
    const unstake = call('staking', 'request_unstake', (tx) => [tx.object(pool()), tx.object(id)]);
    await executeOk(t, alice, unstake);
    expect((await read(id, StakeRecord)).fields.status).toBe(StakeStatus.unbonding);
    expect((await abortOf(t, alice, unstake)).name).toBe('staking::ENotActive');
  });

  test('withdraw: before the lock-up aborts EStillLocked; after it pays the stake back', async () => {
    const id = await stake(alice, 1, '', MIST_PER_SUI);
    await executeOk(t, alice, call('staking', 'request_unstake', (tx) => [tx.object(pool()), tx.object(id)]));
    const withdraw = call('staking', 'withdraw', (tx) => [tx.object(pool()), tx.object(id)]);
    expect(await abortOf(t, alice, withdraw)).toMatchObject({ name: 'staking::EStillLocked', functionName: 'withdraw' });
    await t.admin.advanceEpoch(Number(POOL_DEFAULTS.lockupEpochs[1]));
    const result = await executeOk(t, alice, withdraw);
    const [coinId] = created(result, '::sui::SUI>');
    const { object } = await t.client.core.getObject({ objectId: coinId!, include: { content: true } });
    expect(object.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: alice.toSuiAddress() });
    expect((await read(id, StakeRecord)).fields).toMatchObject({ status: StakeStatus.withdrawn, amount: '0' });
  });

  test('after the lock-up, request_unstake and withdraw in one transaction abort EStillLocked; a top-up leaves only after unbonding', async () => {
    const id = await stake(alice, 1, '', MIST_PER_SUI);
    await t.admin.advanceEpoch(Number(POOL_DEFAULTS.lockupEpochs[1]));
    await executeOk(t, alice, (tx) => {
      const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
      tx.moveCall({ target: t.target('staking', 'top_up'), arguments: [tx.object(pool()), tx.object(id), coin!] });
    });
    const unstake = call('staking', 'request_unstake', (tx) => [tx.object(pool()), tx.object(id)]);
    const withdraw = call('staking', 'withdraw', (tx) => [tx.object(pool()), tx.object(id)]);
    const both = (tx: Transaction) => {
      unstake(tx);
      withdraw(tx);
    };
    expect(await abortOf(t, alice, both)).toMatchObject({ name: 'staking::EStillLocked', functionName: 'withdraw' });
    expect((await read(id, StakeRecord)).fields.status).toBe(StakeStatus.active); // the whole transaction failed
    await executeOk(t, alice, unstake);
    expect(await abortOf(t, alice, withdraw)).toMatchObject({ name: 'staking::EStillLocked' });
    await t.admin.advanceEpoch(Number(POOL_DEFAULTS.unbondingEpochs[1]));
    const [coinId] = created(await executeOk(t, alice, withdraw), '::sui::SUI>');
    const { object } = await t.client.core.getObject({ objectId: coinId!, include: { content: true } });
    expect(Coin.parse(await object.content).balance).toBe((2n * MIST_PER_SUI).toString());
  });

  test('slash: the AdminCap holder slashes; again aborts ENotSlashable; anyone else is refused the AdminCap', async () => {
    const id = await stake(alice, 2, '', 5n * MIST_PER_SUI);
    const slash = call('staking', 'slash', (tx) => [tx.object(cap()), tx.object(pool()), tx.object(id), tx.pure.string('misbehaved')]);
    const result = await executeOk(t, t.publisher, slash);
    expect(result.events![0]!.json).toMatchObject({ record_id: id, slashed_amount: (2_500_000_000n).toString(), reason: 'misbehaved' });
    expect((await read(id, StakeRecord)).fields.status).toBe(StakeStatus.slashed);
    expect((await abortOf(t, t.publisher, slash)).name).toBe('staking::ENotSlashable');
    await expect(abortOf(t, alice, slash)).rejects.toThrow(`Object ${cap()} is owned by account address ${t.publisher.toSuiAddress()}`);
  });

  test('set_params: updates one kind; an unknown kind aborts EInvalidKind', async () => {
    await executeOk(t, t.publisher, call('staking', 'set_params', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u8(1), tx.pure.u64(MIST_PER_SUI / 2n), tx.pure.u64(3n)]));
    expect((await read(pool(), StakePool)).fields.lockup_epochs[1]).toBe('3');
    const bad = call('staking', 'set_params', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u8(3), tx.pure.u64(1n), tx.pure.u64(1n)]);
    expect((await abortOf(t, t.publisher, bad)).name).toBe('staking::EInvalidKind');
  });

  test('set_slash_bps: sets the ratio; more than 10000 aborts EInvalidParam', async () => {
    await executeOk(t, t.publisher, call('staking', 'set_slash_bps', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u64(5_000n)]));
    const bad = call('staking', 'set_slash_bps', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u64(10_001n)]);
    expect((await abortOf(t, t.publisher, bad)).name).toBe('staking::EInvalidParam');
  });

  test('set_unbonding_epochs and withdraw_treasury: the AdminCap holder sets unbonding and pays slashed SUI out of the treasury', async () => {
    await executeOk(t, t.publisher, call('staking', 'set_unbonding_epochs', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u8(0), tx.pure.u64(3n)]));
    expect((await read(pool(), StakePool)).fields.unbonding_epochs[0]).toBe('3');
    const zero = call('staking', 'set_unbonding_epochs', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u8(0), tx.pure.u64(0n)]);
    expect((await abortOf(t, t.publisher, zero)).name).toBe('staking::EInvalidParam');

    const treasury = BigInt((await read(pool(), StakePool)).fields.treasury);
    expect(treasury).toBeGreaterThan(0n); // the slash tests above filled it
    const pay = (mist: bigint) =>
      call('staking', 'withdraw_treasury', (tx) => [tx.object(cap()), tx.object(pool()), tx.pure.u64(mist), tx.pure.address(bob.toSuiAddress())]);
    expect((await abortOf(t, t.publisher, pay(treasury + 1n))).name).toBe('staking::EInsufficientTreasury');
    await expect(abortOf(t, alice, pay(1n))).rejects.toThrow(`Object ${cap()} is owned by account address ${t.publisher.toSuiAddress()}`);
    const result = await executeOk(t, t.publisher, pay(1n));
    expect(result.events![0]!.json).toMatchObject({ amount: '1', recipient: bob.toSuiAddress(), remaining: (treasury - 1n).toString() });
    const [coinId] = created(result, '::sui::SUI>');
    const { object } = await t.client.core.getObject({ objectId: coinId!, include: { content: true } });
    expect(object.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: bob.toSuiAddress() });
    expect((await read(pool(), StakePool)).fields.treasury).toBe((treasury - 1n).toString());
  });

  test('migrate: objects of the current version are refused ENotUpgrade', async () => {
    const id = await stake(alice, 1, '', MIST_PER_SUI);
    expect((await read(id, StakeRecord)).fields.version).toBe(PACKAGE_VERSION.toString());
    const migrations = [
      call('staking', 'migrate', (tx) => [tx.object(cap()), tx.object(pool())]),
      call('staking', 'migrate_record', (tx) => [tx.object(cap()), tx.object(id)]),
      call('enclave_registry', 'migrate', (tx) => [tx.object(cap()), tx.object(t.sim.network.enclaveConfigId)]),
    ];
    const names = [];
    for (const migrate of migrations) names.push((await abortOf(t, t.publisher, migrate)).name);
    expect(names).toEqual(['staking::ENotUpgrade', 'staking::ENotUpgrade', 'enclave_registry::ENotUpgrade']);
  });
});

describe('seal (wire)', () => {
  test('create_worker_seal_token: mints a token to the staker expiring 100 epochs later; a user stake aborts EWrongKind', async () => {
    const id = await stake(bob, 0, 'worker-2', MIST_PER_SUI);
    const result = await executeOk(t, bob, call('seal', 'create_worker_seal_token', (tx) => [tx.object(id)]));
    const [tokenId] = created(result, '::seal::SealToken');
    const token = await read(tokenId!, SealToken);
    expect(token.owner).toEqual({ $kind: 'AddressOwner', AddressOwner: bob.toSuiAddress() });
    expect(BigInt(token.fields.expires_epoch) - BigInt(token.fields.issued_epoch)).toBe(SEAL_TOKEN_LIFETIME_EPOCHS);
    expect(token.fields.issued_epoch).toBe(result.epoch);
    const userStake = await stake(bob, 1, '', MIST_PER_SUI);
    expect((await abortOf(t, bob, call('seal', 'create_worker_seal_token', (tx) => [tx.object(userStake)]))).name).toBe('seal::EWrongKind');
  });

  test('create_user_seal_token: mints a token for a user stake; a slashed record aborts ENotActive', async () => {
    const id = await stake(bob, 1, '', 2n * MIST_PER_SUI);
    const mint = call('seal', 'create_user_seal_token', (tx) => [tx.object(id)]);
    const [tokenId] = created(await executeOk(t, bob, mint), '::seal::SealToken');
    expect((await read(tokenId!, SealToken)).fields.permissions).toEqual(expect.arrayContaining(['pods:write']));
    await executeOk(t, t.publisher, call('staking', 'slash', (tx) => [tx.object(cap()), tx.object(pool()), tx.object(id), tx.pure.string('x')]));
    expect((await abortOf(t, bob, mint)).name).toBe('seal::ENotActive');
  });

  test('revoke_seal_token: deletes the token; a SealToken cannot be transferred (InvalidTransferObject)', async () => {
    const id = await stake(bob, 1, '', MIST_PER_SUI);
    const mint = call('seal', 'create_user_seal_token', (tx) => [tx.object(id)]);
    const [mine] = created(await executeOk(t, bob, mint), '::seal::SealToken');
    const revoked = await executeOk(t, bob, call('seal', 'revoke_seal_token', (tx) => [tx.object(mine!)]));
    expect(revoked.effects!.changedObjects.find((c) => c.objectId === mine)!.idOperation).toBe('Deleted');
    await expect(t.client.core.getObject({ objectId: mine! })).rejects.toThrow();

    const [kept] = created(await executeOk(t, bob, mint), '::seal::SealToken');
    const transfer = await execute(t, bob, (tx) => tx.transferObjects([tx.object(kept!)], tx.pure.address(alice.toSuiAddress()))).then(
      (result) => result.status.error?.message ?? 'succeeded',
      (error: Error) => error.message,
    );
    expect(transfer).toMatch(/InvalidTransferObject/);
    expect((await read(kept!, SealToken)).owner).toEqual({ $kind: 'AddressOwner', AddressOwner: bob.toSuiAddress() });
  });
});

describe('enclave_registry (wire)', () => {
  const pcr = (i: number) => Array.from(nsm.pcrs.get(i)!);
  const register = (document: Uint8Array) => (tx: Transaction) => {
    const [verified] = tx.moveCall({
      target: '0x2::nitro_attestation::load_nitro_attestation',
      arguments: [tx.pure.vector('u8', Array.from(document)), tx.object.clock()],
    });
    tx.moveCall({ target: t.target('enclave_registry', 'register_enclave'), arguments: [tx.object(t.sim.network.enclaveConfigId), verified!] });
  };

  test('init and register_enclave: an unset config aborts EPcrMismatch', async () => {
    const { object } = await t.client.core.getObject({ objectId: t.sim.network.enclaveConfigId });
    expect(object.owner).toMatchObject({ $kind: 'Shared' });
    const abort = await abortOf(t, alice, register(nsm.attest({ publicKey: new Uint8Array(91).fill(9) })));
    expect(abort).toMatchObject({ name: 'enclave_registry::EPcrMismatch', functionName: 'register_enclave' });
  });

  test('set_expected_pcrs: pins the PCRs; a short PCR aborts EInvalidPcr', async () => {
    const set = (pcr0: number[]) =>
      call('enclave_registry', 'set_expected_pcrs', (tx) => [
        tx.object(cap()),
        tx.object(t.sim.network.enclaveConfigId),
        tx.pure.vector('u8', pcr0),
        tx.pure.vector('u8', pcr(1)),
        tx.pure.vector('u8', pcr(2)),
      ]);
    expect((await abortOf(t, t.publisher, set(pcr(0).slice(0, 47)))).name).toBe('enclave_registry::EInvalidPcr');
    const result = await executeOk(t, t.publisher, set(pcr(0)));
    expect(result.events![0]!.json).toMatchObject({ pcr_version: '1' });
  });

  test('register_enclave: shares an Enclave with the attested key; no public key aborts ENoPublicKey', async () => {
    const key = new Uint8Array(91).fill(7);
    const result = await executeOk(t, alice, register(nsm.attest({ publicKey: key })));
    const [enclaveId] = created(result, '::enclave_registry::Enclave');
    expect(result.events![0]!.json).toMatchObject({ enclave_id: enclaveId, public_key: Buffer.from(key).toString('base64') });
    expect((await abortOf(t, alice, register(nsm.attest({})))).name).toBe('enclave_registry::ENoPublicKey');
  });

  test('load_nitro_attestation: a document that does not parse aborts in 0x2::nitro_attestation', async () => {
    const abort = await abortOf(t, alice, register(nsm.attest({ publicKey: new Uint8Array(91) }).slice(0, 64)));
    expect(abort).toMatchObject({
      name: 'nitro_attestation:1',
      functionName: 'load_nitro_attestation',
      packageId: '0x0000000000000000000000000000000000000000000000000000000000000002',
    });
  });

  test('load_nitro_attestation: a simulated document does not verify on a sim that trusts only the AWS root', async () => {
    const strict = await startTestSim();
    try {
      const signer = await fundedAccount(strict, 1n);
      const doc = nsm.attest({ publicKey: new Uint8Array(91) });
      const abort = await abortOf(strict, signer, (tx) => {
        const [verified] = tx.moveCall({ target: '0x2::nitro_attestation::load_nitro_attestation', arguments: [tx.pure.vector('u8', Array.from(doc)), tx.object.clock()] });
        tx.moveCall({ target: strict.target('enclave_registry', 'register_enclave'), arguments: [tx.object(strict.sim.network.enclaveConfigId), verified!] });
      });
      expect(abort).toMatchObject({ name: 'nitro_attestation:2', functionName: 'load_nitro_attestation' });
    } finally {
      await strict.sim.stop();
    }
  });
});
