/**
 * SUI and MIST, exactly: bigint arithmetic only, no floating point anywhere near money. The tier
 * table, the config and the CLI all parse amounts here, so "0.5" means the same everywhere.
 */

/** 1 SUI in MIST. */
export const MIST_PER_SUI = 1_000_000_000n;

/** Parses a decimal SUI amount ("0.5", "10", up to 9 decimals) into MIST; 0 is allowed (callers decide). */
export function suiToMist(sui: string | number): bigint {
  const text = typeof sui === 'number' ? String(sui) : sui.trim();
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an amount of SUI (a decimal number with at most 9 decimals)`);
  return BigInt(match[1]!) * MIST_PER_SUI + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/** Formats MIST as SUI without trailing zeros ("1.5", "0.000000001", "10"). */
export function formatSui(mist: bigint): string {
  const negative = mist < 0n;
  const abs = negative ? -mist : mist;
  const whole = abs / MIST_PER_SUI;
  const fraction = (abs % MIST_PER_SUI).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
