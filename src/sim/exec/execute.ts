/**
 * Executes one programmable transaction against the ledger, as a validator and full node do
 * together: load and check the inputs (inputs.ts), smash the gas coins and reserve the budget, run
 * the commands (runtime.ts), and on failure start again from the inputs so that only the gas charge
 * and the version bumps of the mutable inputs remain. Signatures are checked by the caller (execute
 * only; simulate has none). The result is not committed here: ExecuteTransaction commits it,
 * SimulateTransaction throws it away.
 */
import { fromBase64, normalizeSuiAddress } from '@mysten/sui/utils';
import type { GrpcTypes } from '@mysten/sui/grpc';
import { transactionCost, totalCharge } from '../gas.ts';
import { protoTimestamp } from '../wire.ts';
import type { CommitBatch, Ledger } from '../ledger.ts';
import type { NitroLoader } from '../nitro.ts';
import { transactionToGrpc } from '../txcodec.ts';
import type { SimObject, TransactionDataV1 } from '../types.ts';
import { buildEffects } from './effects.ts';
import { ExecFailure } from './failure.ts';
import { loadTransaction, type LoadedTransaction } from './inputs.ts';
import type { EmittedEvent, MoveCallEnv } from './movecall.ts';
import { runCommands, type CommandOutputs } from './runtime.ts';
import { normalizeFields, Staging } from './staging.ts';
import { Slots, type Value } from './values.ts';

export interface ExecutionRequest {
  data: TransactionDataV1;
  bytes: Uint8Array;
  digest: string;
  /** Serialized user signatures (already verified by the caller); none for a simulation. */
  signatures: Uint8Array[];
}

export interface ExecutionOptions {
  /** Validator checks (versions, ownership, budget, expiration); off only for unchecked simulation. */
  enforce: boolean;
  loadNitroAttestation: NitroLoader;
  nowMs: bigint;
}

export interface ExecutionResult {
  /** The executed transaction as the gRPC API returns it (checkpoint set on commit). */
  transaction: GrpcTypes.ExecutedTransaction;
  batch: CommitBatch;
  commandOutputs: CommandOutputs;
  success: boolean;
}

export function executeTransaction(ledger: Ledger, request: ExecutionRequest, options: ExecutionOptions): ExecutionResult {
  const { data, digest } = request;
  const loaded = loadTransaction(ledger, data, { enforce: options.enforce });
  const lamport = lamportVersion(loaded);
  const budget = BigInt(data.gasData.budget);
  const cost = transactionCost(BigInt(data.gasData.price));

  let attempt = prepare(ledger, data, loaded, digest, lamport, options);
  let failure: ExecFailure | undefined;
  let outputs: CommandOutputs = [];
  try {
    outputs = runCommands(attempt.env, data.kind.ProgrammableTransaction!.commands);
  } catch (error) {
    if (!(error instanceof ExecFailure)) throw error;
    failure = error;
    attempt = prepare(ledger, data, loaded, digest, lamport, options);
  }
  settleGas(attempt.staging, loaded, budget, totalCharge(cost));

  const built = buildEffects({
    digest,
    sender: normalizeSuiAddress(data.sender),
    epoch: ledger.epoch.epoch,
    staging: attempt.staging,
    gasCoinId: loaded.gasCoins[0]!.id,
    cost,
    failure,
    events: failure ? [] : attempt.env.events,
    dependencies: dependenciesOf(loaded),
  });
  const transaction: GrpcTypes.ExecutedTransaction = {
    digest,
    transaction: transactionToGrpc(data, request.bytes, digest),
    signatures: request.signatures.map((value) => ({ bcs: { name: 'UserSignatureBytes', value }, signature: { oneofKind: undefined } })),
    effects: built.effects,
    events: built.events,
    timestamp: protoTimestamp(options.nowMs),
    balanceChanges: built.balanceChanges,
  };
  const events = failure ? [] : attempt.env.events.map((e, eventIndex) => ledgerEvent(e, data.sender, digest, eventIndex, options.nowMs));
  return {
    transaction,
    batch: { digest, written: built.written, deleted: built.deleted, transaction, events },
    commandOutputs: outputs,
    success: !failure,
  };
}

/** Sui's Lamport timestamp: one more than the highest version among the inputs (gas included). */
export function lamportVersion(loaded: LoadedTransaction): bigint {
  const versions = [...loaded.inputs.flatMap((i) => (i ? [i.object.version] : [])), ...loaded.gasCoins.map((c) => c.version)];
  return versions.reduce((max, v) => (v > max ? v : max), 0n) + 1n;
}

function dependenciesOf(loaded: LoadedTransaction): string[] {
  const objects: SimObject[] = [...loaded.inputs.flatMap((i) => (i ? [i.object] : [])), ...loaded.gasCoins];
  return [...new Set(objects.map((o) => o.previousTransaction))].sort();
}

interface Attempt {
  staging: Staging;
  env: MoveCallEnv;
}

/**
 * Fresh staging of the inputs. The gas coins are smashed into the first one and the budget is
 * reserved out of it, so commands can spend only what the budget leaves (as on Sui).
 */
function prepare(
  ledger: Ledger,
  data: TransactionDataV1,
  loaded: LoadedTransaction,
  digest: string,
  lamport: bigint,
  options: ExecutionOptions,
): Attempt {
  const staging = new Staging(digest, ledger.genesis.packageId, lamport);
  const args = data.kind.ProgrammableTransaction!.inputs;
  const values = loaded.inputs.map((input, i): Value => {
    if (!input) return { kind: 'pure', bytes: fromBase64((args[i] as { Pure: { bytes: string } }).Pure.bytes) };
    staging.addInput(input.object, input.access);
    return { kind: 'object', id: input.object.id };
  });
  const [primary, ...others] = loaded.gasCoins.map((coin) => staging.addInput(coin, 'owned'));
  for (const coin of others) {
    coin.state = 'deleted';
    coin.owner = undefined;
  }
  primary!.obj.fields.balance = loaded.gasBalance - reserveOf(BigInt(data.gasData.budget), loaded);
  normalizeFields(primary!.obj);
  const env: MoveCallEnv = {
    staging,
    slots: new Slots(staging, values, primary!.id),
    sender: normalizeSuiAddress(data.sender),
    epoch: ledger.epoch.epoch,
    epochTimestampMs: ledger.epoch.startTimestampMs,
    events: [],
    loadNitroAttestation: options.loadNitroAttestation,
  };
  return { staging, env };
}

/** The part of the gas coins set aside for the budget (all of them if they hold less, unchecked runs only). */
function reserveOf(budget: bigint, loaded: LoadedTransaction): bigint {
  return budget < loaded.gasBalance ? budget : loaded.gasBalance;
}

/** Gives back what the budget reserved beyond the charge. */
function settleGas(staging: Staging, loaded: LoadedTransaction, budget: bigint, charge: bigint): void {
  const gas = staging.get(loaded.gasCoins[0]!.id);
  const remaining = BigInt(gas.obj.fields.balance as string) + reserveOf(budget, loaded) - charge;
  gas.obj.fields.balance = remaining < 0n ? 0n : remaining;
  normalizeFields(gas.obj);
}

function ledgerEvent(e: EmittedEvent, sender: string, digest: string, eventIndex: number, nowMs: bigint): CommitBatch['events'][number] {
  return {
    packageId: e.packageId,
    module: e.module,
    sender: normalizeSuiAddress(sender),
    type: e.type,
    contents: e.contents,
    json: e.json,
    transactionDigest: digest,
    eventIndex,
    timestampMs: nowMs,
  };
}

