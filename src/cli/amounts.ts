/**
 * Amounts on the command line, one way everywhere: `--sui` takes decimal SUI; output carries MIST as
 * a decimal string (exact, no float) beside the same amount in SUI, as `<name>Mist` and `<name>Sui`.
 */
import { formatSui, parseSui } from '../chain/units.ts';
import { UserError } from './errors.ts';

/** The largest amount a Move u64 holds, in MIST. */
const U64_MAX = (1n << 64n) - 1n;

/** `--sui` and friends: a positive decimal SUI amount with at most 9 decimals that fits a u64 of MIST. */
export function parseSuiFlag(text: string | undefined, flag = '--sui'): bigint {
  if (text === undefined || text.trim() === '') throw new UserError(`${flag} <amount> is required`);
  if (/^\s*-/.test(text)) throw new UserError(`${flag} ${text}: the amount must be positive`);
  let mist: bigint;
  try {
    mist = parseSui(text);
  } catch (error) {
    throw new UserError(`${flag}: ${(error as Error).message}`);
  }
  if (mist > U64_MAX) throw new UserError(`${flag} ${text}: more than the largest amount (${formatSui(U64_MAX)} SUI)`);
  return mist;
}

/** `{ <name>Mist: "1500000000", <name>Sui: "1.5" }` for JSON output. */
export function amountFields<N extends string>(name: N, mist: bigint): Record<`${N}Mist` | `${N}Sui`, string> {
  return { [`${name}Mist`]: mist.toString(), [`${name}Sui`]: formatSui(mist) } as Record<`${N}Mist` | `${N}Sui`, string>;
}
