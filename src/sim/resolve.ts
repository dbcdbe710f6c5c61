/**
 * Server-side transaction resolution, as a full node does for SimulateTransaction: the SDK (2.x)
 * sends what `Transaction#build` knows and the node completes it —
 *   - object inputs known only by id get their reference: owned and immutable objects their current
 *     version and digest, shared objects their initial shared version and the mutability the Move
 *     function signatures (or the built-in commands) need;
 *   - pure inputs given as literals are encoded with the BCS type of the parameter they feed;
 *   - the gas price defaults to the reference gas price, the budget to the estimate, and with
 *     `do_gas_selection` the gas owner's SUI coins (largest first, not used elsewhere) pay.
 */
import { bcs } from '@mysten/sui/bcs';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { suiBalanceOf, SUI_COIN_TYPE_NORMALIZED } from './codec.ts';
import { TransactionRejected } from './exec/inputs.ts';
import { MAX_GAS_PAYMENT_OBJECTS, minimumBudget } from './gas.ts';
import type { Ledger } from './ledger.ts';
import { lookupFunction } from './mirror.ts';
import type { ParamType, PureType } from './package/api.ts';
import { parseTransactionBcs, type CallArgInput, type CommandInput, type DraftInput, type DraftTransaction } from './txcodec.ts';
import type { TransactionDataV1 } from './types.ts';

export interface ResolvedTransaction {
  data: TransactionDataV1;
  bytes: Uint8Array;
}

export function resolveTransaction(ledger: Ledger, draft: DraftTransaction, doGasSelection: boolean): ResolvedTransaction {
  const needsGas = doGasSelection && draft.gas.payment.length === 0;
  if (draft.bcs && !needsGas) return { data: parseTransactionBcs(draft.bcs), bytes: draft.bcs };

  const usages = collectUsages(ledger, draft.commands);
  const inputs = draft.inputs.map((input, i) => resolveInput(ledger, input, usages.get(i) ?? []));
  const owner = draft.gas.owner ?? draft.sender;
  const price = draft.gas.price ?? ledger.epoch.referenceGasPrice;
  const budget = draft.gas.budget ?? minimumBudget(price);
  const payment = needsGas ? selectGas(ledger, owner, budget, inputs) : draft.gas.payment;

  const bytes = bcs.TransactionData.serialize({
    V1: {
      kind: { ProgrammableTransaction: { inputs, commands: draft.commands } },
      sender: draft.sender,
      gasData: { payment, owner, price, budget },
      expiration: draft.expiration,
    },
  }).toBytes();
  return { data: parseTransactionBcs(bytes), bytes };
}

/** How one command uses one input: its parameter type, or `mutable` for the built-in commands. */
type Usage = { param: ParamType } | { mutable: boolean; pure?: PureType };

function collectUsages(ledger: Ledger, commands: readonly CommandInput[]): Map<number, Usage[]> {
  const usages = new Map<number, Usage[]>();
  const note = (arg: unknown, usage: Usage) => {
    const input = (arg as { Input?: number }).Input;
    if (input === undefined) return;
    usages.set(input, [...(usages.get(input) ?? []), usage]);
  };
  for (const command of commands) {
    const c = command as Record<string, Record<string, unknown>>;
    if (c.MoveCall) noteMoveCall(ledger, c.MoveCall, note);
    if (c.SplitCoins) {
      note(c.SplitCoins.coin, { mutable: true });
      for (const amount of c.SplitCoins.amounts as unknown[]) note(amount, { mutable: false, pure: 'u64' });
    }
    if (c.MergeCoins) {
      note(c.MergeCoins.destination, { mutable: true });
      for (const source of c.MergeCoins.sources as unknown[]) note(source, { mutable: true });
    }
    if (c.TransferObjects) {
      for (const object of c.TransferObjects.objects as unknown[]) note(object, { mutable: true });
      note(c.TransferObjects.address, { mutable: false, pure: 'address' });
    }
    if (c.MakeMoveVec) for (const element of c.MakeMoveVec.elements as unknown[]) note(element, { mutable: true });
  }
  return usages;
}

function noteMoveCall(ledger: Ledger, call: Record<string, unknown>, note: (arg: unknown, usage: Usage) => void): void {
  const entry = lookupFunction(ledger.genesis.packageId, String(call.package), String(call.module), String(call.function));
  (call.arguments as unknown[]).forEach((arg, i) => {
    const param = entry?.descriptor.params[i]?.type;
    // Unknown function: assume the worst (mutable), as the SDK's own resolver does.
    note(arg, param ? { param } : { mutable: true });
  });
}

function isMutable(usage: Usage): boolean {
  if ('param' in usage) return usage.param.kind === 'object' && usage.param.ref !== 'imm';
  return usage.mutable;
}

function resolveInput(ledger: Ledger, input: DraftInput, usages: Usage[]): CallArgInput {
  if (input.kind === 'resolved') return input.arg;
  if (input.kind === 'literal') return { Pure: { bytes: encodeLiteral(input.value, usages) } };
  const object = ledger.getObject(input.objectId);
  if (!object) throw new TransactionRejected(`Could not find the referenced object ${input.objectId}`);
  if (object.owner.kind === 'shared') {
    const mutable = input.mutable === true || usages.some(isMutable);
    return {
      Object: { SharedObject: { objectId: object.id, initialSharedVersion: object.owner.initialVersion, mutable } },
    };
  }
  return {
    Object: {
      ImmOrOwnedObject: {
        objectId: object.id,
        version: input.version ?? object.version,
        digest: input.digest ?? object.digest,
      },
    },
  };
}

function encodeLiteral(value: unknown, usages: Usage[]): Uint8Array {
  const type = usages
    .map((u) => ('param' in u ? (u.param.kind === 'pure' ? u.param.type : undefined) : u.pure))
    .find((t) => t !== undefined);
  if (!type) throw new TransactionRejected('A pure input value is not used where its type is known');
  try {
    return pureSchema(type).serialize(value as never).toBytes();
  } catch (error) {
    throw new TransactionRejected(`Pure input does not encode as ${type}: ${(error as Error).message}`);
  }
}

function pureSchema(type: PureType): { serialize(v: never): { toBytes(): Uint8Array } } {
  switch (type) {
    case 'u8':
      return bcs.u8();
    case 'u64':
      return bcs.u64();
    case 'bool':
      return bcs.bool();
    case 'address':
      return bcs.Address;
    case 'string':
      return bcs.string();
    case 'vector<u8>':
      return bcs.byteVector();
  }
}

/** The gas owner's SUI coins, largest first, skipping coins the transaction uses as inputs. */
function selectGas(ledger: Ledger, owner: string, budget: bigint, inputs: CallArgInput[]) {
  const used = new Set(
    inputs.flatMap((arg) => {
      const ref = (arg as { Object?: { ImmOrOwnedObject?: { objectId: string } } }).Object?.ImmOrOwnedObject;
      return ref ? [normalizeSuiAddress(ref.objectId)] : [];
    }),
  );
  const coins = ledger
    .ownedObjects(owner, SUI_COIN_TYPE_NORMALIZED)
    .filter((coin) => !used.has(coin.id))
    .map((coin) => ({ coin, balance: suiBalanceOf(coin) }))
    .sort((a, b) => (a.balance > b.balance ? -1 : a.balance < b.balance ? 1 : 0));
  const chosen: typeof coins = [];
  let total = 0n;
  for (const candidate of coins) {
    if (total >= budget || chosen.length >= MAX_GAS_PAYMENT_OBJECTS) break;
    chosen.push(candidate);
    total += candidate.balance;
  }
  if (total < budget) {
    throw new TransactionRejected(
      `Unable to perform gas selection due to insufficient SUI balance for account ${normalizeSuiAddress(owner)} ` +
        `to satisfy required budget ${budget}.`,
    );
  }
  return chosen.map(({ coin }) => ({ objectId: coin.id, version: coin.version, digest: coin.digest }));
}
