/**
 * One MoveCall command: finds the entry function in the package mirror, checks and converts its
 * arguments from the transaction's value slots (pure BCS decoded by the parameter type, objects by
 * struct and reference kind), runs it with an ExecContext bound to this transaction, and records
 * what it did to each object.
 */
import { bcs } from '@mysten/sui/bcs';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import type { ModuleName } from '../../chain/schema.ts';
import { eventSchema, FRAMEWORK_ID, toMoveJson } from '../codec.ts';
import { lookupFunction, type FunctionEntry } from '../mirror.ts';
import {
  MoveAbort,
  type ExecContext,
  type MoveObject,
  type NitroAttestation,
  type ParamType,
  type PureType,
} from '../package/api.ts';
import { argumentError, ExecFailure, type AbortLocation } from './failure.ts';
import { normalizeFields, type Staging, type StagedObject } from './staging.ts';
import type { Slots, Value } from './values.ts';
import type { PtbArgument } from '../types.ts';

export interface EmittedEvent {
  packageId: string;
  /** Module of the top-level MoveCall that emitted it (Sui's `transaction_module`). */
  module: string;
  type: string;
  contents: Uint8Array;
  json: unknown;
}

/** What Move code sees of its transaction (the ExecContext's source). */
export interface ContextEnv {
  staging: Staging;
  sender: string;
  epoch: bigint;
  epochTimestampMs: bigint;
  events: EmittedEvent[];
  loadNitroAttestation(document: Uint8Array, clockTimestampMs: bigint): NitroAttestation;
}

export interface MoveCallEnv extends ContextEnv {
  slots: Slots;
}

export interface MoveCallCommand {
  package: string;
  module: string;
  function: string;
  typeArguments: string[];
  arguments: PtbArgument[];
}

/** Functions of framework modules whose aborts the mirror raises (for the abort location). */
const FRAMEWORK_FUNCTION: Record<string, string> = {
  nitro_attestation: 'load_nitro_attestation',
  transfer: 'share_object',
};

/** Runs the call; returns its results (values for later commands). */
export function runMoveCall(env: MoveCallEnv, call: MoveCallCommand, command: number): Value[] {
  const entry = findEntry(env.staging.packageId, call);
  const fn = entry.descriptor;
  if (call.typeArguments.length !== 0) throw new ExecFailure({ kind: 'TypeArityMismatch' });
  if (call.arguments.length !== fn.params.length) throw new ExecFailure({ kind: 'ArityMismatch' });

  const bound = fn.params.map((param, i) => bindArgument(env, param.type, call.arguments[i]!, i));
  const touched = new Set<string>();
  const ctx = moveContext(env, call.module, touched);
  let returned: unknown[] | void;
  try {
    returned = fn.run(
      ctx,
      bound.map((b) => b.value),
    );
  } catch (error) {
    throw asFailure(error, entry);
  }
  for (const b of bound) settleArgument(b, touched);
  return resultsOf(env, fn.returns ?? [], returned ?? [], command);
}

function findEntry(packageId: string, call: MoveCallCommand): FunctionEntry {
  const entry = lookupFunction(packageId, call.package, call.module, call.function);
  if (!entry) throw new ExecFailure({ kind: 'FunctionNotFound' });
  return entry;
}

/** The returned Move values as PTB results: objects join the staging, other values are held as they are. */
function resultsOf(env: MoveCallEnv, types: readonly ParamType[], values: unknown[], command: number): Value[] {
  return types.map((type, index): Value => {
    const value = values[index];
    if (type.kind === 'value') return { kind: 'value', struct: type.struct, value };
    if (type.kind === 'object') {
      const staged = env.staging.ensure(value as MoveObject);
      staged.origin = { command, index };
      return { kind: 'object', id: staged.id };
    }
    throw new Error(`pure return values are not supported (${type.type})`);
  });
}

interface BoundArgument {
  value: unknown;
  staged?: StagedObject;
  ref?: 'imm' | 'mut' | 'value';
}

function bindArgument(env: MoveCallEnv, type: ParamType, arg: PtbArgument, position: number): BoundArgument {
  if (type.kind === 'pure') {
    return { value: decodePure(type.type, env.slots.usePure(arg, position), position) };
  }
  if (type.kind === 'value') return { value: env.slots.useValue(arg, type.struct, position) };
  if (arg.$kind === 'GasCoin' && type.ref === 'value') throw argumentError(position, 'InvalidGasCoinUsage');
  const usage = type.ref === 'imm' ? 'read' : type.ref === 'mut' ? 'mut' : 'take';
  const staged = env.slots.useObject(arg, usage, position);
  if (staged.struct !== type.struct) throw argumentError(position, 'TypeMismatch');
  return { value: staged.obj, staged, ref: type.ref };
}

/** After the call: `&mut` objects are re-encoded, by-value objects Move did not consume were wrapped. */
function settleArgument(b: BoundArgument, touched: Set<string>): void {
  if (!b.staged) return;
  if (b.ref === 'mut') normalizeFields(b.staged.obj);
  if (b.ref === 'value' && !touched.has(b.staged.id)) {
    b.staged.state = 'wrapped';
    b.staged.owner = undefined;
  }
}

/** Pure BCS bytes → the mirror's value; bytes that are not exactly one value of the type are refused. */
export function decodePure(type: PureType, bytes: Uint8Array, position: number): unknown {
  try {
    return parsePureExactly(type, bytes);
  } catch {
    throw argumentError(position, 'InvalidBCSBytes');
  }
}

function parsePureExactly(type: PureType, bytes: Uint8Array): unknown {
  const exact = <T>(schema: { parse(b: Uint8Array): T; serialize(v: never): { toBytes(): Uint8Array } }): T => {
    const value = schema.parse(bytes);
    const again = schema.serialize(value as never).toBytes();
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new Error('not canonical BCS');
    return value;
  };
  switch (type) {
    case 'u8':
      return BigInt(exact(bcs.u8()));
    case 'u64':
      return BigInt(exact(bcs.u64()));
    case 'bool':
      return exact(bcs.bool());
    case 'address':
      return normalizeSuiAddress(exact(bcs.Address));
    case 'string':
      return new TextDecoder('utf-8', { fatal: true }).decode(exact(bcs.byteVector()));
    case 'vector<u8>':
      return exact(bcs.byteVector());
  }
}

/**
 * The ExecContext of one Move call: fresh ids, events (attributed to `callModule`, the top-level
 * call's module), and transfer / share / destroy recorded in the staging; `touched` collects the
 * objects Move consumed.
 */
export function moveContext(env: ContextEnv, callModule: string, touched: Set<string>): ExecContext {
  const { staging } = env;
  return {
    sender: env.sender,
    epoch: env.epoch,
    epochTimestampMs: env.epochTimestampMs,
    freshId: () => staging.freshId(),
    emit(module: ModuleName, eventName: string, fields: Record<string, unknown>) {
      const schema = eventSchema(module, eventName);
      if (!schema) throw new Error(`unknown event ${module}::${eventName}`);
      const contents: Uint8Array = schema.serialize(fields).toBytes();
      env.events.push({
        packageId: staging.packageId,
        module: callModule,
        type: `${staging.packageId}::${module}::${eventName}`,
        contents,
        json: toMoveJson(schema.parse(contents)),
      });
    },
    transfer(obj, recipient) {
      const staged = staging.ensure(obj);
      if (staged.access === 'shared-mut') throw new ExecFailure({ kind: 'SharedObjectOperationNotAllowed' });
      staged.owner = { kind: 'address', address: normalizeSuiAddress(recipient) };
      touched.add(staged.id);
    },
    share(obj) {
      const staged = staging.ensure(obj);
      // transfer::share_object aborts with ESharedNonNewObject (0) for an object that already existed.
      if (staged.input) throw new MoveAbort('transfer', 0, FRAMEWORK_ID);
      staged.owner = { kind: 'shared', initialVersion: staging.lamportVersion };
      touched.add(staged.id);
    },
    destroy(obj) {
      const staged = staging.ensure(obj);
      staged.state = 'deleted';
      staged.owner = undefined;
      touched.add(staged.id);
    },
    loadNitroAttestation: (document, clockTimestampMs) => env.loadNitroAttestation(document, clockTimestampMs),
  };
}

function asFailure(error: unknown, entry: FunctionEntry): ExecFailure {
  if (error instanceof ExecFailure) return error;
  const fn = entry.descriptor;
  const here: AbortLocation = { packageId: entry.packageId, module: fn.module, functionName: fn.name, functionIndex: entry.index };
  if (error instanceof MoveAbort) {
    const abortPackage = error.packageId === undefined ? entry.packageId : normalizeSuiAddress(error.packageId);
    const location: AbortLocation =
      abortPackage === entry.packageId && error.module === fn.module
        ? here
        : {
            packageId: abortPackage,
            module: error.module,
            functionName: FRAMEWORK_FUNCTION[error.module] ?? '',
            functionIndex: 0,
          };
    return new ExecFailure({ kind: 'MoveAbort', location, code: BigInt(error.code) });
  }
  // Anything else thrown by Move code is an arithmetic or similar runtime error of the VM.
  return new ExecFailure({ kind: 'MovePrimitiveRuntimeError', location: here });
}
