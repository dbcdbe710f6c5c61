/// The staking pool of daas-auth: stakers lock SUI in a shared `StakePool` and get a shared
/// `StakeRecord` that the authenticator reads; the `AdminCap` holder slashes misbehaving stakes
/// and tunes the pool. Wire format: src/chain/schema.ts; rules: docs/onchain-model.md.
module daas::staking;

use std::string::String;
use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin};
use sui::event;
use sui::sui::SUI;

// === Errors (values mirrored in src/chain/schema.ts ABORT_CODES.staking) ===

const EInvalidKind: u64 = 0;
const EBelowMinimum: u64 = 1;
const EInvalidNodeId: u64 = 2;
const ENotStaker: u64 = 3;
const ENotActive: u64 = 4;
const EStillLocked: u64 = 5;
const ENotWithdrawable: u64 = 6;
const ENotSlashable: u64 = 7;
const EWrongPool: u64 = 8;
const EInvalidParam: u64 = 9;
const EZeroAmount: u64 = 10;
const EWrongVersion: u64 = 11;
const ENotUpgrade: u64 = 12;
const EInsufficientTreasury: u64 = 13;

// === Package version (PACKAGE_VERSION in src/chain/schema.ts) ===

/// The version of this code. Every entry point refuses a shared object of another version, so that
/// once an upgrade has migrated an object (`migrate`, `migrate_record`) the old code can no longer
/// touch it. An upgrade raises this and keeps the old value readable only by `migrate*`.
const VERSION: u64 = 1;

// === Stake kinds and statuses (StakeKind / StakeStatus in src/chain/schema.ts) ===

const KIND_NODE: u8 = 0;
const KIND_USER: u8 = 1;
const KIND_ADMIN: u8 = 2;

const STATUS_ACTIVE: u8 = 0;
const STATUS_SLASHED: u8 = 1;
const STATUS_UNBONDING: u8 = 2;
const STATUS_WITHDRAWN: u8 = 3;

// === Pool defaults (POOL_DEFAULTS in src/chain/schema.ts) ===

const MIST_PER_SUI: u64 = 1_000_000_000;
const DEFAULT_NODE_MIN_STAKE: u64 = 1_000_000_000;
const DEFAULT_USER_MIN_STAKE: u64 = 500_000_000;
const DEFAULT_ADMIN_MIN_STAKE: u64 = 5_000_000_000;
const DEFAULT_NODE_LOCKUP_EPOCHS: u64 = 7;
const DEFAULT_USER_LOCKUP_EPOCHS: u64 = 2;
const DEFAULT_ADMIN_LOCKUP_EPOCHS: u64 = 7;
const DEFAULT_NODE_UNBONDING_EPOCHS: u64 = 2;
const DEFAULT_USER_UNBONDING_EPOCHS: u64 = 1;
const DEFAULT_ADMIN_UNBONDING_EPOCHS: u64 = 2;
const DEFAULT_SLASH_BPS: u64 = 5_000;

const BPS_DENOMINATOR: u64 = 10_000;
/// A Kubernetes node name is a DNS subdomain: at most 253 bytes.
const MAX_NODE_ID_LENGTH: u64 = 253;

// === Objects ===

/// Authorises `slash`, `withdraw_treasury`, the parameter setters, `migrate*` and
/// `enclave_registry::{set_expected_pcrs, migrate}`.
public struct AdminCap has key, store {
    id: UID,
}

public struct StakePool has key {
    id: UID,
    /// The package VERSION this object was last migrated to.
    version: u64,
    /// SUI of active, unbonding and slashed records.
    vault: Balance<SUI>,
    /// SUI taken by slashing.
    treasury: Balance<SUI>,
    total_staked: u64,
    record_count: u64,
    /// Indexed by stake kind.
    min_stake: vector<u64>,
    /// Indexed by stake kind.
    lockup_epochs: vector<u64>,
    /// Indexed by stake kind: epochs between `request_unstake` and the first possible `withdraw`.
    unbonding_epochs: vector<u64>,
    slash_bps: u64,
}

/// Shared so that the `AdminCap` holder can slash it without the staker's signature.
public struct StakeRecord has key {
    id: UID,
    /// The package VERSION this object was last migrated to.
    version: u64,
    pool_id: ID,
    staker: address,
    /// The worker node's name for node stakes, empty for user and admin stakes.
    node_id: String,
    amount: u64,
    kind: u8,
    status: u8,
    staked_epoch: u64,
    /// Set by `stake` to the end of the first lock-up, pushed back by `request_unstake` to the end of
    /// the unbonding period; `withdraw` pays out from this epoch on.
    unlock_epoch: u64,
    slashed_amount: u64,
}

// === Events ===

public struct StakeCreated has copy, drop {
    record_id: ID,
    pool_id: ID,
    staker: address,
    node_id: String,
    kind: u8,
    amount: u64,
    epoch: u64,
    unlock_epoch: u64,
}

public struct StakeToppedUp has copy, drop {
    record_id: ID,
    staker: address,
    added: u64,
    amount: u64,
    epoch: u64,
}

public struct StakeSlashed has copy, drop {
    record_id: ID,
    staker: address,
    slashed_amount: u64,
    remaining: u64,
    reason: String,
    epoch: u64,
}

public struct UnstakeRequested has copy, drop {
    record_id: ID,
    staker: address,
    epoch: u64,
    unlock_epoch: u64,
}

public struct StakeWithdrawn has copy, drop {
    record_id: ID,
    staker: address,
    amount: u64,
    epoch: u64,
}

public struct PoolParamsUpdated has copy, drop {
    pool_id: ID,
    min_stake: vector<u64>,
    lockup_epochs: vector<u64>,
    unbonding_epochs: vector<u64>,
    slash_bps: u64,
}

/// A shared object (StakePool, StakeRecord or enclave_registry::EnclaveConfig) moved to `version`.
public struct ObjectMigrated has copy, drop {
    object_id: ID,
    version: u64,
}

public struct TreasuryWithdrawn has copy, drop {
    pool_id: ID,
    amount: u64,
    recipient: address,
    remaining: u64,
    epoch: u64,
}

// === Publishing ===

fun init(ctx: &mut TxContext) {
    transfer::transfer(AdminCap { id: object::new(ctx) }, ctx.sender());
    transfer::share_object(StakePool {
        id: object::new(ctx),
        version: VERSION,
        vault: balance::zero(),
        treasury: balance::zero(),
        total_staked: 0,
        record_count: 0,
        min_stake: vector[DEFAULT_NODE_MIN_STAKE, DEFAULT_USER_MIN_STAKE, DEFAULT_ADMIN_MIN_STAKE],
        lockup_epochs: vector[
            DEFAULT_NODE_LOCKUP_EPOCHS,
            DEFAULT_USER_LOCKUP_EPOCHS,
            DEFAULT_ADMIN_LOCKUP_EPOCHS,
        ],
        unbonding_epochs: vector[
            DEFAULT_NODE_UNBONDING_EPOCHS,
            DEFAULT_USER_UNBONDING_EPOCHS,
            DEFAULT_ADMIN_UNBONDING_EPOCHS,
        ],
        slash_bps: DEFAULT_SLASH_BPS,
    });
}

// === Entry points ===

/// Locks `payment` in the pool and shares a new active StakeRecord owned (as `staker`) by the sender.
public fun stake(
    pool: &mut StakePool,
    payment: Coin<SUI>,
    kind: u8,
    node_id: String,
    ctx: &mut TxContext,
) {
    assert!(pool.version == VERSION, EWrongVersion);
    assert!(kind <= KIND_ADMIN, EInvalidKind);
    let amount = payment.value();
    assert!(amount >= pool.min_stake[(kind as u64)], EBelowMinimum);
    assert!(is_valid_node_id(kind, &node_id), EInvalidNodeId);

    pool.vault.join(payment.into_balance());
    pool.total_staked = pool.total_staked + amount;
    pool.record_count = pool.record_count + 1;

    let epoch = ctx.epoch();
    let unlock_epoch = epoch + pool.lockup_epochs[(kind as u64)];
    let record = StakeRecord {
        id: object::new(ctx),
        version: VERSION,
        pool_id: object::id(pool),
        staker: ctx.sender(),
        node_id,
        amount,
        kind,
        status: STATUS_ACTIVE,
        staked_epoch: epoch,
        unlock_epoch,
        slashed_amount: 0,
    };
    event::emit(StakeCreated {
        record_id: object::id(&record),
        pool_id: record.pool_id,
        staker: record.staker,
        node_id: record.node_id,
        kind,
        amount,
        epoch,
        unlock_epoch,
    });
    transfer::share_object(record);
}

/// Adds `payment` to an active stake of the sender. The added SUI leaves only as the rest does:
/// through `request_unstake`, the unbonding period and `withdraw`.
public fun top_up(
    pool: &mut StakePool,
    record: &mut StakeRecord,
    payment: Coin<SUI>,
    ctx: &mut TxContext,
) {
    assert_versions(pool, record);
    assert!(record.pool_id == object::id(pool), EWrongPool);
    assert!(record.staker == ctx.sender(), ENotStaker);
    assert!(record.status == STATUS_ACTIVE, ENotActive);
    let added = payment.value();
    assert!(added > 0, EZeroAmount);

    pool.vault.join(payment.into_balance());
    pool.total_staked = pool.total_staked + added;
    record.amount = record.amount + added;
    event::emit(StakeToppedUp {
        record_id: object::id(record),
        staker: record.staker,
        added,
        amount: record.amount,
        epoch: ctx.epoch(),
    });
}

/// Starts unbonding: the stake stops authenticating at once, can still be slashed, and can be
/// withdrawn once both the first lock-up and the unbonding period of its kind have passed. The
/// unbonding period is at least one epoch, so no stake leaves in the transaction that asks to leave.
public fun request_unstake(pool: &StakePool, record: &mut StakeRecord, ctx: &mut TxContext) {
    assert_versions(pool, record);
    assert!(record.pool_id == object::id(pool), EWrongPool);
    assert!(record.staker == ctx.sender(), ENotStaker);
    assert!(record.status == STATUS_ACTIVE, ENotActive);

    let unbonded_epoch = ctx.epoch() + pool.unbonding_epochs[(record.kind as u64)];
    if (unbonded_epoch > record.unlock_epoch) record.unlock_epoch = unbonded_epoch;
    record.status = STATUS_UNBONDING;
    event::emit(UnstakeRequested {
        record_id: object::id(record),
        staker: record.staker,
        epoch: ctx.epoch(),
        unlock_epoch: record.unlock_epoch,
    });
}

#[allow(lint(self_transfer))]
/// Pays an unbonding or slashed stake back to its staker from its `unlock_epoch` on.
public fun withdraw(pool: &mut StakePool, record: &mut StakeRecord, ctx: &mut TxContext) {
    assert_versions(pool, record);
    assert!(record.pool_id == object::id(pool), EWrongPool);
    assert!(record.staker == ctx.sender(), ENotStaker);
    assert!(record.status == STATUS_UNBONDING || record.status == STATUS_SLASHED, ENotWithdrawable);
    assert!(ctx.epoch() >= record.unlock_epoch, EStillLocked);

    let amount = record.amount;
    pool.total_staked = pool.total_staked - amount;
    record.amount = 0;
    record.status = STATUS_WITHDRAWN;
    transfer::public_transfer(coin::take(&mut pool.vault, amount, ctx), ctx.sender());
    event::emit(StakeWithdrawn {
        record_id: object::id(record),
        staker: record.staker,
        amount,
        epoch: ctx.epoch(),
    });
}

/// Moves `slash_bps` of an active or unbonding stake to the treasury and marks it slashed. The share
/// is rounded up, so a non-zero rate always takes at least 1 MIST.
public fun slash(
    _cap: &AdminCap,
    pool: &mut StakePool,
    record: &mut StakeRecord,
    reason: String,
    ctx: &mut TxContext,
) {
    assert_versions(pool, record);
    assert!(record.pool_id == object::id(pool), EWrongPool);
    assert!(record.status == STATUS_ACTIVE || record.status == STATUS_UNBONDING, ENotSlashable);

    // u128 so that amount * bps cannot overflow; rounded up, and never more than the amount since
    // slash_bps <= BPS_DENOMINATOR.
    let denominator = (BPS_DENOMINATOR as u128);
    let wide = ((record.amount as u128) * (pool.slash_bps as u128) + denominator - 1) / denominator;
    let slashed = (wide as u64);
    let cut = pool.vault.split(slashed);
    pool.treasury.join(cut);
    pool.total_staked = pool.total_staked - slashed;
    record.amount = record.amount - slashed;
    record.slashed_amount = record.slashed_amount + slashed;
    record.status = STATUS_SLASHED;
    event::emit(StakeSlashed {
        record_id: object::id(record),
        staker: record.staker,
        slashed_amount: slashed,
        remaining: record.amount,
        reason,
        epoch: ctx.epoch(),
    });
}

/// Sets the minimum stake and lock-up of one stake kind (existing records keep their unlock epoch).
public fun set_params(
    _cap: &AdminCap,
    pool: &mut StakePool,
    kind: u8,
    min_stake: u64,
    lockup_epochs: u64,
    _ctx: &mut TxContext,
) {
    assert!(pool.version == VERSION, EWrongVersion);
    assert!(kind <= KIND_ADMIN, EInvalidKind);
    assert!(min_stake > 0, EInvalidParam);

    *pool.min_stake.borrow_mut((kind as u64)) = min_stake;
    *pool.lockup_epochs.borrow_mut((kind as u64)) = lockup_epochs;
    emit_params_updated(pool);
}

/// Sets the share of a stake that `slash` takes, in basis points (10000 = all of it).
public fun set_slash_bps(_cap: &AdminCap, pool: &mut StakePool, bps: u64, _ctx: &mut TxContext) {
    assert!(pool.version == VERSION, EWrongVersion);
    assert!(bps <= BPS_DENOMINATOR, EInvalidParam);

    pool.slash_bps = bps;
    emit_params_updated(pool);
}

/// Sets the unbonding period of one stake kind (at least one epoch); records already unbonding keep
/// their unlock epoch.
public fun set_unbonding_epochs(
    _cap: &AdminCap,
    pool: &mut StakePool,
    kind: u8,
    epochs: u64,
    _ctx: &mut TxContext,
) {
    assert!(pool.version == VERSION, EWrongVersion);
    assert!(kind <= KIND_ADMIN, EInvalidKind);
    assert!(epochs > 0, EInvalidParam);

    *pool.unbonding_epochs.borrow_mut((kind as u64)) = epochs;
    emit_params_updated(pool);
}

/// Pays `amount` of slashed SUI out of the treasury to `recipient`.
public fun withdraw_treasury(
    _cap: &AdminCap,
    pool: &mut StakePool,
    amount: u64,
    recipient: address,
    ctx: &mut TxContext,
) {
    assert!(pool.version == VERSION, EWrongVersion);
    assert!(amount > 0, EZeroAmount);
    assert!(amount <= pool.treasury.value(), EInsufficientTreasury);

    transfer::public_transfer(coin::take(&mut pool.treasury, amount, ctx), recipient);
    event::emit(TreasuryWithdrawn {
        pool_id: object::id(pool),
        amount,
        recipient,
        remaining: pool.treasury.value(),
        epoch: ctx.epoch(),
    });
}

/// Moves the pool to this code's VERSION after an upgrade (the old code then refuses it).
public fun migrate(_cap: &AdminCap, pool: &mut StakePool, _ctx: &mut TxContext) {
    assert!(pool.version < VERSION, ENotUpgrade);
    pool.version = VERSION;
    emit_migrated(object::id(pool));
}

/// Moves one StakeRecord to this code's VERSION after an upgrade.
public fun migrate_record(_cap: &AdminCap, record: &mut StakeRecord, _ctx: &mut TxContext) {
    assert!(record.version < VERSION, ENotUpgrade);
    record.version = VERSION;
    emit_migrated(object::id(record));
}

// === Record accessors (used by `seal` and by readers of the package) ===

public fun pool_id(record: &StakeRecord): ID { record.pool_id }

public fun version(record: &StakeRecord): u64 { record.version }

public fun staker(record: &StakeRecord): address { record.staker }

public fun node_id(record: &StakeRecord): String { record.node_id }

public fun amount(record: &StakeRecord): u64 { record.amount }

public fun kind(record: &StakeRecord): u8 { record.kind }

public fun status(record: &StakeRecord): u8 { record.status }

public fun staked_epoch(record: &StakeRecord): u64 { record.staked_epoch }

public fun unlock_epoch(record: &StakeRecord): u64 { record.unlock_epoch }

public fun slashed_amount(record: &StakeRecord): u64 { record.slashed_amount }

public fun is_active(record: &StakeRecord): bool { record.status == STATUS_ACTIVE }

public fun is_node_stake(record: &StakeRecord): bool { record.kind == KIND_NODE }

// === Pool accessors ===

public fun vault_value(pool: &StakePool): u64 { pool.vault.value() }

public fun treasury_value(pool: &StakePool): u64 { pool.treasury.value() }

public fun total_staked(pool: &StakePool): u64 { pool.total_staked }

public fun record_count(pool: &StakePool): u64 { pool.record_count }

public fun min_stake(pool: &StakePool, kind: u8): u64 { pool.min_stake[(kind as u64)] }

public fun lockup_epochs(pool: &StakePool, kind: u8): u64 { pool.lockup_epochs[(kind as u64)] }

public fun unbonding_epochs(pool: &StakePool, kind: u8): u64 {
    pool.unbonding_epochs[(kind as u64)]
}

public fun pool_version(pool: &StakePool): u64 { pool.version }

/// The VERSION of this code; `seal` and `enclave_registry` check their objects against it.
public fun package_version(): u64 { VERSION }

public fun slash_bps(pool: &StakePool): u64 { pool.slash_bps }

// === Enum values (Move constants are private to their module) ===

public fun kind_node(): u8 { KIND_NODE }

public fun kind_user(): u8 { KIND_USER }

public fun kind_admin(): u8 { KIND_ADMIN }

public fun status_active(): u8 { STATUS_ACTIVE }

public fun status_slashed(): u8 { STATUS_SLASHED }

public fun status_unbonding(): u8 { STATUS_UNBONDING }

public fun status_withdrawn(): u8 { STATUS_WITHDRAWN }

public fun mist_per_sui(): u64 { MIST_PER_SUI }

// === Package-internal ===

/// Emits ObjectMigrated for an object just moved to this code's VERSION.
public(package) fun emit_migrated(object_id: ID) {
    event::emit(ObjectMigrated { object_id, version: VERSION });
}

// === Internal ===

fun assert_versions(pool: &StakePool, record: &StakeRecord) {
    assert!(pool.version == VERSION && record.version == VERSION, EWrongVersion);
}

/// Node stakes name their node (1..=253 bytes of `[a-z0-9.-]`); user and admin stakes name none.
fun is_valid_node_id(kind: u8, node_id: &String): bool {
    let bytes = node_id.as_bytes();
    if (kind != KIND_NODE) return bytes.is_empty();
    let length = bytes.length();
    if (length == 0 || length > MAX_NODE_ID_LENGTH) return false;
    bytes.all!(|byte| is_node_id_byte(*byte))
}

fun is_node_id_byte(byte: u8): bool {
    // 'a'..='z' | '0'..='9' | '-' | '.'
    (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2d || byte == 0x2e
}

fun emit_params_updated(pool: &StakePool) {
    event::emit(PoolParamsUpdated {
        pool_id: object::id(pool),
        min_stake: pool.min_stake,
        lockup_epochs: pool.lockup_epochs,
        unbonding_epochs: pool.unbonding_epochs,
        slash_bps: pool.slash_bps,
    });
}

// === Test support ===

#[test_only]
/// Runs `init` in a test scenario: the AdminCap goes to the sender, the pool is shared.
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

#[test_only]
/// Sets a pool's version, as an object left behind by an older package would have it.
public fun set_pool_version_for_testing(pool: &mut StakePool, version: u64) {
    pool.version = version;
}

#[test_only]
public fun set_record_version_for_testing(record: &mut StakeRecord, version: u64) {
    record.version = version;
}
