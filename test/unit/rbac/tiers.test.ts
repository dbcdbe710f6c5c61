/** The tier RoleBinding generator (issue 9 item 4): namespaced, listed namespaces only, never kube-*. */
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { namespaceProblem, tierRoleBindings } from '../../../src/rbac/tiers.ts';

test('one RoleBinding per listed namespace and tier, to the tier ClusterRole and group', () => {
  const items = tierRoleBindings(['team-a', 'team-b', 'team-a']);
  expect(items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
    'team-a/daas-tier-viewer', 'team-a/daas-tier-developer', 'team-a/daas-tier-admin',
    'team-b/daas-tier-viewer', 'team-b/daas-tier-developer', 'team-b/daas-tier-admin',
  ]);
  expect(items[1]).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'daas:tier:developer' }, subjects: [{ kind: 'Group', name: 'daas:tier:developer' }] });
});

test.each([
  [[], 'at least one namespace'],
  [['kube-system'], 'system namespace'],
  [['kube-public'], 'system namespace'],
  [['Team_A'], 'not a namespace name'],
])('refuses %j', (namespaces, message) => {
  expect(() => tierRoleBindings(namespaces)).toThrow(message);
});

test('a bad tier name is refused', () => {
  expect(() => tierRoleBindings(['a'], ['Dev Ops'])).toThrow('not a tier name');
  expect(namespaceProblem('default')).toBeUndefined();
});

interface Manifest {
  kind: string;
  roleRef: { name: string };
  subjects: Array<{ name: string }>;
  rules?: Array<{ resources: string[]; verbs: string[] }>;
}

test('deploy/rbac/tiers.yaml: nothing cluster-wide below the top tier, no Secrets, no impersonation, no tokens', () => {
  const docs = loadAll(readFileSync(new URL('../../../deploy/rbac/tiers.yaml', import.meta.url), 'utf8')) as Manifest[];
  const bindings = docs.filter((d) => d.kind === 'ClusterRoleBinding');
  expect(bindings.map((b) => [b.roleRef.name, b.subjects.map((s) => s.name)])).toEqual([['cluster-admin', ['daas:tier:cluster-admin']]]);
  const rules = docs.filter((d) => d.kind === 'ClusterRole').flatMap((d) => d.rules ?? []);
  const resources = rules.flatMap((r) => r.resources);
  const verbs = rules.flatMap((r) => r.verbs);
  expect(resources).not.toContain('secrets');
  expect(resources).not.toContain('serviceaccounts/token');
  expect(resources).not.toContain('*');
  expect(verbs).not.toContain('impersonate');
  expect(verbs).not.toContain('*');
  expect(verbs).not.toContain('escalate');
  expect(verbs).not.toContain('bind');
});
