/** SUI ↔ MIST, exactly (bigint; no floating point anywhere near money). */
import { MIST_PER_SUI } from './schema.ts';

/** Parses a positive decimal SUI amount ("1", "0.5", "12.000000001") into MIST. */
export function parseSui(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not an amount of SUI (a decimal number with at most 9 decimals)`);
  const mist = BigInt(match[1]!) * MIST_PER_SUI + BigInt((match[2] ?? '').padEnd(9, '0') || '0');
  if (mist === 0n) throw new Error('the amount must be more than 0 SUI');
  return mist;
}

/** Formats MIST as SUI without trailing zeros ("1.5", "0.000000001", "10"). */
export function formatSui(mist: bigint): string {
  const negative = mist < 0n;
  const abs = negative ? -mist : mist;
  const whole = abs / MIST_PER_SUI;
  const fraction = (abs % MIST_PER_SUI).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
