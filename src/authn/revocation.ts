/**
 * Keeps the decision cache honest: chain events that end or change a stake drop the entries that
 * depend on it at once, and so does any change to a node's SealBinding. The cache's own TTL is only
 * the fallback for when events cannot be read (chain unreachable).
 */
import type { ChainEvent, EventSubscription, FollowOptions } from '../chain/reader.ts';
import type { EventName } from '../chain/schema.ts';
import type { BindingSource } from './bindings.ts';
import type { DecisionCache } from './cache.ts';

/** Events that revoke (slash, unstake, withdraw, revoke) or re-tier (top-up) a stake. */
export const REVOCATION_EVENTS = ['StakeSlashed', 'UnstakeRequested', 'StakeWithdrawn', 'SealTokenRevoked', 'StakeToppedUp'] as const satisfies readonly EventName[];

/** Drops the cache entries an event invalidates; returns how many went. */
export function dropForEvent(cache: DecisionCache, event: ChainEvent): number {
  switch (event.name) {
    case 'StakeSlashed':
    case 'UnstakeRequested':
    case 'StakeWithdrawn':
    case 'StakeToppedUp':
      return cache.dropRecord(event.fields.record_id);
    case 'SealTokenRevoked':
      return cache.dropToken(event.fields.token_id) + cache.dropRecord(event.fields.record_id);
    default:
      return 0;
  }
}

export interface RevocationOptions {
  cache: DecisionCache;
  /** ChainReader.followEvents (or a test double). */
  followEvents(opts: FollowOptions): EventSubscription;
  bindings: BindingSource;
  /** Resume point (ChainReader.latestEventCursor() to follow from now on); null: from the beginning. */
  after?: string | null;
  /** Poll interval of the event follower once caught up, ms. */
  pollMs: number;
  onDrop?(cause: string, dropped: number): void;
  /** Every followed event, after the cache drop: the authorization webhook's RevokedSet reads the same feed. */
  onEvent?(event: ChainEvent): void;
  onError?(error: unknown): void;
}

export interface RevocationWatch {
  stop(): Promise<void>;
}

export function watchRevocations(options: RevocationOptions): RevocationWatch {
  const { cache } = options;
  const subscription = options.followEvents({
    // Without a resume point, from the start of the package's history: the cache starts empty, so
    // replaying only costs reads, and no revocation is ever skipped.
    after: options.after ?? null,
    names: [...REVOCATION_EVENTS],
    pollMs: options.pollMs,
    onEvent: (event) => {
      const dropped = dropForEvent(cache, event); // not inside `onDrop?.(...)`: that skips its arguments
      options.onDrop?.(event.name, dropped);
      options.onEvent?.(event);
    },
    onError: options.onError,
  });
  const unsubscribe = options.bindings.onChange((node) => {
    const dropped = cache.dropNode(node);
    options.onDrop?.('SealBindingChanged', dropped);
  });
  return {
    stop: async () => {
      unsubscribe();
      await subscription.stop();
    },
  };
}
