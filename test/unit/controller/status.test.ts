import { computeStatus, transitionEvents, type StatusInput } from '../../../src/controller/status.ts';
import { setCondition } from '../../../src/controller/conditions.ts';
import { evaluateBinding } from '../../../src/controller/phase.ts';
import type { SealBindingStatus } from '../../../src/k8s/sealbinding.ts';
import { binding, record, spec } from './fixtures.ts';

const t0 = new Date('2030-01-01T00:00:00Z');
const t1 = new Date('2030-01-01T00:00:05Z');
const active = evaluateBinding(spec(), { record: record(), token: undefined, epoch: 5n });
const slashed = evaluateBinding(spec(), { record: record({ status: 'slashed' }), token: undefined, epoch: 5n });
const unavailable = evaluateBinding(spec(), { record: undefined, token: undefined, epoch: undefined });

function step(status: SealBindingStatus | undefined, patch: Partial<StatusInput>, now = t0) {
  const input: StatusInput = {
    binding: binding(status ? { status } : {}),
    evaluation: active,
    node: { exists: true, cordonedByUs: false },
    now,
    verifiedRefreshMs: 60_000,
    ...patch,
  };
  const next = computeStatus(input);
  return { next, events: transitionEvents(status, next).map((e) => e.reason) };
}

const cond = (s: SealBindingStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe('computeStatus + transitionEvents: the story of a binding', () => {
  test('first verification: Active, Verified and Activated events, observedGeneration and lastVerified set', () => {
    const { next, events } = step(undefined, {});
    expect(next).toMatchObject({ phase: 'Active', tier: 'developer', observedGeneration: 1, lastVerified: t0.toISOString() });
    expect(cond(next, 'Verified')?.status).toBe('True');
    expect(cond(next, 'Ready')).toMatchObject({ status: 'True', reason: 'StakeActive' });
    expect(events).toEqual(['Verified', 'Activated']);
  });

  test('a resync that finds nothing new yields the same status and no events', () => {
    const first = step(undefined, {}).next;
    const { next, events } = step(first, {}, t1);
    expect(next).toEqual(first);
    expect(events).toEqual([]);
  });

  test('lastVerified is refreshed once the refresh interval passed', () => {
    const first = step(undefined, {}).next;
    const later = new Date(t0.getTime() + 60_000);
    expect(step(first, {}, later).next.lastVerified).toBe(later.toISOString());
  });

  test('slash: Slashed, Cordoned, draining, DrainBlocked naming the PDB, then Drained', () => {
    const activeStatus = step(undefined, {}).next;
    const s1 = step(activeStatus, { evaluation: slashed, node: { exists: true, cordonedByUs: true }, drain: { drained: false } }, t1);
    expect(s1.next.phase).toBe('Slashed');
    expect(s1.next.revokedAt).toBe(t1.toISOString());
    expect(cond(s1.next, 'Ready')).toMatchObject({ status: 'False', reason: 'StakeSlashed' });
    expect(cond(s1.next, 'NodeCordoned')?.status).toBe('True');
    expect(cond(s1.next, 'Drained')).toMatchObject({ status: 'False', reason: 'Draining' });
    expect(s1.events).toEqual(['Slashed', 'Cordoned']);

    const blocked = { drained: false, blocked: { pod: 'app/web-0', pdb: 'app/web-pdb' } };
    const s2 = step(s1.next, { evaluation: slashed, node: { exists: true, cordonedByUs: true }, drain: blocked });
    expect(cond(s2.next, 'DrainBlocked')).toMatchObject({ status: 'True', reason: 'PodDisruptionBudget' });
    expect(cond(s2.next, 'DrainBlocked')?.message).toContain('app/web-pdb');
    expect(s2.next.revokedAt).toBe(t1.toISOString());
    expect(s2.events).toEqual(['DrainBlocked']);
    expect(step(s2.next, { evaluation: slashed, node: { exists: true, cordonedByUs: true }, drain: blocked }).events).toEqual([]);

    const s3 = step(s2.next, { evaluation: slashed, node: { exists: true, cordonedByUs: true }, drain: { drained: true } });
    expect(cond(s3.next, 'Drained')?.status).toBe('True');
    expect(cond(s3.next, 'DrainBlocked')).toMatchObject({ status: 'False', reason: 'Drained' });
    expect(s3.events).toEqual(['Drained']);
  });

  test('restore: Activated and Restored; drain conditions and revokedAt go away', () => {
    const revoked = step(step(undefined, {}).next, { evaluation: slashed, node: { exists: true, cordonedByUs: true }, drain: { drained: true } }).next;
    const { next, events } = step(revoked, { evaluation: active, node: { exists: true, cordonedByUs: false } });
    expect(next.phase).toBe('Active');
    expect(next.revokedAt).toBeUndefined();
    expect(cond(next, 'Drained')).toBeUndefined();
    expect(cond(next, 'DrainBlocked')).toBeUndefined();
    expect(cond(next, 'NodeCordoned')).toMatchObject({ status: 'False', reason: 'Restored' });
    expect(events).toEqual(['Activated', 'Restored']);
  });

  test('a revoked binding whose node does not exist counts as drained', () => {
    const { next } = step(undefined, { evaluation: slashed, node: { exists: false, cordonedByUs: false } });
    expect(cond(next, 'NodeCordoned')).toMatchObject({ status: 'False', reason: 'NodeNotFound' });
    expect(cond(next, 'Drained')?.status).toBe('True');
  });

  test('chain unavailable keeps phase, tier and observedGeneration; Verified turns Unknown', () => {
    const first = step(undefined, {}).next;
    const input = { evaluation: unavailable, binding: binding({ status: first, generation: 2 }) };
    const { next, events } = step(first, input, t1);
    expect(next.phase).toBe('Active');
    expect(next.tier).toBe('developer');
    expect(next.observedGeneration).toBe(1);
    expect(next.lastVerified).toBe(first.lastVerified);
    expect(cond(next, 'Verified')).toMatchObject({ status: 'Unknown', reason: 'ChainUnavailable' });
    expect(cond(next, 'Ready')?.status).toBe('True');
    expect(events).toEqual(['ChainUnavailable']); // reported once (issue 14); the phase is kept
  });

  test('chain unavailable before any verification: Pending', () => {
    expect(step(undefined, { evaluation: unavailable }).next.phase).toBe('Pending');
  });

  test('an expiring seal token raises one Expiring warning', () => {
    const expiring = { ...active, expiringSoon: true, expiresEpoch: '101' };
    const first = step(undefined, {}).next;
    const s1 = step(first, { evaluation: expiring });
    expect(cond(s1.next, 'Ready')?.reason).toBe('ExpiringSoon');
    expect(s1.events).toEqual(['Expiring']);
    expect(step(s1.next, { evaluation: expiring }).events).toEqual([]);
  });
});

describe('setCondition', () => {
  test('lastTransitionTime moves only when status changes', () => {
    const a = setCondition([], { type: 'X', status: 'True', reason: 'A', message: 'a' }, t0);
    const b = setCondition(a, { type: 'X', status: 'True', reason: 'B', message: 'b' }, t1);
    expect(b[0]).toMatchObject({ reason: 'B', lastTransitionTime: t0.toISOString() });
    const c = setCondition(b, { type: 'X', status: 'False', reason: 'C', message: 'c' }, t1, 3);
    expect(c[0]).toMatchObject({ lastTransitionTime: t1.toISOString(), observedGeneration: 3 });
  });
});
