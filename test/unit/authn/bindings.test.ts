/**
 * The authn SealBinding index over the watchdog informer, with a fake list/watch: it follows the
 * cluster, restarts after failures and silence, and fails closed — no node lookup answers while the
 * index may be out of date, so a binding deleted meanwhile can never authorise a kubelet token.
 */
import type { Signer } from '@mysten/sui/cryptography';
import { describeHealthChange, watchedBindings, type BindingHealthChange, type InformerBindings } from '../../../src/feeds/bindings.ts';
import type { ListWatchSource } from '../../../src/k8s/informer.ts';
import type { WatchEvent } from '../../../src/k8s/rest.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { registry } from '../../../src/metrics/registry.ts';
import { makeSealToken } from '../../../src/token/index.ts';
import { claimsFor, NOW, newKey } from '../token/fixtures.ts';
import { FakeChain } from './fake-chain.ts';
import { testAuthenticator } from './fixtures.ts';

const OWNER = `0x${'1'.repeat(64)}`;
const RECORD = `0x${'2'.repeat(64)}`;

function binding(name: string, node: string, rv: string, owner = OWNER, stakeRecord = RECORD): SealBinding {
  return {
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name, generation: 1, resourceVersion: rv },
    spec: { nodeName: node, owner, stakeRecord },
    status: { phase: 'Active', observedGeneration: 1 },
  } as SealBinding;
}

/** An apiserver stand-in: list answers from `items` (or fails), watches are driven by the test. */
function fakeApiserver() {
  const state = {
    items: [] as SealBinding[],
    rv: '1',
    lists: 0,
    failList: false,
    watches: [] as Array<{ rv: string; emit(e: WatchEvent<SealBinding>): void; end(error?: unknown): void }>,
  };
  const source: ListWatchSource<SealBinding> = {
    async list() {
      state.lists++;
      if (state.failList) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      return { items: state.items.map((b) => structuredClone(b)), resourceVersion: state.rv };
    },
    watch(query, onEvent) {
      let end!: (error?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (end = (error?: unknown) => (error ? reject(error) : resolve())));
      state.watches.push({ rv: query.resourceVersion, emit: onEvent, end });
      return { done, abort: () => end() };
    },
  };
  return { state, source, lastWatch: () => state.watches[state.watches.length - 1]! };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

async function staleMetric(): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('daas_auth_sealbinding_index_stale')?.get();
  return metric?.values[0]?.value;
}

describe('watchedBindings', () => {
  let clock = 0;
  let bindings: InformerBindings | undefined;
  const changes: BindingHealthChange[] = [];
  const errors: string[] = [];
  const options = {
    timers: false,
    staleAfterMs: 60_000,
    retryBaseMs: 1,
    retryMaxMs: 4,
    now: () => clock,
    onError: (error: unknown) => void errors.push(String(error)),
  };
  function start(source: ListWatchSource<SealBinding>): InformerBindings {
    bindings = watchedBindings(source, options);
    bindings.onHealthChange((change) => changes.push(change));
    return bindings;
  }
  beforeEach(() => {
    clock = 1_000_000;
    changes.length = 0;
    errors.length = 0;
  });
  afterEach(async () => {
    await bindings?.stop();
    bindings = undefined;
  });

  it('serves the listed bindings and follows watch events, notifying per node', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1')];
    const index = start(api.source);
    expect(index.forNode('node-1')).toBeUndefined(); // not started: nothing is trusted
    await index.start();
    expect(index.synced()).toBe(true);
    expect(index.staleness()).toBeUndefined();
    expect(index.forNode('node-1')?.metadata.name).toBe('b1');
    const touched: string[] = [];
    index.onChange((node) => touched.push(node));
    api.lastWatch().emit({ type: 'ADDED', object: binding('b2', 'node-2', '2') });
    api.lastWatch().emit({ type: 'DELETED', object: binding('b1', 'node-1', '3') });
    expect(index.forNode('node-2')?.metadata.name).toBe('b2');
    expect(index.forNode('node-1')).toBeUndefined();
    expect(touched).toEqual(['node-2', 'node-1']);
    expect(changes).toEqual([{ current: true, staleForMs: 0, via: 'start', bindings: 1 }]);
  });

  it('start() returns after a failed first list; nothing is served until a list succeeds', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1')];
    api.state.failList = true;
    const index = start(api.source);
    await index.start();
    expect(index.synced()).toBe(false);
    expect(index.staleness()).toBe('not_listed');
    expect(index.forNode('node-1')).toBeUndefined();
    expect(errors[0]).toMatch(/ECONNREFUSED/);
    api.state.failList = false;
    await until(() => index.synced(), 'the retried first list');
    expect(index.forNode('node-1')?.metadata.name).toBe('b1');
  });

  it('a failed watch refuses node lookups at once; the relist brings the index back with the deletes it missed', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1'), binding('b2', 'node-2', '1')];
    const index = start(api.source);
    await index.start();
    const touched: string[] = [];
    index.onChange((node) => touched.push(node));

    // The apiserver goes away: the watch fails, and the list cannot be retried yet.
    api.state.failList = true;
    api.lastWatch().end(new Error('socket hang up'));
    await flush();
    expect(index.staleness()).toBe('failing');
    expect(index.forNode('node-1')).toBeUndefined();
    expect(index.forNode('node-2')).toBeUndefined();
    expect(changes.at(-1)).toEqual({ current: false, cause: 'failing', detail: 'watch: socket hang up' });
    expect(await staleMetric()).toBe(1);

    // Meanwhile b1 is deleted. Relists keep failing, and the index stays closed.
    api.state.items = [binding('b2', 'node-2', '1')];
    api.state.rv = '5';
    await until(() => api.state.lists >= 3, 'retried relists');
    expect(index.forNode('node-2')).toBeUndefined();

    // The apiserver is back: the next relist succeeds, b1's delete is delivered, b2 is served again.
    api.state.failList = false;
    await until(() => index.staleness() === undefined, 'a successful relist');
    expect(index.forNode('node-1')).toBeUndefined();
    expect(index.forNode('node-2')?.metadata.name).toBe('b2');
    expect(touched).toContain('node-1');
    expect(changes.at(-1)).toMatchObject({ current: true, via: 'failures', bindings: 1 });
    expect(api.lastWatch().rv).toBe('5');
    expect(await staleMetric()).toBe(0);
  });

  it('a watch the apiserver merely ends is resumed without making the index stale', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1')];
    const index = start(api.source);
    await index.start();
    api.lastWatch().end();
    await flush();
    expect(api.state.watches).toHaveLength(2);
    expect(index.staleness()).toBeUndefined();
    expect(index.forNode('node-1')).toBeDefined();
    expect(changes).toHaveLength(1);
  });

  it('a silent watch (no event, bookmark or reconnect for staleAfterMs) refuses lookups until the watchdog relists', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1')];
    const index = start(api.source);
    await index.start();
    clock += 59_000;
    api.lastWatch().emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } as SealBinding });
    clock += 59_000;
    expect(index.forNode('node-1')).toBeDefined(); // a bookmark 59 s ago is a sign of life
    clock += 2_000;
    expect(index.staleness()).toBe('silent');
    expect(index.forNode('node-1')).toBeUndefined();
    api.state.items = []; // deleted while the watch was dead
    index.check(); // the watchdog relists, and the health check reports
    await until(() => index.staleness() === undefined, 'the watchdog relist');
    expect(index.forNode('node-1')).toBeUndefined();
    expect(changes.slice(1)).toEqual([
      { current: false, cause: 'silent' },
      { current: true, staleForMs: 0, via: 'stale', bindings: 0 },
    ]);
  });

  it('refuses everything once stopped', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('b1', 'node-1', '1')];
    const index = start(api.source);
    await index.start();
    await index.stop();
    expect(index.staleness()).toBe('stopped');
    expect(index.forNode('node-1')).toBeUndefined();
  });

  it('describes each change in one log line', () => {
    expect(describeHealthChange({ current: false, cause: 'failing', detail: 'watch: socket hang up' })).toEqual({
      level: 'warn',
      message: 'SealBinding index may be out of date: node tokens are refused until it is relisted',
      meta: { cause: 'failing', why: 'the SealBinding list or watch failed; relisting', error: 'watch: socket hang up' },
    });
    expect(describeHealthChange({ current: true, staleForMs: 12_345, via: 'failures', bindings: 3 })).toEqual({
      level: 'info',
      message: 'SealBinding index current: node tokens are checked against it again',
      meta: { staleSeconds: 12.3, via: 'failures relist', bindings: 3 },
    });
  });
});

describe('node tokens against a stale index', () => {
  async function nodeToken(kp: Signer, tok: string): Promise<string> {
    return makeSealToken(kp, claimsFor(kp, { tok, node: 'worker-1' }));
  }

  it('get "could not check", fresh or cached, while the watch is down, and are accepted again after the relist', async () => {
    const chain = new FakeChain();
    const kp = newKey();
    const { token, record } = chain.stake(kp, 1, 'worker-1');
    const api = fakeApiserver();
    api.state.items = [binding('w1', 'worker-1', '1', kp.toSuiAddress(), record.id)];
    const index = watchedBindings(api.source, { timers: false, retryBaseMs: 1, retryMaxMs: 4 });
    const authn = testAuthenticator({ chain, bindings: index, now: () => NOW });
    try {
      await index.start();
      const bearer = await nodeToken(kp, token.id);
      expect(await authn.authenticate(bearer)).toMatchObject({ authenticated: true, user: { username: 'system:node:worker-1' } });

      api.state.failList = true;
      api.lastWatch().end(new Error('socket hang up'));
      await flush();
      // The cached identity is not trusted, and neither is a fresh check: "could not check", not a refusal.
      const couldNotCheck = { authenticated: false, reason: 'chain_unavailable', error: 'SealBinding index may be out of date (failing)', cached: false };
      expect(await authn.authenticate(bearer)).toMatchObject(couldNotCheck);
      expect(authn.cache.size).toBe(1); // kept: the binding check decides once the index is current
      authn.cache.clear();
      expect(await authn.authenticate(bearer)).toMatchObject(couldNotCheck);

      api.state.failList = false;
      await until(() => index.staleness() === undefined, 'the relist');
      expect(await authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: false });
    } finally {
      authn.close();
      await index.stop();
    }
  });
});

describe('exempt node names (issue 9)', () => {
  test('forNode never answers for an exempt name, even with an Active binding', async () => {
    const api = fakeApiserver();
    api.state.items = [binding('cp-1', 'cp-1', '1'), binding('worker-1', 'worker-1', '2')];
    const index = watchedBindings(api.source, { timers: false, isExemptNode: (n) => n.startsWith('cp-') });
    await index.start();
    expect(index.forNode('cp-1')).toBeUndefined();
    expect(index.allForNode?.('cp-1')?.map((b) => b.metadata.name)).toEqual(['cp-1']);
    expect(index.forNode('worker-1')?.metadata.name).toBe('worker-1');
    await index.stop();
  });
});
