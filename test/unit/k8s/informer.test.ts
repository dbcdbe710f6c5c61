import { Informer, type ListWatchSource } from '../../../src/k8s/informer.ts';
import type { WatchEvent } from '../../../src/k8s/rest.ts';

interface Obj {
  metadata: { name: string; resourceVersion: string };
}
const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

/** A source whose list answers from `items` and whose watches the test drives by hand. */
function fakeSource() {
  const state = {
    items: [] as Obj[],
    rv: '1',
    lists: 0,
    failList: false,
    watches: [] as Array<{ rv: string; emit(e: WatchEvent<Obj>): void; end(error?: unknown): void; aborted: boolean }>,
  };
  const source: ListWatchSource<Obj> = {
    async list() {
      state.lists++;
      if (state.failList) throw new Error('apiserver down');
      return { items: [...state.items], resourceVersion: state.rv };
    },
    watch(query, onEvent) {
      let end!: (error?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (end = (error?: unknown) => (error ? reject(error) : resolve())));
      const w = { rv: query.resourceVersion, emit: onEvent, end, aborted: false };
      state.watches.push(w);
      return { done, abort: () => { w.aborted = true; end(); } };
    },
  };
  return { state, source };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function recorder(informer: Informer<Obj>) {
  const log: string[] = [];
  informer.on('add', (o) => log.push(`add ${o.metadata.name}`));
  informer.on('update', (o) => log.push(`update ${o.metadata.name}`));
  informer.on('delete', (o) => log.push(`delete ${o.metadata.name}`));
  return log;
}

describe('Informer', () => {
  let clock = 0;
  const options = { name: 't', timers: false, staleAfterMs: 1000, relistIntervalMs: 10_000, retryBaseMs: 1, retryMaxMs: 2, now: () => clock };
  beforeEach(() => (clock = 0));

  test('lists, then applies watch events from the listed resourceVersion', async () => {
    const { state, source } = fakeSource();
    state.items = [obj('a', '1')];
    const informer = new Informer(source, options);
    const log = recorder(informer);
    await informer.start();
    expect(state.watches[0]?.rv).toBe('1');
    state.watches[0]?.emit({ type: 'ADDED', object: obj('b', '2') });
    state.watches[0]?.emit({ type: 'MODIFIED', object: obj('a', '3') });
    state.watches[0]?.emit({ type: 'DELETED', object: obj('b', '4') });
    state.watches[0]?.emit({ type: 'BOOKMARK', object: obj('', '5') });
    expect(log).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(informer.list().map((o) => o.metadata.resourceVersion)).toEqual(['3']);
    expect(informer.resourceVersion).toBe('5');
    informer.stop();
  });

  test('a watch the server ends is resumed from the last resourceVersion without a relist', async () => {
    const { state, source } = fakeSource();
    const informer = new Informer(source, options);
    await informer.start();
    state.watches[0]?.emit({ type: 'ADDED', object: obj('a', '7') });
    state.watches[0]?.end();
    await flush();
    expect(state.lists).toBe(1);
    expect(state.watches[1]?.rv).toBe('7');
    informer.stop();
  });

  test('410 Gone relists, and the relist delivers deletes missed meanwhile', async () => {
    const { state, source } = fakeSource();
    state.items = [obj('a', '1'), obj('b', '1')];
    const informer = new Informer(source, options);
    const log = recorder(informer);
    await informer.start();
    state.items = [obj('a', '9')];
    state.rv = '9';
    state.watches[0]?.emit({ type: 'ERROR', object: { code: 410 } as unknown as Obj });
    await flush();
    expect(state.lists).toBe(2);
    expect(log).toEqual(['add a', 'add b', 'delete b', 'update a']);
    expect(state.watches.at(-1)?.rv).toBe('9');
    informer.stop();
  });

  test('watchdog: a silent watch is replaced by a relist; events of the old stream are ignored', async () => {
    const { state, source } = fakeSource();
    const informer = new Informer(source, options);
    const log = recorder(informer);
    await informer.start();
    clock = 500;
    informer.checkWatchdog();
    expect(state.lists).toBe(1);
    clock = 1001;
    informer.checkWatchdog();
    await flush();
    expect(state.lists).toBe(2);
    expect(state.watches[0]?.aborted).toBe(true);
    state.watches[0]?.emit({ type: 'ADDED', object: obj('ghost', '99') });
    expect(log).toEqual([]);
    expect(informer.get('ghost')).toBeUndefined();
    informer.stop();
  });

  test('watchdog: periodic relist even when the watch is lively', async () => {
    const { state, source } = fakeSource();
    const informer = new Informer(source, options);
    await informer.start();
    for (clock = 0; clock <= 10_500; clock += 500) {
      state.watches.at(-1)?.emit({ type: 'BOOKMARK', object: obj('', String(clock)) });
      informer.checkWatchdog();
    }
    await flush();
    expect(state.lists).toBe(2);
    informer.stop();
  });

  test('failing watches back off and, after repeated failures, relist', async () => {
    const { state, source } = fakeSource();
    const informer = new Informer(source, { ...options, relistAfterFailures: 2 });
    await informer.start();
    state.watches[0]?.end(new Error('reset'));
    await new Promise((r) => setTimeout(r, 20));
    expect(state.watches).toHaveLength(2);
    expect(state.lists).toBe(1);
    state.watches[1]?.end(new Error('reset'));
    await new Promise((r) => setTimeout(r, 20));
    expect(state.lists).toBe(2);
    informer.stop();
  });

  test('start retries the first list until it succeeds', async () => {
    const { state, source } = fakeSource();
    state.failList = true;
    const errors: string[] = [];
    const informer = new Informer(source, { ...options, onError: (e) => errors.push((e as Error).message) });
    const started = informer.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(informer.synced).toBe(false);
    state.failList = false;
    await started;
    expect(informer.synced).toBe(true);
    expect(errors[0]).toBe('apiserver down');
    informer.stop();
  });

  test('a throwing handler does not stop the informer', async () => {
    const { state, source } = fakeSource();
    const informer = new Informer(source, { ...options, onError: () => {} });
    informer.on('add', () => { throw new Error('handler bug'); });
    await informer.start();
    state.watches[0]?.emit({ type: 'ADDED', object: obj('a', '2') });
    state.watches[0]?.emit({ type: 'ADDED', object: obj('b', '3') });
    expect(informer.list()).toHaveLength(2);
    informer.stop();
  });
});
