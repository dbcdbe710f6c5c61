/** Durations as operators write them in the configuration (src/config/duration.ts). */
import { formatDuration, parseDuration } from '../../../src/config/duration.ts';

describe('parseDuration', () => {
  it.each([
    [900, 900],
    ['900', 900],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['1h0m5s', 3605],
    [' 2m ', 120],
  ])('%p is %p seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '1d', '1.5h', '-5', 'm', '5m1h', '10 s'])('refuses %p with the value named', (text) => {
    expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration`);
  });

  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1])('refuses the number %p', (n) => {
    expect(() => parseDuration(n)).toThrow('is not a whole number of seconds');
  });
});

describe('formatDuration', () => {
  it('writes the largest whole unit, and reads back to the same seconds', () => {
    for (const [seconds, text] of [[7200, '2h'], [900, '15m'], [90, '90s'], [0, '0s']] as const) {
      expect(formatDuration(seconds)).toBe(text);
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });
});
