/**
 * The mirror's view of the package's objects: the fields of src/chain/schema.ts as the executor
 * hands them over (schema-parsed, so u64s may be decimal strings) and as the mirror writes them
 * (bigints; the executor re-encodes with the schema). Type aliases, not interfaces, so that they
 * fit the ExecContext's `MoveObject<Record<string, unknown>>`.
 */
import type { MoveObject, ObjectStructName } from './api.ts';
import type { AdminCap, Coin, Enclave, EnclaveConfig, MoveFields, SealToken, StakePool, StakeRecord } from '../../chain/schema.ts';
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

// Derived from the schema (src/chain/schema.ts), not restated: a field added there appears here.
export type AdminCapFields = MoveFields<typeof AdminCap>;
export type StakePoolFields = MoveFields<typeof StakePool>;
export type StakeRecordFields = MoveFields<typeof StakeRecord>;
export type SealTokenFields = MoveFields<typeof SealToken>;
export type EnclaveConfigFields = MoveFields<typeof EnclaveConfig>;
export type EnclaveFields = MoveFields<typeof Enclave>;
export type CoinFields = MoveFields<typeof Coin>;

/** 0x2::clock::Clock, which the package schema does not hold (the sim writes it at genesis). */
export type ClockFields = {
  id: string;
  timestamp_ms: U64;
};

/** A new object of `struct` whose `fields.id` is its id (`object::new`). */
export function newObject<F extends { id: string }>(struct: ObjectStructName, fields: F): MoveObject<F> {
  return { id: fields.id, struct, fields };
}
