/**
 * One pass of draining a revoked node, as a plan: which pods to evict now, which to leave, which are
 * waiting. Pure; the drainer carries it out and calls again. Like `kubectl drain` and Karpenter:
 * DaemonSet pods (their controller would put them straight back, and they tolerate unschedulable) and
 * mirror pods (the kubelet's static pods; the API cannot remove them) are skipped and do not keep the
 * node from counting as drained. Everything goes through the Eviction API so PodDisruptionBudgets
 * decide; a pod is deleted past its PDB only after the binding's deadline and only if its policy
 * says force. The controller's own pod, when it runs on the node it drains, is evicted last: evicted
 * first, it would hand the drain to a standby replica only after the Lease runs out.
 */
import type { PodLike } from '../k8s/objects.ts';
import { objectKey } from '../k8s/objects.ts';
import { isBackingOff, type BackoffEntry } from './backoff.ts';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export type SkipReason = 'DaemonSet' | 'Mirror';

export interface DrainPlanInput {
  pods: readonly PodLike[];
  now: number;
  /** Per pod uid: the eviction backoff after a refusal. */
  backoff: ReadonlyMap<string, BackoffEntry>;
  /** Pod uids whose eviction or deletion was accepted and which have not left yet (their watch event is on its way). */
  accepted?: ReadonlySet<string>;
  /** Epoch ms after which PDB-held pods may be deleted (if `forceAfterDeadline`). */
  deadlineAt: number | undefined;
  forceAfterDeadline: boolean;
  /** `namespace/name` of a pod held back while any other pod that counts is still on the node. */
  evictLast?: string;
}

export interface DrainPlan {
  evict: PodLike[];
  forceDelete: PodLike[];
  skipped: Array<{ pod: PodLike; reason: SkipReason }>;
  /** Already being deleted (their kubelet — kwok here — finishes the job). */
  terminating: PodLike[];
  /** Backing off after a refusal, or the pod to evict last while others remain: not tried this pass. */
  waiting: PodLike[];
  /** Pods whose last eviction a PDB refused, with that PDB (`namespace/name`), in pod-name order. */
  blocked: Array<{ pod: string; pdb: string }>;
  /** Nothing but skipped pods remains. */
  drained: boolean;
  deadlinePassed: boolean;
}

export function skipReason(pod: PodLike): SkipReason | undefined {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return 'Mirror';
  if (pod.metadata?.ownerReferences?.some((ref) => ref.controller === true && ref.kind === 'DaemonSet')) return 'DaemonSet';
  return undefined;
}

export function planDrain(input: DrainPlanInput): DrainPlan {
  const { now, backoff, deadlineAt, forceAfterDeadline } = input;
  const deadlinePassed = deadlineAt !== undefined && now >= deadlineAt;
  const plan: DrainPlan = { evict: [], forceDelete: [], skipped: [], terminating: [], waiting: [], blocked: [], drained: false, deadlinePassed };
  const pods = [...input.pods].sort((a, b) => objectKey(a.metadata).localeCompare(objectKey(b.metadata)));
  const holdLast = input.evictLast !== undefined && pods.some((pod) => !skipReason(pod) && objectKey(pod.metadata) !== input.evictLast);
  for (const pod of pods) {
    const reason = skipReason(pod);
    if (reason) {
      plan.skipped.push({ pod, reason });
      continue;
    }
    if (holdLast && objectKey(pod.metadata) === input.evictLast && !pod.metadata?.deletionTimestamp) {
      plan.waiting.push(pod);
      continue;
    }
    if (pod.metadata?.deletionTimestamp || input.accepted?.has(pod.metadata?.uid ?? '')) {
      plan.terminating.push(pod);
      continue;
    }
    const entry = backoff.get(pod.metadata?.uid ?? '');
    if (entry?.blockedBy) plan.blocked.push({ pod: objectKey(pod.metadata), pdb: entry.blockedBy });
    if (deadlinePassed && forceAfterDeadline && entry?.blockedBy) plan.forceDelete.push(pod);
    else if (isBackingOff(entry, now)) plan.waiting.push(pod);
    else plan.evict.push(pod);
  }
  plan.drained = plan.skipped.length === pods.length;
  return plan;
}
