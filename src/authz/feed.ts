/**
 * Which chain events put ids into the RevokedSet: the revocations among the events the authn cache
 * follows (src/authn/revocation.ts). A StakeToppedUp only re-tiers a stake: not a revocation.
 */
import type { ChainEvent } from '../chain/reader.ts';
import type { RevokedSet } from './revoked.ts';

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
