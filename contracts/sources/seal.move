/// Seal tokens: an owned object that proves the link between a staker and an active StakeRecord.
/// It holds no secret (everything on chain is public); bearer credentials are off-chain claims
/// signed by the staker that name a SealToken (docs/design.md §3).
module daas::seal;

use daas::staking::{Self, StakeRecord};
use std::string::String;
use sui::event;

// === Errors (values mirrored in src/chain/schema.ts ABORT_CODES.seal) ===

const ENotStaker: u64 = 0;
const ENotActive: u64 = 1;
const EWrongKind: u64 = 2;
const ENotOwner: u64 = 3;
const EWrongVersion: u64 = 4;

/// A SealToken expires this many epochs after the epoch it was minted in.
const SEAL_TOKEN_LIFETIME_EPOCHS: u64 = 100;

// Permission steps of user and admin tokens (USER_PERMISSION_STEPS in src/chain/schema.ts):
// a token carries the permissions of every step whose threshold its stake reaches.
const READ_STEP_MIST: u64 = 500_000_000;
const WRITE_STEP_MIST: u64 = 2_000_000_000;
const NODES_STEP_MIST: u64 = 5_000_000_000;
const ALL_STEP_MIST: u64 = 10_000_000_000;

/// `key` without `store`: only this module can transfer it, so a token stays with the staker who
/// minted it (and who alone can use and revoke it).
public struct SealToken has key {
    id: UID,
    stake_record: ID,
    owner: address,
    node_id: String,
    /// Informational; Kubernetes RBAC follows the stake tier, not this list.
    permissions: vector<String>,
    issued_epoch: u64,
    expires_epoch: u64,
}

// === Events ===

public struct SealTokenCreated has copy, drop {
    token_id: ID,
    record_id: ID,
    owner: address,
    node_id: String,
    issued_epoch: u64,
    expires_epoch: u64,
}

public struct SealTokenRevoked has copy, drop {
    token_id: ID,
    record_id: ID,
    owner: address,
    epoch: u64,
}

// === Entry points ===

/// Mints a worker (kubelet) token for the sender's active node stake.
public fun create_worker_seal_token(record: &StakeRecord, ctx: &mut TxContext) {
    assert_can_mint(record, ctx);
    assert!(record.is_node_stake(), EWrongKind);
    mint(record, record.node_id(), worker_permissions(), ctx);
}

/// Mints a user token for the sender's active user or admin stake.
public fun create_user_seal_token(record: &StakeRecord, ctx: &mut TxContext) {
    assert_can_mint(record, ctx);
    assert!(!record.is_node_stake(), EWrongKind);
    mint(record, b"".to_string(), user_permissions(record.amount()), ctx);
}

/// Deletes a token of the sender.
public fun revoke_seal_token(token: SealToken, ctx: &mut TxContext) {
    assert!(token.owner == ctx.sender(), ENotOwner);

    let SealToken { id, stake_record, owner, .. } = token;
    event::emit(SealTokenRevoked {
        token_id: id.to_inner(),
        record_id: stake_record,
        owner,
        epoch: ctx.epoch(),
    });
    id.delete();
}

// === Accessors ===

public fun stake_record(token: &SealToken): ID { token.stake_record }

public fun owner(token: &SealToken): address { token.owner }

public fun node_id(token: &SealToken): String { token.node_id }

public fun permissions(token: &SealToken): vector<String> { token.permissions }

public fun issued_epoch(token: &SealToken): u64 { token.issued_epoch }

public fun expires_epoch(token: &SealToken): u64 { token.expires_epoch }

/// A token is valid up to, not including, its expiry epoch.
public fun is_expired(token: &SealToken, ctx: &TxContext): bool {
    ctx.epoch() >= token.expires_epoch
}

public fun lifetime_epochs(): u64 { SEAL_TOKEN_LIFETIME_EPOCHS }

// === Internal ===

fun assert_can_mint(record: &StakeRecord, ctx: &TxContext) {
    assert!(record.version() == staking::package_version(), EWrongVersion);
    assert!(record.staker() == ctx.sender(), ENotStaker);
    assert!(record.is_active(), ENotActive);
}

#[allow(lint(self_transfer))]
fun mint(record: &StakeRecord, node_id: String, permissions: vector<String>, ctx: &mut TxContext) {
    let owner = ctx.sender();
    let issued_epoch = ctx.epoch();
    let token = SealToken {
        id: object::new(ctx),
        stake_record: object::id(record),
        owner,
        node_id,
        permissions,
        issued_epoch,
        expires_epoch: issued_epoch + SEAL_TOKEN_LIFETIME_EPOCHS,
    };
    event::emit(SealTokenCreated {
        token_id: object::id(&token),
        record_id: token.stake_record,
        owner,
        node_id: token.node_id,
        issued_epoch,
        expires_epoch: token.expires_epoch,
    });
    transfer::transfer(token, owner);
}

fun worker_permissions(): vector<String> {
    vector[b"nodes:write".to_string(), b"pods:write".to_string()]
}

fun user_permissions(amount: u64): vector<String> {
    let mut permissions = vector[];
    if (amount >= READ_STEP_MIST) {
        permissions.push_back(b"pods:read".to_string());
        permissions.push_back(b"services:read".to_string());
    };
    if (amount >= WRITE_STEP_MIST) {
        permissions.push_back(b"pods:write".to_string());
        permissions.push_back(b"services:write".to_string());
    };
    if (amount >= NODES_STEP_MIST) {
        permissions.push_back(b"nodes:write".to_string());
    };
    if (amount >= ALL_STEP_MIST) {
        permissions.push_back(b"*:*".to_string());
    };
    permissions
}

// === Test support ===

#[test_only]
/// Hands a token to `recipient`, which no code outside this module can do.
public fun transfer_for_testing(token: SealToken, recipient: address) {
    transfer::transfer(token, recipient)
}
