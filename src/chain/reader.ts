/**
 * ChainReader: everything the product reads from Sui. Object reads go through one coalescing,
 * batching loader (≤ 50 ids per BatchGetObjects call), the epoch is cached briefly, events are
 * followed by cursor, and every call fails over across the configured endpoints.
 *
 * Answers are definitive or throw: a missing object, or one whose type is not exactly our package's,
 * reads as null; an endpoint that cannot answer throws ChainUnavailableError (never null).
 */
import type { SuiClientTypes } from '@mysten/sui/client';
import { normalizeSuiObjectId } from '@mysten/sui/utils';
import { BatchLoader } from './batcher.ts';
import { ChainClient, type CallHook } from './client.ts';
import { ChainUnavailableError } from './errors.ts';
import { eventFilter } from './events.ts';
import { followEvents, latestEventCursor, type EventSubscription, type FollowOptions } from './follower.ts';
import type { EventName } from './schema.ts';
import type { NetworkConfig } from './network.ts';
import {
  decodeSealToken,
  decodeStakePool,
  decodeStakeRecord,
  type RawObject,
  type SealTokenView,
  type StakePoolView,
  type StakeRecordView,
} from './objects.ts';
import { isSuiIdInput } from '../policy/formats.ts';

export { isExpired, type SealTokenView, type StakePoolView, type StakeRecordView } from './objects.ts';
export type { ChainEvent } from './events.ts';
export type { EventSubscription, FollowOptions } from './follower.ts';

export interface ChainReaderOptions {
  /** Share a ChainClient (e.g. with a ChainWriter); otherwise the reader makes its own. */
  client?: ChainClient;
  /** Per-RPC deadline for a client the reader makes (default 10 s). */
  timeoutMs?: number;
  onCall?: CallHook;
  /** How long a read epoch is reused (default 2000 ms). */
  epochTtlMs?: number;
  /** Batching window of the object loader (default 0: flush after the current I/O turn). */
  batchWindowMs?: number;
  /** Ids per BatchGetObjects call (default and maximum 50). */
  maxBatch?: number;
}

/** A per-object answer that is not an object and not "absent": the node could not say. */
class ObjectReadError extends Error {}

type Loaded = RawObject | null | ObjectReadError;

export class ChainReader {
  readonly network: NetworkConfig;
  readonly client: ChainClient;
  readonly #ownsClient: boolean;
  readonly #loader: BatchLoader<Loaded>;
  readonly #epochTtlMs: number;
  #epoch: { value: bigint; at: number } | null = null;
  #epochInflight: Promise<bigint> | null = null;

  constructor(net: NetworkConfig, opts: ChainReaderOptions = {}) {
    this.network = net;
    this.#ownsClient = !opts.client;
    this.client =
      opts.client ?? new ChainClient(net.endpoints, { timeoutMs: opts.timeoutMs, onCall: opts.onCall, network: net.name, chainId: net.chainId });
    if (opts.client && opts.onCall) opts.client.addCallHook(opts.onCall);
    this.#epochTtlMs = opts.epochTtlMs ?? 2000;
    this.#loader = new BatchLoader<Loaded>((ids) => this.#fetchObjects(ids), {
      maxBatch: Math.min(opts.maxBatch ?? 50, 50),
      windowMs: opts.batchWindowMs ?? 0,
    });
  }

  async getStakeRecords(ids: Iterable<string>): Promise<Map<string, StakeRecordView | null>> {
    return this.#getMany(ids, (obj) => decodeStakeRecord(obj, this.network.packageId));
  }

  async getSealTokens(ids: Iterable<string>): Promise<Map<string, SealTokenView | null>> {
    return this.#getMany(ids, (obj) => decodeSealToken(obj, this.network.packageId));
  }

  async getStakeRecord(id: string): Promise<StakeRecordView | null> {
    return (await this.getStakeRecords([id])).get(id) ?? null;
  }

  async getSealToken(id: string): Promise<SealTokenView | null> {
    return (await this.getSealTokens([id])).get(id) ?? null;
  }

  /** The network's StakePool (parameters, treasury); throws if the configured pool id is not one. */
  async getPool(): Promise<StakePoolView> {
    const id = this.network.poolId;
    const pool = (await this.#getMany([id], (obj) => decodeStakePool(obj, this.network.packageId))).get(id);
    if (!pool) throw new Error(`${id} is not the StakePool of package ${this.network.packageId}`);
    return pool;
  }

  /** The current epoch, reused for epochTtlMs; concurrent callers share one request. */
  async getEpoch(): Promise<bigint> {
    if (this.#epoch && performance.now() - this.#epoch.at < this.#epochTtlMs) return this.#epoch.value;
    this.#epochInflight ??= this.#fetchEpoch().finally(() => (this.#epochInflight = null));
    return this.#epochInflight;
  }

  /** Forgets the cached epoch (e.g. after an EpochChanged signal or in tests). */
  invalidateEpoch(): void {
    this.#epoch = null;
  }

  followEvents(opts: FollowOptions): EventSubscription {
    return followEvents(this.client, this.network.packageId, opts);
  }

  /**
   * The cursor of the newest event of ours (of `names`, if given), or null if there is none yet:
   * `followEvents({ after: await reader.latestEventCursor() })` follows from now on.
   */
  async latestEventCursor(names?: EventName[]): Promise<string | null> {
    const filter = eventFilter(this.network.packageId, names);
    return this.client.call('listEvents', (c) => latestEventCursor(c, filter));
  }

  /** Closes the connections, if the reader made its own client. */
  close(): void {
    if (this.#ownsClient) this.client.close();
  }

  async #getMany<V>(ids: Iterable<string>, decode: (obj: RawObject) => V | null): Promise<Map<string, V | null>> {
    const requested = [...ids];
    const valid = requested.filter((id) => isSuiIdInput(id));
    const loaded = await this.#loader.loadMany(new Set(valid.map((id) => normalizeSuiObjectId(id.toLowerCase()))));
    const out = new Map<string, V | null>();
    for (const id of requested) {
      if (!isSuiIdInput(id)) {
        out.set(id, null); // not an object id at all: certainly not one of ours
        continue;
      }
      const obj = loaded.get(normalizeSuiObjectId(id.toLowerCase()));
      if (obj instanceof ObjectReadError) {
        throw new ChainUnavailableError(obj.message, this.client.labels, { cause: obj });
      }
      out.set(id, obj ? decode(obj) : null);
    }
    return out;
  }

  async #fetchObjects(ids: string[]): Promise<Map<string, Loaded>> {
    const { objects } = await this.client.call('getObjects', (c) =>
      c.core.getObjects({ objectIds: ids, include: { content: true } }),
    );
    if (objects.length !== ids.length) {
      throw new ChainUnavailableError(`getObjects returned ${objects.length} results for ${ids.length} ids`, this.client.labels);
    }
    return new Map(ids.map((id, i) => [id, toRawObject(id, objects[i]!)]));
  }

  async #fetchEpoch(): Promise<bigint> {
    const response = await this.client.call('getEpoch', async (c) => {
      const call = await c.ledgerService.getEpoch({ readMask: { paths: ['epoch'] } });
      return call.response;
    });
    const value = response.epoch?.epoch;
    if (value === undefined) throw new ChainUnavailableError('getEpoch returned no epoch', this.client.labels);
    this.#epoch = { value, at: performance.now() };
    return value;
  }
}

/** One getObjects result: the object, null when it does not exist, or an error the node reported. */
function toRawObject(id: string, result: SuiClientTypes.Object<{ content: true }> | Error): Loaded {
  if (result instanceof Error) {
    const code = (result as { code?: unknown }).code;
    if (code === 'notExists') return null;
    return new ObjectReadError(`reading ${id}: ${result.message}`);
  }
  if (!(result.content instanceof Uint8Array)) return new ObjectReadError(`reading ${id}: the node returned no contents`);
  const owner = result.owner;
  return {
    objectId: result.objectId,
    type: result.type,
    version: result.version,
    addressOwner: owner?.$kind === 'AddressOwner' ? owner.AddressOwner : null,
    content: result.content,
  };
}
