/**
 * Cursor-bounded queries (`ListEvents`, `ListTransactions`) and their DNF filters, as the full node
 * streams them: one frame per matching item, each with a watermark cursor; `QueryEnd` on the last
 * frame (ITEM_LIMIT on the frame of the last item when the limit is reached, otherwise a final frame
 * without an item: CURSOR_BOUND or LEDGER_TIP). A cursor is a big-endian u64 of the item's 0-based
 * position in ledger order plus one (0 = before everything), so `after = <cursor of the last item
 * seen>` resumes without gaps or repeats.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import { invalidArgument } from './errors.ts';

export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 1000;

/** The cursor of position `position` (-1 = before the first item). */
export function encodeCursor(position: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(position + 1));
  return bytes;
}

export function decodeCursor(cursor: Uint8Array): number {
  if (cursor.length !== 8) throw invalidArgument('invalid cursor');
  const value = new DataView(cursor.buffer, cursor.byteOffset, 8).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument('invalid cursor');
  return Number(value) - 1;
}

export interface QueryFrame<T> {
  item?: T;
  watermark: GrpcTypes.Watermark;
  end?: GrpcTypes.QueryEnd;
}

/**
 * Frames for `items` (in ledger order; `positionOf(item)` strictly increasing) restricted by the
 * query options and `matches`. `tip` is the position of the newest item in the ledger (-1 if none).
 */
export function* queryFrames<T>(
  items: readonly T[],
  positionOf: (item: T) => number,
  matches: (item: T) => boolean,
  options: GrpcTypes.QueryOptions | undefined,
  checkpointOf: (item: T) => bigint,
): Generator<QueryFrame<T>> {
  const limit = Math.min(Math.max(options?.limit || DEFAULT_QUERY_LIMIT, 1), MAX_QUERY_LIMIT);
  const after = options?.after?.length ? decodeCursor(options.after) : -1;
  const before = options?.before?.length ? decodeCursor(options.before) : Number.MAX_SAFE_INTEGER;
  const descending = options?.ordering === GrpcTypes.Ordering.DESCENDING;
  // The scan and its frontier are fixed now, together: frames are streamed with awaits between them,
  // and an item appended meanwhile must stay after the terminal cursor, not be jumped over.
  const inRange = items.filter((item) => positionOf(item) > after && positionOf(item) < before);
  const ordered = descending ? [...inRange].reverse() : inRange;
  const tip = items.length ? positionOf(items[items.length - 1]!) : -1;
  let sent = 0;
  for (const item of ordered) {
    if (!matches(item)) continue;
    sent += 1;
    const watermark = { cursor: encodeCursor(positionOf(item)), checkpoint: checkpointOf(item) };
    if (sent === limit) {
      yield { item, watermark, end: { reason: GrpcTypes.QueryEndReason.ITEM_LIMIT } };
      return;
    }
    yield { item, watermark };
  }
  // Nothing more matched: the terminal frame's cursor is the frontier the scan covered.
  const bounded = descending ? after >= 0 : before <= tip;
  const frontier = descending ? after + 1 : bounded ? before - 1 : Math.max(tip, after);
  yield {
    watermark: { cursor: encodeCursor(frontier) },
    end: { reason: bounded ? GrpcTypes.QueryEndReason.CURSOR_BOUND : GrpcTypes.QueryEndReason.LEDGER_TIP },
  };
}

// ---- filters -----------------------------------------------------------------------------

/** What an item offers to filter predicates. */
export interface Filterable {
  sender: string;
  /** Events: the emitting (package, module); transactions: every event's. */
  emitModules: Array<{ packageId: string; module: string }>;
  eventTypes: string[];
  moveCalls?: Array<{ packageId: string; module: string; function: string }>;
  affectedObjects?: string[];
  affectedAddresses?: string[];
}

type Literal = { negated: boolean; predicate: { oneofKind: string | undefined } & Record<string, unknown> };

export function dnfMatcher<I>(
  filter: { terms: Array<{ literals: Literal[] }> } | undefined,
  view: (item: I) => Filterable,
): (item: I) => boolean {
  if (!filter) return () => true;
  if (filter.terms.length === 0) throw invalidArgument('a filter must have at least one term');
  return (item) => {
    const facts = view(item);
    return filter.terms.some((term) => term.literals.every((literal) => predicate(literal, facts) !== literal.negated));
  };
}

function predicate(literal: Literal, facts: Filterable): boolean {
  const p = literal.predicate;
  switch (p.oneofKind) {
    case 'sender':
      return sameAddress((p.sender as GrpcTypes.SenderFilter).address, facts.sender);
    case 'emitModule':
      return matchEmitModule((p.emitModule as GrpcTypes.EmitModuleFilter).module ?? '', facts.emitModules);
    case 'eventType':
      return facts.eventTypes.some((t) => matchEventType((p.eventType as GrpcTypes.EventTypeFilter).eventType ?? '', t));
    case 'moveCall':
      return matchMoveCall((p.moveCall as GrpcTypes.MoveCallFilter).function ?? '', facts.moveCalls ?? []);
    case 'affectedObject':
      return (facts.affectedObjects ?? []).some((id) => sameAddress((p.affectedObject as GrpcTypes.AffectedObjectFilter).objectId, id));
    case 'affectedAddress':
      return (facts.affectedAddresses ?? []).some((a) => sameAddress((p.affectedAddress as GrpcTypes.AffectedAddressFilter).address, a));
    default:
      return false; // event streams and package writes: the sim has neither
  }
}

function sameAddress(a: string | undefined, b: string): boolean {
  return a !== undefined && normalizeSuiAddress(a) === normalizeSuiAddress(b);
}

function splitPath(path: string): [string, ...string[]] {
  const [pkg = '', ...rest] = path.split('::');
  return [normalizeSuiAddress(pkg), ...rest];
}

function matchEmitModule(path: string, modules: Filterable['emitModules']): boolean {
  const [pkg, module] = splitPath(path);
  return modules.some((m) => m.packageId === pkg && (module === undefined || m.module === module));
}

function matchMoveCall(path: string, calls: NonNullable<Filterable['moveCalls']>): boolean {
  const [pkg, module, fn] = splitPath(path);
  return calls.some((c) => c.packageId === pkg && (module === undefined || c.module === module) && (fn === undefined || c.function === fn));
}

/** `addr`, `addr::module`, `addr::module::Name` (any instantiation) or a full type with parameters. */
export function matchEventType(filter: string, type: string): boolean {
  if (filter.includes('<')) return normalizeStructTag(filter) === normalizeStructTag(type);
  const [pkg, module, name] = splitPath(filter);
  const [tPkg, tModule, tName = ''] = splitPath(type);
  return pkg === tPkg && (module === undefined || module === tModule) && (name === undefined || name === tName.split('<')[0]);
}
