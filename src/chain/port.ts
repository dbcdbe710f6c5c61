/**
 * The chain as the components see it: two narrow ports. ChainReader satisfies both structurally;
 * unit tests and benches pass fakes. The admission webhook and the controller read stakes through
 * ChainReaderPort; the controller and the authn revocation feed follow events through ChainEventPort,
 * getting the chain's own decoded ChainEvent (src/chain/events.ts).
 */
import type { EventSubscription, FollowOptions } from './follower.ts';
import type { SealTokenView, StakeRecordView } from './objects.ts';
import type { EventName } from './schema.ts';

export interface ChainReaderPort {
  /** null for an id that is not a StakeRecord (missing or wrong type). Throws when the chain is unreachable. */
  getStakeRecords(ids: readonly string[]): Promise<Map<string, StakeRecordView | null>>;
  getSealTokens(ids: readonly string[]): Promise<Map<string, SealTokenView | null>>;
  getEpoch(): Promise<bigint>;
}

export interface ChainEventPort {
  /** The cursor of the newest matching event, to follow from now on (null: none yet). */
  latestEventCursor?(names?: EventName[]): Promise<string | null>;
  followEvents(options: FollowOptions): EventSubscription;
}
