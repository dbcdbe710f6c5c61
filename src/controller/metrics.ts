/**
 * The controller's Prometheus metrics (prefix daas_auth_, docs/design.md §5). Registered on the registry the
 * caller passes — the shared one of `daas-auth serve` — or prom-client's default registry.
 */
import client, { type Registry } from 'prom-client';
import { counter, gauge, histogram } from '../metrics/define.ts';
import { CONDITION_TYPES, SEALBINDING_PHASES, type SealBinding, type SealBindingPhase } from '../k8s/sealbinding.ts';

export type EvictionOutcome = 'evicted' | 'blocked' | 'gone' | 'error' | 'forced';

export interface ControllerMetrics {
  setBindingPhases(counts: ReadonlyMap<SealBindingPhase, number>): void;
  setNodes(cordoned: number, draining: number): void;
  eviction(outcome: EvictionOutcome): void;
  observeReconcile(seconds: number, result: 'ok' | 'error'): void;
  setLeader(leader: boolean): void;
  /** Active bindings whose seal token expires within the warning window (status Ready=True/ExpiringSoon). */
  setExpiringSoon(count: number): void;
  /** The leader's last chain read (its epoch poll) succeeded: 1, or 0 while the chain is unreachable. */
  setChainReachable(up: boolean): void;
}

/** How many bindings the status says are Active with a seal token about to expire: the alert's input. */
export function countExpiringSoon(bindings: readonly SealBinding[]): number {
  return bindings.filter(
    (b) => b.status?.phase === 'Active' && b.status.conditions?.some((c) => c.type === CONDITION_TYPES.Ready && c.reason === 'ExpiringSoon'),
  ).length;
}

export function createControllerMetrics(registry: Registry = client.register): ControllerMetrics {
  const bindings = gauge({ name: 'sealbindings', help: 'SealBindings by phase', labelNames: ['phase'], registry });
  const cordoned = gauge({ name: 'nodes_cordoned', help: 'Nodes the controller holds cordoned and tainted', registry });
  const draining = gauge({ name: 'nodes_draining', help: 'Revoked nodes with pods still to evict', registry });
  const evictions = counter({ name: 'evictions_total', help: 'Pod evictions by result', labelNames: ['result'], registry });
  const reconcile = histogram({
    name: 'controller_reconcile_duration_seconds',
    help: 'Time to reconcile one SealBinding',
    labelNames: ['result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  });
  const leader = gauge({ name: 'controller_leader', help: '1 while this process is the controller leader', registry });
  const expiring = gauge({
    name: 'sealbindings_expiring_soon',
    help: 'Active SealBindings whose seal token expires within controller.expiringWithinEpochs',
    registry,
  });
  for (const phase of SEALBINDING_PHASES) bindings.set({ phase }, 0);
  // Reported by the leader only; a standby (or a leader before its first poll) says 0: nothing verified.
  const chainReachable = gauge({ name: 'controller_chain_reachable', help: '1 while the controller leader reads the chain, 0 while it is unreachable (no action is taken on stale data)', registry });
  leader.set(0);
  expiring.set(0);
  return {
    setBindingPhases(counts) {
      for (const phase of SEALBINDING_PHASES) bindings.set({ phase }, counts.get(phase) ?? 0);
    },
    setNodes(c, d) {
      cordoned.set(c);
      draining.set(d);
    },
    eviction: (outcome) => evictions.inc({ result: outcome }),
    observeReconcile: (seconds, result) => reconcile.observe({ result }, seconds),
    setLeader: (value) => leader.set(value ? 1 : 0),
    setExpiringSoon: (count) => expiring.set(count),
    setChainReachable: (up) => chainReachable.set(up ? 1 : 0),
  };
}
