/** SUI ↔ MIST for transactions: the exact conversion of src/policy/units.ts, refusing zero. */
import { suiToMist } from '../policy/units.ts';

export { formatSui } from '../policy/units.ts';

/** Parses a positive decimal SUI amount ("1", "0.5", "12.000000001") into MIST. */
export function parseSui(text: string): bigint {
  const mist = suiToMist(text);
  if (mist === 0n) throw new Error('the amount must be more than 0 SUI');
  return mist;
}
