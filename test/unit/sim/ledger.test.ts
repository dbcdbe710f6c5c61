/**
 * The sim's ledger: events are numbered by their position in the ledger (the cursor of ListEvents),
 * so a page boundary inside a transaction with several events neither skips nor repeats one; owner
 * queries follow transfers and deletions.
 */
import { expect, test } from '@jest/globals';
import { GrpcTypes } from '@mysten/sui/grpc';
import { createGenesis } from '../../../src/sim/genesis.ts';
import { queryFrames } from '../../../src/sim/grpc/query.ts';
import type { Ledger } from '../../../src/sim/ledger.ts';
import { nitroLoader } from '../../../src/sim/nitro.ts';
import type { SimEvent, SimObject } from '../../../src/sim/types.ts';

function event(index: number): Omit<SimEvent, 'seq' | 'checkpoint'> {
  return {
    packageId: '0x2',
    module: 'staking',
    sender: '0x1',
    type: '0x2::staking::StakeSlashed',
    contents: new Uint8Array([index]),
    json: { index },
    transactionDigest: 'tx',
    eventIndex: index,
    timestampMs: 0n,
  };
}

function commit(ledger: Ledger, digest: string, events: number, written: SimObject[] = [], deleted: string[] = []): void {
  ledger.commit({
    digest,
    written,
    deleted,
    transaction: GrpcTypes.ExecutedTransaction.create({ digest }),
    events: Array.from({ length: events }, (_, i) => event(i)),
  });
}

test('every event of a multi-event transaction has its own position, and paging through them loses none', () => {
  const ledger = createGenesis(0n, nitroLoader());
  const base = ledger.events.length;
  commit(ledger, 'a', 3);
  commit(ledger, 'b', 2);
  expect(ledger.events.slice(base).map((e) => e.seq)).toEqual([base, base + 1, base + 2, base + 3, base + 4]);

  const seen: number[] = [];
  let after: Uint8Array | undefined;
  for (;;) {
    const frames = [...queryFrames(ledger.events, (e) => e.seq, () => true, { limit: 2, after }, (e) => e.checkpoint)];
    for (const frame of frames) if (frame.item) seen.push(frame.item.seq);
    const last = frames[frames.length - 1]!;
    after = last.watermark.cursor;
    if (last.end?.reason !== GrpcTypes.QueryEndReason.ITEM_LIMIT) break;
  }
  expect(seen).toEqual(ledger.events.map((e) => e.seq));
});

test('owner queries follow a transfer and a deletion', () => {
  const ledger = createGenesis(0n, nitroLoader());
  const [coin] = ledger.allObjects().filter((o) => o.owner.kind === 'address');
  const from = (coin!.owner as { address: string }).address;
  const to = `0x${'ab'.repeat(32)}`;
  commit(ledger, 'transfer', 0, [{ ...coin!, owner: { kind: 'address', address: to } }]);
  expect(ledger.ownedObjects(from).map((o) => o.id)).not.toContain(coin!.id);
  expect(ledger.ownedObjects(to).map((o) => o.id)).toEqual([coin!.id]);
  commit(ledger, 'delete', 0, [], [coin!.id]);
  expect(ledger.ownedObjects(to)).toEqual([]);
});
