import type { Signer } from '@mysten/sui/cryptography';
import type { Decision } from '../../../src/authn/authenticator.ts';
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import { dropForEvent, watchRevocations } from '../../../src/authn/revocation.ts';
import type { ChainEvent } from '../../../src/chain/reader.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { makeSealToken } from '../../../src/token/index.ts';
import { API_AUDIENCE, claimsFor, CLUSTER, NOW, newKey } from '../token/fixtures.ts';
import { FakeChain } from './fake-chain.ts';
import { testAuthenticator } from './fixtures.ts';

function setup(overrides: { ttl?: number } = {}) {
  const chain = new FakeChain();
  const bindings = new BindingIndex();
  const clock = { now: NOW };
  const lookups: boolean[] = [];
  const authn = testAuthenticator({
    chain,
    bindings,
    cacheTtlSeconds: overrides.ttl ?? 300,
    now: () => clock.now,
    onCacheLookup: (hit) => lookups.push(hit),
  });
  return { chain, bindings, clock, lookups, authn };
}

const activeBinding = (node: string, owner: string, stakeRecord: string, phase = 'Active'): SealBinding =>
  ({
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name: `${node}-binding`, generation: 1 },
    spec: { nodeName: node, owner, stakeRecord },
    status: { phase, observedGeneration: 1 },
  }) as SealBinding;

const event = (name: string, fields: Record<string, string>): ChainEvent =>
  ({ name, fields, txDigest: 'd', checkpoint: null, eventIndex: 0, cursor: 'c' }) as unknown as ChainEvent;

async function tokenFor(kp: Signer, tok: string, extra: Record<string, unknown> = {}): Promise<string> {
  return makeSealToken(kp, claimsFor(kp, { tok, ...extra }));
}

describe('Authenticator', () => {
  let env: ReturnType<typeof setup>;
  afterEach(() => env.authn.close());

  it('authenticates a staker by tier, then answers from the cache without chain reads', async () => {
    env = setup();
    const kp = newKey();
    const { token } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    const first = await env.authn.authenticate(bearer);
    expect(first).toMatchObject({ authenticated: true, cached: false, user: { username: `sui:${kp.toSuiAddress()}`, groups: ['daas:stakers', 'daas:tier:developer'] } });
    const reads = { ...env.chain.calls };
    const second = await env.authn.authenticate(bearer);
    expect(second).toMatchObject({ authenticated: true, cached: true });
    expect(env.chain.calls).toEqual(reads);
    expect(env.lookups).toEqual([false, true]);
  });

  it('honours requested audiences on fresh and cached decisions', async () => {
    env = setup();
    const kp = newKey();
    const bearer = await tokenFor(kp, env.chain.stake(kp, 1).token.id);
    expect(await env.authn.authenticate(bearer, [API_AUDIENCE])).toMatchObject({ authenticated: true, audiences: [API_AUDIENCE] });
    expect(await env.authn.authenticate(bearer, ['https://other'])).toMatchObject({ authenticated: false, reason: 'audience_mismatch', cached: true });
    expect(await env.authn.authenticate(bearer, [CLUSTER])).toMatchObject({ authenticated: true, audiences: [CLUSTER], cached: true });
  });

  it('refuses with the chain reason and does not cache refusals', async () => {
    env = setup();
    const kp = newKey();
    const { token, record } = env.chain.stake(kp, 2);
    record.status = 'slashed';
    const bearer = await tokenFor(kp, token.id);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'stake_slashed' });
    record.status = 'active';
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: false });
  });

  it('refuses sub not owning tok (someone else\'s seal token)', async () => {
    env = setup();
    const alice = newKey();
    const mallory = newKey();
    const { token } = env.chain.stake(alice, 10);
    expect(await env.authn.authenticate(await tokenFor(mallory, token.id))).toMatchObject({ authenticated: false, reason: 'not_token_owner' });
  });

  it('refuses a seal token expired at the current epoch', async () => {
    env = setup();
    const kp = newKey();
    const { token } = env.chain.stake(kp, 2);
    env.chain.epoch = token.expiresEpoch;
    expect(await env.authn.authenticate(await tokenFor(kp, token.id))).toMatchObject({ authenticated: false, reason: 'seal_token_expired' });
  });

  it('refuses a cached identity once its SealToken has expired at the observed epoch', async () => {
    env = setup();
    const kp = newKey();
    const { token } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: false });
    env.authn.observeEpoch(token.expiresEpoch - 1n);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: true });
    env.authn.observeEpoch(token.expiresEpoch);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'seal_token_expired', cached: true });
    expect(env.authn.cache.size).toBe(0);
  });

  it('answers transiently (error, not cached) while the chain is down, and recovers by itself', async () => {
    env = setup();
    const kp = newKey();
    const cachedBearer = await tokenFor(kp, env.chain.stake(kp, 2).token.id);
    expect((await env.authn.authenticate(cachedBearer)).authenticated).toBe(true);
    env.chain.down = true;
    const fresh = await tokenFor(kp, env.chain.stake(kp, 2).token.id);
    const down = await env.authn.authenticate(fresh);
    expect(down).toMatchObject({ authenticated: false, reason: 'chain_unavailable', cached: false });
    expect((down as Extract<Decision, { error: string }>).error).toMatch(/chain unavailable/);
    expect(await env.authn.authenticate(cachedBearer)).toMatchObject({ authenticated: true, cached: true });
    env.chain.down = false;
    expect(await env.authn.authenticate(fresh)).toMatchObject({ authenticated: true, cached: false });
  });

  it('keeps cached identities only until min(exp, ttl)', async () => {
    env = setup({ ttl: 30 });
    const kp = newKey();
    const bearer = await tokenFor(kp, env.chain.stake(kp, 2).token.id);
    await env.authn.authenticate(bearer);
    env.clock.now += 29;
    expect(await env.authn.authenticate(bearer)).toMatchObject({ cached: true });
    env.clock.now += 1;
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: false });
    // exp bounds the entry too: the token expires 590 s after NOW (+ 60 s skew).
    env.clock.now = NOW + 650;
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'expired' });
  });

  it.each(['StakeSlashed', 'StakeWithdrawn', 'UnstakeRequested'])('drops cached entries of a record on %s', async (name) => {
    env = setup();
    const kp = newKey();
    const { token, record } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    await env.authn.authenticate(bearer);
    record.status = name === 'StakeSlashed' ? 'slashed' : name === 'StakeWithdrawn' ? 'withdrawn' : 'unbonding';
    expect(dropForEvent(env.authn.cache, event(name, { record_id: record.id }))).toBe(1);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, cached: false });
  });

  it('drops cached entries of a token on SealTokenRevoked', async () => {
    env = setup();
    const kp = newKey();
    const { token, record } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    await env.authn.authenticate(bearer);
    env.chain.tokens.delete(token.id);
    expect(dropForEvent(env.authn.cache, event('SealTokenRevoked', { token_id: token.id, record_id: record.id }))).toBe(1);
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'seal_token_not_found' });
  });

  it('does not let a read that raced a revocation re-insert a stale yes', async () => {
    env = setup();
    const kp = newKey();
    const { token, record } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    // The slash event lands while the chain read for this token is in flight.
    const realGet = env.chain.getStakeRecords.bind(env.chain);
    env.chain.getStakeRecords = async (ids) => {
      const answer = await realGet(ids);
      dropForEvent(env.authn.cache, event('StakeSlashed', { record_id: record.id }));
      return answer;
    };
    expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true });
    expect(env.authn.cache.size).toBe(0);
  });

  it('watchRevocations wires chain events and binding changes to the cache', async () => {
    env = setup();
    let follow: { names: readonly string[]; onEvent(event: ChainEvent): void } | undefined;
    const watch = watchRevocations({
      cache: env.authn.cache,
      events: { subscribe: (names, onEvent) => ((follow = { names, onEvent }), () => {}) },
      bindings: env.bindings,
    });
    expect(follow?.names).toEqual(expect.arrayContaining(['StakeSlashed', 'StakeWithdrawn', 'SealTokenRevoked', 'UnstakeRequested']));
    const kp = newKey();
    const { token, record } = env.chain.stake(kp, 2);
    const bearer = await tokenFor(kp, token.id);
    await env.authn.authenticate(bearer);
    await follow!.onEvent(event('StakeSlashed', { record_id: record.id }));
    expect(env.authn.cache.size).toBe(0);
    // A binding change for a node drops that node's entries.
    const worker = env.chain.stake(kp, 1, 'worker-9');
    env.bindings.upsert(activeBinding('worker-9', kp.toSuiAddress(), worker.record.id));
    await env.authn.authenticate(await tokenFor(kp, worker.token.id, { node: 'worker-9' }));
    expect(env.authn.cache.size).toBe(1);
    env.bindings.remove(activeBinding('worker-9', kp.toSuiAddress(), worker.record.id));
    expect(env.authn.cache.size).toBe(0);
    await watch.stop();
  });

  describe('node tokens', () => {
    it('authenticate as system:node:<node> only with an Active binding, and stop when it changes', async () => {
      env = setup();
      const kp = newKey();
      const { token, record } = env.chain.stake(kp, 1, 'worker-1');
      const bearer = await tokenFor(kp, token.id, { node: 'worker-1' });
      expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'no_active_binding' });
      env.bindings.upsert(activeBinding('worker-1', kp.toSuiAddress(), record.id));
      expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, user: { username: 'system:node:worker-1', groups: ['system:nodes'] } });
      expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: true, cached: true });
      // Controller marks it Slashed: the cached identity must not survive.
      env.bindings.upsert(activeBinding('worker-1', kp.toSuiAddress(), record.id, 'Slashed'));
      expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'no_active_binding' });
    });

    it('refuses a node claim for another owner\'s node', async () => {
      env = setup();
      const alice = newKey();
      const mallory = newKey();
      const aliceStake = env.chain.stake(alice, 1, 'worker-a');
      env.bindings.upsert(activeBinding('worker-a', alice.toSuiAddress(), aliceStake.record.id));
      // Mallory stakes for a node of the same name, but the binding names Alice.
      const malloryStake = env.chain.stake(mallory, 1, 'worker-a');
      const bearer = await tokenFor(mallory, malloryStake.token.id, { node: 'worker-a' });
      expect(await env.authn.authenticate(bearer)).toMatchObject({ authenticated: false, reason: 'binding_mismatch' });
    });

    it('a duplicate binding for the node neither locks out nor replaces the first one (issue 9)', async () => {
      env = setup();
      const kp = newKey();
      const intruder = newKey();
      const { token, record } = env.chain.stake(kp, 1, 'worker-1');
      const first = activeBinding('worker-1', kp.toSuiAddress(), record.id);
      first.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
      env.bindings.upsert(first);
      const twin = activeBinding('worker-1', intruder.toSuiAddress(), record.id, 'Invalid');
      twin.metadata.name = 'twin';
      twin.metadata.creationTimestamp = '2026-01-01T00:00:01Z';
      env.bindings.upsert(twin);
      expect(await env.authn.authenticate(await tokenFor(kp, token.id, { node: 'worker-1' }))).toMatchObject({ authenticated: true });
      // Even before the controller marks it Invalid, the later one is not the node's binding.
      const other = env.chain.stake(intruder, 1, 'worker-1');
      env.bindings.upsert({ ...twin, spec: { ...twin.spec, stakeRecord: other.record.id }, status: { phase: 'Active', observedGeneration: 1 } });
      expect(await env.authn.authenticate(await tokenFor(intruder, other.token.id, { node: 'worker-1' }))).toMatchObject({ authenticated: false, reason: 'binding_mismatch' });
    });
  });
});
