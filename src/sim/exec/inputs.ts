/**
 * What a validator checks before it signs a transaction, and the loading of its input objects:
 * expiration, gas price and budget, gas coins (existence, owner, exact version and digest, balance),
 * every object input (owned objects at their exact current version, owned by the sender; shared
 * objects at their initial shared version), Move calls only into packages that exist. A transaction
 * that fails here is refused outright (never executed, no gas charged), as on a real network.
 */
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { CLOCK_OBJECT_ID } from '../../chain/schema.ts';
import { suiBalanceOf, SUI_COIN_TYPE_NORMALIZED } from '../codec.ts';
import { MAX_GAS_BUDGET, MAX_GAS_PAYMENT_OBJECTS, minimumBudget } from '../gas.ts';
import type { Ledger } from '../ledger.ts';
import { lookupFunction } from '../mirror.ts';
import type { InputAccess } from './staging.ts';
import type { CallArg, PtbCommand, SimObject, TransactionDataV1 } from '../types.ts';

/** A transaction a validator would not sign; the gRPC layer answers INVALID_ARGUMENT with this text. */
export class TransactionRejected extends Error {}

export interface LoadedInput {
  object: SimObject;
  access: InputAccess;
}

export interface LoadedTransaction {
  /** Per input index: the loaded object, or undefined for a pure input. */
  inputs: Array<LoadedInput | undefined>;
  gasCoins: SimObject[];
  /** Sum of the gas coins' balances. */
  gasBalance: bigint;
}

export interface CheckOptions {
  /** Validator checks on: exact versions and ownership. Off for SimulateTransaction with checks disabled. */
  enforce: boolean;
}

export function loadTransaction(ledger: Ledger, data: TransactionDataV1, options: CheckOptions): LoadedTransaction {
  if (options.enforce) checkExpiration(ledger, data);
  const ptb = data.kind.ProgrammableTransaction!;
  checkPackages(ledger, ptb.commands);
  const inputs = ptb.inputs.map((arg) => loadInput(ledger, data.sender, arg, options));
  const gasCoins = loadGas(ledger, data, options);
  checkDuplicates(inputs, gasCoins);
  const gasBalance = gasCoins.reduce((sum, coin) => sum + suiBalanceOf(coin), 0n);
  if (options.enforce) checkBudget(ledger, data, gasBalance);
  return { inputs, gasCoins, gasBalance };
}

function checkExpiration(ledger: Ledger, data: TransactionDataV1): void {
  const epoch = ledger.epoch.epoch;
  const expiration = data.expiration;
  if (expiration.$kind === 'Epoch' && epoch > BigInt(expiration.Epoch)) {
    throw new TransactionRejected(`Transaction Expired: expiration epoch ${expiration.Epoch}, current epoch ${epoch}`);
  }
  if (expiration.$kind === 'ValidDuring') {
    const v = expiration.ValidDuring;
    const outside = (v.minEpoch != null && epoch < BigInt(v.minEpoch)) || (v.maxEpoch != null && epoch > BigInt(v.maxEpoch));
    if (outside) throw new TransactionRejected(`Transaction Expired: not valid in epoch ${epoch}`);
    if (v.chain !== ledger.genesis.chainId) throw new TransactionRejected(`Transaction is for chain ${v.chain}, not ${ledger.genesis.chainId}`);
  }
}

/**
 * Move calls load their package as an input: one that does not exist refuses the transaction. The
 * framework packages exist on every network, but the sim implements only the functions the daas
 * transactions call; any other framework function is refused with a message that says so.
 */
function checkPackages(ledger: Ledger, commands: readonly PtbCommand[]): void {
  for (const command of commands) {
    if (command.$kind !== 'MoveCall') continue;
    const call = command.MoveCall;
    const pkg = normalizeSuiAddress(call.package);
    if (pkg === ledger.genesis.packageId) continue;
    const target = `${pkg}::${call.module}::${call.function}`;
    if (SYSTEM_PACKAGES.has(pkg)) {
      if (lookupFunction(ledger.genesis.packageId, pkg, call.module, call.function)) continue;
      throw new TransactionRejected(`sui-sim does not implement the framework function ${target}`);
    }
    throw new TransactionRejected(`Dependent package not found on-chain: ${pkg} (sui-sim runs only the daas package)`);
  }
}

const SYSTEM_PACKAGES = new Set(['0x1', '0x2', '0x3'].map((id) => normalizeSuiAddress(id)));

function loadInput(ledger: Ledger, sender: string, arg: CallArg, options: CheckOptions): LoadedInput | undefined {
  if (arg.$kind === 'Pure') return undefined;
  if (arg.$kind !== 'Object') throw new TransactionRejected('funds withdrawals (address balances) are not supported by sui-sim');
  const o = arg.Object;
  if (o.$kind === 'Receiving') throw new TransactionRejected('receiving objects is not supported by sui-sim');
  if (o.$kind === 'SharedObject') return loadShared(ledger, o.SharedObject);
  return loadOwned(ledger, sender, o.ImmOrOwnedObject, options);
}

function existing(ledger: Ledger, id: string): SimObject {
  const object = ledger.getObject(id);
  if (!object) throw new TransactionRejected(`Could not find the referenced object ${normalizeSuiAddress(id)}`);
  if (object.data.kind !== 'move') throw new TransactionRejected(`Object ${object.id} is a package and cannot be an input`);
  return object;
}

function loadShared(ledger: Ledger, ref: { objectId: string; initialSharedVersion: string; mutable: boolean }): LoadedInput {
  const object = existing(ledger, ref.objectId);
  if (object.owner.kind !== 'shared') throw new TransactionRejected(`Object ${object.id} is not shared`);
  if (object.owner.initialVersion !== BigInt(ref.initialSharedVersion)) {
    throw new TransactionRejected(
      `Shared object ${object.id} has initial shared version ${object.owner.initialVersion}, not ${ref.initialSharedVersion}`,
    );
  }
  if (object.id === CLOCK_OBJECT_ID && ref.mutable) {
    throw new TransactionRejected('The Clock (0x6) can only be passed by immutable reference');
  }
  return { object, access: ref.mutable ? 'shared-mut' : 'shared-imm' };
}

function loadOwned(ledger: Ledger, sender: string, ref: { objectId: string; version: string; digest: string }, options: CheckOptions): LoadedInput {
  const object = existing(ledger, ref.objectId);
  if (object.owner.kind === 'shared') throw new TransactionRejected(`Object ${object.id} is shared: pass it as a shared object`);
  if (options.enforce) {
    checkCurrent(object, ref);
    if (object.owner.kind === 'address' && object.owner.address !== normalizeSuiAddress(sender)) {
      throw new TransactionRejected(
        `Object ${object.id} is owned by account address ${object.owner.address}, but given owner/signer address is ${normalizeSuiAddress(sender)}`,
      );
    }
  }
  return { object, access: object.owner.kind === 'immutable' ? 'immutable' : 'owned' };
}

function checkCurrent(object: SimObject, ref: { version: string; digest: string }): void {
  if (object.version !== BigInt(ref.version) || object.digest !== ref.digest) {
    throw new TransactionRejected(
      `Object ID ${object.id} Version ${ref.version} Digest ${ref.digest} is not available for consumption, ` +
        `current version: ${object.version}`,
    );
  }
}

function loadGas(ledger: Ledger, data: TransactionDataV1, options: CheckOptions): SimObject[] {
  const payment = data.gasData.payment;
  if (payment.length === 0) throw new TransactionRejected('Gas payment is empty: sui-sim has no address balances to pay from');
  if (payment.length > MAX_GAS_PAYMENT_OBJECTS) throw new TransactionRejected(`More than ${MAX_GAS_PAYMENT_OBJECTS} gas coins`);
  const owner = normalizeSuiAddress(data.gasData.owner);
  return payment.map((ref) => {
    const coin = existing(ledger, ref.objectId);
    if (coin.data.kind !== 'move' || coin.data.type !== SUI_COIN_TYPE_NORMALIZED) {
      throw new TransactionRejected(`Gas object ${coin.id} is not a Coin<SUI>`);
    }
    if (options.enforce) {
      checkCurrent(coin, ref);
      if (coin.owner.kind !== 'address' || coin.owner.address !== owner) {
        throw new TransactionRejected(`Gas object ${coin.id} is not owned by the gas owner ${owner}`);
      }
    }
    return coin;
  });
}

function checkDuplicates(inputs: Array<LoadedInput | undefined>, gasCoins: SimObject[]): void {
  const seen = new Set<string>();
  for (const id of [...inputs.flatMap((i) => (i ? [i.object.id] : [])), ...gasCoins.map((c) => c.id)]) {
    if (seen.has(id)) throw new TransactionRejected(`Object ${id} appears more than once in the transaction inputs`);
    seen.add(id);
  }
}

function checkBudget(ledger: Ledger, data: TransactionDataV1, gasBalance: bigint): void {
  const price = BigInt(data.gasData.price);
  const budget = BigInt(data.gasData.budget);
  if (price < ledger.epoch.referenceGasPrice) {
    throw new TransactionRejected(`Gas price ${price} under reference gas price (RGP) ${ledger.epoch.referenceGasPrice}`);
  }
  if (budget < minimumBudget(price)) {
    throw new TransactionRejected(`Gas budget ${budget} is lower than the minimum ${minimumBudget(price)}`);
  }
  if (budget > MAX_GAS_BUDGET) throw new TransactionRejected(`Gas budget ${budget} is higher than the maximum ${MAX_GAS_BUDGET}`);
  if (gasBalance < budget) {
    throw new TransactionRejected(`Balance of gas object ${gasBalance} is lower than the needed amount: ${budget}`);
  }
}
