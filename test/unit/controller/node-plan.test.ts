import { CORDONED_BY_US_ANNOTATION, isCordonedByUs, planRestore, planRevoke } from '../../../src/controller/node-plan.ts';
import type { NodeLike } from '../../../src/k8s/objects.ts';

const other = { key: 'example.com/gpu', value: 'true', effect: 'NoSchedule' };
const ours = { key: 'daas.io/stake-revoked', value: 'Slashed', effect: 'NoSchedule' };

function node(spec: NodeLike['spec'] = {}, annotations?: Record<string, string>): NodeLike {
  return { metadata: { name: 'n1', resourceVersion: '42', ...(annotations ? { annotations } : {}) }, spec };
}

/** Applies a merge patch the way the apiserver would, for the fields the plan touches. */
function apply(n: NodeLike, patch: ReturnType<typeof planRevoke>): NodeLike {
  if (!patch) return n;
  const annotations = { ...(n.metadata?.annotations ?? {}) };
  for (const [k, v] of Object.entries(patch.metadata.annotations ?? {})) {
    if (v === null) delete annotations[k];
    else annotations[k] = v;
  }
  const spec = { ...n.spec };
  if (patch.spec.unschedulable !== undefined) spec.unschedulable = patch.spec.unschedulable;
  if (patch.spec.taints !== undefined) spec.taints = patch.spec.taints ?? [];
  return { metadata: { ...n.metadata, annotations }, spec };
}

describe('node plans', () => {
  test('revoke cordons, keeps other taints, adds ours, marks the cordon as ours, with the resourceVersion precondition', () => {
    const patch = planRevoke(node({ taints: [other] }), 'Slashed');
    expect(patch).toEqual({
      metadata: { resourceVersion: '42', annotations: { [CORDONED_BY_US_ANNOTATION]: 'true' } },
      spec: { unschedulable: true, taints: [other, ours] },
    });
  });

  test('revoke is idempotent', () => {
    const once = apply(node({ taints: [other] }), planRevoke(node({ taints: [other] }), 'Slashed'));
    expect(isCordonedByUs(once)).toBe(true);
    expect(planRevoke(once, 'Slashed')).toBeNull();
  });

  test("an operator's cordon is not marked as ours, and restore leaves it", () => {
    const cordoned = node({ unschedulable: true });
    const patch = planRevoke(cordoned, 'Expired');
    expect(patch?.metadata.annotations).toBeUndefined();
    expect(patch?.spec.unschedulable).toBeUndefined();
    const restored = apply(apply(cordoned, patch), planRestore(apply(cordoned, patch)));
    expect(restored.spec?.unschedulable).toBe(true);
    expect(restored.spec?.taints).toEqual([]);
  });

  test('restore uncordons and removes only our taint; then nothing is left to do', () => {
    const revoked = apply(node({ taints: [other] }), planRevoke(node({ taints: [other] }), 'Slashed'));
    const patch = planRestore(revoked);
    expect(patch).toEqual({
      metadata: { resourceVersion: '42', annotations: { [CORDONED_BY_US_ANNOTATION]: null } },
      spec: { unschedulable: false, taints: [other] },
    });
    const restored = apply(revoked, patch);
    expect(isCordonedByUs(restored)).toBe(false);
    expect(planRestore(restored)).toBeNull();
  });

  test('restore of a node whose only taint is ours removes the list', () => {
    expect(planRestore(node({ taints: [ours] }))?.spec.taints).toBeNull();
  });

  test('a Date timeAdded (typed client) is sent as RFC 3339', () => {
    const when = new Date('2030-01-01T00:00:00Z');
    const patch = planRevoke(node({ taints: [{ key: 'x', effect: 'NoExecute', timeAdded: when }] }), 'Slashed');
    expect(patch?.spec.taints?.[0]?.timeAdded).toBe('2030-01-01T00:00:00.000Z');
  });

  test('a node with our taint but another effect is not ours', () => {
    expect(isCordonedByUs(node({ taints: [{ ...ours, effect: 'NoExecute' }] }))).toBe(false);
  });
});
