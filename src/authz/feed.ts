/**
 * Which chain events put ids into the RevokedSet: the revocations among the events of the process's
 * chain event feed (src/feeds/events.ts). A StakeToppedUp only re-tiers a stake: not a revocation.
 */
import type { ChainEvent } from '../chain/reader.ts';
import type { EventName } from '../chain/schema.ts';
import type { RevokedSet } from './revoked.ts';

/** The events revokeForEvent acts on: what the authz component subscribes to on the shared feed. */
export const REVOKING_EVENTS = ['StakeSlashed', 'UnstakeRequested', 'StakeWithdrawn', 'SealTokenRevoked'] as const satisfies readonly EventName[];

/** Records the ids `event` revokes; returns how many (0 for events that revoke nothing). */
export function revokeForEvent(revoked: Pick<RevokedSet, 'add'>, event: ChainEvent): number {
  switch (event.name) {
    case 'StakeSlashed':
    case 'UnstakeRequested':
    case 'StakeWithdrawn':
      revoked.add(event.fields.record_id, event.name);
      return 1;
    case 'SealTokenRevoked':
      revoked.add(event.fields.token_id, event.name);
      return 1;
    default:
      return 0;
  }
}
