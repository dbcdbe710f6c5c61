#[test_only]
/// Every entry point of `daas::seal` and each of its failures. The sim's mirror has the same cases
/// under the same names in test/unit/sim-package/seal.test.ts.
module daas::seal_tests;

use daas::seal::{Self, SealToken, SealTokenCreated, SealTokenRevoked};
use daas::staking::{Self, StakeRecord};
use daas::test_support as t;
use std::string::String;
use std::unit_test::assert_eq;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

/// `who` mints a token from record `record_id` in a transaction of its own.
fun create_worker(scenario: &mut Scenario, who: address, record_id: ID) {
    scenario.next_tx(who);
    let record = scenario.take_shared_by_id<StakeRecord>(record_id);
    seal::create_worker_seal_token(&record, scenario.ctx());
    ts::return_shared(record);
    scenario.next_tx(who);
}

fun create_user(scenario: &mut Scenario, who: address, record_id: ID) {
    scenario.next_tx(who);
    let record = scenario.take_shared_by_id<StakeRecord>(record_id);
    seal::create_user_seal_token(&record, scenario.ctx());
    ts::return_shared(record);
    scenario.next_tx(who);
}

/// The permissions of a user token minted (and revoked again) from a fresh stake of Alice.
fun user_permissions_for(scenario: &mut Scenario, kind: u8, amount: u64): vector<String> {
    let id = t::stake(scenario, t::alice(), amount, kind, b"");
    create_user(scenario, t::alice(), id);
    let token = scenario.take_from_sender<SealToken>();
    let permissions = token.permissions();
    seal::revoke_seal_token(token, scenario.ctx());
    permissions
}

fun strings(items: vector<vector<u8>>): vector<String> {
    items.map!(|item| item.to_string())
}

// === create_worker_seal_token ===

#[test]
fun create_worker_seal_token_mints_token_for_node_stake() {
    let mut scenario = t::begin();
    t::advance_epochs(&mut scenario, 3);
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    seal::create_worker_seal_token(&record, scenario.ctx());
    assert_eq!(event::events_by_type<SealTokenCreated>().length(), 1);
    ts::return_shared(record);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);

    let token = scenario.take_from_sender<SealToken>();
    assert_eq!(token.stake_record(), id);
    assert_eq!(token.owner(), t::alice());
    assert_eq!(token.node_id(), b"worker-1".to_string());
    assert_eq!(token.permissions(), strings(vector[b"nodes:write", b"pods:write"]));
    assert_eq!(token.issued_epoch(), 3);
    assert_eq!(token.expires_epoch(), 103);
    scenario.return_to_sender(token);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotStaker)]
fun create_worker_seal_token_rejects_other_sender() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    create_worker(&mut scenario, t::bob(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotActive)]
fun create_worker_seal_token_rejects_unbonding_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::request_unstake(&mut scenario, t::alice(), id);
    create_worker(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotActive)]
fun create_worker_seal_token_rejects_slashed_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    t::slash(&mut scenario, id);
    create_worker(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::EWrongKind)]
fun create_worker_seal_token_rejects_user_stake() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    create_worker(&mut scenario, t::alice(), id);
    scenario.end();
}

// === create_user_seal_token ===

#[test]
fun create_user_seal_token_mints_token_for_user_stake() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(2), staking::kind_user(), b"");
    let record = scenario.take_shared_by_id<StakeRecord>(id);
    seal::create_user_seal_token(&record, scenario.ctx());
    assert_eq!(event::events_by_type<SealTokenCreated>().length(), 1);
    ts::return_shared(record);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);

    let token = scenario.take_from_sender<SealToken>();
    assert_eq!(token.stake_record(), id);
    assert_eq!(token.owner(), t::alice());
    assert_eq!(token.node_id(), b"".to_string());
    assert_eq!(token.issued_epoch(), 0);
    assert_eq!(token.expires_epoch(), 100);
    scenario.return_to_sender(token);
    scenario.end();
}

#[test]
fun create_user_seal_token_permissions_follow_stake() {
    let mut scenario = t::begin();
    assert_eq!(
        user_permissions_for(&mut scenario, staking::kind_user(), t::sui_mist(1) / 2),
        strings(vector[b"pods:read", b"services:read"]),
    );
    assert_eq!(
        user_permissions_for(&mut scenario, staking::kind_user(), t::sui_mist(2)),
        strings(vector[b"pods:read", b"services:read", b"pods:write", b"services:write"]),
    );
    assert_eq!(
        user_permissions_for(&mut scenario, staking::kind_admin(), t::sui_mist(5)),
        strings(vector[
            b"pods:read",
            b"services:read",
            b"pods:write",
            b"services:write",
            b"nodes:write",
        ]),
    );
    assert_eq!(
        user_permissions_for(&mut scenario, staking::kind_admin(), t::sui_mist(10)),
        strings(vector[
            b"pods:read",
            b"services:read",
            b"pods:write",
            b"services:write",
            b"nodes:write",
            b"*:*",
        ]),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotStaker)]
fun create_user_seal_token_rejects_other_sender() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    create_user(&mut scenario, t::bob(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotActive)]
fun create_user_seal_token_rejects_slashed_record() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    t::slash(&mut scenario, id);
    create_user(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::EWrongVersion)]
fun create_user_seal_token_rejects_record_of_old_version() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_user(), b"");
    t::age_record(&mut scenario, id, 0);
    create_user(&mut scenario, t::alice(), id);
    scenario.end();
}

#[test, expected_failure(abort_code = seal::EWrongKind)]
fun create_user_seal_token_rejects_node_stake() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    create_user(&mut scenario, t::alice(), id);
    scenario.end();
}

// === revoke_seal_token ===

#[test]
fun revoke_seal_token_deletes_token() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    create_worker(&mut scenario, t::alice(), id);
    let token = scenario.take_from_sender<SealToken>();
    seal::revoke_seal_token(token, scenario.ctx());
    assert_eq!(event::events_by_type<SealTokenRevoked>().length(), 1);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);
    assert_eq!(effects.deleted().length(), 1);
    assert!(!scenario.has_most_recent_for_sender<SealToken>());
    scenario.end();
}

#[test, expected_failure(abort_code = seal::ENotOwner)]
fun revoke_seal_token_rejects_token_of_someone_else() {
    // A SealToken has no `store`: no one but `seal` can hand it on, so this cannot happen on chain;
    // the check stays as a second line. The test moves the token with a test-only hook.
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    create_worker(&mut scenario, t::alice(), id);
    let token = scenario.take_from_sender<SealToken>();
    seal::transfer_for_testing(token, t::bob());
    scenario.next_tx(t::bob());
    let token = scenario.take_from_sender<SealToken>();
    seal::revoke_seal_token(token, scenario.ctx());
    scenario.end();
}

// === accessors ===

#[test]
fun seal_token_expires_100_epochs_after_issue() {
    let mut scenario = t::begin();
    let id = t::stake(&mut scenario, t::alice(), t::sui_mist(1), staking::kind_node(), b"worker-1");
    create_worker(&mut scenario, t::alice(), id);
    t::advance_epochs(&mut scenario, 99);
    scenario.next_tx(t::alice());
    let token = scenario.take_from_sender<SealToken>();
    assert!(!token.is_expired(scenario.ctx()));
    scenario.return_to_sender(token);
    t::advance_epochs(&mut scenario, 1);
    scenario.next_tx(t::alice());
    let token = scenario.take_from_sender<SealToken>();
    assert!(token.is_expired(scenario.ctx()));
    scenario.return_to_sender(token);
    scenario.end();
}
