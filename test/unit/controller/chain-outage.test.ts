/**
 * The chain unreachable (issue 14): the controller keeps every binding's phase and node, and reports the
 * outage — the Verified condition Unknown, one ChainUnavailable Event, the chain-reachable gauge at 0 —
 * and reports the return (Verified again).
 */
import { Registry } from 'prom-client';
import { createControllerMetrics } from '../../../src/controller/metrics.ts';
import { evaluateBinding } from '../../../src/controller/phase.ts';
import { computeStatus, transitionEvents, type StatusInput } from '../../../src/controller/status.ts';
import type { SealBindingStatus } from '../../../src/k8s/sealbinding.ts';
import { binding, record, spec } from './fixtures.ts';

const active = evaluateBinding(spec(), { record: record(), token: undefined, epoch: 5n });
const unavailable = evaluateBinding(spec(), { record: undefined, token: undefined, epoch: undefined });

function step(status: SealBindingStatus | undefined, evaluation: StatusInput['evaluation'], at: string) {
  const next = computeStatus({ binding: binding(status ? { status } : {}), evaluation, node: { exists: true, cordonedByUs: false }, now: new Date(at), verifiedRefreshMs: 60_000 });
  return { next, events: transitionEvents(status, next) };
}

test('an Active binding stays Active while the chain is down: Verified Unknown, one ChainUnavailable Event, then Verified again', () => {
  const first = step(undefined, active, '2030-01-01T00:00:00Z').next;
  const down = step(first, unavailable, '2030-01-01T00:01:00Z');
  expect(down.next.phase).toBe('Active');
  expect(down.next.conditions?.find((c) => c.type === 'Verified')).toMatchObject({ status: 'Unknown', reason: 'ChainUnavailable' });
  expect(down.next.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  expect(down.events).toEqual([{ type: 'Warning', reason: 'ChainUnavailable', message: expect.stringMatching(/could not be read/) }]);
  // Still down at the next resync: nothing new to say.
  expect(step(down.next, unavailable, '2030-01-01T00:02:00Z').events).toEqual([]);
  const back = step(down.next, active, '2030-01-01T00:06:00Z');
  expect(back.next.phase).toBe('Active');
  expect(back.events.map((e) => e.reason)).toEqual(['Verified']);
});

test('the chain-reachable gauge', async () => {
  const registry = new Registry();
  const m = createControllerMetrics(registry);
  expect(await registry.metrics()).toContain('daas_auth_controller_chain_reachable 0');
  m.setChainReachable(true);
  expect(await registry.metrics()).toContain('daas_auth_controller_chain_reachable 1');
  m.setChainReachable(false);
  expect(await registry.metrics()).toContain('daas_auth_controller_chain_reachable 0');
});
