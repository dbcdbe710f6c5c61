import { evaluateBinding } from '../../../src/controller/phase.ts';
import { OTHER, SUI, TOKEN, record, spec, token } from './fixtures.ts';

const withToken = spec({ sealToken: TOKEN });

describe('evaluateBinding', () => {
  test('an active node stake of the owner for this node is Active, with tier and amount', () => {
    const e = evaluateBinding(spec(), { record: record(), token: undefined, epoch: 5n });
    expect(e).toMatchObject({ phase: 'Active', reason: 'StakeActive', tier: 'developer', stakeAmount: String(3n * SUI), expiringSoon: false });
    expect(e.expiresEpoch).toBeUndefined();
  });

  test.each([
    ['missing record', { record: null }, 'StakeRecordNotFound'],
    ['another staker', { record: record({ staker: OTHER }) }, 'OwnerMismatch'],
    ['a user stake', { record: record({ kind: 'user', nodeId: '' }) }, 'NotNodeStake'],
    ['another node', { record: record({ nodeId: 'worker-2' }) }, 'NodeMismatch'],
  ])('%s is Invalid (%s)', (_name, facts, reason) => {
    const e = evaluateBinding(spec(), { token: undefined, epoch: 5n, ...facts });
    expect(e.phase).toBe('Invalid');
    expect(e.reason).toBe(reason);
  });

  test('a mismatch wins over the stake being slashed', () => {
    expect(evaluateBinding(spec(), { record: record({ staker: OTHER, status: 'slashed' }), token: undefined, epoch: 5n }).phase).toBe('Invalid');
  });

  test.each([
    ['slashed', 'Slashed', 'StakeSlashed'],
    ['withdrawn', 'Withdrawn', 'StakeWithdrawn'],
    ['unbonding', 'Withdrawn', 'UnstakeRequested'],
  ] as const)('a %s stake is %s', (status, phase, reason) => {
    const e = evaluateBinding(spec(), { record: record({ status }), token: undefined, epoch: 5n });
    expect(e).toMatchObject({ phase, reason });
  });

  test('the seal token bounds the binding: Active before expiresEpoch, Expired from it on', () => {
    expect(evaluateBinding(withToken, { record: record(), token: token(), epoch: 100n })).toMatchObject({ phase: 'Active', expiresEpoch: '101', expiringSoon: true });
    expect(evaluateBinding(withToken, { record: record(), token: token(), epoch: 50n }).expiringSoon).toBe(false);
    expect(evaluateBinding(withToken, { record: record(), token: token(), epoch: 101n })).toMatchObject({ phase: 'Expired', reason: 'SealTokenExpired' });
  });

  test('the warning window is configurable', () => {
    const e = evaluateBinding(withToken, { record: record(), token: token(), epoch: 91n }, { expiringWithinEpochs: 10n });
    expect(e.expiringSoon).toBe(true);
  });

  test('a seal token that no longer exists was revoked: Expired', () => {
    expect(evaluateBinding(withToken, { record: record(), token: null, epoch: 5n })).toMatchObject({ phase: 'Expired', reason: 'SealTokenRevoked' });
  });

  test.each([
    ['of another record', { stakeRecord: `0x${'9'.repeat(64)}` }],
    ['with another owner field', { owner: OTHER }],
    ['held by another address', { objectOwner: OTHER }],
  ])('a seal token %s is Invalid', (_name, overrides) => {
    expect(evaluateBinding(withToken, { record: record(), token: token(overrides), epoch: 5n })).toMatchObject({ phase: 'Invalid', reason: 'SealTokenMismatch' });
  });

  test('chain unavailable: no phase (keep the last known one)', () => {
    expect(evaluateBinding(spec(), { record: undefined, token: undefined, epoch: 5n }).phase).toBeUndefined();
    expect(evaluateBinding(spec(), { record: record(), token: undefined, epoch: undefined }).phase).toBeUndefined();
    expect(evaluateBinding(withToken, { record: record(), token: undefined, epoch: 5n })).toMatchObject({ phase: undefined, reason: 'ChainUnavailable' });
  });

  test('a duplicate binding for the node is Invalid whatever the chain says', () => {
    expect(evaluateBinding(spec(), { record: record(), token: undefined, epoch: 5n }, { duplicateOf: 'first' })).toMatchObject({ phase: 'Invalid', reason: 'DuplicateNode' });
  });
});
