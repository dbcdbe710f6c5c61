/**
 * Keeps the decision cache honest: chain events that end or change a stake drop the entries that
 * depend on it at once, and so does any change to a node's SealBinding. The cache's own TTL is only
 * the fallback for when events cannot be read (chain unreachable).
 */
import type { ChainEvent } from '../chain/reader.ts';
import type { EventName } from '../chain/schema.ts';
import type { BindingSource } from '../feeds/bindings.ts';
import type { EventFeed } from '../feeds/events.ts';
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
  /** The process's chain event feed (src/feeds/events.ts), or a test double. */
  events: EventFeed;
  bindings: BindingSource;
  onDrop?(cause: string, dropped: number): void;
}

export interface RevocationWatch {
  stop(): Promise<void>;
}

export function watchRevocations(options: RevocationOptions): RevocationWatch {
  const { cache } = options;
  const unfollow = options.events.subscribe(REVOCATION_EVENTS, (event) => {
    const dropped = dropForEvent(cache, event); // not inside `onDrop?.(...)`: that skips its arguments
    options.onDrop?.(event.name, dropped);
  });
  const unsubscribe = options.bindings.onChange((node) => {
    const dropped = cache.dropNode(node);
    options.onDrop?.('SealBindingChanged', dropped);
  });
  return {
    stop: async () => {
      unsubscribe();
      unfollow();
    },
  };
}
