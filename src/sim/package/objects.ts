/**
 * The mirror's view of the package's objects: the fields of src/chain/schema.ts as the executor
 * hands them over (schema-parsed, so u64s may be decimal strings) and as the mirror writes them
 * (bigints; the executor re-encodes with the schema). Type aliases, not interfaces, so that they
 * fit the ExecContext's `MoveObject<Record<string, unknown>>`.
 */
import type { MoveObject, ObjectStructName } from './api.ts';
import type { U64 } from './move.ts';

export const STRUCT = {
  AdminCap: 'staking::AdminCap',
  StakePool: 'staking::StakePool',
  StakeRecord: 'staking::StakeRecord',
  SealToken: 'seal::SealToken',
  EnclaveConfig: 'enclave_registry::EnclaveConfig',
  Enclave: 'enclave_registry::Enclave',
  Coin: '0x2::coin::Coin<0x2::sui::SUI>',
  Clock: '0x2::clock::Clock',
} as const satisfies Record<string, ObjectStructName>;

export type AdminCapFields = {
  id: string;
};

export type StakePoolFields = {
  id: string;
  version: U64;
  vault: U64;
  treasury: U64;
  total_staked: U64;
  record_count: U64;
  min_stake: U64[];
  lockup_epochs: U64[];
  unbonding_epochs: U64[];
  slash_bps: U64;
};

export type StakeRecordFields = {
  id: string;
  version: U64;
  pool_id: string;
  staker: string;
  node_id: string;
  amount: U64;
  kind: number;
  status: number;
  staked_epoch: U64;
  unlock_epoch: U64;
  slashed_amount: U64;
};

export type SealTokenFields = {
  id: string;
  stake_record: string;
  owner: string;
  node_id: string;
  permissions: string[];
  issued_epoch: U64;
  expires_epoch: U64;
};

export type EnclaveConfigFields = {
  id: string;
  version: U64;
  pcr0: Uint8Array;
  pcr1: Uint8Array;
  pcr2: Uint8Array;
  pcr_version: U64;
};

export type EnclaveFields = {
  id: string;
  config_version: U64;
  public_key: Uint8Array;
  pcr0: Uint8Array;
  registered_by: string;
  registered_epoch: U64;
  attestation_timestamp_ms: U64;
};

export type CoinFields = {
  id: string;
  balance: U64;
};

export type ClockFields = {
  id: string;
  timestamp_ms: U64;
};

/** A new object of `struct` whose `fields.id` is its id (`object::new`). */
export function newObject<F extends { id: string }>(struct: ObjectStructName, fields: F): MoveObject<F> {
  return { id: fields.id, struct, fields };
}
