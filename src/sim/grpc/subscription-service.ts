/**
 * `sui.rpc.v2.SubscriptionService`: live streams of new events and transactions (from the moment of
 * subscribing, filtered like the list queries). Each stream stays open until the client cancels it
 * or the sim stops. Checkpoint streams are not served.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import type { Ledger } from '../ledger.ts';
import { eventFacts, transactionFacts } from './ledger-service.ts';
import { applyMask } from './mask.ts';
import { dnfMatcher, encodeCursor } from './query.ts';
import { renderEvent } from './render.ts';

type Stream<T> = { send(message: T): Promise<void> };
type Context = { onCancel(cb: () => void): () => void; cancelled: boolean };

const EVENT_DEFAULTS = ['package_id', 'module', 'sender', 'event_type', 'checkpoint', 'transaction_digest', 'event_index'];

export function subscriptionService(ledger: Ledger, closing: AbortSignal) {
  /** Runs `attach` until the call is cancelled or the sim closes. */
  function hold(context: Context, attach: () => () => void): Promise<void> {
    return new Promise((resolve) => {
      if (context.cancelled || closing.aborted) return resolve();
      const detach = attach();
      const done = () => {
        detach();
        resolve();
      };
      context.onCancel(done);
      closing.addEventListener('abort', done, { once: true });
    });
  }

  return {
    subscribeEvents(request: GrpcTypes.SubscribeEventsRequest, responses: Stream<GrpcTypes.SubscribeEventsResponse>, context: Context) {
      const matches = dnfMatcher(request.filter, eventFacts);
      return hold(context, () =>
        ledger.subscribe({
          onEvent(event) {
            if (!matches(event)) return;
            void responses.send({
              event: applyMask(GrpcTypes.Event, renderEvent(event), request.readMask?.paths, EVENT_DEFAULTS),
              watermark: { cursor: encodeCursor(event.seq), checkpoint: event.checkpoint },
            });
          },
        }),
      );
    },

    subscribeTransactions(
      request: GrpcTypes.SubscribeTransactionsRequest,
      responses: Stream<GrpcTypes.SubscribeTransactionsResponse>,
      context: Context,
    ) {
      const matches = dnfMatcher(request.filter, transactionFacts);
      return hold(context, () =>
        ledger.subscribe({
          onTransaction(tx) {
            if (!matches(tx)) return;
            void responses.send({
              transaction: applyMask(GrpcTypes.ExecutedTransaction, tx, request.readMask?.paths, ['digest']),
              watermark: { checkpoint: tx.checkpoint },
            });
          },
        }),
      );
    },
  };
}
