import { bindingVerdict, explainBindingVerdict, type BindingClaim, type SealTokenFacts, type StakeFacts } from '../../../src/policy/binding.ts';

const OWNER = `0x${'a'.repeat(64)}`;
const OTHER = `0x${'b'.repeat(64)}`;
const RECORD = `0x${'c'.repeat(64)}`;
const TOKEN = `0x${'d'.repeat(64)}`;

const claim = (extra: Partial<BindingClaim> = {}): BindingClaim => ({ nodeName: 'worker-1', owner: OWNER, stakeRecord: RECORD, ...extra });
const stake = (extra: Partial<StakeFacts> = {}): StakeFacts => ({ staker: OWNER, kind: 'node', nodeId: 'worker-1', status: 'active', ...extra });
const token = (extra: Partial<SealTokenFacts> = {}): SealTokenFacts => ({ id: TOKEN, stakeRecord: RECORD, owner: OWNER, objectOwner: OWNER, expiresEpoch: 100n, ...extra });

describe('the binding verdict', () => {
  test.each([
    ['matching active stake', claim(), stake(), undefined, { kind: 'active' }, `stake record ${RECORD} is active`],
    ['no such record', claim(), null, undefined, { kind: 'stake-missing' }, `stake record ${RECORD} does not exist`],
    ['another owner', claim(), stake({ staker: OTHER }), undefined, { kind: 'owner-mismatch', staker: OTHER }, `belongs to ${OTHER}, not ${OWNER}`],
    ['a user stake', claim(), stake({ kind: 'user' }), undefined, { kind: 'not-node-stake', stakeKind: 'user' }, 'is a user stake, not a node stake'],
    ['another node', claim(), stake({ nodeId: 'worker-9' }), undefined, { kind: 'node-mismatch', stakeNode: 'worker-9' }, 'backs node "worker-9", not "worker-1"'],
    ['a token of another record', claim({ sealToken: TOKEN }), stake(), token({ stakeRecord: OTHER }), { kind: 'token-record-mismatch', token: TOKEN, tokenRecord: OTHER }, `belongs to stake record ${OTHER}`],
    ['a token held by another', claim({ sealToken: TOKEN }), stake(), token({ objectOwner: OTHER }), { kind: 'token-owner-mismatch', token: TOKEN }, `is not owned by ${OWNER}`],
    ['a token no longer on chain', claim({ sealToken: TOKEN }), stake(), null, { kind: 'token-revoked' }, 'no longer exists (revoked)'],
    ['an expired token', claim({ sealToken: TOKEN }), stake(), token(), { kind: 'expired', atEpoch: 100n }, `seal token ${TOKEN} expired at epoch 100 (now 150)`],
    ['a slashed stake', claim(), stake({ status: 'slashed' }), undefined, { kind: 'slashed' }, 'was slashed'],
    ['an unbonding stake', claim(), stake({ status: 'unbonding' }), undefined, { kind: 'unbonding' }, 'requested unstaking'],
    ['a withdrawn stake', claim(), stake({ status: 'withdrawn' }), undefined, { kind: 'withdrawn' }, 'was withdrawn'],
  ] as const)('%s', (_name, c, s, t, verdict, message) => {
    const got = bindingVerdict(c, s, t, 150n);
    expect(got).toEqual(verdict);
    expect(explainBindingVerdict(c, got, 150n)).toContain(message);
  });

  test('a mismatch outranks the stake status: a slashed stake of another owner is still not this binding', () => {
    expect(bindingVerdict(claim(), stake({ staker: OTHER, status: 'slashed' }), undefined, 1n).kind).toBe('owner-mismatch');
  });

  test('a slash outranks a revoked or expired token', () => {
    expect(bindingVerdict(claim({ sealToken: TOKEN }), stake({ status: 'slashed' }), null, 1n).kind).toBe('slashed');
    expect(bindingVerdict(claim({ sealToken: TOKEN }), stake({ status: 'slashed' }), token(), 150n).kind).toBe('slashed');
  });

  test('an unclaimed token is not looked at', () => {
    expect(bindingVerdict(claim(), stake(), undefined, 10_000n).kind).toBe('active');
  });
});
