/**
 * `sui.rpc.v2.LedgerService`: service info, objects (single and batched), transactions, the epoch
 * (reference gas price, protocol config, system state) and the event and transaction queries.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { GAS_UNITS_PER_TRANSACTION } from '../gas.ts';
import type { Ledger } from '../ledger.ts';
import type { SimStats } from '../stats.ts';
import type { SimEvent } from '../types.ts';
import { invalidArgument, notFound } from './errors.ts';
import { applyMask } from './mask.ts';
import { dnfMatcher, queryFrames, type Filterable } from './query.ts';
import { renderEvent, renderObject } from './render.ts';
import { protoTimestamp } from '../wire.ts';

const OBJECT_DEFAULTS = ['object_id', 'version', 'digest'];
const TRANSACTION_DEFAULTS = ['digest'];
const EPOCH_DEFAULTS = ['epoch'];
const EVENT_DEFAULTS = ['package_id', 'module', 'sender', 'event_type', 'checkpoint', 'transaction_digest', 'event_index'];
const MAX_BATCH = 1000;
/** The protocol version sui-sim reports (its behaviour does not change with it). */
export const PROTOCOL_VERSION = 1n;

type Stream<T> = { send(message: T): Promise<void> };

export function ledgerService(ledger: Ledger, stats: SimStats, server: string) {
  const method = (name: string) => `sui.rpc.v2.LedgerService/${name}`;

  function objectOrError(request: GrpcTypes.GetObjectRequest): GrpcTypes.Object | Error {
    if (!request.objectId) return invalidArgument('object_id is required');
    const object = ledger.getObject(request.objectId);
    if (!object) return notFound(`Object ${normalizeSuiAddress(request.objectId)} not found`);
    if (request.version !== undefined && request.version !== object.version) {
      return notFound(`Object ${object.id} at version ${request.version} not found (sui-sim keeps live versions only)`);
    }
    return renderObject(object);
  }

  return {
    getServiceInfo(): GrpcTypes.GetServiceInfoResponse {
      return {
        chainId: ledger.genesis.chainId,
        chain: 'sui-sim',
        epoch: ledger.epoch.epoch,
        checkpointHeight: ledger.checkpoint,
        timestamp: protoTimestamp(BigInt(Date.now())),
        lowestAvailableCheckpoint: 0n,
        lowestAvailableCheckpointObjects: 0n,
        server,
      };
    },

    getObject(request: GrpcTypes.GetObjectRequest): GrpcTypes.GetObjectResponse {
      stats.countObjectReads(method('GetObject'), 1);
      const object = objectOrError(request);
      if (object instanceof Error) throw object;
      return { object: applyMask(GrpcTypes.Object, object, request.readMask?.paths, OBJECT_DEFAULTS) };
    },

    batchGetObjects(request: GrpcTypes.BatchGetObjectsRequest): GrpcTypes.BatchGetObjectsResponse {
      if (request.requests.length > MAX_BATCH) throw invalidArgument(`at most ${MAX_BATCH} objects per batch`);
      stats.countObjectReads(method('BatchGetObjects'), request.requests.length);
      return {
        objects: request.requests.map((r): GrpcTypes.GetObjectResult => {
          const object = objectOrError(r);
          if (object instanceof Error) {
            const code = (object as { code?: string }).code === 'NOT_FOUND' ? 5 : 3;
            return { result: { oneofKind: 'error', error: { code, message: object.message, details: [] } } };
          }
          const masked = applyMask(GrpcTypes.Object, object, request.readMask?.paths ?? r.readMask?.paths, OBJECT_DEFAULTS);
          return { result: { oneofKind: 'object', object: masked } };
        }),
      };
    },

    getTransaction(request: GrpcTypes.GetTransactionRequest): GrpcTypes.GetTransactionResponse {
      const tx = request.digest ? ledger.getTransaction(request.digest) : undefined;
      if (!tx) throw notFound(`Transaction ${request.digest ?? ''} not found`);
      return { transaction: applyMask(GrpcTypes.ExecutedTransaction, tx, request.readMask?.paths, TRANSACTION_DEFAULTS) };
    },

    batchGetTransactions(request: GrpcTypes.BatchGetTransactionsRequest): GrpcTypes.BatchGetTransactionsResponse {
      if (request.digests.length > MAX_BATCH) throw invalidArgument(`at most ${MAX_BATCH} transactions per batch`);
      return {
        transactions: request.digests.map((digest): GrpcTypes.GetTransactionResult => {
          const tx = ledger.getTransaction(digest);
          if (!tx) return { result: { oneofKind: 'error', error: { code: 5, message: `Transaction ${digest} not found`, details: [] } } };
          const masked = applyMask(GrpcTypes.ExecutedTransaction, tx, request.readMask?.paths, TRANSACTION_DEFAULTS);
          return { result: { oneofKind: 'transaction', transaction: masked } };
        }),
      };
    },

    getEpoch(request: GrpcTypes.GetEpochRequest): GrpcTypes.GetEpochResponse {
      if (request.epoch !== undefined && request.epoch > ledger.epoch.epoch) throw notFound(`Epoch ${request.epoch} not found`);
      return { epoch: applyMask(GrpcTypes.Epoch, renderEpoch(ledger, request.epoch), request.readMask?.paths, EPOCH_DEFAULTS) };
    },

    async listEvents(request: GrpcTypes.ListEventsRequest, responses: Stream<GrpcTypes.ListEventsResponse>): Promise<void> {
      stats.noteEventFilter(eventTypesOf(request.filter));
      const matches = dnfMatcher(request.filter, eventFacts);
      const inRange = (e: SimEvent) =>
        (request.startCheckpoint === undefined || e.checkpoint >= request.startCheckpoint) &&
        (request.endCheckpoint === undefined || e.checkpoint < request.endCheckpoint);
      const frames = queryFrames(ledger.events, (e) => e.seq, (e) => inRange(e) && matches(e), request.options, (e) => e.checkpoint);
      for (const frame of frames) {
        await responses.send({
          event: frame.item ? applyMask(GrpcTypes.Event, renderEvent(frame.item), request.readMask?.paths, EVENT_DEFAULTS) : undefined,
          watermark: frame.watermark,
          end: frame.end,
        });
      }
    },

    async listTransactions(request: GrpcTypes.ListTransactionsRequest, responses: Stream<GrpcTypes.ListTransactionsResponse>): Promise<void> {
      const all = ledger.allTransactions().map((tx, position) => ({ tx, position }));
      const matches = dnfMatcher(request.filter, (item: { tx: GrpcTypes.ExecutedTransaction }) => transactionFacts(item.tx));
      const frames = queryFrames(all, (i) => i.position, matches, request.options, (i) => i.tx.checkpoint ?? 0n);
      for (const frame of frames) {
        await responses.send({
          transaction: frame.item
            ? applyMask(GrpcTypes.ExecutedTransaction, frame.item.tx, request.readMask?.paths, TRANSACTION_DEFAULTS)
            : undefined,
          watermark: frame.watermark,
          end: frame.end,
        });
      }
    },
  };
}

export function eventFacts(e: SimEvent): Filterable {
  return { sender: e.sender, emitModules: [{ packageId: e.packageId, module: e.module }], eventTypes: [e.type] };
}

export function transactionFacts(tx: GrpcTypes.ExecutedTransaction): Filterable {
  const events = tx.events?.events ?? [];
  const changed = tx.effects?.changedObjects ?? [];
  const ptb = tx.transaction?.kind?.data;
  const commands = ptb?.oneofKind === 'programmableTransaction' ? ptb.programmableTransaction.commands : [];
  const owners = changed.flatMap((c) => [c.inputOwner?.address, c.outputOwner?.address]).filter((a): a is string => !!a);
  return {
    sender: tx.transaction?.sender ?? '',
    emitModules: events.map((e) => ({ packageId: e.packageId ?? '', module: e.module ?? '' })),
    eventTypes: events.map((e) => e.eventType ?? ''),
    moveCalls: commands.flatMap((c) =>
      c.command.oneofKind === 'moveCall'
        ? [
            {
              packageId: normalizeSuiAddress(c.command.moveCall.package ?? ''),
              module: c.command.moveCall.module ?? '',
              function: c.command.moveCall.function ?? '',
            },
          ]
        : [],
    ),
    affectedObjects: changed.map((c) => c.objectId ?? ''),
    affectedAddresses: owners,
  };
}

function renderEpoch(ledger: Ledger, epoch: bigint | undefined): GrpcTypes.Epoch {
  const e = ledger.epoch;
  const current = epoch === undefined || epoch === e.epoch;
  return {
    epoch: epoch ?? e.epoch,
    referenceGasPrice: e.referenceGasPrice,
    start: current ? protoTimestamp(e.startTimestampMs) : undefined,
    protocolConfig: {
      protocolVersion: PROTOCOL_VERSION,
      featureFlags: {},
      attributes: { min_transaction_cost_units: GAS_UNITS_PER_TRANSACTION.toString() },
      configs: {},
    },
    systemState: {
      version: 2n,
      epoch: epoch ?? e.epoch,
      protocolVersion: PROTOCOL_VERSION,
      referenceGasPrice: e.referenceGasPrice,
      epochStartTimestampMs: current ? e.startTimestampMs : undefined,
      safeMode: false,
      safeModeStorageRewards: 0n,
      safeModeComputationRewards: 0n,
      safeModeStorageRebates: 0n,
      safeModeNonRefundableStorageFee: 0n,
      parameters: { epochDurationMs: 86_400_000n, stakeSubsidyStartEpoch: 0n, maxValidatorCount: 1n },
      storageFund: { totalObjectStorageRebates: 0n, nonRefundableBalance: 0n },
      validatorReportRecords: [],
    },
  };
}

/** The event types a ListEvents filter names (its eventType literals), for the stats' filter count. */
function eventTypesOf(filter: GrpcTypes.EventFilter | undefined): string[] {
  const types: string[] = [];
  for (const term of filter?.terms ?? []) {
    for (const literal of term.literals ?? []) {
      if (literal.predicate?.oneofKind === 'eventType') types.push(literal.predicate.eventType.eventType ?? '');
    }
  }
  return types;
}
