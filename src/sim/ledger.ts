/**
 * The ledger of sui-sim: live objects, executed transactions, the event log, the epoch and the
 * checkpoint counter. One transaction is committed per checkpoint. Everything here is in memory;
 * an optional `onCommit` hook persists the whole state after each change (src/sim/persist.ts), and
 * listeners feed the subscription streams.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import { CLOCK_OBJECT_ID } from '../chain/schema.ts';
import { encodeStruct, sealObject } from './codec.ts';
import type { EpochInfo, GenesisInfo, SimEvent, SimObject } from './types.ts';

type ExecutedTransaction = GrpcTypes.ExecutedTransaction;

/** What one committed transaction changes. */
export interface CommitBatch {
  digest: string;
  written: SimObject[];
  deleted: string[];
  transaction: ExecutedTransaction;
  events: Omit<SimEvent, 'seq' | 'checkpoint'>[];
}

export interface LedgerListener {
  onTransaction?(tx: ExecutedTransaction): void;
  onEvent?(event: SimEvent): void;
}

export class Ledger {
  readonly genesis: GenesisInfo;
  epoch: EpochInfo;
  /** Sequence number of the last checkpoint (genesis is 0). */
  checkpoint: bigint;
  private readonly objects = new Map<string, SimObject>();
  private readonly transactions = new Map<string, ExecutedTransaction>();
  private readonly txOrder: string[] = [];
  private readonly eventLog: SimEvent[] = [];
  private readonly listeners = new Set<LedgerListener>();
  onCommit: (() => void) | undefined;

  constructor(genesis: GenesisInfo, epoch: EpochInfo, checkpoint = 0n) {
    this.genesis = genesis;
    this.epoch = epoch;
    this.checkpoint = checkpoint;
  }

  // ---- objects ---------------------------------------------------------------------------

  /** The live version of an object, or undefined. The Clock renders the wall clock on every read. */
  getObject(id: string): SimObject | undefined {
    const normalized = normalizeSuiAddress(id);
    const object = this.objects.get(normalized);
    if (object && normalized === CLOCK_OBJECT_ID) return renderClock(object, BigInt(Date.now()));
    return object;
  }

  /** Inserts objects without a transaction (genesis and state restore only). */
  putObjects(objects: Iterable<SimObject>): void {
    for (const object of objects) this.objects.set(object.id, object);
  }

  allObjects(): SimObject[] {
    return [...this.objects.values()];
  }

  /** Objects owned by `owner`, ordered by id, optionally filtered by type (with or without type parameters). */
  ownedObjects(owner: string, typeFilter?: string): SimObject[] {
    const address = normalizeSuiAddress(owner);
    const matches = typeFilter ? typeMatcher(typeFilter) : () => true;
    return [...this.objects.values()]
      .filter((o) => o.owner.kind === 'address' && o.owner.address === address)
      .filter((o) => o.data.kind === 'move' && matches(o.data.type))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // ---- transactions and events -----------------------------------------------------------

  getTransaction(digest: string): ExecutedTransaction | undefined {
    return this.transactions.get(digest);
  }

  allTransactions(): ExecutedTransaction[] {
    return this.txOrder.map((d) => this.transactions.get(d)!);
  }

  get events(): readonly SimEvent[] {
    return this.eventLog;
  }

  /** Restores history from a state file (no listeners fire, no persistence). */
  restoreHistory(transactions: ExecutedTransaction[], events: SimEvent[]): void {
    for (const tx of transactions) {
      this.transactions.set(tx.digest!, tx);
      this.txOrder.push(tx.digest!);
    }
    this.eventLog.push(...events);
  }

  /** Applies one executed transaction as the next checkpoint. */
  commit(batch: CommitBatch): ExecutedTransaction {
    this.checkpoint += 1n;
    for (const id of batch.deleted) this.objects.delete(id);
    for (const object of batch.written) this.objects.set(object.id, object);
    const tx = { ...batch.transaction, checkpoint: this.checkpoint };
    this.transactions.set(batch.digest, tx);
    this.txOrder.push(batch.digest);
    const events = batch.events.map((e) => ({ ...e, seq: this.eventLog.length, checkpoint: this.checkpoint }));
    for (const event of events) this.eventLog.push(event);
    this.onCommit?.();
    for (const listener of this.listeners) {
      listener.onTransaction?.(tx);
      for (const event of events) listener.onEvent?.(event);
    }
    return tx;
  }

  advanceEpoch(count: number, nowMs: bigint): EpochInfo {
    this.epoch = { ...this.epoch, epoch: this.epoch.epoch + BigInt(count), startTimestampMs: nowMs };
    this.onCommit?.();
    return this.epoch;
  }

  subscribe(listener: LedgerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** `0x2::coin::Coin` matches every Coin<T>; `0x2::coin::Coin<0x2::sui::SUI>` only that one. */
export function typeMatcher(filter: string): (type: string) => boolean {
  const wanted = normalizeStructTag(filter);
  if (filter.includes('<')) return (type) => type === wanted;
  return (type) => type === wanted || type.startsWith(`${wanted}<`);
}

/** The Clock with `timestamp_ms` set to `nowMs` (its version is fixed; see docs/sim.md). */
export function renderClock(clock: SimObject, nowMs: bigint): SimObject {
  if (clock.data.kind !== 'move') return clock;
  const contents = encodeStruct('0x2::clock::Clock', { id: clock.id, timestamp_ms: nowMs });
  const { digest: _digest, ...rest } = clock;
  return sealObject({ ...rest, data: { ...clock.data, contents } });
}

