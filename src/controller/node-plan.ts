/**
 * Cordon + taint on revocation, uncordon + untaint on restore: the Node change as a JSON merge patch,
 * pure. The patch carries `metadata.resourceVersion`, which the apiserver treats as a precondition
 * (409 Conflict if the node changed meanwhile); because a merge patch replaces the whole taint list,
 * that precondition is what keeps a taint someone else added in between from being lost.
 *
 * We uncordon only what we cordoned: if an operator had already cordoned the node, we add only our
 * taint, and the annotation below is absent, so restore leaves their cordon in place.
 */
import type { NodeLike, TaintLike } from '../k8s/objects.ts';
import { STAKE_REVOKED_TAINT_KEY } from '../k8s/sealbinding.ts';

export const CORDONED_BY_US_ANNOTATION = 'daas.io/cordoned-by-controller';
export const TAINT_EFFECT = 'NoSchedule';

export interface NodeMergePatch {
  metadata: { resourceVersion: string; annotations?: Record<string, string | null> };
  spec: { unschedulable?: boolean; taints?: TaintLike[] | null };
}

function isOurTaint(taint: TaintLike): boolean {
  return taint.key === STAKE_REVOKED_TAINT_KEY && taint.effect === TAINT_EFFECT;
}

export function hasRevokedTaint(node: NodeLike): boolean {
  return node.spec?.taints?.some(isOurTaint) ?? false;
}

/** The node shows our work: our taint, or our cordon mark. */
export function isCordonedByUs(node: NodeLike): boolean {
  return hasRevokedTaint(node) || node.metadata?.annotations?.[CORDONED_BY_US_ANNOTATION] !== undefined;
}

/** Taints as plain JSON (the typed client hands back Dates for timeAdded). */
function plainTaints(taints: readonly TaintLike[]): TaintLike[] {
  return taints.map((t) => {
    const out: TaintLike = { key: t.key, effect: t.effect };
    if (t.value !== undefined) out.value = t.value;
    if (t.timeAdded !== undefined) out.timeAdded = t.timeAdded instanceof Date ? t.timeAdded.toISOString() : t.timeAdded;
    return out;
  });
}

/** The patch that cordons and taints `node`, or null if it already is. `value` says why (the phase). */
export function planRevoke(node: NodeLike, value: string): NodeMergePatch | null {
  const unschedulable = node.spec?.unschedulable === true;
  const tainted = hasRevokedTaint(node);
  if (unschedulable && tainted) return null;
  const patch: NodeMergePatch = { metadata: { resourceVersion: node.metadata?.resourceVersion ?? '' }, spec: {} };
  if (!unschedulable) {
    patch.spec.unschedulable = true;
    patch.metadata.annotations = { [CORDONED_BY_US_ANNOTATION]: 'true' };
  }
  if (!tainted) patch.spec.taints = [...plainTaints(node.spec?.taints ?? []), { key: STAKE_REVOKED_TAINT_KEY, value, effect: TAINT_EFFECT }];
  return patch;
}

/** The patch that undoes planRevoke, or null if there is nothing of ours on the node. */
export function planRestore(node: NodeLike): NodeMergePatch | null {
  if (!isCordonedByUs(node)) return null;
  const patch: NodeMergePatch = { metadata: { resourceVersion: node.metadata?.resourceVersion ?? '' }, spec: {} };
  if (hasRevokedTaint(node)) {
    const rest = plainTaints((node.spec?.taints ?? []).filter((t) => !isOurTaint(t)));
    patch.spec.taints = rest.length > 0 ? rest : null;
  }
  if (node.metadata?.annotations?.[CORDONED_BY_US_ANNOTATION] !== undefined) {
    patch.spec.unschedulable = false;
    patch.metadata.annotations = { [CORDONED_BY_US_ANNOTATION]: null };
  }
  return patch;
}
