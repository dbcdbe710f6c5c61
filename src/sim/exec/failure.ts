/**
 * Execution failures, as Sui's `ExecutionFailureStatus`: thrown inside the executor, reported in the
 * effects status both as the gRPC `ExecutionError` (what the SDK parses and formats) and as BCS
 * (inside `effects.bcs`). A failed transaction is still committed: it charges gas and bumps the
 * versions of its mutable inputs, exactly as on a validator.
 */
import { bcs } from '@mysten/sui/bcs';
import { GrpcTypes } from '@mysten/sui/grpc';

type EffectsV2Input = Extract<typeof bcs.TransactionEffects.$inferInput, { V2: unknown }>['V2'];
type StatusInput = EffectsV2Input['status'];

const Kind = GrpcTypes.ExecutionError_ExecutionErrorKind;
const ArgKind = GrpcTypes.CommandArgumentError_CommandArgumentErrorKind;

/** The CommandArgumentError variants the executor raises (names as in Sui). */
export type CommandArgumentErrorName =
  | 'TypeMismatch'
  | 'InvalidBCSBytes'
  | 'InvalidUsageOfPureArg'
  | 'IndexOutOfBounds'
  | 'SecondaryIndexOutOfBounds'
  | 'InvalidResultArity'
  | 'InvalidGasCoinUsage'
  | 'InvalidValueUsage'
  | 'InvalidObjectByValue'
  | 'InvalidObjectByMutRef'
  | 'SharedObjectOperationNotAllowed'
  | 'InvalidArgumentArity'
  | 'InvalidTransferObject'
  | 'InvalidMakeMoveVecNonObjectArgument'
  | 'ArgumentWithoutValue';

const ARG_KIND: Record<CommandArgumentErrorName, GrpcTypes.CommandArgumentError_CommandArgumentErrorKind> = {
  TypeMismatch: ArgKind.TYPE_MISMATCH,
  InvalidBCSBytes: ArgKind.INVALID_BCS_BYTES,
  InvalidUsageOfPureArg: ArgKind.INVALID_USAGE_OF_PURE_ARGUMENT,
  IndexOutOfBounds: ArgKind.INDEX_OUT_OF_BOUNDS,
  SecondaryIndexOutOfBounds: ArgKind.SECONDARY_INDEX_OUT_OF_BOUNDS,
  InvalidResultArity: ArgKind.INVALID_RESULT_ARITY,
  InvalidGasCoinUsage: ArgKind.INVALID_GAS_COIN_USAGE,
  InvalidValueUsage: ArgKind.INVALID_VALUE_USAGE,
  InvalidObjectByValue: ArgKind.INVALID_OBJECT_BY_VALUE,
  InvalidObjectByMutRef: ArgKind.INVALID_OBJECT_BY_MUT_REF,
  SharedObjectOperationNotAllowed: ArgKind.CONSENSUS_OBJECT_OPERATION_NOT_ALLOWED,
  InvalidArgumentArity: ArgKind.INVALID_ARGUMENT_ARITY,
  InvalidTransferObject: ArgKind.INVALID_TRANSFER_OBJECT,
  InvalidMakeMoveVecNonObjectArgument: ArgKind.INVALID_MAKE_MOVE_VEC_NON_OBJECT_ARGUMENT,
  ArgumentWithoutValue: ArgKind.ARGUMENT_WITHOUT_VALUE,
};

export interface AbortLocation {
  packageId: string;
  module: string;
  functionName: string;
  /** Index of the function in its module (the sim numbers entry functions in declaration order). */
  functionIndex: number;
}

export type Failure =
  | { kind: 'MoveAbort'; location: AbortLocation; code: bigint }
  | { kind: 'MovePrimitiveRuntimeError'; location: AbortLocation }
  | { kind: 'CommandArgumentError'; argument: number; error: CommandArgumentErrorName; index?: number; subresult?: number }
  | { kind: 'UnusedValueWithoutDrop'; result: number; subresult: number }
  | { kind: 'InsufficientCoinBalance' }
  | { kind: 'CoinBalanceOverflow' }
  | { kind: 'FunctionNotFound' }
  | { kind: 'ArityMismatch' }
  | { kind: 'TypeArityMismatch' }
  | { kind: 'InsufficientGas' }
  | { kind: 'FeatureNotYetSupported' }
  | { kind: 'SharedObjectOperationNotAllowed' };

/** Thrown by the executor; `command` is the 0-based index of the failing command. */
export class ExecFailure extends Error {
  readonly failure: Failure;
  command: number | undefined;
  constructor(failure: Failure, command?: number) {
    super(failure.kind);
    this.failure = failure;
    this.command = command;
  }
}

export function argumentError(
  argument: number,
  error: CommandArgumentErrorName,
  extra: { index?: number; subresult?: number } = {},
): ExecFailure {
  return new ExecFailure({ kind: 'CommandArgumentError', argument, error, ...extra });
}

// ---- rendering ---------------------------------------------------------------------------

const noPrefix = (id: string) => id.replace(/^0x/, '');

function locationText(l: AbortLocation): string {
  return (
    `MoveLocation { module: ModuleId { address: ${noPrefix(l.packageId)}, name: Identifier("${l.module}") }, ` +
    `function: ${l.functionIndex}, instruction: 0, function_name: Some("${l.functionName}") }`
  );
}

/** Sui's Display of the failure, e.g. `MoveAbort(MoveLocation { … }, 5) in command 2`. */
export function describeFailure(f: Failure, command: number | undefined): string {
  let text: string;
  switch (f.kind) {
    case 'MoveAbort':
      text = `MoveAbort(${locationText(f.location)}, ${f.code})`;
      break;
    case 'MovePrimitiveRuntimeError':
      text = `MovePrimitiveRuntimeError(MoveLocationOpt(Some(${locationText(f.location)})))`;
      break;
    case 'CommandArgumentError':
      text = `CommandArgumentError { arg_idx: ${f.argument}, kind: ${f.error} }`;
      break;
    case 'UnusedValueWithoutDrop':
      text = `UnusedValueWithoutDrop { result_idx: ${f.result}, secondary_idx: ${f.subresult} }`;
      break;
    default:
      text = f.kind;
  }
  return command === undefined ? text : `${text} in command ${command}`;
}

function grpcLocation(l: AbortLocation): GrpcTypes.MoveLocation {
  return { package: l.packageId, module: l.module, function: l.functionIndex, instruction: 0, functionName: l.functionName };
}

const SIMPLE_KIND: Record<string, GrpcTypes.ExecutionError_ExecutionErrorKind> = {
  InsufficientCoinBalance: Kind.INSUFFICIENT_COIN_BALANCE,
  CoinBalanceOverflow: Kind.COIN_BALANCE_OVERFLOW,
  FunctionNotFound: Kind.FUNCTION_NOT_FOUND,
  ArityMismatch: Kind.ARITY_MISMATCH,
  TypeArityMismatch: Kind.TYPE_ARITY_MISMATCH,
  InsufficientGas: Kind.INSUFFICIENT_GAS,
  FeatureNotYetSupported: Kind.FEATURE_NOT_YET_SUPPORTED,
  SharedObjectOperationNotAllowed: Kind.CONSENSUS_OBJECT_OPERATION_NOT_ALLOWED,
};

/** The gRPC `ExecutionError` of a failure. */
export function failureToGrpc(f: Failure, command: number | undefined): GrpcTypes.ExecutionError {
  const base = { description: describeFailure(f, command), command: command === undefined ? undefined : BigInt(command) };
  switch (f.kind) {
    case 'MoveAbort':
      return {
        ...base,
        kind: Kind.MOVE_ABORT,
        errorDetails: { oneofKind: 'abort', abort: { abortCode: f.code, location: grpcLocation(f.location) } },
      };
    case 'MovePrimitiveRuntimeError':
      return { ...base, kind: Kind.MOVE_PRIMITIVE_RUNTIME_ERROR, errorDetails: { oneofKind: undefined } };
    case 'CommandArgumentError':
      return {
        ...base,
        kind: Kind.COMMAND_ARGUMENT_ERROR,
        errorDetails: {
          oneofKind: 'commandArgumentError',
          commandArgumentError: {
            argument: f.argument,
            kind: ARG_KIND[f.error],
            indexError: f.index === undefined ? undefined : { index: f.index, subresult: f.subresult },
          },
        },
      };
    case 'UnusedValueWithoutDrop':
      return {
        ...base,
        kind: Kind.UNUSED_VALUE_WITHOUT_DROP,
        errorDetails: { oneofKind: 'indexError', indexError: { index: f.result, subresult: f.subresult } },
      };
    default:
      return { ...base, kind: SIMPLE_KIND[f.kind] ?? Kind.EXECUTION_ERROR_KIND_UNKNOWN, errorDetails: { oneofKind: undefined } };
  }
}

type FailureStatusInput = Extract<StatusInput, { Failure: unknown }>['Failure']['error'];

function bcsLocation(l: AbortLocation) {
  return {
    module: { address: l.packageId, name: l.module },
    function: l.functionIndex,
    instruction: 0,
    functionName: l.functionName,
  };
}

function commandArgumentBcs(f: Extract<Failure, { kind: 'CommandArgumentError' }>): FailureStatusInput {
  const kind =
    f.error === 'IndexOutOfBounds'
      ? { IndexOutOfBounds: { idx: f.index ?? 0 } }
      : f.error === 'SecondaryIndexOutOfBounds'
        ? { SecondaryIndexOutOfBounds: { resultIdx: f.index ?? 0, secondaryIdx: f.subresult ?? 0 } }
        : f.error === 'InvalidResultArity'
          ? { InvalidResultArity: { resultIdx: f.index ?? 0 } }
          : { [f.error]: true };
  return { CommandArgumentError: { argIdx: f.argument, kind } } as FailureStatusInput;
}

/** The BCS `ExecutionStatus` input of a result. */
export function statusToBcs(failure: ExecFailure | undefined): StatusInput {
  if (!failure) return { Success: true };
  const f = failure.failure;
  let error: FailureStatusInput;
  switch (f.kind) {
    case 'MoveAbort':
      error = { MoveAbort: [bcsLocation(f.location), f.code] };
      break;
    case 'MovePrimitiveRuntimeError':
      error = { MovePrimitiveRuntimeError: bcsLocation(f.location) };
      break;
    case 'CommandArgumentError':
      error = commandArgumentBcs(f);
      break;
    case 'UnusedValueWithoutDrop':
      error = { UnusedValueWithoutDrop: { resultIdx: f.result, secondaryIdx: f.subresult } };
      break;
    default:
      error = { [f.kind]: true } as FailureStatusInput;
  }
  return { Failure: { error, command: failure.command === undefined ? null : BigInt(failure.command) } };
}

