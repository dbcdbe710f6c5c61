/**
 * Which tier a node stake reaches, for the TIER column of SealBindings. The table is the one user
 * tokens use for their groups (src/authn/tiers.ts, DESIGN §3), so both always agree.
 */
import { DEFAULT_TIERS, tierFor, type Tier } from '../authn/tiers.ts';

export type TierStep = Tier;
export { DEFAULT_TIERS };

/** The highest tier `amount` reaches, or '' below every threshold. `tiers` sorted ascending (validateTiers). */
export function tierForAmount(amount: bigint, tiers: readonly Tier[] = DEFAULT_TIERS): string {
  return tierFor(amount, tiers)?.name ?? '';
}
