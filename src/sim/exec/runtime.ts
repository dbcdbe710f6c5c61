/**
 * Runs the commands of a programmable transaction in order: the built-in coin commands
 * (SplitCoins, MergeCoins, TransferObjects, MakeMoveVec of pure values) here, MoveCalls through the
 * package mirror (movecall.ts). The first failing command stops the transaction with an ExecFailure
 * that names the command.
 */
import { bcs } from '@mysten/sui/bcs';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { encodeStruct, hasPublicTransfer, isCoinStruct } from '../codec.ts';
import { argumentError, ExecFailure } from './failure.ts';
import { runMoveCall, type MoveCallEnv } from './movecall.ts';
import { normalizeFields, type StagedObject } from './staging.ts';
import type { Value } from './values.ts';
import type { PtbArgument, PtbCommand } from '../types.ts';

const U64_MAX = (1n << 64n) - 1n;

/** The BCS bytes of each command's results, for SimulateTransaction's `command_outputs`. */
export type CommandOutputs = Uint8Array[][];

export function runCommands(env: MoveCallEnv, commands: readonly PtbCommand[]): CommandOutputs {
  const outputs: CommandOutputs = [];
  commands.forEach((command, index) => {
    try {
      const results = runCommand(env, command, index);
      env.slots.pushResults(results);
      outputs.push(results.map((v) => valueBytes(env, v)));
    } catch (error) {
      if (error instanceof ExecFailure && error.command === undefined) error.command = index;
      throw error;
    }
  });
  checkNoDroppedValues(env);
  return outputs;
}

function runCommand(env: MoveCallEnv, command: PtbCommand, index: number): Value[] {
  switch (command.$kind) {
    case 'SplitCoins':
      return splitCoins(env, command.SplitCoins.coin, command.SplitCoins.amounts, index);
    case 'MergeCoins':
      mergeCoins(env, command.MergeCoins.destination, command.MergeCoins.sources);
      return [];
    case 'TransferObjects':
      transferObjects(env, command.TransferObjects.objects, command.TransferObjects.address);
      return [];
    case 'MakeMoveVec':
      return [makeMoveVec(env, command.MakeMoveVec.type, command.MakeMoveVec.elements)];
    case 'MoveCall':
      return runMoveCall(env, command.MoveCall, index);
    default:
      throw new ExecFailure({ kind: 'FeatureNotYetSupported' });
  }
}

function coinOf(staged: StagedObject, position: number): StagedObject {
  if (!isCoinStruct(staged.struct)) throw argumentError(position, 'TypeMismatch');
  return staged;
}

const balanceOf = (coin: StagedObject) => BigInt(coin.obj.fields.balance as string | bigint);

function setBalance(coin: StagedObject, balance: bigint): void {
  coin.obj.fields.balance = balance;
  normalizeFields(coin.obj);
}

function splitCoins(env: MoveCallEnv, coinArg: PtbArgument, amountArgs: readonly PtbArgument[], command: number): Value[] {
  const coin = coinOf(env.slots.useObject(coinArg, 'mut', 0), 0);
  const amounts = amountArgs.map((arg, i) => decodeU64(env.slots.usePure(arg, i + 1), i + 1));
  let balance = balanceOf(coin);
  const created: Value[] = [];
  amounts.forEach((amount, index) => {
    if (amount > balance) throw new ExecFailure({ kind: 'InsufficientCoinBalance' });
    balance -= amount;
    const id = env.staging.freshId();
    env.staging.addCreated({ id, struct: coin.struct, fields: { id, balance: amount } }, { command, index });
    created.push({ kind: 'object', id });
  });
  setBalance(coin, balance);
  return created;
}

function mergeCoins(env: MoveCallEnv, destinationArg: PtbArgument, sourceArgs: readonly PtbArgument[]): void {
  const destination = coinOf(env.slots.useObject(destinationArg, 'mut', 0), 0);
  let balance = balanceOf(destination);
  sourceArgs.forEach((arg, i) => {
    if (arg.$kind === 'GasCoin') throw argumentError(i + 1, 'InvalidGasCoinUsage');
    const source = coinOf(env.slots.useObject(arg, 'take', i + 1), i + 1);
    if (source.id === destination.id) throw argumentError(i + 1, 'InvalidValueUsage');
    if (source.access === 'shared-mut') throw new ExecFailure({ kind: 'SharedObjectOperationNotAllowed' });
    balance += balanceOf(source);
    if (balance > U64_MAX) throw new ExecFailure({ kind: 'CoinBalanceOverflow' });
    source.state = 'deleted';
    source.owner = undefined;
  });
  setBalance(destination, balance);
}

function transferObjects(env: MoveCallEnv, objectArgs: readonly PtbArgument[], addressArg: PtbArgument): void {
  const addressPosition = objectArgs.length;
  const recipient = decodeAddress(env.slots.usePure(addressArg, addressPosition), addressPosition);
  env.slots.gasMayMove = true;
  try {
    objectArgs.forEach((arg, i) => {
      const staged = env.slots.useObject(arg, 'take', i);
      if (!hasPublicTransfer(staged.struct)) throw argumentError(i, 'InvalidTransferObject');
      if (staged.access === 'shared-mut') throw new ExecFailure({ kind: 'SharedObjectOperationNotAllowed' });
      staged.owner = { kind: 'address', address: recipient };
    });
  } finally {
    env.slots.gasMayMove = false;
  }
}

/** Only vectors of pure values: their BCS is the ULEB128 length followed by the elements' BCS. */
function makeMoveVec(env: MoveCallEnv, type: string | null, elements: readonly PtbArgument[]): Value {
  if (type === null) {
    const first = elements[0];
    if (first && first.$kind !== 'GasCoin' && env.slots.use(first, 'read', 0).kind === 'pure') {
      throw argumentError(0, 'InvalidMakeMoveVecNonObjectArgument');
    }
    throw new ExecFailure({ kind: 'FeatureNotYetSupported' });
  }
  const parts = elements.map((arg, i) => env.slots.usePure(arg, i));
  const length = bcs.uleb128().serialize(parts.length).toBytes();
  const bytes = new Uint8Array(length.length + parts.reduce((n, p) => n + p.length, 0));
  bytes.set(length);
  let offset = length.length;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { kind: 'pure', bytes };
}

/** Move cannot drop a Coin (no `drop`): a created object nobody took fails the transaction. */
function checkNoDroppedValues(env: MoveCallEnv): void {
  for (const leftover of env.slots.leftovers()) {
    const staged = env.staging.get(leftover.id);
    if (staged.state === 'live' && staged.owner === undefined) {
      throw new ExecFailure({ kind: 'UnusedValueWithoutDrop', result: leftover.command, subresult: leftover.index });
    }
  }
}

function decodeU64(bytes: Uint8Array, position: number): bigint {
  if (bytes.length !== 8) throw argumentError(position, 'InvalidBCSBytes');
  return BigInt(bcs.u64().parse(bytes));
}

function decodeAddress(bytes: Uint8Array, position: number): string {
  if (bytes.length !== 32) throw argumentError(position, 'InvalidBCSBytes');
  return normalizeSuiAddress(bcs.Address.parse(bytes));
}

function valueBytes(env: MoveCallEnv, value: Value): Uint8Array {
  if (value.kind === 'pure') return value.bytes;
  if (value.kind === 'value') return new Uint8Array(); // the mirror keeps no BCS for it
  const staged = env.staging.get(value.id);
  return encodeStruct(staged.struct, staged.obj.fields);
}
