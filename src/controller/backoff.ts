/**
 * Per-key exponential backoff (per pod for evictions refused with 429), pure: the caller owns the map
 * and the clock. Jitter spreads retries of many pods held by one PDB.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1: the delay is scaled by a random factor in [1 - jitter, 1]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 10_000, jitter: 0.2 };

export interface BackoffEntry {
  attempts: number;
  /** Epoch ms before which the key must not be tried again. */
  notBefore: number;
  /** What held it back last time (for a 429: the PDB, `namespace/name`). */
  blockedBy?: string;
}

export function nextBackoff(
  previous: BackoffEntry | undefined,
  now: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  blockedBy?: string,
  random: () => number = Math.random,
): BackoffEntry {
  const attempts = (previous?.attempts ?? 0) + 1;
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** (attempts - 1));
  const delay = Math.round(raw * (1 - options.jitter * random()));
  const entry: BackoffEntry = { attempts, notBefore: now + delay };
  if (blockedBy !== undefined) entry.blockedBy = blockedBy;
  return entry;
}

export function isBackingOff(entry: BackoffEntry | undefined, now: number): boolean {
  return entry !== undefined && entry.notBefore > now;
}
