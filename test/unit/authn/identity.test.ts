import fc from 'fast-check';
import { checkChainState, guardIdentity, nodeIdentity, userIdentity, type Identity } from '../../../src/authn/identity.ts';
import { DEFAULT_TIERS, validateTiers } from '../../../src/policy/tiers.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { claimsFor, newKey } from '../token/fixtures.ts';
import { FakeChain } from './fake-chain.ts';

const tiers = validateTiers(DEFAULT_TIERS);

const binding = (node: string, owner: string, stakeRecord: string, phase = 'Active'): SealBinding =>
  ({
    apiVersion: 'daas.io/v1alpha1',
    kind: 'SealBinding',
    metadata: { name: node, generation: 1 },
    spec: { nodeName: node, owner, stakeRecord },
    status: { phase, observedGeneration: 1 },
  }) as SealBinding;

describe('chain checks (docs/design.md §3 step 4)', () => {
  const setup = (sui = 2, node?: string) => {
    const kp = newKey();
    const chain = new FakeChain();
    const { record, token } = chain.stake(kp, sui, node);
    return { kp, record, token, claims: claimsFor(kp, { tok: token.id, ...(node ? { node } : {}) }) };
  };

  it('passes a live token of the signer', () => {
    const { claims, token, record } = setup();
    expect(checkChainState(claims, token, record, 10n)).toBeNull();
  });

  it('names each failure', () => {
    const { claims, token, record } = setup();
    const other = newKey().toSuiAddress();
    expect(checkChainState(claims, null, record, 10n)).toBe('seal_token_not_found');
    expect(checkChainState(claims, { ...token, objectOwner: other }, record, 10n)).toBe('not_token_owner');
    expect(checkChainState(claims, { ...token, objectOwner: null }, record, 10n)).toBe('not_token_owner');
    expect(checkChainState(claims, { ...token, owner: other }, record, 10n)).toBe('not_token_owner');
    expect(checkChainState(claims, token, record, token.expiresEpoch)).toBe('seal_token_expired');
    expect(checkChainState(claims, token, record, token.expiresEpoch - 1n)).toBeNull();
    expect(checkChainState(claims, token, null, 10n)).toBe('stake_record_not_found');
    expect(checkChainState(claims, token, { ...record, staker: other }, 10n)).toBe('not_staker');
    expect(checkChainState(claims, token, { ...record, status: 'slashed' }, 10n)).toBe('stake_slashed');
    expect(checkChainState(claims, token, { ...record, status: 'withdrawn' }, 10n)).toBe('stake_withdrawn');
    expect(checkChainState(claims, token, { ...record, status: 'unbonding' }, 10n)).toBe('stake_unbonding');
  });

  it('keeps worker tokens to their node', () => {
    const worker = setup(1, 'worker-1');
    const { node: _node, ...withoutNode } = worker.claims;
    expect(checkChainState(withoutNode, worker.token, worker.record, 10n)).toBe('node_token_without_node_claim');
    expect(checkChainState({ ...worker.claims, node: 'worker-2' }, worker.token, worker.record, 10n)).toBe('node_claim_mismatch');
    expect(checkChainState(worker.claims, worker.token, worker.record, 10n)).toBeNull();
    const user = setup();
    expect(checkChainState({ ...user.claims, node: 'worker-1' }, user.token, user.record, 10n)).toBe('node_claim_mismatch');
  });
});

describe('identity mapping (docs/design.md §3 step 5)', () => {
  it('maps a user stake to sui:<sub>, daas:stakers and its tier, with ids in extra', () => {
    const kp = newKey();
    const { record, token } = new FakeChain().stake(kp, 5);
    const result = userIdentity(claimsFor(kp, { tok: token.id }), token, record, tiers);
    expect(result).toEqual({
      ok: true,
      identity: {
        path: 'user',
        tier: 'admin',
        user: {
          username: `sui:${kp.toSuiAddress()}`,
          uid: kp.toSuiAddress(),
          groups: ['daas:stakers', 'daas:tier:admin'],
          extra: {
            'daas.io/seal-token': [token.id],
            'daas.io/stake-record': [record.id],
            'daas.io/stake-mist': ['5000000000'],
            'daas.io/tier': ['admin'],
          },
        },
      },
    });
  });

  it('refuses a stake below the lowest tier', () => {
    const kp = newKey();
    const { record, token } = new FakeChain().stake(kp, 0.4);
    expect(userIdentity(claimsFor(kp), token, record, tiers)).toEqual({ ok: false, reason: 'below_lowest_tier' });
  });

  it('maps a node token only through an Active binding naming that node, owner and record', () => {
    const kp = newKey();
    const { record, token } = new FakeChain().stake(kp, 1, 'worker-1');
    const claims = { ...claimsFor(kp, { tok: token.id }), node: 'worker-1' };
    const owner = kp.toSuiAddress();
    expect(nodeIdentity(claims, token, record, binding('worker-1', owner, record.id))).toMatchObject({
      ok: true,
      identity: { path: 'node', user: { username: 'system:node:worker-1', groups: ['system:nodes'] } },
    });
    expect(nodeIdentity(claims, token, record, undefined)).toEqual({ ok: false, reason: 'no_active_binding' });
    expect(nodeIdentity(claims, token, record, binding('worker-1', owner, record.id, 'Pending'))).toEqual({ ok: false, reason: 'no_active_binding' });
    expect(nodeIdentity(claims, token, record, binding('worker-1', owner, record.id, 'Slashed'))).toEqual({ ok: false, reason: 'no_active_binding' });
    expect(nodeIdentity(claims, token, record, binding('worker-1', newKey().toSuiAddress(), record.id))).toEqual({ ok: false, reason: 'binding_mismatch' });
    expect(nodeIdentity(claims, token, record, binding('worker-1', owner, `0x${'9'.repeat(64)}`))).toEqual({ ok: false, reason: 'binding_mismatch' });
    const stale = binding('worker-1', owner, record.id);
    stale.metadata.generation = 2;
    expect(nodeIdentity(claims, token, record, stale)).toEqual({ ok: false, reason: 'no_active_binding' });
  });
});

describe('the system: guard', () => {
  const kp = newKey();
  const claims = claimsFor(kp);
  const user = (username: string, groups: string[], uid = 'u'): Identity => ({ path: 'user', user: { username, uid, groups } });

  it('refuses any system: name, uid or group off the node path, in any case', () => {
    fc.assert(
      fc.property(fc.constantFrom('system:', 'SYSTEM:', 'System:'), fc.string(), fc.nat(2), (prefix, rest, where) => {
        const bad = `${prefix}${rest}`;
        const identity =
          where === 0 ? user(bad, ['daas:stakers']) : where === 1 ? user('sui:x', ['daas:stakers', bad]) : user('sui:x', ['daas:stakers'], bad);
        expect(guardIdentity(identity, claims)).toEqual({ ok: false, reason: 'system_identity_refused' });
      }),
    );
    expect(guardIdentity(user('sui:x', ['daas:stakers']), claims).ok).toBe(true);
  });

  it('allows the node path exactly system:node:<claimed node> in system:nodes', () => {
    const node = (username: string, groups: string[]): Identity => ({ path: 'node', user: { username, uid: username, groups } });
    const nodeClaims = { ...claims, node: 'worker-1' };
    expect(guardIdentity(node('system:node:worker-1', ['system:nodes']), nodeClaims).ok).toBe(true);
    expect(guardIdentity(node('system:node:worker-2', ['system:nodes']), nodeClaims).ok).toBe(false);
    expect(guardIdentity(node('system:node:worker-1', ['system:nodes', 'system:masters']), nodeClaims).ok).toBe(false);
    expect(guardIdentity(node('system:node:worker-1', ['system:masters']), nodeClaims).ok).toBe(false);
    expect(guardIdentity(node('system:node:', ['system:nodes']), claims).ok).toBe(false);
  });
});
