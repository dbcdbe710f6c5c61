/**
 * The seam between sui-sim's transaction executor (src/sim) and its mirror of the `daas` Move package
 * (src/sim/package). The executor resolves and type-checks the arguments of a MoveCall from the
 * descriptors below, hands the mirror plain values, and turns what the mirror did through the
 * ExecContext (objects created, transferred, shared, deleted, events) into effects. Objects passed by
 * reference are mutated in place; the executor re-serialises them afterwards with src/chain/schema.ts.
 */
import type { ModuleName } from '../../chain/schema.ts';

/** Struct names the executor knows how to store: the package's own plus the framework's few. */
export type ObjectStructName =
  | 'staking::AdminCap'
  | 'staking::StakePool'
  | 'staking::StakeRecord'
  | 'seal::SealToken'
  | 'enclave_registry::EnclaveConfig'
  | 'enclave_registry::Enclave'
  | '0x2::coin::Coin<0x2::sui::SUI>'
  | '0x2::clock::Clock';

export type PureType = 'u8' | 'u64' | 'bool' | 'address' | 'string' | 'vector<u8>';

/**
 * Move values without `key` that one command of a programmable transaction returns and a later one
 * consumes by value (a `Result` argument). The only one: the verified attestation document that
 * `0x2::nitro_attestation::load_nitro_attestation` returns and `register_enclave` takes; the mirror
 * represents it as a `NitroAttestation`.
 */
export type ValueStructName = '0x2::nitro_attestation::NitroAttestationDocument';

export type ParamType =
  | { kind: 'pure'; type: PureType }
  | { kind: 'object'; struct: ObjectStructName; ref: 'imm' | 'mut' | 'value' }
  | { kind: 'value'; struct: ValueStructName; ref: 'value' };

export interface EntryFunctionDescriptor {
  module: ModuleName;
  name: string;
  /** Parameters in order, without the trailing `&mut TxContext`. */
  params: ReadonlyArray<{ name: string; type: ParamType }>;
  /** What the function returns (PTB results), in order; absent when it returns nothing. */
  returns?: ReadonlyArray<ParamType>;
  /**
   * Runs the function. `args[i]` is a bigint (u8/u64), boolean, string (address/string), Uint8Array,
   * a MoveObject, or for a `value` parameter the value an earlier command returned. Returns the
   * values of `returns`, in order (nothing for a function without results).
   */
  run(ctx: ExecContext, args: unknown[]): unknown[] | void;
}

/**
 * A function of the Sui framework (package 0x2) that the mirror implements because the package's
 * transactions call it as a command of their own: `nitro_attestation::load_nitro_attestation` is a
 * non-public `entry` function, which Move code cannot call.
 */
export interface FrameworkFunctionDescriptor extends Omit<EntryFunctionDescriptor, 'module'> {
  packageId: '0x2';
  module: 'nitro_attestation';
}

/** An object as the mirror sees it: its id and its schema-parsed fields (mutate in place for &mut). */
export interface MoveObject<F = Record<string, unknown>> {
  id: string;
  struct: ObjectStructName;
  fields: F;
}

/** A parsed Nitro attestation document, as `sui::nitro_attestation::NitroAttestationDocument` exposes it. */
export interface NitroAttestation {
  moduleId: string;
  timestampMs: bigint;
  digest: string;
  /** PCR index → value. */
  pcrs: Map<number, Uint8Array>;
  publicKey: Uint8Array | null;
  userData: Uint8Array | null;
  nonce: Uint8Array | null;
}

export interface ExecContext {
  readonly sender: string;
  readonly epoch: bigint;
  readonly epochTimestampMs: bigint;
  /** A fresh object id, derived from the transaction digest and a counter as Sui does. */
  freshId(): string;
  /** Emits `<package>::<module>::<eventName>` with fields encoded by the schema of that name. */
  emit(module: ModuleName, eventName: string, fields: Record<string, unknown>): void;
  /** New or by-value object handed to an address (transfer::transfer / public_transfer). */
  transfer(obj: MoveObject, recipient: string): void;
  /** New object made shared (transfer::share_object). */
  share(obj: MoveObject): void;
  /** A by-value argument was unpacked (object::delete, coin::into_balance): it leaves the store. */
  destroy(obj: MoveObject): void;
  /** Mirror of `sui::nitro_attestation::load_nitro_attestation`: throws MoveAbort on a bad document. */
  loadNitroAttestation(document: Uint8Array, clockTimestampMs: bigint): NitroAttestation;
}

/** A Move abort: the executor reports it as a MoveAbort execution error at (module, function). */
export class MoveAbort extends Error {
  readonly module: string;
  readonly code: number;
  /** The framework package for framework aborts (e.g. 0x2 for nitro_attestation), else the daas package. */
  readonly packageId: string | undefined;
  constructor(module: string, code: number, packageId?: string) {
    super(`MoveAbort in ${module} with code ${code}`);
    this.module = module;
    this.code = code;
    this.packageId = packageId;
  }
}
