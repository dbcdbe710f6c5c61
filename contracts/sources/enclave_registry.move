/// Registry of authenticator enclaves: the `AdminCap` holder pins the PCRs of the enclave image;
/// anyone may then register an enclave whose AWS Nitro attestation document, verified by
/// `sui::nitro_attestation`, shows those PCRs, and clients look the enclave's TLS key up on chain.
///
/// `sui::nitro_attestation::load_nitro_attestation` is a non-public `entry` function, so a Move
/// module cannot call it: a programmable transaction calls it first and passes the verified
/// document it returns to `register_enclave` (the pattern of MystenLabs/nautilus).
module daas::enclave_registry;

use daas::staking::{Self, AdminCap};
use sui::event;
use sui::nitro_attestation::{NitroAttestationDocument, PCREntry};

// === Errors (values mirrored in src/chain/schema.ts ABORT_CODES.enclave_registry) ===

const EPcrMismatch: u64 = 0;
const ENoPublicKey: u64 = 1;
const EInvalidPcr: u64 = 2;
const EWrongVersion: u64 = 3;
const ENotUpgrade: u64 = 4;

/// PCRs are SHA-384 digests.
const PCR_LENGTH: u64 = 48;

/// The PCRs an enclave must show; empty (nothing can register) until the admin sets them.
public struct EnclaveConfig has key {
    id: UID,
    /// The package version (`staking::package_version`) this object was last migrated to.
    version: u64,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    /// Counts `set_expected_pcrs` calls; an Enclave records the value it registered under.
    pcr_version: u64,
}

public struct Enclave has key {
    id: UID,
    /// The config's `pcr_version` at registration.
    config_version: u64,
    /// The key the attestation document binds (the webhook's TLS key, DER SubjectPublicKeyInfo).
    public_key: vector<u8>,
    pcr0: vector<u8>,
    registered_by: address,
    registered_epoch: u64,
    attestation_timestamp_ms: u64,
}

// === Events ===

public struct EnclavePcrsUpdated has copy, drop {
    config_id: ID,
    pcr_version: u64,
}

public struct EnclaveRegistered has copy, drop {
    enclave_id: ID,
    public_key: vector<u8>,
    pcr0: vector<u8>,
    epoch: u64,
}

// === Publishing ===

fun init(ctx: &mut TxContext) {
    transfer::share_object(EnclaveConfig {
        id: object::new(ctx),
        version: staking::package_version(),
        pcr0: vector[],
        pcr1: vector[],
        pcr2: vector[],
        pcr_version: 0,
    });
}

// === Entry points ===

/// Pins the PCRs 0, 1 and 2 of the enclave image that may register.
public fun set_expected_pcrs(
    _cap: &AdminCap,
    config: &mut EnclaveConfig,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    _ctx: &mut TxContext,
) {
    assert!(config.version == staking::package_version(), EWrongVersion);
    assert!(
        pcr0.length() == PCR_LENGTH && pcr1.length() == PCR_LENGTH && pcr2.length() == PCR_LENGTH,
        EInvalidPcr,
    );

    config.pcr0 = pcr0;
    config.pcr1 = pcr1;
    config.pcr2 = pcr2;
    config.pcr_version = config.pcr_version + 1;
    event::emit(EnclavePcrsUpdated {
        config_id: object::id(config),
        pcr_version: config.pcr_version,
    });
}

/// Shares an Enclave for a verified attestation document whose PCRs match the config and which
/// binds a public key.
public fun register_enclave(
    config: &EnclaveConfig,
    document: NitroAttestationDocument,
    ctx: &mut TxContext,
) {
    let pcrs = document.pcrs();
    register(
        config,
        find_pcr(pcrs, 0),
        find_pcr(pcrs, 1),
        find_pcr(pcrs, 2),
        *document.public_key(),
        *document.timestamp(),
        ctx,
    );
}

/// Moves the config to this code's package version after an upgrade (the old code then refuses it).
public fun migrate(_cap: &AdminCap, config: &mut EnclaveConfig, _ctx: &mut TxContext) {
    assert!(config.version < staking::package_version(), ENotUpgrade);
    config.version = staking::package_version();
    staking::emit_migrated(object::id(config));
}

// === Accessors ===

public fun expected_pcrs(config: &EnclaveConfig): (vector<u8>, vector<u8>, vector<u8>) {
    (config.pcr0, config.pcr1, config.pcr2)
}

public fun pcr_version(config: &EnclaveConfig): u64 { config.pcr_version }

public fun config_package_version(config: &EnclaveConfig): u64 { config.version }

public fun enclave_public_key(enclave: &Enclave): vector<u8> { enclave.public_key }

public fun enclave_pcr0(enclave: &Enclave): vector<u8> { enclave.pcr0 }

public fun enclave_config_version(enclave: &Enclave): u64 { enclave.config_version }

public fun registered_by(enclave: &Enclave): address { enclave.registered_by }

public fun registered_epoch(enclave: &Enclave): u64 { enclave.registered_epoch }

public fun attestation_timestamp_ms(enclave: &Enclave): u64 { enclave.attestation_timestamp_ms }

// === Internal ===

/// The checks and effects of `register_enclave` on the fields of a verified document (a Move test
/// cannot build a `NitroAttestationDocument`, so the tests drive this function directly).
fun register(
    config: &EnclaveConfig,
    pcr0: Option<vector<u8>>,
    pcr1: Option<vector<u8>>,
    pcr2: Option<vector<u8>>,
    public_key: Option<vector<u8>>,
    timestamp_ms: u64,
    ctx: &mut TxContext,
) {
    assert!(config.version == staking::package_version(), EWrongVersion);
    // An unset config has empty PCRs, which no document's 48-byte PCRs equal.
    assert!(
        pcr0 == option::some(config.pcr0)
            && pcr1 == option::some(config.pcr1)
            && pcr2 == option::some(config.pcr2),
        EPcrMismatch,
    );
    assert!(public_key.is_some(), ENoPublicKey);
    let public_key = public_key.destroy_some();
    assert!(!public_key.is_empty(), ENoPublicKey);

    let enclave = Enclave {
        id: object::new(ctx),
        config_version: config.pcr_version,
        public_key,
        pcr0: config.pcr0,
        registered_by: ctx.sender(),
        registered_epoch: ctx.epoch(),
        attestation_timestamp_ms: timestamp_ms,
    };
    event::emit(EnclaveRegistered {
        enclave_id: object::id(&enclave),
        public_key: enclave.public_key,
        pcr0: enclave.pcr0,
        epoch: enclave.registered_epoch,
    });
    transfer::share_object(enclave);
}

/// The value of PCR `index` in a document's PCR list, if the document has it.
fun find_pcr(entries: &vector<PCREntry>, index: u8): Option<vector<u8>> {
    let mut i = 0;
    while (i < entries.length()) {
        let entry = &entries[i];
        if (entry.index() == index) return option::some(*entry.value());
        i = i + 1;
    };
    option::none()
}

// === Test support ===

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

#[test_only]
/// `register_enclave` after `load_nitro_attestation` returned a document with these fields.
public fun register_for_testing(
    config: &EnclaveConfig,
    pcr0: Option<vector<u8>>,
    pcr1: Option<vector<u8>>,
    pcr2: Option<vector<u8>>,
    public_key: Option<vector<u8>>,
    timestamp_ms: u64,
    ctx: &mut TxContext,
) {
    register(config, pcr0, pcr1, pcr2, public_key, timestamp_ms, ctx)
}

#[test_only]
/// Sets the config's package version, as an object left behind by an older package would have it.
public fun set_version_for_testing(config: &mut EnclaveConfig, version: u64) {
    config.version = version;
}
