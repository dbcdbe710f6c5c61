/**
 * What the controller and the admission webhook need from the chain reader (src/chain), as a port:
 * the reader satisfies it structurally, and unit tests pass a fake. Keep this the narrowest view.
 */
import type { SealTokenView, StakeRecordView } from '../chain/objects.ts';

// The reader's own views, re-exported so the controller's modules and their fakes name one type.
export type { SealTokenView, StakeRecordView };

/** A decoded chain event, as far as the controller looks at it. */
export interface ChainEventLike {
  /** Event struct name, e.g. `StakeSlashed` (may be a fully qualified type in some readers). */
  name?: string;
  type?: string;
  /** Decoded fields (record_id, token_id, ...). */
  fields?: Record<string, unknown>;
  parsedJson?: Record<string, unknown>;
}

export interface EventFollowHandle {
  stop(): void;
  cursor(): unknown;
}

export interface ChainReaderPort {
  /** null for an id that is not a StakeRecord (missing or wrong type). Throws when the chain is unreachable. */
  getStakeRecords(ids: readonly string[]): Promise<Map<string, StakeRecordView | null>>;
  getSealTokens(ids: readonly string[]): Promise<Map<string, SealTokenView | null>>;
  getEpoch(): Promise<bigint>;
}

export interface ChainFollowerPort {
  /** The cursor of the newest matching event, to follow from now on (null: none yet). */
  latestEventCursor?(names?: readonly string[]): Promise<string | null>;
  followEvents(options: {
    after?: unknown;
    names?: readonly string[];
    pollMs?: number;
    onEvent(event: ChainEventLike): void;
    onError?(error: unknown): void;
  }): EventFollowHandle;
}
