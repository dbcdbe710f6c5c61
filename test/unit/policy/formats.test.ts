import { isDns1123Label, isDns1123Subdomain, isFullSuiAddress, isSuiId, isSuiIdInput } from '../../../src/policy/formats.ts';

const HEX64 = 'ab'.repeat(32);

describe('formats', () => {
  test.each([
    [`0x${HEX64}`, true, true, true],
    [`0x${HEX64.toUpperCase()}`, false, true, true],
    ['0x2', false, true, false],
    [`0x${HEX64}0`, false, false, false],
    [HEX64, false, false, false],
    ['0x', false, false, false],
    [`0x${'g'.repeat(64)}`, false, false, false],
  ])('%s: canonical %s, typed %s, full %s', (id, canonical, typed, full) => {
    expect(isSuiId(id)).toBe(canonical);
    expect(isSuiIdInput(id)).toBe(typed);
    expect(isFullSuiAddress(id)).toBe(full);
  });

  test.each([
    ['worker-1', true, true],
    ['worker-1.zone-a', true, false],
    ['Worker', false, false],
    ['-worker', false, false],
    ['a'.repeat(63), true, true],
    ['a'.repeat(64), true, false],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, false],
  ])('%s: node name %s, label %s', (name, subdomain, label) => {
    expect(isDns1123Subdomain(name)).toBe(subdomain);
    expect(isDns1123Label(name)).toBe(label);
  });

  test('non-strings are never ids or names', () => {
    for (const value of [undefined, null, 42, {}, ['worker-1']]) {
      expect(isSuiId(value) || isSuiIdInput(value) || isDns1123Subdomain(value) || isDns1123Label(value)).toBe(false);
    }
  });
});
