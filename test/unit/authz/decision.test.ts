/**
 * The authorization webhook's pure parts: the SubjectAccessReview parser, the RevokedSet (retention
 * and bound), which chain events revoke, and the decision (deny revoked stakes, tokens and ended node
 * bindings; otherwise no opinion, never allow).
 */
import { BindingIndex } from '../../../src/feeds/bindings.ts';
import { EXTRA_KEYS } from '../../../src/policy/identity.ts';
import { watchRevocations } from '../../../src/authn/revocation.ts';
import { DecisionCache } from '../../../src/authn/cache.ts';
import { createRevokedSet } from '../../../src/authz/component.ts';
import { decideAuthorization } from '../../../src/authz/decision.ts';
import { revokeForEvent } from '../../../src/authz/feed.ts';
import { RevokedSet } from '../../../src/authz/revoked.ts';
import type { ChainEvent } from '../../../src/chain/reader.ts';
import type { EventName } from '../../../src/chain/schema.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { parseSubjectAccessReview, type SarRequest } from '../../../src/k8s/subjectaccessreview.ts';

const RECORD = `0x${'a'.repeat(64)}`;
const TOKEN = `0x${'b'.repeat(64)}`;

const event = (name: string, fields: Record<string, string>): ChainEvent =>
  ({ name, fields, txDigest: 'd', checkpoint: null, eventIndex: 0, cursor: 'c' }) as unknown as ChainEvent;

const binding = (node: string, stakeRecord: string, phase = 'Active'): SealBinding =>
  ({
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name: node, generation: 1 },
    spec: { nodeName: node, owner: '0x1', stakeRecord },
    status: { phase, observedGeneration: 1 },
  }) as SealBinding;

/** A v1 review as kube-apiserver 1.34 sends it. */
function sar(user: string, extra: Record<string, string[]>, apiVersion = 'authorization.k8s.io/v1'): Record<string, unknown> {
  const groupsKey = apiVersion.endsWith('v1beta1') ? 'group' : 'groups';
  return {
    kind: 'SubjectAccessReview',
    apiVersion,
    metadata: { creationTimestamp: null },
    spec: {
      resourceAttributes: { namespace: 'default', verb: 'list', version: 'v1', resource: 'pods', labelSelector: { requirements: [] } },
      user,
      [groupsKey]: ['daas:stakers', 'system:authenticated'],
      extra,
      uid: 'u',
    },
    status: { allowed: false },
  };
}

const spec = (body: Record<string, unknown>): SarRequest['spec'] => {
  const parsed = parseSubjectAccessReview(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.review.spec;
};

// A review body to break on purpose: any shape goes.
type Body = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('parseSubjectAccessReview', () => {
  it('reads v1 and v1beta1 (groups vs group), keeping the apiVersion', () => {
    for (const version of ['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1']) {
      const parsed = parseSubjectAccessReview(sar('sui:0x1', { [EXTRA_KEYS.stakeRecord]: [RECORD] }, version));
      expect(parsed).toEqual({
        ok: true,
        review: { apiVersion: version, kind: 'SubjectAccessReview', spec: { user: 'sui:0x1', uid: 'u', groups: ['daas:stakers', 'system:authenticated'], extra: { [EXTRA_KEYS.stakeRecord]: [RECORD] } } },
      });
    }
  });

  it.each([
    ['a wrong kind', (b: Body) => void (b.kind = 'TokenReview'), 'kind must be SubjectAccessReview'],
    ['an unknown apiVersion', (b: Body) => void (b.apiVersion = 'authorization.k8s.io/v2'), 'apiVersion must be one of'],
    ['an unknown top-level field', (b: Body) => void (b.extra = 1), 'unknown field "extra"'],
    ['an unknown spec field', (b: Body) => void (b.spec.admin = true), 'unknown field "spec.admin"'],
    ['v1beta1 `group` in a v1 review', (b: Body) => void (b.spec.group = []), 'unknown field "spec.group"'],
    ['both attribute kinds', (b: Body) => void (b.spec.nonResourceAttributes = { path: '/', verb: 'get' }), 'exactly one of'],
    ['no attributes', (b: Body) => void delete b.spec.resourceAttributes, 'exactly one of'],
    ['an unknown attribute', (b: Body) => void (b.spec.resourceAttributes.owner = 'x'), 'unknown field "spec.resourceAttributes.owner"'],
    ['a non-string attribute', (b: Body) => void (b.spec.resourceAttributes.verb = 1), 'spec.resourceAttributes.verb has the wrong type'],
    ['a non-string user', (b: Body) => void (b.spec.user = 7), 'spec.user must be a string'],
    ['a non-list extra value', (b: Body) => void (b.spec.extra.k = 'v'), 'spec.extra["k"] must be a list of strings'],
    ['a verdict in the request', (b: Body) => void (b.status = { allowed: true }), 'carries no status'],
  ])('refuses %s', (_what, mutate, message) => {
    const body = sar('sui:0x1', {});
    mutate(body);
    const parsed = parseSubjectAccessReview(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('refuses a body that is not an object', () => {
    expect(parseSubjectAccessReview([])).toEqual({ ok: false, message: 'body must be a JSON object' });
  });
});

describe('RevokedSet', () => {
  it('keeps an id for the retention window, with its cause', () => {
    let now = 1_000;
    const set = new RevokedSet({ retainMs: 500, maxEntries: 10, now: () => now });
    set.add(RECORD, 'StakeSlashed');
    now += 499;
    expect(set.causeOf(RECORD)).toBe('StakeSlashed');
    now += 1;
    expect(set.causeOf(RECORD)).toBeUndefined();
    expect(set.size).toBe(0);
  });

  it('holds at most maxEntries ids, dropping the oldest first', () => {
    const set = new RevokedSet({ retainMs: 60_000, maxEntries: 3, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) set.add(id, 'StakeSlashed');
    expect(set.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => set.causeOf(id) !== undefined)).toEqual([false, true, true, true]);
  });

  it('is sized from the token settings: lifetime + skew + the apiserver 10 s', () => {
    let now = 0;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const feed = createRevokedSet({ maxLifetimeSeconds: 900, skewSeconds: 60 });
      feed.onEvent(event('StakeSlashed', { record_id: RECORD }));
      now = 969_999;
      expect(feed.set.causeOf(RECORD)).toBe('StakeSlashed');
      now = 970_000;
      expect(feed.set.causeOf(RECORD)).toBeUndefined();
    } finally {
      Date.now = realNow;
    }
  });
});

describe('revokeForEvent', () => {
  it('revokes records on slash, unstake and withdraw, tokens on SealTokenRevoked, nothing on a top-up', () => {
    const set = new RevokedSet({ retainMs: 60_000, maxEntries: 100 });
    for (const name of ['StakeSlashed', 'UnstakeRequested', 'StakeWithdrawn']) {
      const id = `0x${name}`;
      expect(revokeForEvent(set, event(name, { record_id: id }))).toBe(1);
      expect(set.causeOf(id)).toBe(name);
    }
    expect(revokeForEvent(set, event('SealTokenRevoked', { token_id: TOKEN, record_id: RECORD }))).toBe(1);
    expect(set.causeOf(TOKEN)).toBe('SealTokenRevoked');
    expect(set.causeOf(RECORD)).toBeUndefined(); // revoking one token leaves the stake (and its other tokens)
    expect(revokeForEvent(set, event('StakeToppedUp', { record_id: '0xtop' }))).toBe(0);
    expect(set.causeOf('0xtop')).toBeUndefined();
  });

  it('is fed by the authn event follower (one follower for the cache and the set)', async () => {
    // One feed, two subscribers: the authn cache and the authorization webhook's RevokedSet.
    const subscribers: Array<{ names: readonly string[]; onEvent(event: ChainEvent): void }> = [];
    const events = { subscribe: (names: readonly EventName[], onEvent: (event: ChainEvent) => void) => (subscribers.push({ names, onEvent }), () => {}) };
    const feed = createRevokedSet({ maxLifetimeSeconds: 900, skewSeconds: 60 }, events);
    const watch = watchRevocations({ cache: new DecisionCache({ ttlSeconds: 60, maxEntries: 10 }), events, bindings: new BindingIndex() });
    const slashed = event('StakeSlashed', { record_id: RECORD });
    for (const s of subscribers) if (s.names.includes(slashed.name)) s.onEvent(slashed);
    expect(subscribers).toHaveLength(2);
    expect(feed.set.causeOf(RECORD)).toBe('StakeSlashed');
    await watch.stop();
    feed.stop();
  });
});

describe('decideAuthorization', () => {
  const setup = () => {
    const revoked = new RevokedSet({ retainMs: 60_000, maxEntries: 100 });
    const bindings = new BindingIndex();
    return { revoked, bindings, deps: { revoked, bindings } };
  };
  const user = (extra: Record<string, string[]>) => spec(sar('sui:0x1', extra));
  const staked = { [EXTRA_KEYS.stakeRecord]: [RECORD], [EXTRA_KEYS.sealToken]: [TOKEN] };

  it('has no opinion on a daas identity whose stake and token stand, nor on anyone else: it never allows', () => {
    const { deps } = setup();
    expect(decideAuthorization(user(staked), deps)).toEqual({ result: 'no_opinion', status: { allowed: false } });
    expect(decideAuthorization(spec(sar('alice', {})), deps)).toEqual({ result: 'no_opinion', status: { allowed: false } });
  });

  it('denies a revoked stake record, and a revoked SealToken, saying why', () => {
    const { revoked, deps } = setup();
    revoked.add(TOKEN, 'SealTokenRevoked');
    expect(decideAuthorization(user(staked), deps)).toEqual({
      result: 'denied_token_revoked',
      status: { allowed: false, denied: true, reason: `daas-auth: SealToken ${TOKEN} revoked on chain (SealTokenRevoked)` },
    });
    revoked.add(RECORD, 'StakeSlashed');
    expect(decideAuthorization(user(staked), deps)).toMatchObject({
      result: 'denied_stake_revoked',
      status: { denied: true, reason: `daas-auth: stake record ${RECORD} revoked on chain (StakeSlashed)` },
    });
  });

  it('denies a node identity once its SealBinding no longer authorizes it', () => {
    const { bindings, deps } = setup();
    const node = spec(sar('system:node:w1', staked));
    bindings.markSynced();
    bindings.upsert(binding('w1', RECORD));
    expect(decideAuthorization(node, deps).result).toBe('no_opinion');
    bindings.upsert(binding('w1', RECORD, 'Revoked'));
    expect(decideAuthorization(node, deps)).toMatchObject({ result: 'denied_binding_ended', status: { denied: true } });
    bindings.upsert(binding('w1', `0x${'c'.repeat(64)}`));
    expect(decideAuthorization(node, deps).result).toBe('denied_binding_ended');
    bindings.remove(binding('w1', `0x${'c'.repeat(64)}`));
    expect(decideAuthorization(node, deps).result).toBe('denied_binding_ended');
  });

  it('has no opinion on a node identity while the binding index may be out of date', () => {
    const { revoked } = setup();
    const stale = { forNode: () => undefined, staleness: () => 'failing' as const };
    expect(decideAuthorization(spec(sar('system:node:w1', staked)), { revoked, bindings: stale }).result).toBe('no_opinion');
  });
});
