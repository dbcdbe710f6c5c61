/**
 * The bits of Move semantics the mirror needs: aborts by the names of contracts/sources/*.move,
 * u64 arithmetic that fails where the Move VM fails, address and byte equality, and the small
 * builders the descriptors are written with.
 */
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { ABORT_CODES, PACKAGE_VERSION, type ModuleName } from '../../chain/schema.ts';
import {
  MoveAbort,
  type EntryFunctionDescriptor,
  type ExecContext,
  type ObjectStructName,
  type ParamType,
  type PureType,
} from './api.ts';

export type AbortName<M extends ModuleName> = keyof (typeof ABORT_CODES)[M] & string;

/** `assert!(condition, name)` of module `module`. */
export function assertMove<M extends ModuleName>(condition: boolean, module: M, name: AbortName<M>): asserts condition {
  if (condition) return;
  const codes = ABORT_CODES[module] as Record<string, number>;
  throw new MoveAbort(module, codes[name]!);
}

const U64_MAX = (1n << 64n) - 1n;

/** A u64 as the mirror reads it: a field holds a bigint, or the decimal string BCS parsing yields. */
export type U64 = bigint | string | number;

export function u64(value: U64): bigint {
  const n = BigInt(value);
  if (n < 0n || n > U64_MAX) throw new RangeError(`not a u64: ${n}`);
  return n;
}

/**
 * `a + b` on u64: overflow is a VM arithmetic error in Move, so it is a plain Error here, which the
 * executor reports as MovePrimitiveRuntimeError (not a MoveAbort).
 */
export function addU64(a: U64, b: U64): bigint {
  const sum = u64(a) + u64(b);
  if (sum > U64_MAX) throw new RangeError('u64 addition overflow');
  return sum;
}

export function subU64(a: U64, b: U64): bigint {
  const difference = u64(a) - u64(b);
  if (difference < 0n) throw new RangeError('u64 subtraction underflow');
  return difference;
}

/** `assert!(obj.version == VERSION, EWrongVersion)` of module `module` for each shared object given. */
export function assertVersion<M extends ModuleName>(
  module: M,
  name: AbortName<M>,
  ...objects: ReadonlyArray<{ fields: { version: U64 } }>
): void {
  assertMove(objects.every((o) => u64(o.fields.version) === PACKAGE_VERSION), module, name);
}

/**
 * `assert!(obj.version < VERSION, ENotUpgrade); obj.version = VERSION;` then
 * `staking::emit_migrated` (the `migrate*` functions).
 */
export function migrateVersion<M extends ModuleName>(
  ctx: ExecContext,
  module: M,
  name: AbortName<M>,
  object: { id: string; fields: { version: U64 } },
): void {
  assertMove(u64(object.fields.version) < PACKAGE_VERSION, module, name);
  object.fields.version = PACKAGE_VERSION;
  ctx.emit('staking', 'ObjectMigrated', { object_id: object.id, version: PACKAGE_VERSION });
}

/** Addresses and object ids compare as 32-byte values, whatever their hex spelling. */
export function sameAddress(a: string, b: string): boolean {
  return normalizeSuiAddress(a) === normalizeSuiAddress(b);
}

/** `vector<u8>` equality (public values: no need for constant time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// ---- parameter builders --------------------------------------------------------------------

export const pure = (type: PureType): ParamType => ({ kind: 'pure', type });
export const byRef = (struct: ObjectStructName): ParamType => ({ kind: 'object', struct, ref: 'imm' });
export const byMutRef = (struct: ObjectStructName): ParamType => ({ kind: 'object', struct, ref: 'mut' });
export const byValue = (struct: ObjectStructName): ParamType => ({ kind: 'object', struct, ref: 'value' });

/**
 * Parameters written as the Move signature reads, `{ _cap: byRef(…), pool: byMutRef(…) }`, as the
 * descriptor's ordered list: a Move name never looks like an array index, so the keys keep the order
 * they are written in.
 */
export function params(declared: Readonly<Record<string, ParamType>>): EntryFunctionDescriptor['params'] {
  return Object.entries(declared).map(([name, type]) => ({ name, type }));
}

/**
 * A function of the mirror: the ExecContext, then the Move parameters in the Move order, typed as the
 * executor hands them over (it has resolved and checked them against the declared ParamTypes).
 */
export type MirrorFunction = (ctx: ExecContext, ...args: never[]) => unknown[] | void;

/**
 * The descriptor of `public fun <module>::<name>(<declared>, ctx: &mut TxContext)`, run by `mirror`;
 * `declared` is written last so that it reads like the Move signature, one parameter a line.
 * A mirror that takes another number of parameters than Move declares is refused at load time.
 */
export function entryFunction(
  module: EntryFunctionDescriptor['module'],
  name: string,
  mirror: MirrorFunction,
  declared: Readonly<Record<string, ParamType>>,
): EntryFunctionDescriptor {
  const list = params(declared);
  if (mirror.length !== list.length + 1) {
    throw new Error(`mirror of ${module}::${name} takes ${mirror.length - 1} parameters; Move declares ${list.length}`);
  }
  return { module, name, params: list, run: (ctx, args) => mirror(ctx, ...(args as never[])) };
}
