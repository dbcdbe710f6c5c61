/**
 * The tier table: stake amount → tier name → Kubernetes group `daas:tier:<name>`. Configurable;
 * the defaults are the seeds' (viewer ≥ 0.5 SUI, developer ≥ 2, admin ≥ 5, cluster-admin ≥ 10).
 * deploy/rbac binds each default tier group to a ClusterRole. User tokens get their group from it
 * and the controller fills the TIER column of SealBindings from it, so both always agree.
 */
import { isDns1123Label } from './formats.ts';
import { MIST_PER_SUI } from './units.ts';

export interface Tier {
  /** Lowercase DNS label; becomes the group `daas:tier:<name>`. */
  name: string;
  /** Least stake, in MIST, that reaches this tier. */
  minMist: bigint;
}

export const DEFAULT_TIERS: readonly Tier[] = [
  { name: 'viewer', minMist: MIST_PER_SUI / 2n },
  { name: 'developer', minMist: 2n * MIST_PER_SUI },
  { name: 'admin', minMist: 5n * MIST_PER_SUI },
  { name: 'cluster-admin', minMist: 10n * MIST_PER_SUI },
];

/** Checks a table (names, order, no duplicates) and returns it sorted by threshold; throws a readable error. */
export function validateTiers(tiers: readonly Tier[]): Tier[] {
  if (tiers.length === 0) throw new Error('the tier table is empty');
  const names = new Set<string>();
  for (const tier of tiers) {
    if (!isDns1123Label(tier.name)) throw new Error(`tier name "${tier.name}" must be a lowercase DNS label`);
    if (tier.minMist <= 0n) throw new Error(`tier "${tier.name}" needs a positive minimum stake`);
    if (names.has(tier.name)) throw new Error(`tier "${tier.name}" appears twice`);
    names.add(tier.name);
  }
  const sorted = [...tiers].sort((a, b) => (a.minMist < b.minMist ? -1 : a.minMist > b.minMist ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.minMist === sorted[i - 1]!.minMist) throw new Error(`tiers "${sorted[i - 1]!.name}" and "${sorted[i]!.name}" have the same minimum`);
  }
  return sorted;
}

/** The highest tier `amountMist` reaches, or null below the lowest. `tiers` sorted ascending. */
export function tierFor(amountMist: bigint, tiers: readonly Tier[]): Tier | null {
  let reached: Tier | null = null;
  for (const tier of tiers) if (amountMist >= tier.minMist) reached = tier;
  return reached;
}

/** The name of that tier, or '' below every threshold (a SealBinding's TIER column). */
export function tierNameFor(amountMist: bigint, tiers: readonly Tier[] = DEFAULT_TIERS): string {
  return tierFor(amountMist, tiers)?.name ?? '';
}
