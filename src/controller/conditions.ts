/**
 * metav1.Condition bookkeeping, pure: `lastTransitionTime` moves only when `status` changes, so a
 * resync that finds nothing new writes nothing new (and a new leader recomputes the same status).
 */
import type { Condition, ConditionStatus } from '../k8s/sealbinding.ts';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Returns a new list with `input` set (added or replaced), keeping the list's order stable. */
export function setCondition(conditions: readonly Condition[], input: ConditionInput, now: Date, generation?: number): Condition[] {
  const previous = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : now.toISOString(),
    reason: input.reason,
    message: input.message,
  };
  if (!previous) return [...conditions, next];
  return conditions.map((c) => (c.type === input.type ? next : c));
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function conditionIs(conditions: readonly Condition[] | undefined, type: string, status: ConditionStatus): boolean {
  return conditions?.some((c) => c.type === type && c.status === status) ?? false;
}
