/**
 * Mirror of contracts/sources/staking.move: the same checks in the same order, the same abort
 * codes, the same effects and events. Move unit tests: contracts/tests/staking_tests.move; this
 * file's: test/unit/sim/package/staking.test.ts (same case names).
 */
import { PACKAGE_VERSION, POOL_DEFAULTS, StakeKind, StakeStatus } from '../../chain/schema.ts';
import type { EntryFunctionDescriptor, ExecContext, MoveObject } from './api.ts';
import {
  addU64,
  assertMove,
  assertVersion,
  byMutRef,
  byRef,
  byValue,
  entryFunction,
  migrateVersion,
  pure,
  sameAddress,
  subU64,
  u64,
} from './move.ts';
import { newObject, STRUCT, type AdminCapFields, type CoinFields, type StakePoolFields, type StakeRecordFields } from './objects.ts';

type AdminCap = MoveObject<AdminCapFields>;
type Pool = MoveObject<StakePoolFields>;
type StakeRecord = MoveObject<StakeRecordFields>;
type SuiCoin = MoveObject<CoinFields>;

const BPS_DENOMINATOR = 10_000n;
/** `[a-z0-9.-]`, 1..=253 bytes: a Kubernetes node name (DNS subdomain) in lower case. */
const NODE_ID = /^[a-z0-9.-]{1,253}$/;

// ---- init ----------------------------------------------------------------------------------

/** `staking::init`: the AdminCap to the publisher, the pool shared with the schema's defaults. */
export function stakingInit(ctx: ExecContext): { adminCap: AdminCap; pool: Pool } {
  const adminCap = newObject<AdminCapFields>(STRUCT.AdminCap, { id: ctx.freshId() });
  ctx.transfer(adminCap, ctx.sender);
  const pool = newObject<StakePoolFields>(STRUCT.StakePool, {
    id: ctx.freshId(),
    version: PACKAGE_VERSION,
    vault: 0n,
    treasury: 0n,
    total_staked: 0n,
    record_count: 0n,
    min_stake: [...POOL_DEFAULTS.minStake],
    lockup_epochs: [...POOL_DEFAULTS.lockupEpochs],
    unbonding_epochs: [...POOL_DEFAULTS.unbondingEpochs],
    slash_bps: POOL_DEFAULTS.slashBps,
  });
  ctx.share(pool);
  return { adminCap, pool };
}

// ---- entry points --------------------------------------------------------------------------

function stake(ctx: ExecContext, pool: Pool, payment: SuiCoin, kind: bigint, nodeId: string): void {
  assertVersion('staking', 'EWrongVersion', pool);
  assertMove(kind <= BigInt(StakeKind.admin), 'staking', 'EInvalidKind');
  const k = Number(kind);
  const amount = u64(payment.fields.balance);
  assertMove(amount >= u64(pool.fields.min_stake[k]!), 'staking', 'EBelowMinimum');
  assertMove(isValidNodeId(k, nodeId), 'staking', 'EInvalidNodeId');

  ctx.destroy(payment); // coin::into_balance
  const p = pool.fields;
  p.vault = addU64(p.vault, amount);
  p.total_staked = addU64(p.total_staked, amount);
  p.record_count = addU64(p.record_count, 1n);

  const epoch = ctx.epoch;
  const unlockEpoch = addU64(epoch, p.lockup_epochs[k]!);
  const record = newObject<StakeRecordFields>(STRUCT.StakeRecord, {
    id: ctx.freshId(),
    version: PACKAGE_VERSION,
    pool_id: pool.id,
    staker: ctx.sender,
    node_id: nodeId,
    amount,
    kind: k,
    status: StakeStatus.active,
    staked_epoch: epoch,
    unlock_epoch: unlockEpoch,
    slashed_amount: 0n,
  });
  ctx.emit('staking', 'StakeCreated', {
    record_id: record.id,
    pool_id: pool.id,
    staker: ctx.sender,
    node_id: nodeId,
    kind: k,
    amount,
    epoch,
    unlock_epoch: unlockEpoch,
  });
  ctx.share(record);
}

function topUp(ctx: ExecContext, pool: Pool, record: StakeRecord, payment: SuiCoin): void {
  assertVersion('staking', 'EWrongVersion', pool, record);
  const r = record.fields;
  assertMove(sameAddress(r.pool_id, pool.id), 'staking', 'EWrongPool');
  assertMove(sameAddress(r.staker, ctx.sender), 'staking', 'ENotStaker');
  assertMove(r.status === StakeStatus.active, 'staking', 'ENotActive');
  const added = u64(payment.fields.balance);
  assertMove(added > 0n, 'staking', 'EZeroAmount');

  ctx.destroy(payment);
  pool.fields.vault = addU64(pool.fields.vault, added);
  pool.fields.total_staked = addU64(pool.fields.total_staked, added);
  r.amount = addU64(r.amount, added);
  ctx.emit('staking', 'StakeToppedUp', {
    record_id: record.id,
    staker: r.staker,
    added,
    amount: r.amount,
    epoch: ctx.epoch,
  });
}

function requestUnstake(ctx: ExecContext, pool: Pool, record: StakeRecord): void {
  assertVersion('staking', 'EWrongVersion', pool, record);
  const r = record.fields;
  assertMove(sameAddress(r.pool_id, pool.id), 'staking', 'EWrongPool');
  assertMove(sameAddress(r.staker, ctx.sender), 'staking', 'ENotStaker');
  assertMove(r.status === StakeStatus.active, 'staking', 'ENotActive');

  // The later of the first lock-up's end and the unbonding period's end (at least one epoch away).
  const unbondedEpoch = addU64(ctx.epoch, pool.fields.unbonding_epochs[r.kind]!);
  if (unbondedEpoch > u64(r.unlock_epoch)) r.unlock_epoch = unbondedEpoch;
  r.status = StakeStatus.unbonding;
  ctx.emit('staking', 'UnstakeRequested', {
    record_id: record.id,
    staker: r.staker,
    epoch: ctx.epoch,
    unlock_epoch: r.unlock_epoch,
  });
}

function withdraw(ctx: ExecContext, pool: Pool, record: StakeRecord): void {
  assertVersion('staking', 'EWrongVersion', pool, record);
  const r = record.fields;
  assertMove(sameAddress(r.pool_id, pool.id), 'staking', 'EWrongPool');
  assertMove(sameAddress(r.staker, ctx.sender), 'staking', 'ENotStaker');
  const withdrawable = r.status === StakeStatus.unbonding || r.status === StakeStatus.slashed;
  assertMove(withdrawable, 'staking', 'ENotWithdrawable');
  assertMove(ctx.epoch >= u64(r.unlock_epoch), 'staking', 'EStillLocked');

  const amount = u64(r.amount);
  pool.fields.total_staked = subU64(pool.fields.total_staked, amount);
  r.amount = 0n;
  r.status = StakeStatus.withdrawn;
  pool.fields.vault = subU64(pool.fields.vault, amount); // coin::take
  const payout = newObject<CoinFields>(STRUCT.Coin, { id: ctx.freshId(), balance: amount });
  ctx.transfer(payout, ctx.sender);
  ctx.emit('staking', 'StakeWithdrawn', { record_id: record.id, staker: r.staker, amount, epoch: ctx.epoch });
}

function slash(ctx: ExecContext, _cap: AdminCap, pool: Pool, record: StakeRecord, reason: string): void {
  assertVersion('staking', 'EWrongVersion', pool, record);
  const r = record.fields;
  assertMove(sameAddress(r.pool_id, pool.id), 'staking', 'EWrongPool');
  const slashable = r.status === StakeStatus.active || r.status === StakeStatus.unbonding;
  assertMove(slashable, 'staking', 'ENotSlashable');

  const p = pool.fields;
  // Rounded up: a non-zero rate takes at least 1 MIST (and never more than the amount).
  const slashed = (u64(r.amount) * u64(p.slash_bps) + BPS_DENOMINATOR - 1n) / BPS_DENOMINATOR;
  p.vault = subU64(p.vault, slashed);
  p.treasury = addU64(p.treasury, slashed);
  p.total_staked = subU64(p.total_staked, slashed);
  r.amount = subU64(r.amount, slashed);
  r.slashed_amount = addU64(r.slashed_amount, slashed);
  r.status = StakeStatus.slashed;
  ctx.emit('staking', 'StakeSlashed', {
    record_id: record.id,
    staker: r.staker,
    slashed_amount: slashed,
    remaining: r.amount,
    reason,
    epoch: ctx.epoch,
  });
}

function setParams(
  ctx: ExecContext,
  _cap: AdminCap,
  pool: Pool,
  kind: bigint,
  minStake: bigint,
  lockupEpochs: bigint,
): void {
  assertVersion('staking', 'EWrongVersion', pool);
  assertMove(kind <= BigInt(StakeKind.admin), 'staking', 'EInvalidKind');
  assertMove(minStake > 0n, 'staking', 'EInvalidParam');

  pool.fields.min_stake[Number(kind)] = minStake;
  pool.fields.lockup_epochs[Number(kind)] = lockupEpochs;
  emitParamsUpdated(ctx, pool);
}

function setSlashBps(ctx: ExecContext, _cap: AdminCap, pool: Pool, bps: bigint): void {
  assertVersion('staking', 'EWrongVersion', pool);
  assertMove(bps <= BPS_DENOMINATOR, 'staking', 'EInvalidParam');

  pool.fields.slash_bps = bps;
  emitParamsUpdated(ctx, pool);
}

function setUnbondingEpochs(ctx: ExecContext, _cap: AdminCap, pool: Pool, kind: bigint, epochs: bigint): void {
  assertVersion('staking', 'EWrongVersion', pool);
  assertMove(kind <= BigInt(StakeKind.admin), 'staking', 'EInvalidKind');
  assertMove(epochs > 0n, 'staking', 'EInvalidParam');

  pool.fields.unbonding_epochs[Number(kind)] = epochs;
  emitParamsUpdated(ctx, pool);
}

function withdrawTreasury(ctx: ExecContext, _cap: AdminCap, pool: Pool, amount: bigint, recipient: string): void {
  assertVersion('staking', 'EWrongVersion', pool);
  assertMove(amount > 0n, 'staking', 'EZeroAmount');
  assertMove(amount <= u64(pool.fields.treasury), 'staking', 'EInsufficientTreasury');

  pool.fields.treasury = subU64(pool.fields.treasury, amount); // coin::take
  ctx.transfer(newObject<CoinFields>(STRUCT.Coin, { id: ctx.freshId(), balance: amount }), recipient);
  ctx.emit('staking', 'TreasuryWithdrawn', {
    pool_id: pool.id,
    amount,
    recipient,
    remaining: pool.fields.treasury,
    epoch: ctx.epoch,
  });
}

function migrate(ctx: ExecContext, _cap: AdminCap, pool: Pool): void {
  migrateVersion(ctx, 'staking', 'ENotUpgrade', pool);
}

function migrateRecord(ctx: ExecContext, _cap: AdminCap, record: StakeRecord): void {
  migrateVersion(ctx, 'staking', 'ENotUpgrade', record);
}

// ---- internal ------------------------------------------------------------------------------

function isValidNodeId(kind: number, nodeId: string): boolean {
  return kind === StakeKind.node ? NODE_ID.test(nodeId) : nodeId === '';
}

function emitParamsUpdated(ctx: ExecContext, pool: Pool): void {
  ctx.emit('staking', 'PoolParamsUpdated', {
    pool_id: pool.id,
    min_stake: pool.fields.min_stake.map(u64),
    lockup_epochs: pool.fields.lockup_epochs.map(u64),
    unbonding_epochs: pool.fields.unbonding_epochs.map(u64),
    slash_bps: pool.fields.slash_bps,
  });
}

// ---- descriptors (in the order of the Move source; parameters as Move declares them) ---------

export const STAKING_FUNCTIONS: EntryFunctionDescriptor[] = [
  entryFunction('staking', 'stake', stake, {
    pool: byMutRef(STRUCT.StakePool),
    payment: byValue(STRUCT.Coin),
    kind: pure('u8'),
    node_id: pure('string'),
  }),
  entryFunction('staking', 'top_up', topUp, {
    pool: byMutRef(STRUCT.StakePool),
    record: byMutRef(STRUCT.StakeRecord),
    payment: byValue(STRUCT.Coin),
  }),
  entryFunction('staking', 'request_unstake', requestUnstake, {
    pool: byRef(STRUCT.StakePool),
    record: byMutRef(STRUCT.StakeRecord),
  }),
  entryFunction('staking', 'withdraw', withdraw, {
    pool: byMutRef(STRUCT.StakePool),
    record: byMutRef(STRUCT.StakeRecord),
  }),
  entryFunction('staking', 'slash', slash, {
    _cap: byRef(STRUCT.AdminCap),
    pool: byMutRef(STRUCT.StakePool),
    record: byMutRef(STRUCT.StakeRecord),
    reason: pure('string'),
  }),
  entryFunction('staking', 'set_params', setParams, {
    _cap: byRef(STRUCT.AdminCap),
    pool: byMutRef(STRUCT.StakePool),
    kind: pure('u8'),
    min_stake: pure('u64'),
    lockup_epochs: pure('u64'),
  }),
  entryFunction('staking', 'set_slash_bps', setSlashBps, {
    _cap: byRef(STRUCT.AdminCap),
    pool: byMutRef(STRUCT.StakePool),
    bps: pure('u64'),
  }),
  entryFunction('staking', 'set_unbonding_epochs', setUnbondingEpochs, {
    _cap: byRef(STRUCT.AdminCap),
    pool: byMutRef(STRUCT.StakePool),
    kind: pure('u8'),
    epochs: pure('u64'),
  }),
  entryFunction('staking', 'withdraw_treasury', withdrawTreasury, {
    _cap: byRef(STRUCT.AdminCap),
    pool: byMutRef(STRUCT.StakePool),
    amount: pure('u64'),
    recipient: pure('address'),
  }),
  entryFunction('staking', 'migrate', migrate, { _cap: byRef(STRUCT.AdminCap), pool: byMutRef(STRUCT.StakePool) }),
  entryFunction('staking', 'migrate_record', migrateRecord, {
    _cap: byRef(STRUCT.AdminCap),
    record: byMutRef(STRUCT.StakeRecord),
  }),
];
