/**
 * ChainReader: everything the product reads from Sui. Object reads go through one coalescing,
 * batching loader (≤ OBJECTS_PER_CALL ids per BatchGetObjects call), the epoch is cached briefly,
 * events are followed by cursor, and every call fails over across the configured endpoints.
 *
 * Answers are definitive or throw: a missing object, or one whose type is not exactly our package's,
 * reads as null; an endpoint that cannot answer throws ChainUnavailableError (never null).
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeStructTag, normalizeSuiObjectId } from '@mysten/sui/utils';
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
  /** Ids per BatchGetObjects call (default OBJECTS_PER_CALL, at most MAX_OBJECTS_PER_CALL). */
  maxBatch?: number;
}

/**
 * Ids per BatchGetObjects call. `core.getObjects` of @mysten/sui splits at 50, JSON-RPC's
 * multiGetObjects limit (QUERY_MAX_RESULT_LIMIT); a full node's gRPC BatchGetObjects has no count
 * limit of its own (sui-rpc-api, grpc/v2/ledger_service/get_object.rs: each id is validated, the
 * batch is not counted; the gRPC message size bounds it, and 100 stake records are ~40 KB). So the
 * reader calls BatchGetObjects itself with 100: a full resync of 10,000 bindings is 100 reads, not
 * 200 (issue 14, bench/scale).
 */
export const OBJECTS_PER_CALL = 100;
export const MAX_OBJECTS_PER_CALL = 1000;
/** What a read asks for: exactly the fields RawObject holds. */
const OBJECT_READ_MASK = ['object_id', 'version', 'owner', 'object_type', 'contents'];

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
      maxBatch: Math.min(opts.maxBatch ?? OBJECTS_PER_CALL, MAX_OBJECTS_PER_CALL),
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
    const { objects } = await this.client.call('getObjects', async (c) => {
      const call = await c.ledgerService.batchGetObjects({ requests: ids.map((objectId) => ({ objectId })), readMask: { paths: OBJECT_READ_MASK } });
      return call.response;
    });
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

/** google.rpc.Code NOT_FOUND: the node's answer for an object that does not exist. */
const GRPC_NOT_FOUND = 5;

/** One BatchGetObjects result: the object, null when it does not exist, or an error the node reported. */
function toRawObject(id: string, result: GrpcTypes.GetObjectResult): Loaded {
  const answer = result.result;
  if (answer.oneofKind === 'error') {
    if (answer.error.code === GRPC_NOT_FOUND) return null;
    return new ObjectReadError(`reading ${id}: ${answer.error.message}`);
  }
  if (answer.oneofKind !== 'object') return new ObjectReadError(`reading ${id}: the node returned neither an object nor an error`);
  const object = answer.object;
  const content = object.contents?.value;
  if (!(content instanceof Uint8Array)) return new ObjectReadError(`reading ${id}: the node returned no contents`);
  const type = object.objectType ?? '';
  return {
    objectId: object.objectId ?? id,
    type: type.includes('::') ? normalizeStructTag(type) : type,
    version: object.version?.toString() ?? '',
    addressOwner: object.owner?.kind === GrpcTypes.Owner_OwnerKind.ADDRESS ? (object.owner.address ?? null) : null,
    content,
  };
}
