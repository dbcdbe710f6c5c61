// What the chart must share byte for byte or value for value with the rest of the repository, checked
// without helm: the SealBinding CRD (one source of truth, crds/), and the kube-apiserver token cache TTL
// the NOTES recommend, which the local stack and hack's clusters use by default; the tier RBAC (deploy/rbac/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { REPO_ROOT } from '../../../hack/cluster.ts';
import { RECOMMENDED_TOKEN_CACHE_TTL } from '../../../hack/lib/components.ts';

const CHART = join(REPO_ROOT, 'charts', 'daas-auth');
const values = loadYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { apiserver: { tokenCacheTTL: string }; network: { eventPollMs: number } };

test('the chart\'s SealBinding CRD is crds/sealbinding.yaml, byte for byte', () => {
  const source = readFileSync(join(REPO_ROOT, 'crds', 'sealbinding.yaml'));
  const copy = readFileSync(join(CHART, 'files', 'crds', 'sealbinding.yaml'));
  if (!source.equals(copy)) throw new Error('charts/daas-auth/files/crds/sealbinding.yaml differs from crds/sealbinding.yaml: cp crds/sealbinding.yaml charts/daas-auth/files/crds/');
});

test('the chart\'s tier RBAC is deploy/rbac/tiers.yaml, byte for byte', () => {
  const source = readFileSync(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'));
  const copy = readFileSync(join(CHART, 'files', 'rbac', 'tiers.yaml'));
  if (!source.equals(copy)) throw new Error('charts/daas-auth/files/rbac/tiers.yaml differs from deploy/rbac/tiers.yaml: cp deploy/rbac/tiers.yaml charts/daas-auth/files/rbac/');
});

test('the NOTES-recommended apiserver token cache TTL is the one the local stack uses', () => {
  expect(values.apiserver.tokenCacheTTL).toBe(RECOMMENDED_TOKEN_CACHE_TTL);
  // NOTES.txt prints the value, not a copy of it.
  expect(readFileSync(join(CHART, 'templates', 'NOTES.txt'), 'utf8')).toContain('--authentication-token-webhook-cache-ttl={{ .Values.apiserver.tokenCacheTTL }}');
});

test('the chart never asks for a staking key', () => {
  const text = readFileSync(join(CHART, 'values.schema.json'), 'utf8') + readFileSync(join(CHART, 'values.yaml'), 'utf8');
  expect(text).not.toMatch(/suiprivkey|stakingKey|adminKey|DAAS_KEY|DAAS_ADMIN_KEY/i);
});
