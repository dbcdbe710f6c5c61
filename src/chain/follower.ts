/**
 * Follows our package's events by cursor. It reads pages of ListEvents (ascending, strictly after
 * the cursor), hands each event to `onEvent` in ledger order, and advances the cursor only after
 * `onEvent` returned, so a saved cursor resumes with no gap and no repeat. If `onEvent` throws, the
 * cursor stays before that event and the event is delivered again on the next poll.
 *
 * A page is read whole before any event is delivered, so failing over to another endpoint in the
 * middle of a page cannot deliver an event twice.
 */
import { GrpcTypes, type SuiGrpcClient } from '@mysten/sui/grpc';
import { fromBase64, toBase64 } from '@mysten/sui/utils';
import type { ChainClient } from './client.ts';
import { decodeEvent, eventFilter, type ChainEvent, type RawEvent } from './events.ts';
import type { EventName } from './schema.ts';

export interface FollowOptions {
  /** Resume after this cursor (from ChainEvent.cursor or subscription.cursor()); null: from genesis. */
  after?: string | null;
  /** Only these events (default: all of the package's events). */
  names?: EventName[];
  /** Pause between polls once caught up (default 1000 ms). */
  pollMs?: number;
  /** Events per ListEvents call (default 100; the node may return fewer). */
  pageSize?: number;
  onEvent(event: ChainEvent): void | Promise<void>;
  /** A failed poll or a throwing onEvent; the follower keeps going (default: ignored). */
  onError?(error: unknown): void;
}

export interface EventSubscription {
  /** Stops polling; resolves once the loop has ended (no onEvent runs after that). */
  stop(): Promise<void>;
  /** The resume point: the cursor after the last event delivered (or the scan frontier). */
  cursor(): string | null;
}

interface PageItem {
  raw: RawEvent;
  cursor: string;
}

interface Page {
  items: PageItem[];
  /** The last watermark: everything up to it has been scanned. */
  frontier: string | null;
  /** The node stopped at a limit, so there is more to read right away. */
  more: boolean;
}

const READ_MASK = ['package_id', 'module', 'sender', 'event_type', 'contents', 'checkpoint', 'transaction_digest', 'event_index'];

/** Reads one page of events strictly after `after` through one endpoint. */
export async function readEventPage(
  client: SuiGrpcClient,
  request: { filter: GrpcTypes.EventFilter; after: string | null; limit: number; signal?: AbortSignal },
): Promise<Page> {
  const call = client.ledgerService.listEvents(
    {
      readMask: { paths: READ_MASK },
      filter: request.filter,
      options: {
        limit: request.limit,
        ordering: GrpcTypes.Ordering.ASCENDING,
        after: request.after ? fromBase64(request.after) : undefined,
      },
    },
    { abort: request.signal },
  );
  const items: PageItem[] = [];
  let frontier: string | null = null;
  let reason: GrpcTypes.QueryEndReason | undefined;
  for await (const frame of call.responses) {
    if (frame.watermark?.cursor) frontier = toBase64(frame.watermark.cursor);
    if (frame.event) {
      if (!frame.watermark?.cursor) throw new Error('ListEvents returned an event without a resume cursor');
      items.push({ raw: toRawEvent(frame.event), cursor: frontier! });
    }
    if (frame.end) reason = frame.end.reason;
  }
  const more = reason === GrpcTypes.QueryEndReason.ITEM_LIMIT || reason === GrpcTypes.QueryEndReason.SCAN_LIMIT;
  return { items, frontier, more };
}

/**
 * The cursor of the newest event matching `filter`, or null when there is none: following from it
 * delivers only events that come later ("from now on").
 */
export async function latestEventCursor(client: SuiGrpcClient, filter: GrpcTypes.EventFilter): Promise<string | null> {
  const call = client.ledgerService.listEvents({
    readMask: { paths: ['event_type'] },
    filter,
    options: { limit: 1, ordering: GrpcTypes.Ordering.DESCENDING },
  });
  let cursor: string | null = null;
  for await (const frame of call.responses) {
    if (frame.event && frame.watermark?.cursor && cursor === null) cursor = toBase64(frame.watermark.cursor);
  }
  return cursor;
}

function toRawEvent(event: GrpcTypes.Event): RawEvent {
  return {
    eventType: event.eventType ?? '',
    contents: event.contents?.value ?? new Uint8Array(),
    transactionDigest: event.transactionDigest ?? '',
    checkpoint: event.checkpoint ?? null,
    eventIndex: event.eventIndex ?? 0,
  };
}

/**
 * Runs `fn` with a signal of its own that follows `parent` only while `fn` runs. The gRPC transport
 * adds an 'abort' listener to the signal of every call and never removes it: on the follower's
 * long-lived signal each poll's listener, and the finished call it holds, stayed for the life of the
 * process (+12 MB a minute in `serve`, bench/soak).
 */
export async function withCallSignal<T>(parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const call = new AbortController();
  const forward = () => call.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  try {
    return await fn(call.signal);
  } finally {
    parent.removeEventListener('abort', forward);
  }
}

export function followEvents(client: ChainClient, packageId: string, opts: FollowOptions): EventSubscription {
  const filter = eventFilter(packageId, opts.names);
  const wanted = opts.names?.length ? new Set<EventName>(opts.names) : null;
  const pollMs = opts.pollMs ?? 1000;
  const limit = opts.pageSize ?? 100;
  const abort = new AbortController();
  let cursor = opts.after ?? null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  /** Delivers a page in order; returns false if it stopped early (stop() or a throwing onEvent). */
  const deliver = async (page: Page): Promise<boolean> => {
    for (const item of page.items) {
      if (abort.signal.aborted) return false;
      const event = decodeEvent(item.raw, packageId, item.cursor);
      if (event && (!wanted || wanted.has(event.name))) await opts.onEvent(event);
      cursor = item.cursor;
    }
    return true;
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      let more = false;
      try {
        const page = await client.call('listEvents', (c) => withCallSignal(abort.signal, (signal) => readEventPage(c, { filter, after: cursor, limit, signal })));
        if ((await deliver(page)) && page.frontier && !abort.signal.aborted) cursor = page.frontier;
        more = page.more;
      } catch (error) {
        if (abort.signal.aborted) break;
        opts.onError?.(error);
      }
      if (!more && !abort.signal.aborted) await sleep(pollMs);
    }
  };

  const running = loop();
  return {
    cursor: () => cursor,
    stop: async () => {
      abort.abort();
      wake?.();
      await running;
    },
  };
}
