/**
 * The on-chain wire format of the `daas` Move package: one place for every BCS struct, event,
 * enum value and abort code. `contracts/` (Move), `src/sim/package` (the simulator's mirror of the
 * Move code) and the chain reader all follow this file; docs/onchain-model.md explains it.
 *
 * Move's `UID`, `ID` and `address` all serialise as 32 raw bytes, `Balance<T>` as one u64 and
 * `std::string::String` as a length-prefixed UTF-8 byte vector, so the schemas use those shapes
 * directly instead of nesting wrapper structs.
 */
import { bcs, type BcsType } from '@mysten/sui/bcs';
import type { StakeKindName, StakeStatusName } from '../policy/stake.ts';
import { MIST_PER_SUI } from '../policy/units.ts';

// Names the product's rules use (src/policy); this file gives them their on-chain u8 values.
export { MIST_PER_SUI, type StakeKindName, type StakeStatusName };

export const MODULES = { staking: 'staking', seal: 'seal', enclaveRegistry: 'enclave_registry' } as const;
export type ModuleName = (typeof MODULES)[keyof typeof MODULES];

/** `StakeRecord.kind` (u8). */
export const StakeKind = { node: 0, user: 1, admin: 2 } as const satisfies Record<StakeKindName, number>;

/** `StakeRecord.status` (u8). */
export const StakeStatus = { active: 0, slashed: 1, unbonding: 2, withdrawn: 3 } as const satisfies Record<StakeStatusName, number>;

/** Pool defaults set by `staking::init`, indexed by StakeKind. */
export const POOL_DEFAULTS = {
  minStake: [1n * MIST_PER_SUI, MIST_PER_SUI / 2n, 5n * MIST_PER_SUI] as const,
  lockupEpochs: [7n, 2n, 7n] as const,
  /** Epochs from `request_unstake` to the first possible `withdraw` (at least 1). */
  unbondingEpochs: [2n, 1n, 2n] as const,
  slashBps: 5_000n,
} as const;

/**
 * `staking::VERSION`: the version of the package code. Every entry point refuses a shared object
 * (StakePool, StakeRecord, EnclaveConfig) whose `version` differs; `migrate*` moves one forward.
 */
export const PACKAGE_VERSION = 1n;

/** A SealToken expires this many epochs after the epoch it was minted in (the seeds' 100). */
export const SEAL_TOKEN_LIFETIME_EPOCHS = 100n;

/** Informational permissions written into SealTokens (RBAC is decided by tier groups, not by these). */
export const WORKER_PERMISSIONS = ['nodes:write', 'pods:write'] as const;
export const USER_PERMISSION_STEPS: ReadonlyArray<{ minMist: bigint; permissions: readonly string[] }> = [
  { minMist: MIST_PER_SUI / 2n, permissions: ['pods:read', 'services:read'] },
  { minMist: 2n * MIST_PER_SUI, permissions: ['pods:write', 'services:write'] },
  { minMist: 5n * MIST_PER_SUI, permissions: ['nodes:write'] },
  { minMist: 10n * MIST_PER_SUI, permissions: ['*:*'] },
];

const Id = bcs.Address;
const MoveString = bcs.string();
const Bytes = bcs.byteVector();

// ---- objects -------------------------------------------------------------------------------

export const AdminCap = bcs.struct('AdminCap', { id: Id });

export const StakePool = bcs.struct('StakePool', {
  id: Id,
  version: bcs.u64(), // PACKAGE_VERSION it was last migrated to
  vault: bcs.u64(), // Balance<SUI>: SUI held for active, unbonding and slashed records
  treasury: bcs.u64(), // Balance<SUI>: slashed SUI
  total_staked: bcs.u64(),
  record_count: bcs.u64(),
  min_stake: bcs.vector(bcs.u64()), // indexed by StakeKind
  lockup_epochs: bcs.vector(bcs.u64()), // indexed by StakeKind
  unbonding_epochs: bcs.vector(bcs.u64()), // indexed by StakeKind
  slash_bps: bcs.u64(),
});

export const StakeRecord = bcs.struct('StakeRecord', {
  id: Id,
  version: bcs.u64(),
  pool_id: Id,
  staker: bcs.Address,
  node_id: MoveString, // empty for user/admin stakes
  amount: bcs.u64(),
  kind: bcs.u8(),
  status: bcs.u8(),
  staked_epoch: bcs.u64(),
  unlock_epoch: bcs.u64(), // end of the first lock-up; after request_unstake, of the unbonding period
  slashed_amount: bcs.u64(),
});

export const SealToken = bcs.struct('SealToken', {
  id: Id,
  stake_record: Id,
  owner: bcs.Address,
  node_id: MoveString,
  permissions: bcs.vector(MoveString),
  issued_epoch: bcs.u64(),
  expires_epoch: bcs.u64(),
});

export const EnclaveConfig = bcs.struct('EnclaveConfig', {
  id: Id,
  version: bcs.u64(), // PACKAGE_VERSION it was last migrated to
  pcr0: Bytes,
  pcr1: Bytes,
  pcr2: Bytes,
  pcr_version: bcs.u64(), // counts set_expected_pcrs calls
});

export const Enclave = bcs.struct('Enclave', {
  id: Id,
  config_version: bcs.u64(), // the config's pcr_version at registration
  public_key: Bytes,
  pcr0: Bytes,
  registered_by: bcs.Address,
  registered_epoch: bcs.u64(),
  attestation_timestamp_ms: bcs.u64(),
});

/** 0x2::coin::Coin<0x2::sui::SUI>: { id: UID, balance: Balance<SUI> }. */
export const Coin = bcs.struct('Coin', { id: Id, balance: bcs.u64() });

// ---- events --------------------------------------------------------------------------------

export const StakeCreated = bcs.struct('StakeCreated', {
  record_id: Id,
  pool_id: Id,
  staker: bcs.Address,
  node_id: MoveString,
  kind: bcs.u8(),
  amount: bcs.u64(),
  epoch: bcs.u64(),
  unlock_epoch: bcs.u64(),
});

export const StakeToppedUp = bcs.struct('StakeToppedUp', {
  record_id: Id,
  staker: bcs.Address,
  added: bcs.u64(),
  amount: bcs.u64(),
  epoch: bcs.u64(),
});

export const StakeSlashed = bcs.struct('StakeSlashed', {
  record_id: Id,
  staker: bcs.Address,
  slashed_amount: bcs.u64(),
  remaining: bcs.u64(),
  reason: MoveString,
  epoch: bcs.u64(),
});

export const UnstakeRequested = bcs.struct('UnstakeRequested', {
  record_id: Id,
  staker: bcs.Address,
  epoch: bcs.u64(),
  unlock_epoch: bcs.u64(),
});

export const StakeWithdrawn = bcs.struct('StakeWithdrawn', {
  record_id: Id,
  staker: bcs.Address,
  amount: bcs.u64(),
  epoch: bcs.u64(),
});

export const PoolParamsUpdated = bcs.struct('PoolParamsUpdated', {
  pool_id: Id,
  min_stake: bcs.vector(bcs.u64()),
  lockup_epochs: bcs.vector(bcs.u64()),
  unbonding_epochs: bcs.vector(bcs.u64()),
  slash_bps: bcs.u64(),
});

export const ObjectMigrated = bcs.struct('ObjectMigrated', {
  object_id: Id,
  version: bcs.u64(),
});

export const TreasuryWithdrawn = bcs.struct('TreasuryWithdrawn', {
  pool_id: Id,
  amount: bcs.u64(),
  recipient: bcs.Address,
  remaining: bcs.u64(),
  epoch: bcs.u64(),
});

export const SealTokenCreated = bcs.struct('SealTokenCreated', {
  token_id: Id,
  record_id: Id,
  owner: bcs.Address,
  node_id: MoveString,
  issued_epoch: bcs.u64(),
  expires_epoch: bcs.u64(),
});

export const SealTokenRevoked = bcs.struct('SealTokenRevoked', {
  token_id: Id,
  record_id: Id,
  owner: bcs.Address,
  epoch: bcs.u64(),
});

export const EnclavePcrsUpdated = bcs.struct('EnclavePcrsUpdated', {
  config_id: Id,
  pcr_version: bcs.u64(),
});

export const EnclaveRegistered = bcs.struct('EnclaveRegistered', {
  enclave_id: Id,
  public_key: Bytes,
  pcr0: Bytes,
  epoch: bcs.u64(),
});

/** Every struct of the package by module, for the reader (decoding) and the sim (encoding). */
export const STRUCTS = {
  staking: {
    AdminCap,
    StakePool,
    StakeRecord,
    StakeCreated,
    StakeToppedUp,
    StakeSlashed,
    UnstakeRequested,
    StakeWithdrawn,
    PoolParamsUpdated,
    ObjectMigrated,
    TreasuryWithdrawn,
  },
  seal: { SealToken, SealTokenCreated, SealTokenRevoked },
  enclave_registry: { EnclaveConfig, Enclave, EnclavePcrsUpdated, EnclaveRegistered },
} as const;

export const EVENT_NAMES = [
  'StakeCreated',
  'StakeToppedUp',
  'StakeSlashed',
  'UnstakeRequested',
  'StakeWithdrawn',
  'PoolParamsUpdated',
  'ObjectMigrated',
  'TreasuryWithdrawn',
  'SealTokenCreated',
  'SealTokenRevoked',
  'EnclavePcrsUpdated',
  'EnclaveRegistered',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** A u64 field (or vector element) as code holds it: parsed from BCS it is a decimal string, built by code a bigint. */
type MoveValue<Parsed, Input> = bigint extends Input ? Input : Parsed extends readonly (infer E)[] ? (Input extends Iterable<infer I> ? MoveValue<E, I>[] : Parsed) : Parsed;

/**
 * The fields of a struct of this schema as code reads and writes them: what `parse` returns, except
 * that u64s take anything `serialize` accepts (bigint | string | number). The sim's package mirror
 * (src/sim/package/objects.ts) names its objects' fields with this, so they cannot drift from the schema.
 */
export type MoveFields<S> = S extends BcsType<infer Parsed, infer Input>
  ? { [K in keyof Parsed]: MoveValue<Parsed[K], K extends keyof Input ? Input[K] : never> }
  : never;

// ---- abort codes ---------------------------------------------------------------------------

/**
 * `const E...: u64` in each Move module. The sim aborts with exactly these codes and the CLI turns
 * (module, code) back into the name. Keep in step with contracts/sources/*.move.
 */
export const ABORT_CODES = {
  staking: {
    EInvalidKind: 0,
    EBelowMinimum: 1,
    EInvalidNodeId: 2,
    ENotStaker: 3,
    ENotActive: 4,
    EStillLocked: 5,
    ENotWithdrawable: 6,
    ENotSlashable: 7,
    EWrongPool: 8,
    EInvalidParam: 9,
    EZeroAmount: 10,
    EWrongVersion: 11,
    ENotUpgrade: 12,
    EInsufficientTreasury: 13,
  },
  seal: {
    ENotStaker: 0,
    ENotActive: 1,
    EWrongKind: 2,
    ENotOwner: 3,
    EWrongVersion: 4,
  },
  enclave_registry: {
    EPcrMismatch: 0,
    ENoPublicKey: 1,
    EInvalidPcr: 2,
    EWrongVersion: 3,
    ENotUpgrade: 4,
  },
} as const satisfies Record<ModuleName, Record<string, number>>;

/** The name of a Move abort of this package, e.g. `staking::ENotStaker`, or undefined if unknown. */
export function abortName(module: string, code: number | bigint): string | undefined {
  const codes = (ABORT_CODES as Record<string, Record<string, number>>)[module];
  if (!codes) return undefined;
  const hit = Object.entries(codes).find(([, value]) => BigInt(value) === BigInt(code));
  return hit ? `${module}::${hit[0]}` : undefined;
}

/** Fully qualified Move type of a package struct, e.g. `0xabc…::staking::StakeRecord`. */
export function structType(packageId: string, module: ModuleName, name: string): string {
  return `${packageId}::${module}::${name}`;
}

export const SUI_COIN_TYPE = '0x2::coin::Coin<0x2::sui::SUI>';
export const CLOCK_OBJECT_ID = '0x0000000000000000000000000000000000000000000000000000000000000006';
