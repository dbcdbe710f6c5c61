/**
 * Which tier a stake amount reaches. SealBinding status shows it (the TIER column); user tokens use the
 * same table for their groups (DESIGN §3), so the controller accepts the operator's table as config.
 */

export interface TierStep {
  name: string;
  minMist: bigint;
}

const SUI = 1_000_000_000n;

/** The seeds' defaults (DESIGN §3): viewer ≥ 0.5 SUI, developer ≥ 2, admin ≥ 5, cluster-admin ≥ 10. */
export const DEFAULT_TIERS: readonly TierStep[] = [
  { name: 'viewer', minMist: SUI / 2n },
  { name: 'developer', minMist: 2n * SUI },
  { name: 'admin', minMist: 5n * SUI },
  { name: 'cluster-admin', minMist: 10n * SUI },
];

/** The highest tier whose threshold `amount` reaches, or '' below every threshold. */
export function tierForAmount(amount: bigint, tiers: readonly TierStep[] = DEFAULT_TIERS): string {
  let best: TierStep | undefined;
  for (const step of tiers) if (amount >= step.minMist && (!best || step.minMist >= best.minMist)) best = step;
  return best?.name ?? '';
}
