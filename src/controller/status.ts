/**
 * The next SealBinding status and the Events its transitions deserve, pure.
 *
 * Events are derived from the difference between the stored status and the new one, never from what
 * this process remembers: after a restart or a leader change the same chain state yields the same
 * status, so nothing is announced twice and nothing is missed.
 */
import { CONDITION_TYPES as C, type Condition, type SealBinding, type SealBindingPhase, type SealBindingStatus } from '../k8s/sealbinding.ts';
import { jsonEqual } from '../k8s/patch.ts';
import { conditionIs, removeCondition, setCondition } from './conditions.ts';
import type { Evaluation } from './phase.ts';

/** Phases in which the node is cordoned, tainted and drained. Invalid too: no stake backs the node. */
export const NODE_REVOKED_PHASES: ReadonlySet<SealBindingPhase> = new Set(['Expired', 'Slashed', 'Withdrawn', 'Invalid']);

export function isNodeRevoked(phase: SealBindingPhase | undefined): boolean {
  return phase !== undefined && NODE_REVOKED_PHASES.has(phase);
}

export interface NodeFacts {
  exists: boolean;
  /** The node carries our taint (and our cordon, if we made it). */
  cordonedByUs: boolean;
}

export interface DrainFacts {
  drained: boolean;
  /** The first pod (namespace/name, in name order) a PodDisruptionBudget holds back, and that PDB (namespace/name). */
  blocked?: { pod: string; pdb: string };
}

export interface StatusInput {
  binding: SealBinding;
  evaluation: Evaluation;
  node: NodeFacts;
  drain?: DrainFacts;
  now: Date;
  /** Refresh `lastVerified` at least this often even when nothing else changed. */
  verifiedRefreshMs: number;
}

export interface BindingEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

function verifiedCondition(evaluation: Evaluation, phase: SealBindingPhase) {
  if (evaluation.phase === undefined) return { type: C.Verified, status: 'Unknown' as const, reason: evaluation.reason, message: evaluation.message };
  if (phase === 'Invalid') return { type: C.Verified, status: 'False' as const, reason: evaluation.reason, message: evaluation.message };
  return { type: C.Verified, status: 'True' as const, reason: 'ChainVerified', message: 'stake record matches owner, node and seal token on chain' };
}

function nodeConditions(conditions: Condition[], input: StatusInput, revoked: boolean, now: Date, gen?: number): Condition[] {
  const { node, drain, binding } = input;
  const nodeName = binding.spec.nodeName;
  let next = conditions;
  if (node.cordonedByUs) {
    next = setCondition(next, { type: C.NodeCordoned, status: 'True', reason: 'StakeRevoked', message: `node ${nodeName} cordoned and tainted daas.io/stake-revoked:NoSchedule` }, now, gen);
  } else if (revoked && !node.exists) {
    next = setCondition(next, { type: C.NodeCordoned, status: 'False', reason: 'NodeNotFound', message: `node ${nodeName} does not exist` }, now, gen);
  } else if (conditionIs(next, C.NodeCordoned, 'True')) {
    next = setCondition(next, { type: C.NodeCordoned, status: 'False', reason: 'Restored', message: `node ${nodeName} uncordoned and untainted` }, now, gen);
  }
  if (!revoked) return removeCondition(removeCondition(next, C.Drained), C.DrainBlocked);
  const drained = !node.exists || (drain?.drained ?? false);
  next = drained
    ? setCondition(next, { type: C.Drained, status: 'True', reason: 'Drained', message: `no evictable pods left on node ${nodeName}` }, now, gen)
    : setCondition(next, { type: C.Drained, status: 'False', reason: 'Draining', message: `evicting pods from node ${nodeName}` }, now, gen);
  if (drain?.blocked && !drained) {
    // The message names the PDB and the first held pod only, so it stays stable while the drain waits.
    const { pod, pdb } = drain.blocked;
    next = setCondition(next, { type: C.DrainBlocked, status: 'True', reason: 'PodDisruptionBudget', message: `eviction of pod ${pod} blocked by PodDisruptionBudget ${pdb}` }, now, gen);
  } else if (next.some((c) => c.type === C.DrainBlocked)) {
    next = setCondition(next, { type: C.DrainBlocked, status: 'False', reason: drained ? 'Drained' : 'NotBlocked', message: 'no PodDisruptionBudget is holding the drain back' }, now, gen);
  }
  return next;
}

export function computeStatus(input: StatusInput): SealBindingStatus {
  const { binding, evaluation, now } = input;
  const old = binding.status ?? {};
  const gen = binding.metadata.generation;
  const phase: SealBindingPhase = evaluation.phase ?? old.phase ?? 'Pending';
  const revoked = isNodeRevoked(phase);

  let conditions = setCondition(old.conditions ?? [], verifiedCondition(evaluation, phase), now, gen);
  if (evaluation.phase !== undefined) {
    const ready = phase === 'Active'
      ? { status: 'True' as const, reason: evaluation.expiringSoon ? 'ExpiringSoon' : 'StakeActive' }
      : { status: 'False' as const, reason: evaluation.reason };
    const message = evaluation.expiringSoon ? `${evaluation.message}; seal token expires at epoch ${evaluation.expiresEpoch}` : evaluation.message;
    conditions = setCondition(conditions, { type: C.Ready, ...ready, message }, now, gen);
  }
  conditions = nodeConditions(conditions, input, revoked, now, gen);

  const fresh = evaluation.phase !== undefined;
  const status: SealBindingStatus = {
    phase,
    ...pick(fresh ? evaluation : old, ['tier', 'stakeAmount', 'expiresEpoch']),
    ...(fresh ? (gen !== undefined ? { observedGeneration: gen } : {}) : pick(old, ['observedGeneration'])),
    ...(revoked ? { revokedAt: old.revokedAt ?? now.toISOString() } : {}),
    conditions,
  };
  const lastVerified = fresh && shouldRefreshVerified(old, status, now, input.verifiedRefreshMs) ? now.toISOString() : old.lastVerified;
  if (lastVerified) status.lastVerified = lastVerified;
  return status;
}

function pick<T extends object, K extends keyof T & string>(from: T, keys: readonly K[]): Partial<Record<K, T[K]>> {
  const out: Partial<Record<K, T[K]>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

function shouldRefreshVerified(old: SealBindingStatus, next: SealBindingStatus, now: Date, refreshMs: number): boolean {
  if (!old.lastVerified) return true;
  if (now.getTime() - Date.parse(old.lastVerified) >= refreshMs) return true;
  const { lastVerified: _old, ...oldRest } = old;
  return !jsonEqual(oldRest, next);
}

const PHASE_EVENTS: Partial<Record<SealBindingPhase, string>> = { Slashed: 'Slashed', Expired: 'Expired', Withdrawn: 'Withdrawn', Invalid: 'Invalid' };

function findCond(status: SealBindingStatus, type: string): Condition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

function becameTrue(old: SealBindingStatus, next: SealBindingStatus, type: string): Condition | undefined {
  const now = findCond(next, type);
  return now?.status === 'True' && findCond(old, type)?.status !== 'True' ? now : undefined;
}

/** The Events to record for the move from `old` to `next`, in story order. */
export function transitionEvents(old: SealBindingStatus | undefined, next: SealBindingStatus): BindingEvent[] {
  const before = old ?? {};
  const events: BindingEvent[] = [];
  const verified = becameTrue(before, next, C.Verified);
  if (verified) events.push({ type: 'Normal', reason: 'Verified', message: verified.message });
  const unverified = findCond(next, C.Verified);
  if (unverified?.status === 'Unknown' && findCond(before, C.Verified)?.status !== 'Unknown') {
    // The chain could not be read: the phase is kept and nothing is done to the node; say so once.
    events.push({ type: 'Warning', reason: unverified.reason, message: unverified.message });
  }
  const ready = findCond(next, C.Ready);
  if (next.phase === 'Active' && before.phase !== 'Active') events.push({ type: 'Normal', reason: 'Activated', message: ready?.message ?? 'binding is Active' });
  if (ready?.reason === 'ExpiringSoon' && findCond(before, C.Ready)?.reason !== 'ExpiringSoon') events.push({ type: 'Warning', reason: 'Expiring', message: ready.message });
  const phaseReason = next.phase && next.phase !== before.phase ? PHASE_EVENTS[next.phase] : undefined;
  if (phaseReason) events.push({ type: 'Warning', reason: phaseReason, message: ready?.message ?? phaseReason });
  const cordoned = becameTrue(before, next, C.NodeCordoned);
  if (cordoned) events.push({ type: 'Warning', reason: 'Cordoned', message: cordoned.message });
  const blocked = findCond(next, C.DrainBlocked);
  const wasBlocked = findCond(before, C.DrainBlocked);
  if (blocked?.status === 'True' && (wasBlocked?.status !== 'True' || wasBlocked.message !== blocked.message)) {
    events.push({ type: 'Warning', reason: 'DrainBlocked', message: blocked.message });
  }
  const drained = becameTrue(before, next, C.Drained);
  if (drained) events.push({ type: 'Normal', reason: 'Drained', message: drained.message });
  const restored = findCond(next, C.NodeCordoned);
  if (restored?.reason === 'Restored' && findCond(before, C.NodeCordoned)?.status === 'True') events.push({ type: 'Normal', reason: 'Restored', message: restored.message });
  return events;
}

/**
 * The Event for a pod deleted past its PodDisruptionBudget after the drain deadline. An action, not a
 * status transition: it is announced when the delete succeeds, which happens once per pod (the delete
 * carries the pod's uid, so a repeat by this or another leader finds it gone and announces nothing).
 */
export function drainForcedEvent(pod: string, pdb: string, deadlineSeconds: number): BindingEvent {
  return {
    type: 'Warning',
    reason: 'DrainForced',
    message: `pod ${pod} deleted despite PodDisruptionBudget ${pdb}: the drain deadline (${deadlineSeconds} s after revocation) passed and the drain policy says forceAfterDeadline`,
  };
}
