/**
 * The `--state DIR` file: the whole ledger (genesis keys and ids, epoch, checkpoint, every live
 * object with its version and digest, every executed transaction, every event) as one JSON file,
 * written atomically (temporary file, fsync, rename) after each committed change, and read back on
 * start. Binary fields are Base64; transactions are the protobuf JSON of `ExecutedTransaction`.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { GrpcTypes } from '@mysten/sui/grpc';
import { fromBase64, toBase64 } from '@mysten/sui/utils';
import { Ledger } from './ledger.ts';
import type { PersistedEvent, PersistedObject, PersistedState, SimEvent, SimObject } from './types.ts';

const FORMAT = 'sui-sim-state/1';

function objectToJson(o: SimObject): PersistedObject {
  return {
    id: o.id,
    version: o.version.toString(),
    digest: o.digest,
    owner: o.owner.kind === 'shared' ? { kind: 'shared', initialVersion: o.owner.initialVersion.toString() } : o.owner,
    previousTransaction: o.previousTransaction,
    storageRebate: o.storageRebate.toString(),
    data: o.data.kind === 'move' ? { ...o.data, contents: toBase64(o.data.contents) } : o.data,
  };
}

function objectFromJson(o: PersistedObject): SimObject {
  return {
    id: o.id,
    version: BigInt(o.version),
    digest: o.digest,
    owner: o.owner.kind === 'shared' ? { kind: 'shared', initialVersion: BigInt(o.owner.initialVersion) } : o.owner,
    previousTransaction: o.previousTransaction,
    storageRebate: BigInt(o.storageRebate),
    data: o.data.kind === 'move' ? { ...o.data, contents: fromBase64(o.data.contents) } : o.data,
  };
}

function eventToJson(e: SimEvent): PersistedEvent {
  return { ...e, contents: toBase64(e.contents), checkpoint: e.checkpoint.toString(), timestampMs: e.timestampMs.toString() };
}

function eventFromJson(e: PersistedEvent): SimEvent {
  return { ...e, contents: fromBase64(e.contents), checkpoint: BigInt(e.checkpoint), timestampMs: BigInt(e.timestampMs) };
}

export function serializeLedger(ledger: Ledger): PersistedState {
  return {
    format: FORMAT,
    genesis: ledger.genesis,
    epoch: {
      epoch: ledger.epoch.epoch.toString(),
      startTimestampMs: ledger.epoch.startTimestampMs.toString(),
      referenceGasPrice: ledger.epoch.referenceGasPrice.toString(),
    },
    checkpoint: ledger.checkpoint.toString(),
    objects: ledger.allObjects().map(objectToJson),
    transactions: ledger.allTransactions().map((tx) => GrpcTypes.ExecutedTransaction.toJson(tx)),
    events: ledger.events.map(eventToJson),
  };
}

export function deserializeLedger(state: PersistedState): Ledger {
  if (state.format !== FORMAT) throw new Error(`unknown state file format ${String(state.format)}`);
  const ledger = new Ledger(
    state.genesis,
    {
      epoch: BigInt(state.epoch.epoch),
      startTimestampMs: BigInt(state.epoch.startTimestampMs),
      referenceGasPrice: BigInt(state.epoch.referenceGasPrice),
    },
    BigInt(state.checkpoint),
  );
  ledger.putObjects(state.objects.map(objectFromJson));
  ledger.restoreHistory(
    state.transactions.map((tx) => GrpcTypes.ExecutedTransaction.fromJson(tx as never)),
    state.events.map(eventFromJson),
  );
  return ledger;
}

/** Writes `contents` to `path` so that a crash leaves either the old file or the new one. */
export function writeFileAtomic(path: string, contents: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function saveLedger(path: string, ledger: Ledger): void {
  writeFileAtomic(path, JSON.stringify(serializeLedger(ledger)));
}

export function loadLedger(path: string): Ledger {
  return deserializeLedger(JSON.parse(readFileSync(path, 'utf8')) as PersistedState);
}
