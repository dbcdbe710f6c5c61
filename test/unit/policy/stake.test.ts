import { STAKE_STATUSES, isExpired, stakeVerdict, type StakeStatusName, type StakeVerdict } from '../../../src/policy/stake.ts';

describe('the stake verdict', () => {
  const token = { expiresEpoch: 105n };

  // Every status × token state × epoch: the whole table, so a reordering of the rules shows here.
  const table: Array<[StakeStatusName, boolean, bigint, StakeVerdict]> = [
    ['active', false, 1_000n, { kind: 'active' }],
    ['active', true, 104n, { kind: 'active' }],
    ['active', true, 105n, { kind: 'expired', atEpoch: 105n }],
    ['active', true, 900n, { kind: 'expired', atEpoch: 105n }],
    ['slashed', false, 1n, { kind: 'slashed' }],
    ['slashed', true, 104n, { kind: 'slashed' }],
    // A slash outranks an expiry that happened too: the slash is what the node must be drained for.
    ['slashed', true, 105n, { kind: 'slashed' }],
    ['unbonding', true, 104n, { kind: 'unbonding' }],
    ['unbonding', true, 200n, { kind: 'unbonding' }],
    ['withdrawn', false, 1n, { kind: 'withdrawn' }],
    ['withdrawn', true, 200n, { kind: 'withdrawn' }],
  ];

  test.each(table)('%s stake, token %s, epoch %s → %j', (status, withToken, epoch, verdict) => {
    expect(stakeVerdict({ status }, withToken ? token : undefined, epoch)).toEqual(verdict);
  });

  test('every status has a verdict of its own name, and only an active one can expire', () => {
    for (const status of STAKE_STATUSES) {
      const verdict = stakeVerdict({ status }, token, 10_000n);
      expect(verdict.kind).toBe(status === 'active' ? 'expired' : status);
    }
  });

  test('a token is valid through expiresEpoch − 1 and expired from expiresEpoch', () => {
    expect(isExpired(token, 104n)).toBe(false);
    expect(isExpired(token, 105n)).toBe(true);
    expect(isExpired({ expiresEpoch: 0n }, 0n)).toBe(true);
  });
});
