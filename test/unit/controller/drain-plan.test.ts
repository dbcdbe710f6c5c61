import { planDrain, skipReason } from '../../../src/controller/drain-plan.ts';
import { nextBackoff, isBackingOff } from '../../../src/controller/backoff.ts';
import { pdbNameFromStatus, pdbsSelectingPod, selectorMatches } from '../../../src/controller/pdb.ts';
import type { PodLike } from '../../../src/k8s/objects.ts';
import type { BackoffEntry } from '../../../src/controller/backoff.ts';

function pod(name: string, extra: Partial<NonNullable<PodLike['metadata']>> = {}): PodLike {
  return { metadata: { name, namespace: 'app', uid: `uid-${name}`, labels: { app: 'web' }, ...extra } };
}
const ds = pod('ds-1', { ownerReferences: [{ kind: 'DaemonSet', name: 'agent', controller: true }] });
const mirror = pod('static-1', { annotations: { 'kubernetes.io/config.mirror': 'abc' } });
const rsOwned = pod('rs-1', { ownerReferences: [{ kind: 'ReplicaSet', name: 'web', controller: true }] });
const now = 1_000_000;

describe('planDrain', () => {
  test('skips DaemonSet and mirror pods, evicts the rest, in name order', () => {
    const plan = planDrain({ pods: [rsOwned, ds, mirror, pod('a')], now, backoff: new Map(), deadlineAt: undefined, forceAfterDeadline: false });
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(['a', 'rs-1']);
    expect(plan.skipped.map((s) => s.reason).sort()).toEqual(['DaemonSet', 'Mirror']);
    expect(plan.drained).toBe(false);
  });

  test('a DaemonSet reference that is not the controller does not skip', () => {
    expect(skipReason(pod('x', { ownerReferences: [{ kind: 'DaemonSet', name: 'd', controller: false }] }))).toBeUndefined();
  });

  test('only skipped pods left: drained', () => {
    expect(planDrain({ pods: [ds, mirror], now, backoff: new Map(), deadlineAt: undefined, forceAfterDeadline: false }).drained).toBe(true);
    expect(planDrain({ pods: [], now, backoff: new Map(), deadlineAt: undefined, forceAfterDeadline: false }).drained).toBe(true);
  });

  test("the controller's own pod is evicted last: held while any other pod that counts remains", () => {
    const base = { now, backoff: new Map(), deadlineAt: undefined, forceAfterDeadline: false, evictLast: 'app/me' };
    const held = planDrain({ ...base, pods: [pod('me'), pod('web-1'), ds] });
    expect(held.evict.map((p) => p.metadata?.name)).toEqual(['web-1']);
    expect(held.waiting.map((p) => p.metadata?.name)).toEqual(['me']);
    expect(held.drained).toBe(false);
    // Still held while the other pod is on its way out.
    const leaving = planDrain({ ...base, pods: [pod('me'), pod('web-1', { deletionTimestamp: '2030-01-01T00:00:00Z' })] });
    expect(leaving.evict).toEqual([]);
    expect(leaving.waiting.map((p) => p.metadata?.name)).toEqual(['me']);
    // Only itself and skipped pods left: now it goes.
    const last = planDrain({ ...base, pods: [pod('me'), ds, mirror] });
    expect(last.evict.map((p) => p.metadata?.name)).toEqual(['me']);
    // A pod of the same name in another namespace is not it.
    const other = planDrain({ ...base, pods: [pod('me', { namespace: 'elsewhere' }), pod('web-1')] });
    expect(other.evict.map((p) => p.metadata?.name)).toEqual(['web-1', 'me']);
  });

  test('terminating pods are waited for, not evicted again, and keep the node from being drained', () => {
    const plan = planDrain({ pods: [pod('t', { deletionTimestamp: '2030-01-01T00:00:00Z' })], now, backoff: new Map(), deadlineAt: undefined, forceAfterDeadline: false });
    expect(plan.terminating).toHaveLength(1);
    expect(plan.evict).toHaveLength(0);
    expect(plan.drained).toBe(false);
  });

  test('a pod backing off after a 429 waits and is reported blocked with its PDB', () => {
    const backoff = new Map<string, BackoffEntry>([['uid-b', { attempts: 1, notBefore: now + 500, blockedBy: 'app/pdb' }]]);
    const plan = planDrain({ pods: [pod('b'), pod('c')], now, backoff, deadlineAt: undefined, forceAfterDeadline: false });
    expect(plan.waiting.map((p) => p.metadata?.name)).toEqual(['b']);
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(['c']);
    expect(plan.blocked).toEqual([{ pod: 'app/b', pdb: 'app/pdb' }]);
  });

  test('after its backoff the pod is tried again', () => {
    const backoff = new Map<string, BackoffEntry>([['uid-b', { attempts: 1, notBefore: now, blockedBy: 'app/pdb' }]]);
    expect(planDrain({ pods: [pod('b')], now, backoff, deadlineAt: undefined, forceAfterDeadline: false }).evict).toHaveLength(1);
  });

  test('force-delete only after the deadline, only with the policy, only pods a PDB held', () => {
    const backoff = new Map<string, BackoffEntry>([['uid-b', { attempts: 3, notBefore: now + 5000, blockedBy: 'app/pdb' }]]);
    const pods = [pod('b'), pod('c')];
    const before = planDrain({ pods, now, backoff, deadlineAt: now + 1, forceAfterDeadline: true });
    expect(before.forceDelete).toHaveLength(0);
    const noPolicy = planDrain({ pods, now, backoff, deadlineAt: now, forceAfterDeadline: false });
    expect(noPolicy.forceDelete).toHaveLength(0);
    expect(noPolicy.deadlinePassed).toBe(true);
    const after = planDrain({ pods, now, backoff, deadlineAt: now, forceAfterDeadline: true });
    expect(after.forceDelete.map((p) => p.metadata?.name)).toEqual(['b']);
    expect(after.evict.map((p) => p.metadata?.name)).toEqual(['c']);
  });
});

describe('backoff', () => {
  const options = { baseMs: 100, maxMs: 1000, jitter: 0 };
  test('doubles per attempt up to the cap', () => {
    let entry: BackoffEntry | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      entry = nextBackoff(entry, 0, options, 'app/pdb');
      delays.push(entry.notBefore);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(entry?.blockedBy).toBe('app/pdb');
    expect(isBackingOff(entry, 999)).toBe(true);
    expect(isBackingOff(entry, 1000)).toBe(false);
  });
  test('jitter only shortens the delay, by at most its fraction', () => {
    const e = nextBackoff(undefined, 0, { baseMs: 1000, maxMs: 1000, jitter: 0.5 }, undefined, () => 1);
    expect(e.notBefore).toBe(500);
  });
});

describe('PDB naming', () => {
  test('reads the PDB from the 429 cause the apiserver sends', () => {
    const body = {
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ type: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
    };
    expect(pdbNameFromStatus(body)).toBe('web-pdb');
    expect(pdbNameFromStatus({ details: { causes: [{ message: 'The disruption budget a.b does not allow evicting pods currently' }] } })).toBe('a.b');
    expect(pdbNameFromStatus({ message: 'something else' })).toBeUndefined();
    expect(pdbNameFromStatus(undefined)).toBeUndefined();
  });

  test('falls back to the PDBs whose selector selects the pod, in its namespace', () => {
    const pdbs = [
      { metadata: { name: 'z', namespace: 'app' }, spec: { selector: { matchLabels: { app: 'web' } } } },
      { metadata: { name: 'y', namespace: 'other' }, spec: { selector: { matchLabels: { app: 'web' } } } },
      { metadata: { name: 'x', namespace: 'app' }, spec: { selector: { matchLabels: { app: 'db' } } } },
      { metadata: { name: 'w', namespace: 'app' }, spec: { selector: {} } },
    ];
    expect(pdbsSelectingPod(pdbs, pod('p'))).toEqual(['w', 'z']);
  });

  test.each([
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'x'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, false],
  ])('selector %j matches {app: web}: %s', (selector, expected) => {
    expect(selectorMatches(selector, { app: 'web' })).toBe(expected);
  });

  test('no selector matches nothing', () => {
    expect(selectorMatches(undefined, { app: 'web' })).toBe(false);
  });
});

describe('planDrain with accepted evictions', () => {
  test('a pod whose eviction was accepted is waited for, not evicted again', () => {
    const plan = planDrain({ pods: [pod('a'), pod('b')], now, backoff: new Map(), accepted: new Set(['uid-a']), deadlineAt: undefined, forceAfterDeadline: false });
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(['b']);
    expect(plan.terminating.map((p) => p.metadata?.name)).toEqual(['a']);
    expect(plan.drained).toBe(false);
  });
});
