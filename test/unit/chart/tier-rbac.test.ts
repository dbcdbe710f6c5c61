// tierRbac.* (issue 10): the chart renders deploy/rbac/tiers.yaml's objects as they are, and in each listed
// namespace exactly the RoleBindings `daas-auth binding tier-rbac` prints (src/rbac/tiers.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { REPO_ROOT } from '../../../hack/cluster.ts';
import { tierRoleBindingList } from '../../../src/rbac/tiers.ts';
import { CHART_TOOLS_TIMEOUT_MS, ensureHelm, render } from './render.ts';

beforeAll(ensureHelm, CHART_TOOLS_TIMEOUT_MS);

const deployed = loadAll(readFileSync(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'), 'utf8'));

test('the RoleBindings are tierRoleBindingList\'s, in order, and the ClusterRoles are deploy/rbac/tiers.yaml\'s', async () => {
  const namespaces = ['team-a', 'team-b', 'ml'];
  const objects = await render(['tierRbac.enabled=true', `tierRbac.namespaces={${namespaces.join(',')}}`]);
  const rbac = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'rbac-tiers');
  expect(rbac.filter((o) => o.kind === 'RoleBinding')).toEqual(tierRoleBindingList(namespaces).items);
  expect(rbac.filter((o) => o.kind !== 'RoleBinding')).toEqual(deployed);
});

test('nothing of it by default', async () => {
  const objects = await render([]);
  expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'rbac-tiers')).toEqual([]);
  expect(objects.length).toBeGreaterThan(0);
});
