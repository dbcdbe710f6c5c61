/** Cursor-bounded queries and DNF filters of ListEvents / ListTransactions. */
import { describe, expect, test } from '@jest/globals';
import { GrpcTypes } from '@mysten/sui/grpc';
import { decodeCursor, dnfMatcher, encodeCursor, matchEventType, queryFrames, type Filterable } from '../../../src/sim/grpc/query.ts';

const items = Array.from({ length: 10 }, (_, i) => ({ pos: i, even: i % 2 === 0 }));
const frames = (options?: GrpcTypes.QueryOptions, matches = (_: (typeof items)[number]) => true) =>
  [...queryFrames(items, (i) => i.pos, matches, options, () => 0n)];
const positions = (f: ReturnType<typeof frames>) => f.flatMap((x) => (x.item ? [x.item.pos] : []));

describe('cursors', () => {
  test('round-trip positions, with 0 meaning before the first item', () => {
    expect(decodeCursor(encodeCursor(-1))).toBe(-1);
    expect(decodeCursor(encodeCursor(41))).toBe(41);
    expect([...encodeCursor(-1)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeCursor(new Uint8Array(3))).toThrow(/invalid cursor/);
  });
});

describe('queryFrames', () => {
  test('stops at the limit with ITEM_LIMIT on the last item; resuming after its cursor misses nothing', () => {
    const first = frames({ limit: 4 });
    expect(positions(first)).toEqual([0, 1, 2, 3]);
    expect(first.at(-1)!.end?.reason).toBe(GrpcTypes.QueryEndReason.ITEM_LIMIT);
    const second = frames({ limit: 4, after: first.at(-1)!.watermark.cursor });
    expect(positions(second)).toEqual([4, 5, 6, 7]);
  });

  test('ends at the ledger tip with a frame without item whose cursor covers the scan', () => {
    const f = frames({ after: encodeCursor(7) }, (i) => i.even);
    expect(positions(f)).toEqual([8]);
    const last = f.at(-1)!;
    expect(last.item).toBeUndefined();
    expect(last.end?.reason).toBe(GrpcTypes.QueryEndReason.LEDGER_TIP);
    expect(decodeCursor(last.watermark.cursor!)).toBe(9);
  });

  test('an item appended while the frames stream is not jumped over by the terminal cursor', () => {
    // ListEvents sends frames with awaits between them: a transaction may commit meanwhile.
    const live = items.map((i) => ({ ...i }));
    const stream = queryFrames(live, (i) => i.pos, () => true, { after: encodeCursor(7) }, () => 0n);
    expect(stream.next().value?.item?.pos).toBe(8);
    live.push({ pos: 10, even: true });
    const rest = [...stream];
    expect(rest.flatMap((x) => (x.item ? [x.item.pos] : []))).toEqual([9]);
    // The next query resumes after the terminal cursor and finds the appended item.
    const next = [...queryFrames(live, (i) => i.pos, () => true, { after: rest.at(-1)!.watermark.cursor }, () => 0n)];
    expect(next.flatMap((x) => (x.item ? [x.item.pos] : []))).toEqual([10]);
  });

  test('honours `before`, and descending order returns the same interval newest first', () => {
    expect(positions(frames({ before: encodeCursor(3) }))).toEqual([0, 1, 2]);
    const down = frames({ ordering: GrpcTypes.Ordering.DESCENDING, before: encodeCursor(5), limit: 2 });
    expect(positions(down)).toEqual([4, 3]);
    expect(positions(frames({ ordering: GrpcTypes.Ordering.DESCENDING, before: down.at(-1)!.watermark.cursor }))).toEqual([2, 1, 0]);
  });
});

describe('filters', () => {
  const pkg = `0x${'ab'.repeat(32)}`;
  const facts: Filterable = {
    sender: `0x${'01'.repeat(32)}`,
    emitModules: [{ packageId: pkg, module: 'staking' }],
    eventTypes: [`${pkg}::staking::StakeCreated`],
  };
  const literal = (predicate: GrpcTypes.EventLiteral['predicate'], negated = false) => ({ terms: [{ literals: [{ negated, predicate }] }] });

  test('event types match by address, module, name, or exact instantiation', () => {
    const type = `${pkg}::staking::StakeCreated`;
    expect(matchEventType(pkg, type)).toBe(true);
    expect(matchEventType(`${pkg}::staking`, type)).toBe(true);
    expect(matchEventType(`${pkg}::staking::StakeCreated`, type)).toBe(true);
    expect(matchEventType(`${pkg}::staking::StakeSlashed`, type)).toBe(false);
    expect(matchEventType(`${pkg}::seal`, type)).toBe(false);
    expect(matchEventType('0x2::coin::Coin<0x2::sui::SUI>', '0x2::coin::Coin<0x2::sui::SUI>')).toBe(true);
  });

  test('terms are ORed, literals ANDed, negation inverts; an empty filter is refused', () => {
    const bySender = literal({ oneofKind: 'sender', sender: { address: '0x0101010101010101010101010101010101010101010101010101010101010101' } });
    expect(dnfMatcher(bySender, () => facts)(0)).toBe(true);
    expect(dnfMatcher(literal(bySender.terms[0]!.literals[0]!.predicate, true), () => facts)(0)).toBe(false);
    const module = literal({ oneofKind: 'emitModule', emitModule: { module: `${pkg}::seal` } });
    expect(dnfMatcher(module, () => facts)(0)).toBe(false);
    expect(dnfMatcher({ terms: [...module.terms, ...bySender.terms] }, () => facts)(0)).toBe(true);
    expect(() => dnfMatcher({ terms: [] }, () => facts)).toThrow(/at least one term/);
  });
});
