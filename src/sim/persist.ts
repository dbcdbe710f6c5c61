/**
 * The `--state DIR` store: the ledger (genesis keys and ids, epoch, checkpoint, every live object with
 * its version and digest, every executed transaction, every event) in an SQLite database,
 * `DIR/state.db`, through Node's built-in `node:sqlite`.
 *
 * Why a database and not one JSON file: the sim used to rewrite the whole ledger after every
 * transaction, so a transaction cost O(state) — at a few thousand objects the rewrite, not the
 * transaction, was the sim's speed. Here each commit writes only what it changed (the objects it wrote
 * or deleted, its transaction, its events, the checkpoint) in one SQLite transaction, so a commit
 * costs the same at 10 and at 100,000 objects. WAL journal with `synchronous = FULL`: a commit the sim
 * has answered for is on disk, and a kill -9 at any point leaves the last committed state.
 *
 * Rows hold the same JSON shapes the old `state.json` had (binary fields Base64, transactions as the
 * protobuf JSON of `ExecutedTransaction`); a directory that still has a `state.json` and no
 * `state.db` is imported once on open.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { GrpcTypes } from '@mysten/sui/grpc';
import { fromBase64, toBase64 } from '@mysten/sui/utils';
import { Ledger, type LedgerChange } from './ledger.ts';
import type { EpochInfo, PersistedEvent, PersistedObject, PersistedState, SimEvent, SimObject } from './types.ts';

const FORMAT = 'sui-sim-state/1';
const SCHEMA_VERSION = 'sui-sim-db/1';
export const STATE_DB = 'state.db';
/** The single-file format of earlier versions, imported once when found. */
export const LEGACY_STATE_FILE = 'state.json';

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

type PersistedEpoch = PersistedState['epoch'];

function epochToJson(epoch: EpochInfo): PersistedEpoch {
  return {
    epoch: epoch.epoch.toString(),
    startTimestampMs: epoch.startTimestampMs.toString(),
    referenceGasPrice: epoch.referenceGasPrice.toString(),
  };
}

function epochFromJson(epoch: PersistedEpoch): EpochInfo {
  return {
    epoch: BigInt(epoch.epoch),
    startTimestampMs: BigInt(epoch.startTimestampMs),
    referenceGasPrice: BigInt(epoch.referenceGasPrice),
  };
}

/** The whole ledger in the old single-file shape (the legacy import and tests read it). */
export function serializeLedger(ledger: Ledger): PersistedState {
  return {
    format: FORMAT,
    genesis: ledger.genesis,
    epoch: epochToJson(ledger.epoch),
    checkpoint: ledger.checkpoint.toString(),
    objects: ledger.allObjects().map(objectToJson),
    transactions: ledger.allTransactions().map((tx) => GrpcTypes.ExecutedTransaction.toJson(tx)),
    events: ledger.events.map(eventToJson),
  };
}

export function deserializeLedger(state: PersistedState): Ledger {
  if (state.format !== FORMAT) throw new Error(`unknown state file format ${String(state.format)}`);
  const ledger = new Ledger(state.genesis, epochFromJson(state.epoch), BigInt(state.checkpoint));
  ledger.putObjects(state.objects.map(objectFromJson));
  ledger.restoreHistory(
    state.transactions.map((tx) => GrpcTypes.ExecutedTransaction.fromJson(tx as never)),
    // Positions, not stored seqs: files of earlier versions gave every event of a transaction the same seq.
    state.events.map((event, position) => ({ ...eventFromJson(event), seq: position })),
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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS objects (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS transactions (seq INTEGER PRIMARY KEY, json TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, json TEXT NOT NULL) STRICT;
`;

/** The state database of one sim. Opened by `openStateStore`; every method is synchronous. */
export class StateStore {
  private readonly db: DatabaseSync;
  private readonly putMeta: StatementSync;
  private readonly putObject: StatementSync;
  private readonly deleteObject: StatementSync;
  private readonly putTransaction: StatementSync;
  private readonly putEvent: StatementSync;
  private transactionCount: number;

  constructor(path: string) {
    // The file holds the development keys: create it owner-only before SQLite opens it (SQLite gives its
    // -wal and -shm files the database file's mode).
    closeSync(openSync(path, 'a', 0o600));
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    this.db.exec(SCHEMA);
    this.putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.putObject = this.db.prepare('INSERT OR REPLACE INTO objects (id, json) VALUES (?, ?)');
    this.deleteObject = this.db.prepare('DELETE FROM objects WHERE id = ?');
    this.putTransaction = this.db.prepare('INSERT INTO transactions (seq, json) VALUES (?, ?)');
    this.putEvent = this.db.prepare('INSERT INTO events (seq, json) VALUES (?, ?)');
    this.transactionCount = Number((this.db.prepare('SELECT count(*) AS n FROM transactions').get() as { n: number }).n);
  }

  /** Whether a ledger has been written (a fresh file has no genesis yet). */
  hasLedger(): boolean {
    return this.meta('genesis') !== undefined;
  }

  /** Writes a whole ledger (genesis, or an imported legacy file) into an empty store. */
  writeLedger(ledger: Ledger): void {
    this.inTransaction(() => {
      this.putMeta.run('schema', SCHEMA_VERSION);
      this.putMeta.run('genesis', JSON.stringify(ledger.genesis));
      this.writeHead(ledger.checkpoint, ledger.epoch);
      for (const object of ledger.allObjects()) this.putObject.run(object.id, JSON.stringify(objectToJson(object)));
      for (const tx of ledger.allTransactions()) this.appendTransaction(tx);
      for (const event of ledger.events) this.putEvent.run(event.seq, JSON.stringify(eventToJson(event)));
    });
  }

  /** Stores one commit or epoch change: only what it changed. */
  apply(change: LedgerChange): void {
    this.inTransaction(() => {
      for (const id of change.deleted) this.deleteObject.run(id);
      for (const object of change.written) this.putObject.run(object.id, JSON.stringify(objectToJson(object)));
      if (change.transaction) this.appendTransaction(change.transaction);
      for (const event of change.events) this.putEvent.run(event.seq, JSON.stringify(eventToJson(event)));
      this.writeHead(change.checkpoint, change.epoch);
    });
  }

  /** Reads the whole ledger back. */
  readLedger(): Ledger {
    const schema = this.meta('schema');
    if (schema !== SCHEMA_VERSION) throw new Error(`unknown sui-sim state database schema ${String(schema)}`);
    const ledger = new Ledger(
      JSON.parse(this.meta('genesis')!) as Ledger['genesis'],
      epochFromJson(JSON.parse(this.meta('epoch')!) as PersistedEpoch),
      BigInt(this.meta('checkpoint')!),
    );
    ledger.putObjects(this.rows('SELECT json FROM objects').map((json) => objectFromJson(JSON.parse(json) as PersistedObject)));
    ledger.restoreHistory(
      this.rows('SELECT json FROM transactions ORDER BY seq').map((json) => GrpcTypes.ExecutedTransaction.fromJson(JSON.parse(json) as never)),
      this.rows('SELECT json FROM events ORDER BY seq').map((json) => eventFromJson(JSON.parse(json) as PersistedEvent)),
    );
    return ledger;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private appendTransaction(tx: GrpcTypes.ExecutedTransaction): void {
    this.putTransaction.run(this.transactionCount, JSON.stringify(GrpcTypes.ExecutedTransaction.toJson(tx)));
    this.transactionCount += 1;
  }

  private writeHead(checkpoint: bigint, epoch: EpochInfo): void {
    this.putMeta.run('checkpoint', checkpoint.toString());
    this.putMeta.run('epoch', JSON.stringify(epochToJson(epoch)));
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private rows(sql: string): string[] {
    return (this.db.prepare(sql).all() as { json: string }[]).map((row) => row.json);
  }

  private inTransaction(work: () => void): void {
    const count = this.transactionCount;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.transactionCount = count;
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}

/**
 * Opens `DIR/state.db`, importing a legacy `DIR/state.json` when the database is new, and returns the
 * ledger stored there (undefined for a new directory: the caller makes genesis and `writeLedger`s it).
 */
export function openStateStore(dir: string): { store: StateStore; ledger: Ledger | undefined } {
  const store = new StateStore(join(dir, STATE_DB));
  try {
    if (store.hasLedger()) return { store, ledger: store.readLedger() };
    const legacy = join(dir, LEGACY_STATE_FILE);
    if (!existsSync(legacy)) return { store, ledger: undefined };
    const ledger = deserializeLedger(JSON.parse(readFileSync(legacy, 'utf8')) as PersistedState);
    store.writeLedger(ledger);
    rmSync(legacy);
    return { store, ledger };
  } catch (error) {
    store.close();
    throw error;
  }
}
