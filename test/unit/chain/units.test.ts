import { formatSui, parseSui } from '../../../src/chain/units.ts';

test.each([
  ['1', 1_000_000_000n],
  ['0.5', 500_000_000n],
  ['12.000000001', 12_000_000_001n],
  [' 2 ', 2_000_000_000n],
])('parseSui(%j)', (text, mist) => expect(parseSui(text)).toBe(mist));

test.each(['', '0', '0.0', '-1', '1e9', '1.0000000001', 'abc', '1,5', '.5'])('parseSui refuses %j', (text) => {
  expect(() => parseSui(text)).toThrow();
});

test('formatSui', () => {
  expect(formatSui(1_500_000_000n)).toBe('1.5');
  expect(formatSui(1n)).toBe('0.000000001');
  expect(formatSui(10_000_000_000n)).toBe('10');
  expect(formatSui(0n)).toBe('0');
});
