#[test_only]
/// Shared set-up for the package's tests: actors, amounts, publishing and the common transactions.
module daas::test_support;

use daas::enclave_registry;
use daas::staking::{Self, AdminCap, StakePool, StakeRecord};
use sui::coin::{Self, Coin};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const MIST_PER_SUI: u64 = 1_000_000_000;

public fun admin(): address { @0xAD }

public fun alice(): address { @0xA11CE }

public fun bob(): address { @0xB0B }

/// `n` SUI in MIST.
public fun sui_mist(n: u64): u64 { n * MIST_PER_SUI }

/// Publishes the package as `admin()`: runs every module's `init` in the first transaction.
public fun begin(): Scenario {
    let mut scenario = ts::begin(admin());
    staking::init_for_testing(scenario.ctx());
    enclave_registry::init_for_testing(scenario.ctx());
    scenario
}

public fun mint(scenario: &mut Scenario, amount: u64): Coin<SUI> {
    coin::mint_for_testing<SUI>(amount, scenario.ctx())
}

/// `who` stakes `amount` MIST in the (only) pool; returns the new StakeRecord's id. The stake's
/// transaction is concluded when this returns.
public fun stake(
    scenario: &mut Scenario,
    who: address,
    amount: u64,
    kind: u8,
    node_id: vector<u8>,
): ID {
    scenario.next_tx(who);
    let mut pool = scenario.take_shared<StakePool>();
    let payment = mint(scenario, amount);
    staking::stake(&mut pool, payment, kind, node_id.to_string(), scenario.ctx());
    ts::return_shared(pool);
    scenario.next_tx(who);
    ts::most_recent_id_shared<StakeRecord>().destroy_some()
}

/// `who` asks to unstake record `record_id`, in a transaction of its own.
public fun request_unstake(scenario: &mut Scenario, who: address, record_id: ID) {
    scenario.next_tx(who);
    let mut record = scenario.take_shared_by_id<StakeRecord>(record_id);
    let pool = scenario.take_shared_by_id<StakePool>(record.pool_id());
    staking::request_unstake(&pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.next_tx(who);
}

/// `who` withdraws record `record_id`, in a transaction of its own; returns the payout's value.
public fun withdraw(scenario: &mut Scenario, who: address, record_id: ID): u64 {
    scenario.next_tx(who);
    let mut record = scenario.take_shared_by_id<StakeRecord>(record_id);
    let mut pool = scenario.take_shared_by_id<StakePool>(record.pool_id());
    staking::withdraw(&mut pool, &mut record, scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.next_tx(who);
    let payout = scenario.take_from_sender<Coin<SUI>>();
    let value = payout.value();
    payout.burn_for_testing();
    value
}

/// The admin sets the slash rate of the (only) pool, in a transaction of its own.
public fun set_slash_bps(scenario: &mut Scenario, bps: u64) {
    scenario.next_tx(admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_slash_bps(&cap, &mut pool, bps, scenario.ctx());
    ts::return_shared(pool);
    scenario.return_to_sender(cap);
    scenario.next_tx(admin());
}

/// Gives record `record_id` the version an older package would have left on it.
public fun age_record(scenario: &mut Scenario, record_id: ID, version: u64) {
    scenario.next_tx(admin());
    let mut record = scenario.take_shared_by_id<StakeRecord>(record_id);
    staking::set_record_version_for_testing(&mut record, version);
    ts::return_shared(record);
    scenario.next_tx(admin());
}

/// Gives the (only) pool the version an older package would have left on it.
public fun age_pool(scenario: &mut Scenario, version: u64) {
    scenario.next_tx(admin());
    let mut pool = scenario.take_shared<StakePool>();
    staking::set_pool_version_for_testing(&mut pool, version);
    ts::return_shared(pool);
    scenario.next_tx(admin());
}

/// The admin slashes record `record_id`, in a transaction of its own.
public fun slash(scenario: &mut Scenario, record_id: ID) {
    scenario.next_tx(admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut record = scenario.take_shared_by_id<StakeRecord>(record_id);
    let mut pool = scenario.take_shared_by_id<StakePool>(record.pool_id());
    staking::slash(&cap, &mut pool, &mut record, b"test".to_string(), scenario.ctx());
    ts::return_shared(pool);
    ts::return_shared(record);
    scenario.return_to_sender(cap);
    scenario.next_tx(admin());
}

/// Publishes the staking module a second time, so that a second pool exists.
public fun publish_second_pool(scenario: &mut Scenario) {
    scenario.next_tx(admin());
    staking::init_for_testing(scenario.ctx());
    scenario.next_tx(admin());
}

/// Takes a pool other than `pool_id` (call with `pool_id` taken out, or after `publish_second_pool`).
public fun take_other_pool(scenario: &Scenario, pool_id: ID): StakePool {
    let first = scenario.take_shared_by_id<StakePool>(pool_id);
    let other = scenario.take_shared<StakePool>();
    ts::return_shared(first);
    other
}

/// Moves the scenario `count` epochs forward.
public fun advance_epochs(scenario: &mut Scenario, count: u64) {
    let mut i = 0;
    while (i < count) {
        scenario.next_epoch(admin());
        i = i + 1;
    };
}

/// `length` copies of `byte`.
public fun repeat_byte(byte: u8, length: u64): vector<u8> {
    let mut bytes = vector[];
    while (bytes.length() < length) {
        bytes.push_back(byte);
    };
    bytes
}

/// A 48-byte (SHA-384 sized) PCR value filled with `byte`.
public fun pcr(byte: u8): vector<u8> { repeat_byte(byte, 48) }
