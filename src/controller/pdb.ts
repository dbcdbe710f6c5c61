/**
 * Which PodDisruptionBudget refused an eviction. The apiserver's 429 names it in a status cause
 * ("The disruption budget <name> needs N healthy pods and has M currently", or "... does not allow
 * evicting pods currently ..."); when a response lacks it, the PDBs whose selector matches the pod
 * tell us. Pure.
 */
import type { LabelSelectorLike, PdbLike, PodLike } from '../k8s/objects.ts';

/** A Kubernetes `Status` body, as far as we read it. */
export interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ type?: string; message?: string }>; retryAfterSeconds?: number };
}

const BUDGET_NAME = /disruption budget ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/;

/** The PDB name a 429 eviction response names, if any. */
export function pdbNameFromStatus(body: StatusBody | undefined): string | undefined {
  for (const cause of body?.details?.causes ?? []) {
    const hit = cause.message?.match(BUDGET_NAME);
    if (hit?.[1]) return hit[1];
  }
  return body?.message?.match(BUDGET_NAME)?.[1];
}

/** Label selector semantics of metav1.LabelSelector. An empty selector matches everything (policy/v1). */
export function selectorMatches(selector: LabelSelectorLike | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expr.key);
    const value = labels[expr.key];
    const values = expr.values ?? [];
    const ok =
      expr.operator === 'In' ? has && values.includes(value as string)
      : expr.operator === 'NotIn' ? !has || !values.includes(value as string)
      : expr.operator === 'Exists' ? has
      : expr.operator === 'DoesNotExist' ? !has
      : false; // unknown operator: match nothing, as the apiserver would reject it anyway
    if (!ok) return false;
  }
  return true;
}

/** Names of the PDBs in the pod's namespace whose selector selects the pod. */
export function pdbsSelectingPod(pdbs: readonly PdbLike[], pod: PodLike): string[] {
  const namespace = pod.metadata?.namespace;
  return pdbs
    .filter((pdb) => pdb.metadata?.namespace === namespace && selectorMatches(pdb.spec?.selector, pod.metadata?.labels))
    .map((pdb) => pdb.metadata?.name ?? '')
    .sort();
}
