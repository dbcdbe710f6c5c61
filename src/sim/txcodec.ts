/**
 * Converts between the gRPC `Transaction` message and BCS `TransactionData` (V1, programmable).
 *
 * From the wire, a transaction arrives either as BCS (execute; simulate of built bytes) or as a
 * structured message that may still hold unresolved inputs (simulate from `Transaction#build`): an
 * object input with only an id, or a `literal` pure value. Both become a `DraftTransaction`; the
 * resolver (resolve.ts) completes a draft into BCS. Back to the wire, a parsed TransactionData is
 * rendered as the structured message the SDK reads (`grpcTransactionToTransactionData`).
 */
import { bcs } from '@mysten/sui/bcs';
import { GrpcTypes } from '@mysten/sui/grpc';
import { fromBase64, normalizeSuiAddress } from '@mysten/sui/utils';
import { fromProtoValue, protoTimestamp, timestampToMs, type ProtoTimestamp } from './wire.ts';
import type { CallArg, PtbArgument, PtbCommand, TransactionData, TransactionDataV1 } from './types.ts';

const { Argument_ArgumentKind: ArgKind, Input_InputKind: InputKind } = GrpcTypes;
const ExpirationKind = GrpcTypes.TransactionExpiration_TransactionExpirationKind;

export type CommandInput = typeof bcs.Command.$inferInput;
export type CallArgInput = typeof bcs.CallArg.$inferInput;
export type ExpirationInput = typeof bcs.TransactionExpiration.$inferInput;

/** An input as received: resolved, an object known by id only, or a pure value not yet encoded. */
export type DraftInput =
  | { kind: 'resolved'; arg: CallArgInput }
  | { kind: 'object'; objectId: string; version?: bigint; digest?: string; mutable?: boolean }
  | { kind: 'literal'; value: unknown };

export interface DraftTransaction {
  sender: string;
  inputs: DraftInput[];
  commands: CommandInput[];
  gas: { payment: { objectId: string; version: bigint; digest: string }[]; owner?: string; price?: bigint; budget?: bigint };
  expiration: ExpirationInput;
  /** Set when the draft came from BCS: nothing is left to resolve. */
  bcs?: Uint8Array;
}

/** Thrown for a transaction the sim cannot read; the gRPC layer answers INVALID_ARGUMENT. */
export class MalformedTransaction extends Error {}

// ---- wire → draft --------------------------------------------------------------------------

export function draftFromGrpc(tx: GrpcTypes.Transaction | undefined): DraftTransaction {
  if (!tx) throw new MalformedTransaction('missing transaction');
  if (tx.bcs?.value?.length) return draftFromBcs(tx.bcs.value);
  const data = tx.kind?.data;
  if (data?.oneofKind !== 'programmableTransaction') {
    throw new MalformedTransaction('only programmable transactions are supported');
  }
  if (!tx.sender) throw new MalformedTransaction('missing sender');
  return {
    sender: normalizeSuiAddress(tx.sender),
    inputs: data.programmableTransaction.inputs.map(inputFromGrpc),
    commands: data.programmableTransaction.commands.map(commandFromGrpc),
    gas: {
      payment: (tx.gasPayment?.objects ?? []).map((ref) => {
        if (!ref.objectId || ref.version === undefined || !ref.digest) {
          throw new MalformedTransaction('gas payment needs full object references');
        }
        return { objectId: normalizeSuiAddress(ref.objectId), version: ref.version, digest: ref.digest };
      }),
      owner: tx.gasPayment?.owner ? normalizeSuiAddress(tx.gasPayment.owner) : undefined,
      price: tx.gasPayment?.price,
      budget: tx.gasPayment?.budget,
    },
    expiration: expirationFromGrpc(tx.expiration),
  };
}

export function parseTransactionBcs(bytes: Uint8Array): TransactionDataV1 {
  let parsed: TransactionData;
  try {
    parsed = bcs.TransactionData.parse(bytes);
  } catch (error) {
    throw new MalformedTransaction(`transaction BCS does not parse: ${(error as Error).message}`);
  }
  if (parsed.$kind !== 'V1' || parsed.V1.kind.$kind !== 'ProgrammableTransaction') {
    throw new MalformedTransaction('only programmable transactions are supported');
  }
  return parsed.V1;
}

function draftFromBcs(bytes: Uint8Array): DraftTransaction {
  const data = parseTransactionBcs(bytes);
  const ptb = data.kind.ProgrammableTransaction!;
  return {
    sender: data.sender,
    inputs: ptb.inputs.map((arg) => ({ kind: 'resolved', arg: arg as CallArgInput })),
    commands: ptb.commands as CommandInput[],
    gas: {
      payment: data.gasData.payment.map((r) => ({ ...r, version: BigInt(r.version) })),
      owner: data.gasData.owner,
      price: BigInt(data.gasData.price),
      budget: BigInt(data.gasData.budget),
    },
    expiration: data.expiration as ExpirationInput,
    bcs: bytes,
  };
}

function inputFromGrpc(input: GrpcTypes.Input): DraftInput {
  switch (input.kind) {
    case InputKind.PURE:
      if (!input.pure) throw new MalformedTransaction('pure input without bytes');
      return { kind: 'resolved', arg: { Pure: { bytes: input.pure } } };
    case InputKind.IMMUTABLE_OR_OWNED:
    case InputKind.RECEIVING: {
      const ref = objectRef(input);
      const arg = input.kind === InputKind.RECEIVING ? { Receiving: ref } : { ImmOrOwnedObject: ref };
      return { kind: 'resolved', arg: { Object: arg } };
    }
    case InputKind.SHARED:
      if (!input.objectId || input.version === undefined) throw new MalformedTransaction('shared input needs id and version');
      return {
        kind: 'resolved',
        arg: {
          Object: {
            SharedObject: {
              objectId: normalizeSuiAddress(input.objectId),
              initialSharedVersion: input.version,
              mutable: input.mutable ?? false,
            },
          },
        },
      };
    case InputKind.FUNDS_WITHDRAWAL:
      throw new MalformedTransaction('funds withdrawals (address balances) are not supported by sui-sim');
    default:
      if (input.objectId) {
        return {
          kind: 'object',
          objectId: normalizeSuiAddress(input.objectId),
          version: input.version,
          digest: input.digest,
          mutable: input.mutable,
        };
      }
      if (input.literal) return { kind: 'literal', value: fromProtoValue(input.literal) };
      if (input.pure) return { kind: 'resolved', arg: { Pure: { bytes: input.pure } } };
      throw new MalformedTransaction('input of unknown kind');
  }
}

function objectRef(input: GrpcTypes.Input): { objectId: string; version: bigint; digest: string } {
  if (!input.objectId || input.version === undefined || !input.digest) {
    throw new MalformedTransaction('owned object input needs id, version and digest');
  }
  return { objectId: normalizeSuiAddress(input.objectId), version: input.version, digest: input.digest };
}

function argumentFromGrpc(arg: GrpcTypes.Argument | undefined): typeof bcs.Argument.$inferInput {
  switch (arg?.kind) {
    case ArgKind.GAS:
      return { GasCoin: true };
    case ArgKind.INPUT:
      return { Input: arg.input ?? 0 };
    case ArgKind.RESULT:
      return arg.subresult === undefined ? { Result: arg.result ?? 0 } : { NestedResult: [arg.result ?? 0, arg.subresult] };
    default:
      throw new MalformedTransaction('argument of unknown kind');
  }
}

function commandFromGrpc(command: GrpcTypes.Command): CommandInput {
  const c = command.command;
  switch (c.oneofKind) {
    case 'moveCall':
      return {
        MoveCall: {
          package: normalizeSuiAddress(c.moveCall.package ?? ''),
          module: c.moveCall.module ?? '',
          function: c.moveCall.function ?? '',
          typeArguments: c.moveCall.typeArguments,
          arguments: c.moveCall.arguments.map(argumentFromGrpc),
        },
      };
    case 'transferObjects':
      return {
        TransferObjects: {
          objects: c.transferObjects.objects.map(argumentFromGrpc),
          address: argumentFromGrpc(c.transferObjects.address),
        },
      };
    case 'splitCoins':
      return {
        SplitCoins: { coin: argumentFromGrpc(c.splitCoins.coin), amounts: c.splitCoins.amounts.map(argumentFromGrpc) },
      };
    case 'mergeCoins':
      return {
        MergeCoins: {
          destination: argumentFromGrpc(c.mergeCoins.coin),
          sources: c.mergeCoins.coinsToMerge.map(argumentFromGrpc),
        },
      };
    case 'makeMoveVector':
      return {
        MakeMoveVec: {
          type: c.makeMoveVector.elementType ?? null,
          elements: c.makeMoveVector.elements.map(argumentFromGrpc),
        },
      };
    case 'publish':
    case 'upgrade':
      throw new MalformedTransaction('sui-sim cannot publish or upgrade Move packages (it has no Move VM)');
    default:
      throw new MalformedTransaction('command of unknown kind');
  }
}

function expirationFromGrpc(expiration: GrpcTypes.TransactionExpiration | undefined): ExpirationInput {
  switch (expiration?.kind) {
    case undefined:
    case ExpirationKind.TRANSACTION_EXPIRATION_KIND_UNKNOWN:
    case ExpirationKind.NONE:
      return { None: true };
    case ExpirationKind.EPOCH:
      return { Epoch: Number(expiration.epoch ?? 0n) };
    case ExpirationKind.VALID_DURING:
      return {
        ValidDuring: {
          minEpoch: expiration.minEpoch ?? null,
          maxEpoch: expiration.epoch ?? null,
          minTimestamp: timestampMs(expiration.minTimestamp),
          maxTimestamp: timestampMs(expiration.maxTimestamp),
          chain: expiration.chain ?? '',
          nonce: expiration.nonce ?? 0,
        },
      };
    default:
      throw new MalformedTransaction('unsupported transaction expiration');
  }
}

function timestampMs(ts: ProtoTimestamp | undefined): bigint | null {
  return ts ? timestampToMs(ts) : null;
}

// ---- BCS → wire ---------------------------------------------------------------------------

/** The structured gRPC `Transaction` for a parsed TransactionData, with its BCS and digest. */
export function transactionToGrpc(data: TransactionDataV1, bytes: Uint8Array, digest: string): GrpcTypes.Transaction {
  const ptb = data.kind.ProgrammableTransaction!;
  return GrpcTypes.Transaction.create({
    bcs: { name: 'TransactionData', value: bytes },
    digest,
    version: 1,
    kind: {
      kind: GrpcTypes.TransactionKind_Kind.PROGRAMMABLE_TRANSACTION,
      data: {
        oneofKind: 'programmableTransaction',
        programmableTransaction: { inputs: ptb.inputs.map(inputToGrpc), commands: ptb.commands.map(commandToGrpc) },
      },
    },
    sender: data.sender,
    gasPayment: {
      objects: data.gasData.payment.map((r) => ({ objectId: r.objectId, version: BigInt(r.version), digest: r.digest })),
      owner: data.gasData.owner,
      price: BigInt(data.gasData.price),
      budget: BigInt(data.gasData.budget),
    },
    expiration: expirationToGrpc(data.expiration),
  });
}

function inputToGrpc(arg: CallArg): GrpcTypes.Input {
  if (arg.$kind === 'Pure') return { kind: InputKind.PURE, pure: fromBase64(arg.Pure.bytes) };
  if (arg.$kind !== 'Object') throw new MalformedTransaction('unsupported input kind');
  const o = arg.Object;
  if (o.$kind === 'SharedObject') {
    return {
      kind: InputKind.SHARED,
      objectId: o.SharedObject.objectId,
      version: BigInt(o.SharedObject.initialSharedVersion),
      mutable: o.SharedObject.mutable,
      mutability: o.SharedObject.mutable ? GrpcTypes.Input_Mutability.MUTABLE : GrpcTypes.Input_Mutability.IMMUTABLE,
    };
  }
  const ref = o.$kind === 'Receiving' ? o.Receiving : o.ImmOrOwnedObject;
  return {
    kind: o.$kind === 'Receiving' ? InputKind.RECEIVING : InputKind.IMMUTABLE_OR_OWNED,
    objectId: ref.objectId,
    version: BigInt(ref.version),
    digest: ref.digest,
  };
}

function argumentToGrpc(arg: PtbArgument): GrpcTypes.Argument {
  switch (arg.$kind) {
    case 'GasCoin':
      return { kind: ArgKind.GAS };
    case 'Input':
      return { kind: ArgKind.INPUT, input: arg.Input };
    case 'Result':
      return { kind: ArgKind.RESULT, result: arg.Result };
    case 'NestedResult':
      return { kind: ArgKind.RESULT, result: arg.NestedResult[0], subresult: arg.NestedResult[1] };
  }
}

function commandToGrpc(command: PtbCommand): GrpcTypes.Command {
  switch (command.$kind) {
    case 'MoveCall': {
      const m = command.MoveCall;
      return {
        command: {
          oneofKind: 'moveCall',
          moveCall: {
            package: m.package,
            module: m.module,
            function: m.function,
            typeArguments: m.typeArguments,
            arguments: m.arguments.map(argumentToGrpc),
          },
        },
      };
    }
    case 'TransferObjects':
      return {
        command: {
          oneofKind: 'transferObjects',
          transferObjects: {
            objects: command.TransferObjects.objects.map(argumentToGrpc),
            address: argumentToGrpc(command.TransferObjects.address),
          },
        },
      };
    case 'SplitCoins':
      return {
        command: {
          oneofKind: 'splitCoins',
          splitCoins: {
            coin: argumentToGrpc(command.SplitCoins.coin),
            amounts: command.SplitCoins.amounts.map(argumentToGrpc),
          },
        },
      };
    case 'MergeCoins':
      return {
        command: {
          oneofKind: 'mergeCoins',
          mergeCoins: {
            coin: argumentToGrpc(command.MergeCoins.destination),
            coinsToMerge: command.MergeCoins.sources.map(argumentToGrpc),
          },
        },
      };
    case 'MakeMoveVec':
      return {
        command: {
          oneofKind: 'makeMoveVector',
          makeMoveVector: {
            elementType: command.MakeMoveVec.type ?? undefined,
            elements: command.MakeMoveVec.elements.map(argumentToGrpc),
          },
        },
      };
    default:
      throw new MalformedTransaction(`unsupported command ${command.$kind}`);
  }
}

function expirationToGrpc(expiration: TransactionDataV1['expiration']): GrpcTypes.TransactionExpiration {
  switch (expiration.$kind) {
    case 'None':
      return { kind: ExpirationKind.NONE };
    case 'Epoch':
      return { kind: ExpirationKind.EPOCH, epoch: BigInt(expiration.Epoch) };
    case 'ValidDuring': {
      const v = expiration.ValidDuring;
      return {
        kind: ExpirationKind.VALID_DURING,
        minEpoch: v.minEpoch == null ? undefined : BigInt(v.minEpoch),
        epoch: v.maxEpoch == null ? undefined : BigInt(v.maxEpoch),
        minTimestamp: v.minTimestamp == null ? undefined : protoTimestamp(BigInt(v.minTimestamp)),
        maxTimestamp: v.maxTimestamp == null ? undefined : protoTimestamp(BigInt(v.maxTimestamp)),
        chain: v.chain,
        nonce: v.nonce,
      };
    }
    default:
      throw new MalformedTransaction('unsupported transaction expiration');
  }
}
