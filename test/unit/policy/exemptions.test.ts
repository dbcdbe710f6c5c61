import { DEFAULT_NODE_EXEMPTIONS, isExemptNode, parseLabelExemption } from '../../../src/policy/exemptions.ts';

describe('node exemptions', () => {
  test('label exemptions parse and validate', () => {
    expect(parseLabelExemption('node-role.kubernetes.io/control-plane')).toEqual({ key: 'node-role.kubernetes.io/control-plane' });
    expect(parseLabelExemption('pool=infra')).toEqual({ key: 'pool', value: 'infra' });
    expect(() => parseLabelExemption('bad key=x')).toThrow('invalid label key');
    expect(() => parseLabelExemption('=x')).toThrow('invalid label key');
  });

  test('names match exactly or by a prefix ending in *', () => {
    const exemptions = { exemptNodeNames: ['cp-*', 'etcd-0'], exemptNodeLabels: [] };
    expect(isExemptNode(exemptions, 'cp-1')).toBe(true);
    expect(isExemptNode(exemptions, 'etcd-0')).toBe(true);
    expect(isExemptNode(exemptions, 'etcd-01')).toBe(false);
    expect(isExemptNode(exemptions, 'worker-cp-1')).toBe(false);
  });

  test('labels match by key, or by key and value', () => {
    const exemptions = { exemptNodeNames: [], exemptNodeLabels: [{ key: 'pool', value: 'infra' }, { key: 'edge' }] };
    expect(isExemptNode(exemptions, 'n', { pool: 'infra' })).toBe(true);
    expect(isExemptNode(exemptions, 'n', { pool: 'apps' })).toBe(false);
    expect(isExemptNode(exemptions, 'n', { edge: '' })).toBe(true);
    expect(isExemptNode(exemptions, 'n')).toBe(false);
  });

  test('by default only control-plane nodes are exempt', () => {
    expect(isExemptNode(DEFAULT_NODE_EXEMPTIONS, 'm', { 'node-role.kubernetes.io/control-plane': '' })).toBe(true);
    expect(isExemptNode(DEFAULT_NODE_EXEMPTIONS, 'cp-1', { 'node-role.kubernetes.io/worker': '' })).toBe(false);
  });
});
