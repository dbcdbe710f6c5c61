/** Durations as operators write them: `900`, `90s`, `15m`, `1h`, `1h30m`. Whole seconds only. */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };
const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in `text`, or throws an Error naming the value. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isSafeInteger(text) && text >= 0) return text;
    throw new Error(`${text} is not a whole number of seconds`);
  }
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return parseDuration(Number(trimmed));
  const match = DURATION_RE.exec(trimmed);
  if (!trimmed || !match) throw new Error(`"${text}" is not a duration (examples: 90s, 15m, 1h)`);
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * UNIT_SECONDS.h! + Number(m) * UNIT_SECONDS.m! + Number(s);
}

export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
