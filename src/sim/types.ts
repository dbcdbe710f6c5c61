/**
 * sui-sim's own data model: what the ledger stores and what the state file holds. The wire formats
 * the SDK sees (gRPC `sui.rpc.v2` messages) are the SDK's own generated types (`GrpcTypes`); the BCS
 * formats are the SDK's `bcs` schemas and src/chain/schema.ts. This file names the sim's internal
 * records and the JSON shape of its state file, in one place.
 */
import type { bcs } from '@mysten/sui/bcs';
import type { ObjectStructName } from './package/api.ts';

/** Who owns an object, as Sui's `Owner` (the sim never creates object-owned or consensus-address objects). */
export type SimOwner =
  | { kind: 'address'; address: string }
  | { kind: 'shared'; initialVersion: bigint }
  | { kind: 'immutable' };

/** A Move struct value stored as an object. */
export interface MoveData {
  kind: 'move';
  /** Fully qualified, normalized type, e.g. `0x…02::coin::Coin<0x…02::sui::SUI>`. */
  type: string;
  struct: ObjectStructName;
  hasPublicTransfer: boolean;
  /** BCS of the struct (src/chain/schema.ts). */
  contents: Uint8Array;
}

/** A published package: the sim has no bytecode, only the module names (see docs/sim.md). */
export interface PackageData {
  kind: 'package';
  modules: string[];
}

/** One live object version. */
export interface SimObject {
  id: string;
  version: bigint;
  digest: string;
  owner: SimOwner;
  previousTransaction: string;
  storageRebate: bigint;
  data: MoveData | PackageData;
}

/** An event as the ledger indexes it (its global position makes the ListEvents cursor). */
export interface SimEvent {
  /** 0-based position among all events ever emitted: the cursor. */
  seq: number;
  packageId: string;
  module: string;
  sender: string;
  /** Normalized struct tag of the event. */
  type: string;
  contents: Uint8Array;
  json: unknown;
  checkpoint: bigint;
  transactionDigest: string;
  eventIndex: number;
  timestampMs: bigint;
}

/** The SDK's parsed BCS TransactionData (V1). */
export type TransactionData = typeof bcs.TransactionData.$inferType;
export type TransactionDataV1 = TransactionData['V1'];
export type CallArg = typeof bcs.CallArg.$inferType;
export type PtbCommand = typeof bcs.Command.$inferType;
export type PtbArgument = typeof bcs.Argument.$inferType;
export type ObjectRef = { objectId: string; version: string; digest: string };

/** The epoch clock of the sim. */
export interface EpochInfo {
  epoch: bigint;
  startTimestampMs: bigint;
  referenceGasPrice: bigint;
}

/** The published package's objects and its publisher: fixed at genesis, and what a client of the sim is told (NetworkInfo). */
export interface PublishedNetwork {
  chainId: string;
  packageId: string;
  poolId: string;
  adminCapId: string;
  enclaveConfigId: string;
  /** `suiprivkey1…` of the publisher, the AdminCap holder. A development key: never use it for real funds. */
  adminKey: string;
}

/** Keys and ids fixed at genesis. */
export interface GenesisInfo extends PublishedNetwork {
  /** suiprivkey1… of the faucet account. */
  faucetKey: string;
  genesisDigest: string;
}

// ---- state file (JSON) --------------------------------------------------------------------

export interface PersistedObject {
  id: string;
  version: string;
  digest: string;
  owner: { kind: 'address'; address: string } | { kind: 'shared'; initialVersion: string } | { kind: 'immutable' };
  previousTransaction: string;
  storageRebate: string;
  data:
    | { kind: 'move'; type: string; struct: ObjectStructName; hasPublicTransfer: boolean; contents: string }
    | PackageData;
}

export interface PersistedEvent {
  seq: number;
  packageId: string;
  module: string;
  sender: string;
  type: string;
  contents: string;
  json: unknown;
  checkpoint: string;
  transactionDigest: string;
  eventIndex: number;
  timestampMs: string;
}

export interface PersistedState {
  format: 'sui-sim-state/1';
  genesis: GenesisInfo;
  epoch: { epoch: string; startTimestampMs: string; referenceGasPrice: string };
  checkpoint: string;
  objects: PersistedObject[];
  /** Protobuf JSON (`ExecutedTransaction.toJson`) of every executed transaction, in order. */
  transactions: unknown[];
  events: PersistedEvent[];
}
