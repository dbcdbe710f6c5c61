/**
 * Pure decoding of our package's events and the filter that asks a full node for them.
 * An event is ours only when its type is exactly `<packageId>::<module>::<Name>` for one of
 * EVENT_NAMES; its BCS must decode with the schema with no byte left over.
 */
import type { GrpcTypes } from '@mysten/sui/grpc';
import type { BcsType } from '@mysten/sui/bcs';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import {
  EVENT_NAMES,
  EnclavePcrsUpdated,
  EnclaveRegistered,
  MODULES,
  PoolParamsUpdated,
  SealTokenCreated,
  SealTokenRevoked,
  StakeCreated,
  StakeSlashed,
  StakeToppedUp,
  StakeWithdrawn,
  ObjectMigrated,
  TreasuryWithdrawn,
  UnstakeRequested,
  structType,
  type EventName,
  type ModuleName,
} from './schema.ts';
import { parseExact } from './objects.ts';

/** Each event's module and schema. */
export const EVENT_SCHEMAS = {
  StakeCreated: { module: MODULES.staking, schema: StakeCreated },
  StakeToppedUp: { module: MODULES.staking, schema: StakeToppedUp },
  StakeSlashed: { module: MODULES.staking, schema: StakeSlashed },
  UnstakeRequested: { module: MODULES.staking, schema: UnstakeRequested },
  StakeWithdrawn: { module: MODULES.staking, schema: StakeWithdrawn },
  PoolParamsUpdated: { module: MODULES.staking, schema: PoolParamsUpdated },
  ObjectMigrated: { module: MODULES.staking, schema: ObjectMigrated },
  TreasuryWithdrawn: { module: MODULES.staking, schema: TreasuryWithdrawn },
  SealTokenCreated: { module: MODULES.seal, schema: SealTokenCreated },
  SealTokenRevoked: { module: MODULES.seal, schema: SealTokenRevoked },
  EnclavePcrsUpdated: { module: MODULES.enclaveRegistry, schema: EnclavePcrsUpdated },
  EnclaveRegistered: { module: MODULES.enclaveRegistry, schema: EnclaveRegistered },
} as const satisfies Record<EventName, { module: ModuleName; schema: unknown }>;

/** The schema-parsed fields of event N (u64 as decimal strings, u8 as numbers, ids as 0x-hex). */
export type EventFields<N extends EventName> = ReturnType<(typeof EVENT_SCHEMAS)[N]['schema']['parse']>;

interface ChainEventBase<N extends EventName> {
  name: N;
  fields: EventFields<N>;
  txDigest: string;
  /** Checkpoint of the emitting transaction, when the node reports it. */
  checkpoint: bigint | null;
  /** Index of the event within its transaction. */
  eventIndex: number;
  /** Resume point: following from this cursor delivers the events after this one. */
  cursor: string;
}

/** One of our events; `name` narrows `fields`. */
export type ChainEvent = { [N in EventName]: ChainEventBase<N> }[EventName];

/** `<packageId>::<module>::<Name>` of an event. */
export function eventType(packageId: string, name: EventName): string {
  return normalizeStructTag(structType(packageId, EVENT_SCHEMAS[name].module, name));
}

/** Which of our events `type` is, or undefined if it is not exactly one of ours. */
export function eventNameOf(type: string, packageId: string): EventName | undefined {
  let normalized: string;
  try {
    normalized = normalizeStructTag(type);
  } catch {
    return undefined;
  }
  return EVENT_NAMES.find((name) => eventType(packageId, name) === normalized);
}

/** An event as a full node lists it, reduced to what decoding needs. */
export interface RawEvent {
  eventType: string;
  contents: Uint8Array;
  transactionDigest: string;
  checkpoint: bigint | null;
  eventIndex: number;
}

/** Decodes one of our events; null when the event is not ours (other package, other type). */
export function decodeEvent(raw: RawEvent, packageId: string, cursor: string): ChainEvent | null {
  const name = eventNameOf(raw.eventType, packageId);
  if (!name) return null;
  const schema = EVENT_SCHEMAS[name].schema as unknown as BcsType<unknown, unknown>;
  const fields = parseExact(schema, raw.contents, `${name} event in ${raw.transactionDigest}`);
  return {
    name,
    fields,
    txDigest: raw.transactionDigest,
    checkpoint: raw.checkpoint,
    eventIndex: raw.eventIndex,
    cursor,
  } as ChainEvent;
}

/**
 * The DNF filter for ListEvents: one term per wanted event type, or (all events) one term per
 * module of the package. Either way the node returns only our package's events.
 */
export function eventFilter(packageId: string, names?: readonly EventName[]): GrpcTypes.EventFilter {
  const types = names?.length
    ? [...new Set(names)].map((name) => eventType(packageId, name))
    : Object.values(MODULES).map((module) => `${normalizeSuiAddress(packageId)}::${module}`);
  return {
    terms: types.map((type) => ({
      literals: [{ negated: false, predicate: { oneofKind: 'eventType', eventType: { eventType: type } } }],
    })),
  };
}
