/**
 * The ledger of sui-sim: live objects, executed transactions, the event log, the epoch and the
 * checkpoint counter. One transaction is committed per checkpoint. Everything here is in memory;
 * an optional `onCommit` hook receives what each change wrote (src/sim/persist.ts stores just that,
 * so a commit costs the same however large the ledger is), and listeners feed the subscription streams.
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

/** What one commit or epoch change did, for persistence: only the delta, never the whole ledger. */
export interface LedgerChange {
  checkpoint: bigint;
  epoch: EpochInfo;
  written: readonly SimObject[];
  deleted: readonly string[];
  /** The committed transaction (with its checkpoint), absent for an epoch change. */
  transaction?: ExecutedTransaction;
  events: readonly SimEvent[];
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
  /** Address → ids of the objects it owns, so owner queries (gas selection) do not scan the ledger. */
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly transactions = new Map<string, ExecutedTransaction>();
  private readonly txOrder: string[] = [];
  private readonly eventLog: SimEvent[] = [];
  private readonly listeners = new Set<LedgerListener>();
  onCommit: ((change: LedgerChange) => void) | undefined;

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
    for (const object of objects) this.setObject(object);
  }

  private setObject(object: SimObject): void {
    this.removeObject(object.id);
    this.objects.set(object.id, object);
    if (object.owner.kind !== 'address') return;
    let owned = this.byOwner.get(object.owner.address);
    if (!owned) this.byOwner.set(object.owner.address, (owned = new Set()));
    owned.add(object.id);
  }

  private removeObject(id: string): void {
    const previous = this.objects.get(id);
    if (!previous) return;
    this.objects.delete(id);
    if (previous.owner.kind !== 'address') return;
    const owned = this.byOwner.get(previous.owner.address);
    owned?.delete(id);
    if (owned?.size === 0) this.byOwner.delete(previous.owner.address);
  }

  allObjects(): SimObject[] {
    return [...this.objects.values()];
  }

  /** Objects owned by `owner`, ordered by id, optionally filtered by type (with or without type parameters). */
  ownedObjects(owner: string, typeFilter?: string): SimObject[] {
    const address = normalizeSuiAddress(owner);
    const matches = typeFilter ? typeMatcher(typeFilter) : () => true;
    return [...(this.byOwner.get(address) ?? [])]
      .map((id) => this.objects.get(id)!)
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
    for (const id of batch.deleted) this.removeObject(id);
    for (const object of batch.written) this.setObject(object);
    const tx = { ...batch.transaction, checkpoint: this.checkpoint };
    this.transactions.set(batch.digest, tx);
    this.txOrder.push(batch.digest);
    const events = batch.events.map((e, index) => ({ ...e, seq: this.eventLog.length + index, checkpoint: this.checkpoint }));
    for (const event of events) this.eventLog.push(event);
    this.onCommit?.({ checkpoint: this.checkpoint, epoch: this.epoch, written: batch.written, deleted: batch.deleted, transaction: tx, events });
    for (const listener of this.listeners) {
      listener.onTransaction?.(tx);
      for (const event of events) listener.onEvent?.(event);
    }
    return tx;
  }

  advanceEpoch(count: number, nowMs: bigint): EpochInfo {
    this.epoch = { ...this.epoch, epoch: this.epoch.epoch + BigInt(count), startTimestampMs: nowMs };
    this.onCommit?.({ checkpoint: this.checkpoint, epoch: this.epoch, written: [], deleted: [], events: [] });
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

