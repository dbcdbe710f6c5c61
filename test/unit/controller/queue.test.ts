import { BatchQueue, type QueueItem } from '../../../src/controller/queue.ts';

describe('BatchQueue', () => {
  test('keys added together share a batch, duplicates merge, chain flags OR', async () => {
    const batches: QueueItem[][] = [];
    const q = new BatchQueue({ process: async (items) => void batches.push(items), batchWindowMs: 5 });
    q.start();
    q.add('a', false);
    q.add('b');
    q.add('a', true);
    q.add('b', false);
    await new Promise((r) => setTimeout(r, 20));
    await q.idle();
    expect(batches).toEqual([[{ key: 'a', chain: true }, { key: 'b', chain: true }]]);
    q.stop();
  });

  test('a key added while its batch runs is processed again afterwards, never concurrently', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new BatchQueue({
      batchWindowMs: 1,
      process: async (items) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        seen.push(...items.map((i) => i.key));
        if (seen.length === 1) await gate;
        running--;
      },
    });
    q.start();
    q.add('a');
    await new Promise((r) => setTimeout(r, 10));
    q.add('a');
    release();
    await new Promise((r) => setTimeout(r, 10));
    await q.idle();
    expect(seen).toEqual(['a', 'a']);
    expect(maxRunning).toBe(1);
    q.stop();
  });

  test('maxBatch splits, stop() forgets pending work, a throwing batch does not stall the queue', async () => {
    const batches: string[][] = [];
    const errors: unknown[] = [];
    const q = new BatchQueue({
      batchWindowMs: 1,
      maxBatch: 2,
      onError: (e) => errors.push(e),
      process: async (items) => {
        batches.push(items.map((i) => i.key));
        if (batches.length === 1) throw new Error('boom');
      },
    });
    q.start();
    for (const k of ['a', 'b', 'c']) q.add(k);
    await new Promise((r) => setTimeout(r, 20));
    await q.idle();
    expect(batches).toEqual([['a', 'b'], ['c']]);
    expect(errors).toHaveLength(1);
    q.stop();
    q.add('d');
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toHaveLength(2);
  });

  test('addAfter delays, and only while running', async () => {
    const seen: string[] = [];
    const q = new BatchQueue({ batchWindowMs: 1, process: async (items) => void seen.push(...items.map((i) => i.key)) });
    q.start();
    q.addAfter('x', 15);
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([]);
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual(['x']);
    q.addAfter('y', 5);
    q.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['x']);
  });
});
