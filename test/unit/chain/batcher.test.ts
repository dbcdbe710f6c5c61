import { BatchLoader } from '../../../src/chain/batcher.ts';

function recorder(answer: (key: string) => string | null = (k) => `v:${k}`) {
  const batches: string[][] = [];
  const fetch = async (keys: string[]) => {
    batches.push(keys);
    return new Map(keys.map((k) => [k, answer(k)]));
  };
  return { batches, fetch };
}

test('keys asked for in one turn go out in one batch', async () => {
  const { batches, fetch } = recorder();
  const loader = new BatchLoader(fetch);
  const values = await Promise.all(['a', 'b', 'c'].map((k) => loader.load(k)));
  expect(values).toEqual(['v:a', 'v:b', 'v:c']);
  expect(batches).toEqual([['a', 'b', 'c']]);
});

test('200 keys are fetched in 4 batches of at most 50', async () => {
  const { batches, fetch } = recorder();
  const loader = new BatchLoader(fetch, { maxBatch: 50 });
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  const result = await loader.loadMany(keys);
  expect(result.size).toBe(200);
  expect(result.get('k199')).toBe('v:k199');
  expect(batches).toHaveLength(4);
  expect(batches.every((b) => b.length <= 50)).toBe(true);
});

test('concurrent loads of one key share one request, even across turns while in flight', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const batches: string[][] = [];
  const loader = new BatchLoader(async (keys: string[]) => {
    batches.push(keys);
    await gate;
    return new Map(keys.map((k) => [k, k.toUpperCase()]));
  });
  const first = loader.load('x');
  const second = loader.load('x');
  expect(second).toBe(first);
  await new Promise((r) => setImmediate(r)); // the batch is now in flight
  const third = loader.load('x');
  expect(third).toBe(first);
  release();
  expect(await Promise.all([first, second, third])).toEqual(['X', 'X', 'X']);
  expect(batches).toEqual([['x']]);
});

test('after a request settles, the next load fetches again (no stale cache)', async () => {
  const { batches, fetch } = recorder();
  const loader = new BatchLoader(fetch);
  await loader.load('a');
  await loader.load('a');
  expect(batches).toEqual([['a'], ['a']]);
});

test('loadMany collapses duplicates', async () => {
  const { batches, fetch } = recorder();
  const loader = new BatchLoader(fetch);
  const result = await loader.loadMany(['a', 'a', 'b']);
  expect([...result.keys()]).toEqual(['a', 'b']);
  expect(batches).toEqual([['a', 'b']]);
});

test('a failed fetch rejects every key of its batch, and only those', async () => {
  const loader = new BatchLoader(
    async (keys: string[]) => {
      if (keys.includes('k0')) throw new Error('node down');
      return new Map(keys.map((k) => [k, k]));
    },
    { maxBatch: 2 },
  );
  const results = await Promise.allSettled(['k0', 'k1', 'k2'].map((k) => loader.load(k)));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
});

test('a fetch that omits a key rejects that key', async () => {
  const loader = new BatchLoader(async () => new Map<string, string>());
  await expect(loader.load('gone')).rejects.toThrow(/no result for gone/);
});

test('null values are results, not omissions', async () => {
  const { fetch } = recorder(() => null);
  await expect(new BatchLoader(fetch).load('a')).resolves.toBeNull();
});

test('a window collects keys asked for across turns', async () => {
  const { batches, fetch } = recorder();
  const loader = new BatchLoader(fetch, { windowMs: 20 });
  const a = loader.load('a');
  await new Promise((r) => setImmediate(r));
  const b = loader.load('b');
  await Promise.all([a, b]);
  expect(batches).toEqual([['a', 'b']]);
});
