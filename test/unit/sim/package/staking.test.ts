/**
 * The sim's mirror of `daas::staking`, case for case with contracts/tests/staking_tests.move (same
 * names; test/unit/contracts/drift.test.ts holds the two lists equal).
 */
import { PACKAGE_VERSION, POOL_DEFAULTS, StakeKind, StakeStatus } from '../../../../src/chain/schema.ts';
import type { StakePoolFields, StakeRecordFields } from '../../../../src/sim/package/objects.ts';
import { ADMIN, ALICE, BOB, expectAbort, FakeChain, obj, requestUnstake, slash, stake, SUI } from './fake-chain.ts';

const pool = (chain: FakeChain, id = chain.poolId) => chain.fields<StakePoolFields>(id);
const record = (chain: FakeChain, id: string) => chain.fields<StakeRecordFields>(id);

function advanceEpochs(chain: FakeChain, count: bigint): void {
  chain.epoch += count;
}

function withdraw(chain: FakeChain, who: string, recordId: string, poolId = chain.poolId) {
  return chain.call(who, 'staking::withdraw', [obj(poolId), obj(recordId)]);
}

function topUp(chain: FakeChain, who: string, recordId: string, amount: bigint, poolId = chain.poolId) {
  return chain.call(who, 'staking::top_up', [obj(poolId), obj(recordId), obj(chain.mintCoin(who, amount))]);
}

function setParams(chain: FakeChain, kind: bigint, minStake: bigint, lockupEpochs: bigint) {
  return chain.call(ADMIN, 'staking::set_params', [obj(chain.adminCapId), obj(chain.poolId), kind, minStake, lockupEpochs]);
}

function setSlashBps(chain: FakeChain, bps: bigint) {
  return chain.call(ADMIN, 'staking::set_slash_bps', [obj(chain.adminCapId), obj(chain.poolId), bps]);
}

function setUnbondingEpochs(chain: FakeChain, kind: bigint, epochs: bigint) {
  return chain.call(ADMIN, 'staking::set_unbonding_epochs', [obj(chain.adminCapId), obj(chain.poolId), kind, epochs]);
}

function withdrawTreasury(chain: FakeChain, amount: bigint, recipient: string) {
  return chain.call(ADMIN, 'staking::withdraw_treasury', [obj(chain.adminCapId), obj(chain.poolId), amount, recipient]);
}

/** Alice stakes 2 SUI and the admin slashes half of it into the treasury. */
function slashedTreasury(chain: FakeChain): void {
  slash(chain, stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1'));
}

/** `withdraw` that must succeed; returns the payout's value. */
function withdrawnValue(chain: FakeChain, who: string, recordId: string): bigint {
  const payout = withdraw(chain, who, recordId).created[0]!;
  return BigInt(chain.fields<{ balance: string }>(payout).balance);
}

describe('staking mirror: init', () => {
  test('init_gives_admin_cap_to_publisher_and_shares_default_pool', () => {
    const chain = new FakeChain();
    expect(chain.owner(chain.adminCapId)).toEqual({ kind: 'address', address: ADMIN });
    expect(chain.owner(chain.poolId)).toEqual({ kind: 'shared' });
    expect(pool(chain)).toEqual({
      id: chain.poolId,
      vault: '0',
      treasury: '0',
      total_staked: '0',
      record_count: '0',
      min_stake: POOL_DEFAULTS.minStake.map(String),
      lockup_epochs: POOL_DEFAULTS.lockupEpochs.map(String),
      unbonding_epochs: POOL_DEFAULTS.unbondingEpochs.map(String),
      slash_bps: String(POOL_DEFAULTS.slashBps),
      version: String(PACKAGE_VERSION),
    });
    expect(PACKAGE_VERSION).toBe(1n);
  });
});

describe('staking mirror: stake', () => {
  test('stake_node_creates_active_record', () => {
    const chain = new FakeChain();
    chain.epoch = 3n;
    const coin = chain.mintCoin(ALICE, 2n * SUI);
    const result = chain.call(ALICE, 'staking::stake', [obj(chain.poolId), obj(coin), 0n, 'worker-1.example']);
    expect(result.created).toHaveLength(1);
    expect(result.deleted).toEqual([coin]);
    const id = result.created[0]!;
    expect(chain.owner(id)).toEqual({ kind: 'shared' });
    expect(record(chain, id)).toEqual({
      id,
      version: '1',
      pool_id: chain.poolId,
      staker: ALICE,
      node_id: 'worker-1.example',
      amount: String(2n * SUI),
      kind: StakeKind.node,
      status: StakeStatus.active,
      staked_epoch: '3',
      unlock_epoch: '10',
      slashed_amount: '0',
    });
    expect(pool(chain)).toMatchObject({ vault: String(2n * SUI), total_staked: String(2n * SUI), record_count: '1' });
    expect(result.events).toEqual([
      {
        type: 'staking::StakeCreated',
        fields: {
          record_id: id,
          pool_id: chain.poolId,
          staker: ALICE,
          node_id: 'worker-1.example',
          kind: StakeKind.node,
          amount: String(2n * SUI),
          epoch: '3',
          unlock_epoch: '10',
        },
      },
    ]);
  });

  test('stake_user_and_admin_need_no_node_id', () => {
    const chain = new FakeChain();
    const user = stake(chain, ALICE, SUI / 2n, StakeKind.user);
    const admin = stake(chain, BOB, 5n * SUI, StakeKind.admin);
    expect(record(chain, user)).toMatchObject({ kind: StakeKind.user, node_id: '', unlock_epoch: '2' });
    expect(record(chain, admin)).toMatchObject({ kind: StakeKind.admin, node_id: '', unlock_epoch: '7' });
    expect(pool(chain)).toMatchObject({ total_staked: String(SUI / 2n + 5n * SUI), record_count: '2' });
  });

  test('stake_accepts_exact_minimum_and_253_byte_node_id', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'a'.repeat(253));
    expect(record(chain, id).node_id).toHaveLength(253);
  });

  test('stake_rejects_unknown_kind', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, 10n * SUI, 3, ''), 'staking', 'EInvalidKind');
  });

  test('stake_rejects_amount_below_minimum', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI - 1n, StakeKind.node, 'worker-1'), 'staking', 'EBelowMinimum');
  });

  test('stake_rejects_node_stake_without_node_id', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.node, ''), 'staking', 'EInvalidNodeId');
  });

  test('stake_rejects_uppercase_node_id', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.node, 'Worker-1'), 'staking', 'EInvalidNodeId');
  });

  test('stake_rejects_node_id_with_underscore', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.node, 'worker_1'), 'staking', 'EInvalidNodeId');
  });

  test('stake_rejects_254_byte_node_id', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.node, 'a'.repeat(254)), 'staking', 'EInvalidNodeId');
  });

  test('stake_rejects_node_id_on_user_stake', () => {
    const chain = new FakeChain();
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.user, 'worker-1'), 'staking', 'EInvalidNodeId');
  });

  test('stake_rejects_pool_of_old_version', () => {
    const chain = new FakeChain();
    chain.patch(chain.poolId, { version: 0n });
    expectAbort(() => stake(chain, ALICE, SUI, StakeKind.user), 'staking', 'EWrongVersion');
  });
});

describe('staking mirror: top_up', () => {
  test('top_up_adds_to_active_stake', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const result = topUp(chain, ALICE, id, 2n * SUI);
    expect(record(chain, id).amount).toBe(String(3n * SUI));
    expect(pool(chain)).toMatchObject({ vault: String(3n * SUI), total_staked: String(3n * SUI) });
    expect(result.events).toEqual([
      {
        type: 'staking::StakeToppedUp',
        fields: { record_id: id, staker: ALICE, added: String(2n * SUI), amount: String(3n * SUI), epoch: '0' },
      },
    ]);
  });

  test('top_up_rejects_record_of_another_pool', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const other = chain.publish().poolId;
    expectAbort(() => topUp(chain, ALICE, id, SUI, other), 'staking', 'EWrongPool');
  });

  test('top_up_rejects_other_sender', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => topUp(chain, BOB, id, SUI), 'staking', 'ENotStaker');
  });

  test('top_up_rejects_unbonding_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    expectAbort(() => topUp(chain, ALICE, id, SUI), 'staking', 'ENotActive');
  });

  test('top_up_rejects_zero_coin', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => topUp(chain, ALICE, id, 0n), 'staking', 'EZeroAmount');
  });
});

describe('staking mirror: request_unstake', () => {
  test('request_unstake_starts_unbonding', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const result = requestUnstake(chain, ALICE, id);
    expect(record(chain, id)).toMatchObject({ status: StakeStatus.unbonding, unlock_epoch: '7', amount: String(SUI) });
    expect(result.events).toEqual([
      { type: 'staking::UnstakeRequested', fields: { record_id: id, staker: ALICE, epoch: '0', unlock_epoch: '7' } },
    ]);
  });

  test('request_unstake_after_lockup_unlocks_after_unbonding', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    advanceEpochs(chain, 10n);
    const result = requestUnstake(chain, ALICE, id);
    expect(record(chain, id)).toMatchObject({ status: StakeStatus.unbonding, unlock_epoch: '12' });
    expect(result.events[0]!.fields).toMatchObject({ epoch: '10', unlock_epoch: '12' });
  });

  test('request_unstake_rejects_record_of_another_pool', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const other = chain.publish().poolId;
    expectAbort(() => requestUnstake(chain, ALICE, id, other), 'staking', 'EWrongPool');
  });

  test('request_unstake_rejects_record_of_old_version', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    chain.patch(id, { version: 0n });
    expectAbort(() => requestUnstake(chain, ALICE, id), 'staking', 'EWrongVersion');
  });

  test('request_unstake_rejects_other_sender', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => requestUnstake(chain, BOB, id), 'staking', 'ENotStaker');
  });

  test('request_unstake_rejects_unbonding_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    expectAbort(() => requestUnstake(chain, ALICE, id), 'staking', 'ENotActive');
  });
});

describe('staking mirror: withdraw', () => {
  test('withdraw_pays_out_after_lockup', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    advanceEpochs(chain, 7n);
    const result = withdraw(chain, ALICE, id);
    expect(record(chain, id)).toMatchObject({ status: StakeStatus.withdrawn, amount: '0' });
    expect(pool(chain)).toMatchObject({ vault: '0', total_staked: '0' });
    expect(result.created).toHaveLength(1);
    const payout = result.created[0]!;
    expect(chain.owner(payout)).toEqual({ kind: 'address', address: ALICE });
    expect(chain.fields(payout)).toEqual({ id: payout, balance: String(2n * SUI) });
    expect(result.events).toEqual([
      { type: 'staking::StakeWithdrawn', fields: { record_id: id, staker: ALICE, amount: String(2n * SUI), epoch: '7' } },
    ]);
  });

  test('withdraw_pays_out_remainder_of_slashed_stake', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    slash(chain, id);
    advanceEpochs(chain, 7n);
    const result = withdraw(chain, ALICE, id);
    expect(record(chain, id).status).toBe(StakeStatus.withdrawn);
    expect(pool(chain)).toMatchObject({ vault: '0', treasury: String(SUI) });
    expect(chain.fields(result.created[0]!)).toMatchObject({ balance: String(SUI) });
  });

  /** A 1-SUI node stake topped up by 4 SUI after its lock-up, then unstaked; returns its id. */
  function unstakedAfterTopUp(chain: FakeChain): string {
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    advanceEpochs(chain, 10n);
    topUp(chain, ALICE, id, 4n * SUI);
    requestUnstake(chain, ALICE, id);
    return id;
  }

  test('withdraw_pays_out_top_up_after_unbonding', () => {
    const chain = new FakeChain();
    const id = unstakedAfterTopUp(chain);
    advanceEpochs(chain, 2n);
    expect(withdrawnValue(chain, ALICE, id)).toBe(5n * SUI);
  });

  test('withdraw_rejects_in_the_transaction_that_requests_unstake', () => {
    // One programmable transaction: both calls see the same epoch, and the mirror's effects are
    // only kept if the whole transaction succeeds (FakeChain keeps nothing of a call that throws).
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    advanceEpochs(chain, 10n);
    requestUnstake(chain, ALICE, id);
    expectAbort(() => withdraw(chain, ALICE, id), 'staking', 'EStillLocked');
  });

  test('withdraw_rejects_top_up_before_unbonding_ends', () => {
    const chain = new FakeChain();
    const id = unstakedAfterTopUp(chain);
    advanceEpochs(chain, 1n);
    expectAbort(() => withdraw(chain, ALICE, id), 'staking', 'EStillLocked');
  });

  test('withdraw_rejects_record_of_another_pool', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    const other = chain.publish().poolId;
    advanceEpochs(chain, 7n);
    expectAbort(() => withdraw(chain, ALICE, id, other), 'staking', 'EWrongPool');
  });

  test('withdraw_rejects_other_sender', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    advanceEpochs(chain, 7n);
    expectAbort(() => withdraw(chain, BOB, id), 'staking', 'ENotStaker');
  });

  test('withdraw_rejects_active_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    advanceEpochs(chain, 7n);
    expectAbort(() => withdraw(chain, ALICE, id), 'staking', 'ENotWithdrawable');
  });

  test('withdraw_rejects_before_unlock_epoch', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    advanceEpochs(chain, 6n);
    expectAbort(() => withdraw(chain, ALICE, id), 'staking', 'EStillLocked');
  });
});

describe('staking mirror: slash', () => {
  test('slash_moves_share_to_treasury', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    const result = chain.call(ADMIN, 'staking::slash', [
      obj(chain.adminCapId),
      obj(chain.poolId),
      obj(id),
      'double signing',
    ]);
    expect(record(chain, id)).toMatchObject({
      status: StakeStatus.slashed,
      amount: String(SUI),
      slashed_amount: String(SUI),
    });
    expect(pool(chain)).toMatchObject({ vault: String(SUI), treasury: String(SUI), total_staked: String(SUI) });
    expect(result.events).toEqual([
      {
        type: 'staking::StakeSlashed',
        fields: {
          record_id: id,
          staker: ALICE,
          slashed_amount: String(SUI),
          remaining: String(SUI),
          reason: 'double signing',
          epoch: '0',
        },
      },
    ]);
  });

  test('slash_applies_to_unbonding_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    requestUnstake(chain, ALICE, id);
    slash(chain, id);
    expect(record(chain, id)).toMatchObject({ status: StakeStatus.slashed, amount: String(SUI) });
  });

  test('only_the_publisher_holds_the_admin_cap', () => {
    // The AdminCap is an owned object of the publisher; the executor refuses a transaction whose
    // sender does not own an object it uses (the wire tests show that refusal).
    const chain = new FakeChain();
    expect(chain.owned(ADMIN, 'staking::AdminCap')).toEqual([chain.adminCapId]);
    expect(chain.owned(BOB, 'staking::AdminCap')).toEqual([]);
  });

  test('slash_rejects_record_of_another_pool', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    const other = chain.publish().poolId;
    expectAbort(() => slash(chain, id, other), 'staking', 'EWrongPool');
  });

  test('slash_rejects_slashed_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    slash(chain, id);
    expectAbort(() => slash(chain, id), 'staking', 'ENotSlashable');
  });

  test('slash_applies_during_unbonding_after_lockup', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    advanceEpochs(chain, 10n);
    requestUnstake(chain, ALICE, id);
    advanceEpochs(chain, 1n);
    slash(chain, id);
    advanceEpochs(chain, 1n);
    expect(withdrawnValue(chain, ALICE, id)).toBe(SUI);
  });

  test('slash_takes_at_least_one_mist', () => {
    const chain = new FakeChain();
    setParams(chain, BigInt(StakeKind.user), 1n, 2n);
    setSlashBps(chain, 1n);
    const id = stake(chain, ALICE, 100n, StakeKind.user);
    slash(chain, id);
    expect(record(chain, id)).toMatchObject({ slashed_amount: '1', amount: '99' });
  });

  test('slash_rounds_slashed_share_up', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI + 1n, StakeKind.node, 'worker-1');
    slash(chain, id);
    expect(record(chain, id)).toMatchObject({ amount: String(SUI / 2n), slashed_amount: String(SUI / 2n + 1n) });
  });

  test('slash_rejects_record_of_old_version', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    chain.patch(id, { version: 0n });
    expectAbort(() => slash(chain, id), 'staking', 'EWrongVersion');
  });
});

describe('staking mirror: set_params', () => {
  test('set_params_updates_one_kind', () => {
    const chain = new FakeChain();
    const result = setParams(chain, 1n, 3n * SUI, 4n);
    expect(pool(chain)).toMatchObject({
      min_stake: [String(POOL_DEFAULTS.minStake[0]), String(3n * SUI), String(POOL_DEFAULTS.minStake[2])],
      lockup_epochs: ['7', '4', '7'],
    });
    expect(result.events).toEqual([
      {
        type: 'staking::PoolParamsUpdated',
        fields: {
          pool_id: chain.poolId,
          min_stake: [String(POOL_DEFAULTS.minStake[0]), String(3n * SUI), String(POOL_DEFAULTS.minStake[2])],
          lockup_epochs: ['7', '4', '7'],
          unbonding_epochs: POOL_DEFAULTS.unbondingEpochs.map(String),
          slash_bps: '5000',
        },
      },
    ]);
  });

  test('set_params_rejects_unknown_kind', () => {
    const chain = new FakeChain();
    expectAbort(() => setParams(chain, 3n, SUI, 1n), 'staking', 'EInvalidKind');
  });

  test('set_params_rejects_zero_minimum', () => {
    const chain = new FakeChain();
    expectAbort(() => setParams(chain, 0n, 0n, 1n), 'staking', 'EInvalidParam');
  });
});

describe('staking mirror: set_slash_bps', () => {
  test('set_slash_bps_accepts_full_slash', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, 2n * SUI, StakeKind.node, 'worker-1');
    const result = setSlashBps(chain, 10_000n);
    expect(pool(chain).slash_bps).toBe('10000');
    expect(result.events.map((e) => e.type)).toEqual(['staking::PoolParamsUpdated']);
    slash(chain, id);
    expect(record(chain, id)).toMatchObject({ amount: '0', slashed_amount: String(2n * SUI) });
  });

  test('set_slash_bps_rejects_more_than_all', () => {
    const chain = new FakeChain();
    expectAbort(() => setSlashBps(chain, 10_001n), 'staking', 'EInvalidParam');
  });
});

describe('staking mirror: set_unbonding_epochs', () => {
  test('set_unbonding_epochs_updates_one_kind', () => {
    const chain = new FakeChain();
    const result = setUnbondingEpochs(chain, BigInt(StakeKind.user), 5n);
    expect(pool(chain).unbonding_epochs).toEqual(['2', '5', '2']);
    expect(result.events.map((e) => [e.type, e.fields.unbonding_epochs])).toEqual([['staking::PoolParamsUpdated', ['2', '5', '2']]]);
    const id = stake(chain, ALICE, SUI, StakeKind.user);
    advanceEpochs(chain, 3n);
    requestUnstake(chain, ALICE, id);
    expect(record(chain, id).unlock_epoch).toBe('8');
  });

  test('set_unbonding_epochs_rejects_zero', () => {
    const chain = new FakeChain();
    expectAbort(() => setUnbondingEpochs(chain, BigInt(StakeKind.node), 0n), 'staking', 'EInvalidParam');
  });

  test('set_unbonding_epochs_rejects_unknown_kind', () => {
    const chain = new FakeChain();
    expectAbort(() => setUnbondingEpochs(chain, 3n, 1n), 'staking', 'EInvalidKind');
  });
});

describe('staking mirror: withdraw_treasury', () => {
  test('withdraw_treasury_pays_recipient', () => {
    const chain = new FakeChain();
    slashedTreasury(chain);
    const result = withdrawTreasury(chain, SUI / 4n, BOB);
    expect(pool(chain)).toMatchObject({ treasury: String((SUI / 4n) * 3n), vault: String(SUI) });
    const payout = result.created[0]!;
    expect(chain.owner(payout)).toEqual({ kind: 'address', address: BOB });
    expect(chain.fields(payout)).toEqual({ id: payout, balance: String(SUI / 4n) });
    expect(result.events).toEqual([
      {
        type: 'staking::TreasuryWithdrawn',
        fields: { pool_id: chain.poolId, amount: String(SUI / 4n), recipient: BOB, remaining: String((SUI / 4n) * 3n), epoch: '0' },
      },
    ]);
  });

  test('withdraw_treasury_rejects_more_than_the_treasury', () => {
    const chain = new FakeChain();
    slashedTreasury(chain);
    expectAbort(() => withdrawTreasury(chain, SUI + 1n, ADMIN), 'staking', 'EInsufficientTreasury');
  });

  test('withdraw_treasury_rejects_zero_amount', () => {
    const chain = new FakeChain();
    slashedTreasury(chain);
    expectAbort(() => withdrawTreasury(chain, 0n, ADMIN), 'staking', 'EZeroAmount');
  });
});

describe('staking mirror: migrate, migrate_record', () => {
  const migrate = (chain: FakeChain) => chain.call(ADMIN, 'staking::migrate', [obj(chain.adminCapId), obj(chain.poolId)]);
  const migrateRecord = (chain: FakeChain, id: string) =>
    chain.call(ADMIN, 'staking::migrate_record', [obj(chain.adminCapId), obj(id)]);

  test('migrate_moves_old_pool_to_current_version', () => {
    const chain = new FakeChain();
    chain.patch(chain.poolId, { version: 0n });
    const result = migrate(chain);
    expect(result.events).toEqual([{ type: 'staking::ObjectMigrated', fields: { object_id: chain.poolId, version: String(PACKAGE_VERSION) } }]);
    expect(pool(chain).version).toBe(String(PACKAGE_VERSION));
    stake(chain, ALICE, SUI, StakeKind.user);
  });

  test('migrate_rejects_current_pool', () => {
    const chain = new FakeChain();
    expectAbort(() => migrate(chain), 'staking', 'ENotUpgrade');
  });

  test('migrate_record_moves_old_record_to_current_version', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    chain.patch(id, { version: 0n });
    expect(migrateRecord(chain, id).events).toEqual([
      { type: 'staking::ObjectMigrated', fields: { object_id: id, version: String(PACKAGE_VERSION) } },
    ]);
    expect(record(chain, id).version).toBe(String(PACKAGE_VERSION));
    requestUnstake(chain, ALICE, id);
  });

  test('migrate_record_rejects_current_record', () => {
    const chain = new FakeChain();
    const id = stake(chain, ALICE, SUI, StakeKind.node, 'worker-1');
    expectAbort(() => migrateRecord(chain, id), 'staking', 'ENotUpgrade');
  });
});

describe('staking mirror: u64 arithmetic', () => {
  // Move: an arithmetic error of the VM (the executor reports MovePrimitiveRuntimeError), no abort code.
  test('stake_fails_on_unlock_epoch_overflow', () => {
    const chain = new FakeChain();
    setParams(chain, 0n, SUI, (1n << 64n) - 1n);
    chain.epoch = 1n;
    expect(() => stake(chain, ALICE, SUI, StakeKind.node, 'worker-1')).toThrow(RangeError);
  });
});
