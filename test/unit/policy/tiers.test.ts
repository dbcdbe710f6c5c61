import { DEFAULT_TIERS, tierFor, tierNameFor, validateTiers } from '../../../src/policy/tiers.ts';
import { MIST_PER_SUI, formatSui, suiToMist } from '../../../src/policy/units.ts';

const tiers = validateTiers(DEFAULT_TIERS);

describe('tiers', () => {
  it.each([
    [0.49, null],
    [0.5, 'viewer'],
    [1.999, 'viewer'],
    [2, 'developer'],
    [5, 'admin'],
    [9.9, 'admin'],
    [10, 'cluster-admin'],
    [1000, 'cluster-admin'],
  ])('%s SUI → %s', (sui, tier) => {
    expect(tierFor(suiToMist(String(sui)), tiers)?.name ?? null).toBe(tier);
  });

  it('validates tables', () => {
    expect(() => validateTiers([])).toThrow(/empty/);
    expect(() => validateTiers([{ name: 'system:masters', minMist: 1n }])).toThrow(/DNS label/);
    expect(() => validateTiers([{ name: 'a', minMist: 1n }, { name: 'a', minMist: 2n }])).toThrow(/twice/);
    expect(() => validateTiers([{ name: 'a', minMist: 1n }, { name: 'b', minMist: 1n }])).toThrow(/same minimum/);
    expect(() => suiToMist('1.0000000001')).toThrow(/SUI/);
    expect(suiToMist('0.000000001')).toBe(1n);
  });
});

describe('tierNameFor', () => {
  test.each([
    [MIST_PER_SUI / 4n, ''],
    [MIST_PER_SUI / 2n, 'viewer'],
    [2n * MIST_PER_SUI - 1n, 'viewer'],
    [2n * MIST_PER_SUI, 'developer'],
    [5n * MIST_PER_SUI, 'admin'],
    [10n * MIST_PER_SUI, 'cluster-admin'],
    [1000n * MIST_PER_SUI, 'cluster-admin'],
  ])('%s MIST → %s', (amount, tier) => {
    expect(tierNameFor(amount)).toBe(tier);
  });

  test('a custom table', () => {
    expect(tierNameFor(7n, [{ name: 'small', minMist: 1n }, { name: 'big', minMist: 5n }])).toBe('big');
    expect(tierNameFor(3n, [{ name: 'small', minMist: 1n }, { name: 'big', minMist: 5n }])).toBe('small');
  });
});

describe('units', () => {
  it.each([
    ['0', 0n],
    ['1', MIST_PER_SUI],
    ['0.5', MIST_PER_SUI / 2n],
    [' 12.000000001 ', 12n * MIST_PER_SUI + 1n],
  ])('%j SUI is %s MIST, and back', (text, mist) => {
    expect(suiToMist(text)).toBe(mist);
    expect(suiToMist(formatSui(mist))).toBe(mist);
  });

  it.each(['-1', '1e9', '0x10', '1.', '.5', 'lots'])('refuses %j', (text) => {
    expect(() => suiToMist(text)).toThrow(/not an amount of SUI/);
  });
});
