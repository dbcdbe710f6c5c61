/**
 * The process's one chain event feed: a single follower of the package's events, handing each event
 * to every subscriber that asked for its name (the authn cache drops, the authorization webhook's
 * revoked set, the controller's work queue). One poller, one cursor, whatever the number of readers.
 *
 * It follows from the newest event at start (everything older is covered by empty caches and the
 * controller's resync); if the chain is down at start, from the beginning rather than not at all.
 */
import type { ChainEvent, EventSubscription, FollowOptions } from '../chain/reader.ts';
import type { EventName } from '../chain/schema.ts';

export interface EventSource {
  latestEventCursor(names?: EventName[]): Promise<string | null>;
  followEvents(options: FollowOptions): EventSubscription;
}

export interface EventFeed {
  /** Calls `onEvent` for every followed event named in `names`; returns the unsubscribe. */
  subscribe(names: readonly EventName[], onEvent: (event: ChainEvent) => void): () => void;
}

export interface ChainEventFeed extends EventFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EventFeedOptions {
  pollMs: number;
  onError?(error: unknown): void;
}

interface Subscriber {
  names: ReadonlySet<string>;
  onEvent(event: ChainEvent): void;
}

export function createEventFeed(source: EventSource, options: EventFeedOptions): ChainEventFeed {
  const subscribers = new Set<Subscriber>();
  let subscription: EventSubscription | undefined;
  const deliver = (event: ChainEvent): void => {
    for (const subscriber of subscribers) {
      if (!subscriber.names.has(event.name)) continue;
      // One subscriber's failure must not keep the event from the others, nor replay it to them.
      try {
        subscriber.onEvent(event);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  return {
    subscribe(names, onEvent) {
      const subscriber: Subscriber = { names: new Set(names), onEvent };
      subscribers.add(subscriber);
      return () => void subscribers.delete(subscriber);
    },
    async start() {
      if (subscription) return;
      const after = await source.latestEventCursor().catch(() => null);
      subscription = source.followEvents({ after, pollMs: options.pollMs, onEvent: deliver, onError: options.onError });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
