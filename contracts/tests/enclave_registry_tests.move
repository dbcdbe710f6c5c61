#[test_only]
/// Every entry point of `daas::enclave_registry` and each of its failures. The sim's mirror has
/// the same cases under the same names in test/unit/sim-package/enclave-registry.test.ts.
///
/// A Move test cannot construct the `NitroAttestationDocument` that `register_enclave` takes (its
/// only constructor is the framework's native verifier), so the `register_enclave` cases drive
/// `register_for_testing`, which runs the same checks and effects on the document's fields. The
/// document parsing itself is the framework's (its own tests) and the sim's (src/enclave).
module daas::enclave_registry_tests;

use daas::enclave_registry::{Self, EnclaveConfig, Enclave, EnclavePcrsUpdated, EnclaveRegistered};
use daas::staking::{Self, AdminCap, ObjectMigrated};
use daas::test_support as t;
use std::unit_test::assert_eq;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const TIMESTAMP_MS: u64 = 1_731_627_987_382;

fun key(): vector<u8> { t::repeat_byte(0x30, 120) }

/// The admin pins PCRs 0x01.., 0x02.., 0x03.. and the transaction concludes.
fun pin_pcrs(scenario: &mut Scenario) {
    set_pcrs(scenario, t::pcr(1), t::pcr(2), t::pcr(3));
    scenario.next_tx(t::admin());
}

/// `t::alice()` registers a document with these fields.
fun register(
    scenario: &mut Scenario,
    pcr0: Option<vector<u8>>,
    pcr1: Option<vector<u8>>,
    pcr2: Option<vector<u8>>,
    public_key: Option<vector<u8>>,
) {
    scenario.next_tx(t::alice());
    let config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::register_for_testing(
        &config,
        pcr0,
        pcr1,
        pcr2,
        public_key,
        TIMESTAMP_MS,
        scenario.ctx(),
    );
    ts::return_shared(config);
    scenario.next_tx(t::alice());
}

/// Gives the config the package version an older package would have left on it.
fun age_config(scenario: &mut Scenario) {
    scenario.next_tx(t::admin());
    let mut config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::set_version_for_testing(&mut config, 0);
    ts::return_shared(config);
    scenario.next_tx(t::admin());
}

/// The admin sets the expected PCRs (the transaction stays open).
fun set_pcrs(scenario: &mut Scenario, pcr0: vector<u8>, pcr1: vector<u8>, pcr2: vector<u8>) {
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::set_expected_pcrs(&cap, &mut config, pcr0, pcr1, pcr2, scenario.ctx());
    ts::return_shared(config);
    scenario.return_to_sender(cap);
}

// === init ===

#[test]
fun init_shares_empty_enclave_config() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let config = scenario.take_shared<EnclaveConfig>();
    let (pcr0, pcr1, pcr2) = config.expected_pcrs();
    assert!(pcr0.is_empty() && pcr1.is_empty() && pcr2.is_empty());
    assert_eq!(config.pcr_version(), 0);
    assert_eq!(config.config_package_version(), staking::package_version());
    ts::return_shared(config);
    scenario.end();
}

// === set_expected_pcrs ===

#[test]
fun set_expected_pcrs_pins_pcrs_and_bumps_version() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::set_expected_pcrs(
        &cap,
        &mut config,
        t::pcr(1),
        t::pcr(2),
        t::pcr(3),
        scenario.ctx(),
    );
    assert_eq!(event::events_by_type<EnclavePcrsUpdated>().length(), 1);
    let (pcr0, pcr1, pcr2) = config.expected_pcrs();
    assert_eq!(pcr0, t::pcr(1));
    assert_eq!(pcr1, t::pcr(2));
    assert_eq!(pcr2, t::pcr(3));
    assert_eq!(config.pcr_version(), 1);
    ts::return_shared(config);
    scenario.return_to_sender(cap);
    let effects = scenario.next_tx(t::admin());
    assert_eq!(effects.num_user_events(), 1);
    set_pcrs(&mut scenario, t::pcr(4), t::pcr(5), t::pcr(6));
    scenario.next_tx(t::admin());
    let config = scenario.take_shared<EnclaveConfig>();
    assert_eq!(config.pcr_version(), 2);
    ts::return_shared(config);
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EWrongVersion)]
fun set_expected_pcrs_rejects_config_of_old_version() {
    let mut scenario = t::begin();
    age_config(&mut scenario);
    set_pcrs(&mut scenario, t::pcr(1), t::pcr(2), t::pcr(3));
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EInvalidPcr)]
fun set_expected_pcrs_rejects_short_pcr0() {
    let mut scenario = t::begin();
    set_pcrs(&mut scenario, t::repeat_byte(1, 47), t::pcr(2), t::pcr(3));
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EInvalidPcr)]
fun set_expected_pcrs_rejects_long_pcr1() {
    let mut scenario = t::begin();
    set_pcrs(&mut scenario, t::pcr(1), t::repeat_byte(2, 49), t::pcr(3));
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EInvalidPcr)]
fun set_expected_pcrs_rejects_empty_pcr2() {
    let mut scenario = t::begin();
    set_pcrs(&mut scenario, t::pcr(1), t::pcr(2), vector[]);
    scenario.end();
}

// === register_enclave ===

#[test]
fun register_enclave_shares_enclave_with_key() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    t::advance_epochs(&mut scenario, 2);
    scenario.next_tx(t::alice());
    let config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::register_for_testing(
        &config,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::some(t::pcr(3)),
        option::some(key()),
        TIMESTAMP_MS,
        scenario.ctx(),
    );
    assert_eq!(event::events_by_type<EnclaveRegistered>().length(), 1);
    ts::return_shared(config);
    let effects = scenario.next_tx(t::alice());
    assert_eq!(effects.num_user_events(), 1);

    let enclave = scenario.take_shared<Enclave>();
    assert_eq!(enclave.enclave_public_key(), key());
    assert_eq!(enclave.enclave_pcr0(), t::pcr(1));
    assert_eq!(enclave.enclave_config_version(), 1);
    assert_eq!(enclave.registered_by(), t::alice());
    assert_eq!(enclave.registered_epoch(), 2);
    assert_eq!(enclave.attestation_timestamp_ms(), TIMESTAMP_MS);
    ts::return_shared(enclave);
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EPcrMismatch)]
fun register_enclave_rejects_unset_config() {
    let mut scenario = t::begin();
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::some(t::pcr(3)),
        option::some(key()),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EPcrMismatch)]
fun register_enclave_rejects_other_pcr1() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(9)),
        option::some(t::pcr(3)),
        option::some(key()),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EPcrMismatch)]
fun register_enclave_rejects_document_without_pcr2() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::none(),
        option::some(key()),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::ENoPublicKey)]
fun register_enclave_rejects_document_without_public_key() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::some(t::pcr(3)),
        option::none(),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::ENoPublicKey)]
fun register_enclave_rejects_empty_public_key() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::some(t::pcr(3)),
        option::some(vector[]),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::EWrongVersion)]
fun register_enclave_rejects_config_of_old_version() {
    let mut scenario = t::begin();
    pin_pcrs(&mut scenario);
    age_config(&mut scenario);
    register(
        &mut scenario,
        option::some(t::pcr(1)),
        option::some(t::pcr(2)),
        option::some(t::pcr(3)),
        option::some(key()),
    );
    scenario.end();
}

// === migrate ===

#[test]
fun migrate_moves_old_config_to_current_version() {
    let mut scenario = t::begin();
    age_config(&mut scenario);
    let cap = scenario.take_from_sender<AdminCap>();
    let mut config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::migrate(&cap, &mut config, scenario.ctx());
    assert_eq!(event::events_by_type<ObjectMigrated>().length(), 1);
    assert_eq!(config.config_package_version(), staking::package_version());
    ts::return_shared(config);
    scenario.return_to_sender(cap);
    pin_pcrs(&mut scenario);
    scenario.end();
}

#[test, expected_failure(abort_code = enclave_registry::ENotUpgrade)]
fun migrate_rejects_current_config() {
    let mut scenario = t::begin();
    scenario.next_tx(t::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    let mut config = scenario.take_shared<EnclaveConfig>();
    enclave_registry::migrate(&cap, &mut config, scenario.ctx());
    ts::return_shared(config);
    scenario.return_to_sender(cap);
    scenario.end();
}
