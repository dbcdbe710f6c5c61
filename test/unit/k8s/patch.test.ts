import { mergePatchDiff, patchContentType } from '../../../src/k8s/patch.ts';

function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

describe('mergePatchDiff', () => {
  test('changed, removed, nested and array values', () => {
    const from = { phase: 'Active', tier: 'viewer', conditions: [{ type: 'A' }], nested: { a: 1, b: 2 } };
    const to = { phase: 'Slashed', conditions: [{ type: 'A' }, { type: 'B' }], nested: { a: 1, c: 3 }, revokedAt: 'x' };
    const patch = mergePatchDiff(from, to);
    expect(patch).toEqual({ phase: 'Slashed', tier: null, conditions: [{ type: 'A' }, { type: 'B' }], nested: { b: null, c: 3 }, revokedAt: 'x' });
    expect(applyMergePatch(from, patch)).toEqual(to);
  });
  test('key order does not make values different (the apiserver reorders keys)', () => {
    expect(mergePatchDiff({ c: [{ type: 'A', status: 'True' }] }, { c: [{ status: 'True', type: 'A' }] })).toEqual({});
  });
  test('equal objects give an empty patch', () => {
    expect(mergePatchDiff({ a: [1, { b: 2 }], c: { d: 'e' } }, { a: [1, { b: 2 }], c: { d: 'e' } })).toEqual({});
  });
  test('content types are the real ones', () => {
    expect(patchContentType('merge')).toBe('application/merge-patch+json');
    expect(patchContentType('strategic')).toBe('application/strategic-merge-patch+json');
    expect(patchContentType('json')).toBe('application/json-patch+json');
  });
});
