#[test_only]
/// Every entry point of `daas::staking` and each of its failures. The sim's mirror has the same
/// cases under the same names in test/unit/sim-package/staking.test.ts.
module daas::staking_tests;

use daas::staking::{
    Self,
    AdminCap,
    StakePool,
    StakeRecord,
    StakeCreated,
    StakeToppedUp,
    UnstakeRequested,
    StakeWithdrawn,
    StakeSlashed,
    PoolParamsUpdated,
    TreasuryWithdrawn,
    ObjectMigrated,
};
use daas::test_support as t;
use std::unit_test::assert_eq;
use sui::coin::Coin;
use sui::event;
use sui::sui::SUI;
use sui::test_scenario as ts;

// === init ===

#[test]
fun init_gives_admin_cap_to_publisher_and_shares_default_pool() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    assert!(ts::has_most_recent_for_address<AdminCap>(t::admin()));
    assert!(!ts::has_most_recent_for_address<AdminCap>(t::alice()));
    let pool = scenario.take_shared<StakePool>();
    assert_eq!(pool.min_stake(staking::kind_node()), t::sui_mist(1));
    assert_eq!(pool.min_stake(staking::kind_user()), t::sui_mist(1) / 2);
    assert_eq!(pool.min_stake(staking::kind_admin()), t::sui_mist(5));
    assert_eq!(pool.lockup_epochs(staking::kind_node()), 7);
    assert_eq!(pool.lockup_epochs(staking::kind_user()), 2);
    assert_eq!(pool.lockup_epochs(staking::kind_admin()), 7);
    assert_eq!(pool.unbonding_epochs(staking::kind_node()), 2);
    assert_eq!(pool.unbonding_epochs(staking::kind_user()), 1);
    assert_eq!(pool.unbonding_epochs(staking::kind_admin()), 2);
    assert_eq!(pool.slash_bps(), 5_000);
    assert_eq!(pool.pool_version(), staking::package_version());
    assert_eq!(staking::package_version(), 1);
    assert_eq!(pool.vault_value(), 0);
    assert_eq!(pool.treasury_value(), 0);
    assert_eq!(pool.total_staked(), 0);
    assert_eq!(pool.record_count(), 0);
    ts::return_shared(pool);
    scenario.end();
}

// === stake ===

#[test]
fun stake_node_creates_active_record() {
    let mut scenario = t::begin();
    t::advance_epochs(&mut scenario, 3);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let payment = t::mint(&mut scenario, t::sui_mist(2));
    staking::stake(
        &mut pool,
        payment,
        staking::kind_node(),
        b"worker-1.example".to_string(),
        scenario.ctx(),
    );
    assert_eq!(event::events_by_type<StakeCreated>().length(), 1);
    ts::return_shared(pool);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);

    let record = scenario.take_shared<StakeRecord>();
    let pool = scenario.take_shared<StakePool>();
    assert_eq!(record.pool_id(), object::id(&pool));
    assert_eq!(record.staker(), t::alice());
    assert_eq!(record.node_id(), b"worker-1.example".to_string());
    assert_eq!(record.amount(), t::sui_mist(2));
    assert_eq!(record.kind(), staking::kind_node());
    assert_eq!(record.status(), staking::status_active());
    assert_eq!(record.staked_epoch(), 3);
    assert_eq!(record.unlock_epoch(), 10);
    assert_eq!(record.slashed_amount(), 0);
    assert_eq!(record.version(), 1);
    assert_eq!(pool.vault_value(), t::sui_mist(2));
    assert_eq!(pool.total_staked(), t::sui_mist(2));
    assert_eq!(pool.record_count(), 1);
    ts::return_shared(record);
    ts::return_shared(pool);
    scenario.end();
}

#[test]
fun stake_user_and_admin_need_no_node_id() {
    let mut scenario = t::begin();
    let user = t::stake(&mut scenario, t::alice(), t::sui_mist(1) / 2, staking::kind_user(), b"");
    let admin = t::stake(&mut scenario, t::bob(), t::sui_mist(5), staking::kind_admin(), b"");
    let user = scenario.take_shared_by_id<StakeRecord>(user);
    let admin = scenario.take_shared_by_id<StakeRecord>(admin);
    assert_eq!(user.kind(), staking::kind_user());
    assert_eq!(user.node_id(), b"".to_string());
    assert_eq!(user.unlock_epoch(), 2);
    assert_eq!(admin.kind(), staking::kind_admin());
    assert_eq!(admin.unlock_epoch(), 7);
    ts::return_shared(user);
    ts::return_shared(admin);
    let pool = scenario.take_shared<StakePool>();
    assert_eq!(pool.total_staked(), t::sui_mist(1) / 2 + t::sui_mist(5));
    assert_eq!(pool.record_count(), 2);
    ts::return_shared(pool);
    scenario.end();
}

#[test]
fun stake_accepts_exact_minimum_and_253_byte_node_id() {
    let mut scenario = t::begin();
    let id = t::stake(
        &mut scenario,
        t::alice(),
        t::sui_mist(1),
        staking::kind_node(),
        t::repeat_byte(0x61, 253),
    );
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.node_id().length(), 253);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidKind)]
fun stake_rejects_unknown_kind() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(10), 3, b"");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EBelowMinimum)]
fun stake_rejects_amount_below_minimum() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(1) - 1, staking::kind_node(), b"worker-1");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidNodeId)]
fun stake_rejects_node_stake_without_node_id() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidNodeId)]
fun stake_rejects_uppercase_node_id() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"Worker-1");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidNodeId)]
fun stake_rejects_node_id_with_underscore() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker_1");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidNodeId)]
fun stake_rejects_254_byte_node_id() {
    let mut scenario = t::begin();
    t::stake(
        &mut scenario,
        t::alice(),
        t::sui_mist(1),
        staking::kind_node(),
        t::repeat_byte(0x61, 254),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidNodeId)]
fun stake_rejects_node_id_on_user_stake() {
    let mut scenario = t::begin();
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"worker-1");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongVersion)]
fun stake_rejects_pool_of_old_version() {
    let mut scenario = t::begin();
    t::age_pool(&mut scenario, 0);
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    scenario.end();
}

// === top_up ===

#[test]
fun top_up_adds_to_active_stake() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, t::sui_mist(2));
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    assert_eq!(event::events_by_type<StakeToppedUp>().length(), 1);
    assert_eq!(record.amount(), t::sui_mist(3));
    assert_eq!(pool.vault_value(), t::sui_mist(3));
    assert_eq!(pool.total_staked(), t::sui_mist(3));
    ts::return_shared(pool);
    ts::return_shared(record);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongPool)]
fun top_up_rejects_record_of_another_pool() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::publish_second_pool(&mut scenario);
    scenario.next_tx(t::alice());
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let mut other = t::take_other_pool(&scenario, record.pool_id());
    let payment = t::mint(&mut scenario, t::sui_mist(1));
    staking::top_up(&mut other, &mut record, payment, scenario.ctx());
    ts::return_shared(other);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotStaker)]
fun top_up_rejects_other_sender() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    scenario.next_tx(t::bob());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, t::sui_mist(1));
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotActive)]
fun top_up_rejects_unbonding_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, t::sui_mist(1));
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun top_up_rejects_zero_coin() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, 0);
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

// === request_unstake ===

#[test]
fun request_unstake_starts_unbonding() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    let pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::request_unstake(&pool, &mut record, scenario.ctx());
    assert_eq!(event::events_by_type<UnstakeRequested>().length(), 1);
    assert_eq!(record.status(), staking::status_unbonding());
    assert_eq!(record.unlock_epoch(), 7);
    assert_eq!(record.amount(), t::sui_mist(1));
    ts::return_shared(pool);
    ts::return_shared(record);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);
    scenario.end();
}

#[test]
fun request_unstake_after_lockup_unlocks_after_unbonding() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 10);
    t::request_unstake(&mut scenario, t::alice(), id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.status(), staking::status_unbonding());
    assert_eq!(record.unlock_epoch(), 12);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongPool)]
fun request_unstake_rejects_record_of_another_pool() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::publish_second_pool(&mut scenario);
    scenario.next_tx(t::alice());
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let other = t::take_other_pool(&scenario, record.pool_id());
    staking::request_unstake(&other, &mut record, scenario.ctx());
    ts::return_shared(other);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongVersion)]
fun request_unstake_rejects_record_of_old_version() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::age_record(&mut scenario, id, 0);
    t::request_unstake(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotStaker)]
fun request_unstake_rejects_other_sender() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::bob(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotActive)]
fun request_unstake_rejects_unbonding_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::request_unstake(&mut scenario, t::alice(), id);
    scenario.end();
}

// === withdraw ===

#[test]
fun withdraw_pays_out_after_lockup() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 7);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    assert_eq!(event::events_by_type<StakeWithdrawn>().length(), 1);
    assert_eq!(record.status(), staking::status_withdrawn());
    assert_eq!(record.amount(), 0);
    assert_eq!(pool.vault_value(), 0);
    assert_eq!(pool.total_staked(), 0);
    ts::return_shared(pool);
    ts::return_shared(record);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);
    let payout = scenario.take_from_sender<Coin<SUI>>();
    assert_eq!(payout.value(), t::sui_mist(2));
    payout.burn_for_testing();
    scenario.end();
}

#[test]
fun withdraw_pays_out_remainder_of_slashed_stake() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    t::slash(&mut scenario, id);
    t::advance_epochs(&mut scenario, 7);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    assert_eq!(record.status(), staking::status_withdrawn());
    assert_eq!(pool.vault_value(), 0);
    assert_eq!(pool.treasury_value(), t::sui_mist(1));
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.next_tx(t::alice());
    let payout = scenario.take_from_sender<Coin<SUI>>();
    assert_eq!(payout.value(), t::sui_mist(1));
    payout.burn_for_testing();
    scenario.end();
}

#[test]
fun withdraw_pays_out_top_up_after_unbonding() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 10);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, t::sui_mist(4));
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 2);
    assert_eq!(t::withdraw(&mut scenario, t::alice(), id), t::sui_mist(5));
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EStillLocked)]
fun withdraw_rejects_in_the_transaction_that_requests_unstake() {
    // After the first lock-up, asking to leave and leaving in one transaction would let a stake
    // escape a slash that is on its way.
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 10);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::request_unstake(&pool, &mut record, scenario.ctx());
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EStillLocked)]
fun withdraw_rejects_top_up_before_unbonding_ends() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 10);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let payment = t::mint(&mut scenario, t::sui_mist(4));
    staking::top_up(&mut pool, &mut record, payment, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 1);
    t::withdraw(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongPool)]
fun withdraw_rejects_record_of_another_pool() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::publish_second_pool(&mut scenario);
    t::advance_epochs(&mut scenario, 7);
    scenario.next_tx(t::alice());
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let mut other = t::take_other_pool(&scenario, record.pool_id());
    staking::withdraw(&mut other, &mut record, scenario.ctx());
    ts::return_shared(other);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotStaker)]
fun withdraw_rejects_other_sender() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 7);
    scenario.next_tx(t::bob());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotWithdrawable)]
fun withdraw_rejects_active_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 7);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EStillLocked)]
fun withdraw_rejects_before_unlock_epoch() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 6);
    scenario.next_tx(t::alice());
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.end();
}

// === slash ===

#[test]
fun slash_moves_share_to_treasury() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::slash(&cap, &mut pool, &mut record, b"double signing".to_string(), scenario.ctx());
    assert_eq!(event::events_by_type<StakeSlashed>().length(), 1);
    assert_eq!(record.status(), staking::status_slashed());
    assert_eq!(record.amount(), t::sui_mist(1));
    assert_eq!(record.slashed_amount(), t::sui_mist(1));
    assert_eq!(pool.vault_value(), t::sui_mist(1));
    assert_eq!(pool.treasury_value(), t::sui_mist(1));
    assert_eq!(pool.total_staked(), t::sui_mist(1));
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.return_to_sender(cap);
    let effects = scenario.next_tx(t::admin());
    assert_eq!(effects.num_user_events(), 1);
    scenario.end();
}

#[test]
fun slash_applies_to_unbonding_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    t::slash(&mut scenario, id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.status(), staking::status_slashed());
    assert_eq!(record.amount(), t::sui_mist(1));
    ts::return_shared(record);
    scenario.end();
}

#[test]
fun only_the_publisher_holds_the_admin_cap() {
    // `slash` by anyone else cannot even be formed: the AdminCap is an owned object, and the
    // runtime refuses a transaction that uses an object its sender does not own.
    let mut scenario = t::begin();
    scenario.next_tx(t::bob());
    assert!(!scenario.has_most_recent_for_sender<AdminCap>());
    scenario.next_tx(t::admin());
    assert!(scenario.has_most_recent_for_sender<AdminCap>());
    scenario.end();
}

#[test]
fun slash_applies_during_unbonding_after_lockup() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    t::advance_epochs(&mut scenario, 10);
    t::request_unstake(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 1);
    t::slash(&mut scenario, id);
    t::advance_epochs(&mut scenario, 1);
    assert_eq!(t::withdraw(&mut scenario, t::alice(), id), t::sui_mist(1));
    scenario.end();
}

#[test]
fun slash_takes_at_least_one_mist() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_params(&cap, &mut pool, staking::kind_user(), 1, 2, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    t::set_slash_bps(&mut scenario, 1);
    let id = t::stake(&mut scenario, t::alice(), 100, staking::kind_user(), b"");
    t::slash(&mut scenario, id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.slashed_amount(), 1);
    assert_eq!(record.amount(), 99);
    ts::return_shared(record);
    scenario.end();
}

#[test]
fun slash_rounds_slashed_share_up() {
    let mut scenario = t::begin();
    let id = t::stake(
        &mut scenario,
        t::alice(),
        t::sui_mist(1) + 1,
        staking::kind_node(),
        b"worker-1",
    );
    t::slash(&mut scenario, id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.amount(), t::sui_mist(1) / 2);
    assert_eq!(record.slashed_amount(), t::sui_mist(1) / 2 + 1);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongPool)]
fun slash_rejects_record_of_another_pool() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::publish_second_pool(&mut scenario);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    let mut other = t::take_other_pool(&scenario, record.pool_id());
    staking::slash(&cap, &mut other, &mut record, b"test".to_string(), scenario.ctx());
    ts::return_shared(other);
    ts::return_shared(record);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EWrongVersion)]
fun slash_rejects_record_of_old_version() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::age_record(&mut scenario, id, 0);
    t::slash(&mut scenario, id);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotSlashable)]
fun slash_rejects_slashed_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::slash(&mut scenario, id);
    t::slash(&mut scenario, id);
    scenario.end();
}

// === set_params ===

#[test]
fun set_params_updates_one_kind() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_params(&cap, &mut pool, staking::kind_user(), t::sui_mist(3), 4, scenario.ctx());
    assert_eq!(event::events_by_type<PoolParamsUpdated>().length(), 1);
    assert_eq!(pool.min_stake(staking::kind_user()), t::sui_mist(3));
    assert_eq!(pool.lockup_epochs(staking::kind_user()), 4);
    assert_eq!(pool.min_stake(staking::kind_node()), t::sui_mist(1));
    assert_eq!(pool.lockup_epochs(staking::kind_node()), 7);
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    let effects = scenario.next_tx(t::admin());
    assert_eq!(effects.num_user_events(), 1);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidKind)]
fun set_params_rejects_unknown_kind() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_params(&cap, &mut pool, 3, t::sui_mist(1), 1, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidParam)]
fun set_params_rejects_zero_minimum() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_params(&cap, &mut pool, staking::kind_node(), 0, 1, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

// === set_slash_bps ===

#[test]
fun set_slash_bps_accepts_full_slash() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_slash_bps(&cap, &mut pool, 10_000, scenario.ctx());
    assert_eq!(event::events_by_type<PoolParamsUpdated>().length(), 1);
    assert_eq!(pool.slash_bps(), 10_000);
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    t::slash(&mut scenario, id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.amount(), 0);
    assert_eq!(record.slashed_amount(), t::sui_mist(2));
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidParam)]
fun set_slash_bps_rejects_more_than_all() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_slash_bps(&cap, &mut pool, 10_001, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

// === set_unbonding_epochs ===

#[test]
fun set_unbonding_epochs_updates_one_kind() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_unbonding_epochs(&cap, &mut pool, staking::kind_user(), 5, scenario.ctx());
    assert_eq!(event::events_by_type<PoolParamsUpdated>().length(), 1);
    assert_eq!(pool.unbonding_epochs(staking::kind_user()), 5);
    assert_eq!(pool.unbonding_epochs(staking::kind_node()), 2);
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    t::advance_epochs(&mut scenario, 3);
    t::request_unstake(&mut scenario, t::alice(), id);
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    assert_eq!(record.unlock_epoch(), 8);
    ts::return_shared(record);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidParam)]
fun set_unbonding_epochs_rejects_zero() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_unbonding_epochs(&cap, &mut pool, staking::kind_node(), 0, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidKind)]
fun set_unbonding_epochs_rejects_unknown_kind() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_unbonding_epochs(&cap, &mut pool, 3, 1, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

// === withdraw_treasury ===

/// Alice stakes 2 SUI and the admin slashes half of it into the treasury.
fun slashed_treasury(scenario: &mut ts::Scenario) {
    let id = t::stake(scenario, t::alice(), t::sui_mist(2), staking::kind_node(), b"worker-1");
    t::slash(scenario, id);
}

#[test]
fun withdraw_treasury_pays_recipient() {
    let mut scenario = t::begin();
    slashed_treasury(&mut scenario);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::withdraw_treasury(&cap, &mut pool, t::sui_mist(1) / 4, t::bob(), scenario.ctx());
    assert_eq!(event::events_by_type<TreasuryWithdrawn>().length(), 1);
    assert_eq!(pool.treasury_value(), t::sui_mist(1) / 4 * 3);
    assert_eq!(pool.vault_value(), t::sui_mist(1));
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    let effects = scenario.next_tx(t::bob());
    assert_eq!(effects.num_user_events(), 1);
    let payout = scenario.take_from_sender<Coin<SUI>>();
    assert_eq!(payout.value(), t::sui_mist(1) / 4);
    payout.burn_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInsufficientTreasury)]
fun withdraw_treasury_rejects_more_than_the_treasury() {
    let mut scenario = t::begin();
    slashed_treasury(&mut scenario);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::withdraw_treasury(&cap, &mut pool, t::sui_mist(1) + 1, t::admin(), scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun withdraw_treasury_rejects_zero_amount() {
    let mut scenario = t::begin();
    slashed_treasury(&mut scenario);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::withdraw_treasury(&cap, &mut pool, 0, t::admin(), scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

// === migrate, migrate_record ===

#[test]
fun migrate_moves_old_pool_to_current_version() {
    let mut scenario = t::begin();
    t::age_pool(&mut scenario, 0);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::migrate(&cap, &mut pool, scenario.ctx());
    assert_eq!(event::events_by_type<ObjectMigrated>().length(), 1);
    assert_eq!(pool.pool_version(), staking::package_version());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotUpgrade)]
fun migrate_rejects_current_pool() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::migrate(&cap, &mut pool, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.end();
}

#[test]
fun migrate_record_moves_old_record_to_current_version() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::age_record(&mut scenario, id, 0);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::migrate_record(&cap, &mut record, scenario.ctx());
    assert_eq!(event::events_by_type<ObjectMigrated>().length(), 1);
    assert_eq!(record.version(), staking::package_version());
    ts::return_shared(record);
    scenario.return_to_sender(cap);
    t::request_unstake(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = staking::ENotUpgrade)]
fun migrate_record_rejects_current_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(id);
    staking::migrate_record(&cap, &mut record, scenario.ctx());
    ts::return_shared(record);
    scenario.return_to_sender(cap);
    scenario.end();
}

// === u64 arithmetic ===

#[test, expected_failure(arithmetic_error, location = daas::staking)]
fun stake_fails_on_unlock_epoch_overflow() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    let max_epochs = 18_446_744_073_709_551_615;
    staking::set_params(
        &cap,
        &mut pool,
        staking::kind_node(),
        t::sui_mist(1),
        max_epochs,
        scenario.ctx(),
    );
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    t::advance_epochs(&mut scenario, 1);
    t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    scenario.end();
}
