/**
 * The stake life cycle through src/chain (ChainWriter, ChainReader) and the real SDK client against a
 * running sui-sim over loopback: every field read back, seal-token expiry, slashing with an event
 * follower, and each refusal named.
 */
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import type { Keypair } from '@mysten/sui/cryptography';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { ChainTxError } from '../../src/chain/errors.ts';
import type { ChainEvent } from '../../src/chain/events.ts';
import { ChainReader, isExpired } from '../../src/chain/reader.ts';
import { MIST_PER_SUI, POOL_DEFAULTS, SEAL_TOKEN_LIFETIME_EPOCHS, USER_PERMISSION_STEPS, WORKER_PERMISSIONS } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { fundedKey, startTestbed, until, type ChainTestbed } from './chain-helpers.ts';

let bed: ChainTestbed;
let reader: ChainReader;
let alice: Keypair;
let bob: Keypair;
let asAlice: ChainWriter;
let asBob: ChainWriter;
let asAdmin: ChainWriter;

beforeAll(async () => {
  bed = await startTestbed();
  reader = new ChainReader(bed.net, { epochTtlMs: 0 });
  alice = await fundedKey(bed);
  bob = await fundedKey(bed);
  asAlice = new ChainWriter(bed.net, alice, { reader });
  asBob = new ChainWriter(bed.net, bob, { reader });
  asAdmin = new ChainWriter(bed.net, Ed25519Keypair.fromSecretKey(bed.adminKey), { reader });
});

afterAll(async () => {
  reader?.close();
  await bed?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<ChainTxError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the chain to refuse');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChainTxError);
  return error as ChainTxError;
}

describe('stake and seal token', () => {
  let recordId: string;
  let stakedAt: bigint;

  test('stake → the StakeRecord reads back with every field right', async () => {
    stakedAt = await reader.getEpoch();
    ({ recordId } = await asAlice.stake({ mist: 2n * MIST_PER_SUI, kind: 'node', nodeId: 'worker-1' }));
    const record = await reader.getStakeRecord(recordId);
    expect(record).toEqual({
      id: recordId,
      poolId: bed.net.poolId,
      staker: alice.toSuiAddress(),
      nodeId: 'worker-1',
      amount: 2n * MIST_PER_SUI,
      kind: 'node',
      status: 'active',
      stakedEpoch: stakedAt,
      unlockEpoch: stakedAt + POOL_DEFAULTS.lockupEpochs[0],
      slashedAmount: 0n,
      version: expect.stringMatching(/^\d+$/),
    });
  });

  test('a StakeRecord is not a SealToken, and the pool is neither', async () => {
    expect(await reader.getSealToken(recordId)).toBeNull();
    expect(await reader.getStakeRecord(bed.net.poolId)).toBeNull();
  });

  test('top-up adds to the amount', async () => {
    const { amount } = await asAlice.topUp(recordId, MIST_PER_SUI / 2n);
    expect(amount).toBe(2n * MIST_PER_SUI + MIST_PER_SUI / 2n);
    expect((await reader.getStakeRecord(recordId))?.amount).toBe(amount);
  });

  test('seal-token create → owned by the staker, expires 100 epochs after issue, then expires', async () => {
    const issuedAt = await reader.getEpoch();
    const minted = await asAlice.createSealToken(recordId);
    expect(minted.expiresEpoch).toBe(issuedAt + SEAL_TOKEN_LIFETIME_EPOCHS);
    const token = await reader.getSealToken(minted.tokenId);
    expect(token).toEqual({
      id: minted.tokenId,
      objectOwner: alice.toSuiAddress(),
      stakeRecord: recordId,
      owner: alice.toSuiAddress(),
      nodeId: 'worker-1',
      permissions: [...WORKER_PERMISSIONS],
      issuedEpoch: issuedAt,
      expiresEpoch: issuedAt + 100n,
      version: expect.stringMatching(/^\d+$/),
    });
    expect(isExpired(token!, await reader.getEpoch())).toBe(false);

    await bed.admin.advanceEpoch(99);
    expect(isExpired(token!, await reader.getEpoch())).toBe(false);
    await bed.admin.advanceEpoch(1);
    const epoch = await reader.getEpoch();
    expect(epoch).toBe(issuedAt + 100n);
    expect(isExpired((await reader.getSealToken(minted.tokenId))!, epoch)).toBe(true);
  });

  test('a user stake mints a user token with the permissions of its amount', async () => {
    const { recordId: userRecord } = await asBob.stake({ mist: 2n * MIST_PER_SUI, kind: 'user' });
    const { tokenId } = await asBob.createSealToken(userRecord);
    const token = await reader.getSealToken(tokenId);
    const expected = USER_PERMISSION_STEPS.filter((s) => 2n * MIST_PER_SUI >= s.minMist).flatMap((s) => s.permissions);
    expect(token).toMatchObject({ nodeId: '', owner: bob.toSuiAddress(), permissions: expected });
  });
});

describe('slashing', () => {
  test('slash by the AdminCap holder → status slashed, and a follower started before sees StakeSlashed', async () => {
    const { recordId } = await asAlice.stake({ mist: 4n * MIST_PER_SUI, kind: 'node', nodeId: 'worker-2' });
    const seen: ChainEvent[] = [];
    const follower = reader.followEvents({ names: ['StakeSlashed'], pollMs: 50, onEvent: (e) => void seen.push(e) });
    try {
      const result = await asAdmin.slash(recordId, 'double signing');
      const half = (4n * MIST_PER_SUI * POOL_DEFAULTS.slashBps) / 10_000n;
      expect(result).toMatchObject({ slashedAmount: half, remaining: 4n * MIST_PER_SUI - half });
      expect(await reader.getStakeRecord(recordId)).toMatchObject({ status: 'slashed', slashedAmount: half, amount: 4n * MIST_PER_SUI - half });
      await until(() => seen.some((e) => e.name === 'StakeSlashed' && e.fields.record_id === recordId), 'StakeSlashed');
      const event = seen.find((e) => e.name === 'StakeSlashed' && e.fields.record_id === recordId)!;
      expect(event).toMatchObject({
        name: 'StakeSlashed',
        txDigest: result.digest,
        fields: { staker: alice.toSuiAddress(), reason: 'double signing', slashed_amount: half.toString() },
      });
    } finally {
      await follower.stop();
    }
  });

  test('slash by anyone else → refused: the AdminCap is not theirs', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'node', nodeId: 'worker-3' });
    const error = await refusal(asBob.slash(recordId, 'grudge', bed.net.adminCapId));
    expect(error.kind).toBe('wrongOwner');
    expect(error.objectId).toBe(bed.net.adminCapId);
    expect(error.message).toMatch(/^wrong owner: .*owned by/);
    expect((await reader.getStakeRecord(recordId))?.status).toBe('active');
  });

  test('slash without an AdminCap id finds none among a non-admin’s objects', async () => {
    const noCap = new ChainWriter({ ...bed.net, adminCapId: undefined }, bob, { reader });
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'node', nodeId: 'worker-4' });
    const error = await refusal(noCap.slash(recordId, 'x'));
    expect(error.message).toMatch(/holds no AdminCap/);
    const adminNoCap = new ChainWriter({ ...bed.net, adminCapId: undefined }, Ed25519Keypair.fromSecretKey(bed.adminKey), { reader });
    expect(await adminNoCap.findAdminCap()).toBe(bed.net.adminCapId);
  });
});

describe('refusals and the rest of the life cycle', () => {
  test('a stake below the minimum → staking::EBelowMinimum', async () => {
    const error = await refusal(asAlice.stake({ mist: MIST_PER_SUI / 10n, kind: 'user' }));
    expect(error).toMatchObject({ kind: 'moveAbort', abort: 'staking::EBelowMinimum' });
  });

  test('a node stake with a bad node name → staking::EInvalidNodeId', async () => {
    const error = await refusal(asAlice.stake({ mist: MIST_PER_SUI, kind: 'node', nodeId: 'Not_A_DNS_Name' }));
    expect(error.abort).toBe('staking::EInvalidNodeId');
  });

  test('withdraw before the lock-up → staking::EStillLocked; after it → StakeWithdrawn pays back', async () => {
    const { recordId } = await asBob.stake({ mist: MIST_PER_SUI, kind: 'user' });
    expect((await refusal(asBob.withdraw(recordId))).abort).toBe('staking::ENotWithdrawable');
    const { unlockEpoch } = await asBob.requestUnstake(recordId);
    expect((await reader.getStakeRecord(recordId))?.status).toBe('unbonding');
    expect((await refusal(asBob.withdraw(recordId))).abort).toBe('staking::EStillLocked');
    await bed.admin.advanceEpoch(Number(unlockEpoch - (await reader.getEpoch())));
    const { amount } = await asBob.withdraw(recordId);
    expect(amount).toBe(MIST_PER_SUI);
    expect(await reader.getStakeRecord(recordId)).toMatchObject({ status: 'withdrawn', amount: 0n });
  });

  test('unstake of someone else’s record → staking::ENotStaker', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'user' });
    expect((await refusal(asBob.requestUnstake(recordId))).abort).toBe('staking::ENotStaker');
  });

  test('a seal token from someone else’s record → seal::ENotStaker', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'user' });
    expect((await refusal(asBob.createSealToken(recordId))).abort).toBe('seal::ENotStaker');
  });

  test('a seal token from a slashed record → seal::ENotActive', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'node', nodeId: 'worker-5' });
    await asAdmin.slash(recordId, 'down');
    expect((await refusal(asAlice.createSealToken(recordId))).abort).toBe('seal::ENotActive');
  });

  test('the wrong token kind for the record → seal::EWrongKind', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'user' });
    expect((await refusal(asAlice.createSealToken(recordId, 'worker'))).abort).toBe('seal::EWrongKind');
  });

  test('revoke → SealTokenRevoked and the token is gone; nobody else can revoke it', async () => {
    const { recordId } = await asAlice.stake({ mist: MIST_PER_SUI, kind: 'user' });
    const { tokenId } = await asAlice.createSealToken(recordId);
    expect((await refusal(asBob.revokeSealToken(tokenId))).kind).toBe('wrongOwner');
    const seen: ChainEvent[] = [];
    const cursorBefore = await reader.latestEventCursor();
    const follower = reader.followEvents({ after: cursorBefore, pollMs: 50, onEvent: (e) => void seen.push(e) });
    try {
      const { digest } = await asAlice.revokeSealToken(tokenId);
      expect(await reader.getSealToken(tokenId)).toBeNull();
      await until(() => seen.some((e) => e.name === 'SealTokenRevoked'), 'SealTokenRevoked');
      expect(seen.map((e) => e.name)).toEqual(['SealTokenRevoked']);
      expect(seen[0]).toMatchObject({ txDigest: digest, fields: { token_id: tokenId, record_id: recordId, owner: alice.toSuiAddress() } });
    } finally {
      await follower.stop();
    }
  });

  test('an unknown object → unknownObject', async () => {
    const ghost = normalizeSuiAddress('0xdeadbeef');
    const error = await refusal(asAlice.createSealToken(ghost));
    expect(error.kind).toBe('unknownObject');
    const direct = await refusal(asAlice.createSealToken(ghost, 'user'));
    expect(direct.kind).toBe('unknownObject');
  });

  test('more than the balance → insufficient funds; an unfunded key too', async () => {
    const poor = await fundedKey(bed, 2n);
    const asPoor = new ChainWriter(bed.net, poor, { reader });
    expect((await refusal(asPoor.stake({ mist: 100n * MIST_PER_SUI, kind: 'user' }))).kind).toBe('insufficientFunds');
    const broke = new ChainWriter(bed.net, Ed25519Keypair.generate(), { reader });
    expect((await refusal(broke.stake({ mist: MIST_PER_SUI, kind: 'user' }))).kind).toBe('insufficientFunds');
  });
});
