/**
 * A fake full node for unit tests: an RpcTransport that the real SuiGrpcClient sends its requests
 * to, answering BatchGetObjects, GetEpoch and ListEvents from memory and counting calls. The e2e
 * tests use the real sui-sim; this only lets the pure parts (batching, cursors) be tested fast.
 */
import { MAX_OBJECTS_PER_CALL } from '../../../src/chain/reader.ts';
import { GrpcTypes, SuiGrpcClient } from '@mysten/sui/grpc';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { UnaryCall, type MethodInfo, type RpcMetadata } from '@protobuf-ts/runtime-rpc';
import type { Endpoint } from '../../../src/chain/client.ts';
import { HEADERS } from '../../../src/chain/consistency.ts';

export interface FakeObject {
  type: string;
  content: Uint8Array;
  owner: { kind: 'address'; address: string } | { kind: 'shared' };
  version?: bigint;
}

export interface FakeEvent {
  eventType: string;
  contents: Uint8Array;
  transactionDigest: string;
  checkpoint: bigint;
  eventIndex: number;
}

type Status = { code: string; message: string };

export class FakeNode {
  objects = new Map<string, FakeObject>();
  events: FakeEvent[] = [];
  epoch = 0n;
  /** Largest page ListEvents returns, whatever the limit asked. */
  maxEventPage = 1000;
  /** When set, every call fails with this gRPC status (e.g. UNAVAILABLE). */
  down: Status | null = null;
  calls: Array<{ method: string; input: unknown }> = [];
  /** The `x-sui-*` response headers: the chain and how far this node has synced (null: none sent). */
  chainId: string | null = 'fake-chain';
  checkpoint = 0n;
  /** Resolves requests only when release() is called (for coalescing tests), if true. */
  hold = false;
  #held: Array<() => void> = [];

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const go of held) go();
  }

  endpoint(url = 'http://fake.invalid:1'): Endpoint {
    return { url, client: new SuiGrpcClient({ network: 'fake', transport: this.transport() as never }), close: () => {} };
  }

  transport() {
    return {
      mergeOptions: (options?: object) => ({ ...(options ?? {}) }),
      unary: (method: MethodInfo, input: object) => {
        this.calls.push({ method: method.name, input });
        const headers = this.#headers(); // as a full node: taken when the call starts
        const response = (async () => {
          if (this.hold) await new Promise<void>((go) => this.#held.push(go));
          if (this.down) throw rpcError(this.down);
          return this.#unary(method.name, input) as object;
        })();
        const after = <T>(value: T) => response.then(() => value);
        return new UnaryCall(method, {}, input, after(headers), response, after({ code: 'OK', detail: '' }), after({}));
      },
      serverStreaming: (method: { name: string }, input: unknown) => {
        this.calls.push({ method: method.name, input });
        const frames = async function* (node: FakeNode) {
          if (node.down) throw rpcError(node.down);
          yield* node.#listEvents(input as GrpcTypes.ListEventsRequest);
        };
        return { responses: frames(this) };
      },
      clientStreaming: () => {
        throw new Error('not faked');
      },
      duplex: () => {
        throw new Error('not faked');
      },
    };
  }

  #headers(): RpcMetadata {
    if (this.chainId === null) return {};
    return { [HEADERS.chainId]: this.chainId, [HEADERS.checkpointHeight]: this.checkpoint.toString(), [HEADERS.epoch]: this.epoch.toString() };
  }

  #unary(name: string, input: unknown): unknown {
    if (name === 'BatchGetObjects') return this.#batchGet(input as GrpcTypes.BatchGetObjectsRequest);
    if (name === 'GetEpoch') return { epoch: { epoch: this.epoch } };
    throw rpcError({ code: 'UNIMPLEMENTED', message: `${name} is not faked` });
  }

  #batchGet(input: GrpcTypes.BatchGetObjectsRequest): GrpcTypes.BatchGetObjectsResponse {
    // A full node's gRPC BatchGetObjects counts no ids (src/chain/reader.ts OBJECTS_PER_CALL); the fake
    // refuses more than the reader's own cap, so a reader that ignores it fails here.
    if (input.requests.length > MAX_OBJECTS_PER_CALL) throw rpcError({ code: 'INVALID_ARGUMENT', message: 'too many ids' });
    return {
      objects: input.requests.map((req) => {
        const id = normalizeSuiAddress(req.objectId!);
        const obj = this.objects.get(id);
        if (!obj) return { result: { oneofKind: 'error', error: { code: 5, message: `object ${id} not found`, details: [] } } };
        return {
          result: {
            oneofKind: 'object',
            object: {
              objectId: id,
              version: obj.version ?? 1n,
              digest: '11111111111111111111111111111111',
              objectType: obj.type,
              owner:
                obj.owner.kind === 'address'
                  ? { kind: GrpcTypes.Owner_OwnerKind.ADDRESS, address: obj.owner.address }
                  : { kind: GrpcTypes.Owner_OwnerKind.SHARED, version: 1n },
              contents: { name: obj.type, value: obj.content },
              balanceChanges: [],
            },
          },
        } as GrpcTypes.GetObjectResult;
      }),
    };
  }

  /** Cursor = 4-byte big-endian count of events scanned; resuming after it starts at that index. */
  *#listEvents(input: GrpcTypes.ListEventsRequest): Generator<GrpcTypes.ListEventsResponse> {
    if (input.options?.ordering === GrpcTypes.Ordering.DESCENDING) {
      yield* this.#latest(input);
      return;
    }
    const after = input.options?.after;
    const start = after ? new DataView(after.buffer, after.byteOffset).getUint32(0) : 0;
    const limit = Math.min(input.options?.limit ?? 50, this.maxEventPage);
    const types = (input.filter?.terms ?? []).flatMap((t) =>
      t.literals.map((l) => (l.predicate.oneofKind === 'eventType' ? l.predicate.eventType.eventType! : '')),
    );
    const matches = (type: string) => types.length === 0 || types.some((t) => type === t || type.startsWith(`${t}::`));
    let sent = 0;
    let scanned = start;
    for (let i = start; i < this.events.length; i++) {
      scanned = i + 1;
      const event = this.events[i]!;
      if (!matches(event.eventType)) continue;
      sent++;
      const last = sent === limit;
      yield {
        event: { ...event, contents: { value: event.contents } },
        watermark: { cursor: cursorBytes(i + 1) },
        end: last ? { reason: GrpcTypes.QueryEndReason.ITEM_LIMIT } : undefined,
      };
      if (last) return;
    }
    yield { watermark: { cursor: cursorBytes(scanned) }, end: { reason: GrpcTypes.QueryEndReason.LEDGER_TIP } };
  }

  /** Descending, limit 1: the newest matching event (all this fake supports of descending reads). */
  *#latest(input: GrpcTypes.ListEventsRequest): Generator<GrpcTypes.ListEventsResponse> {
    const types = (input.filter?.terms ?? []).flatMap((t) =>
      t.literals.map((l) => (l.predicate.oneofKind === 'eventType' ? l.predicate.eventType.eventType! : '')),
    );
    for (let i = this.events.length - 1; i >= 0; i--) {
      const event = this.events[i]!;
      if (types.length && !types.some((t) => event.eventType === t || event.eventType.startsWith(`${t}::`))) continue;
      yield { event: { ...event, contents: { value: event.contents } }, watermark: { cursor: cursorBytes(i + 1) }, end: { reason: GrpcTypes.QueryEndReason.ITEM_LIMIT } };
      return;
    }
    yield { watermark: { cursor: cursorBytes(0) }, end: { reason: GrpcTypes.QueryEndReason.LEDGER_TIP } };
  }
}

function cursorBytes(position: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, position);
  return bytes;
}

function rpcError(status: Status): Error {
  return Object.assign(new Error(status.message), { name: 'RpcError', code: status.code });
}
