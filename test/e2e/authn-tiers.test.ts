/**
 * Through the real cluster and sui-sim: stakers of 0.5 / 2 / 5 / 10 SUI are `sui:<address>` in
 * `daas:tier:viewer / developer / admin / cluster-admin`, and RBAC (deploy/rbac/tiers.yaml plus the
 * RoleBindings `daas-auth binding tier-rbac` generates for the operator's namespaces) allows what the tier
 * names say (issue 9 item 4): below the top tier, only in the listed namespace, no Secrets, no
 * impersonation, no kube-system; the top tier is cluster-admin.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { applyFile, bearer, canI, closeReviewAgent, review, staker, whoami, type Staker } from './authn-support.ts';
import { createNamespace, kubectl, uniqueName } from './harness/index.ts';

const run = promisify(execFile);

const TIERS = [
  { sui: 0.5, tier: 'viewer' },
  { sui: 2, tier: 'developer' },
  { sui: 5, tier: 'admin' },
  { sui: 10, tier: 'cluster-admin' },
] as const;

type Check = 'getPods' | 'createDeployments' | 'createRoleBindings' | 'getSecrets' | 'impersonateServiceAccounts' | 'podsInKubeSystem' | 'podsInUnlisted' | 'listNodes';

/** What each tier may do; `ns` is the operator-listed namespace, `default` is not listed. */
const EXPECTED: Record<string, Record<Check, boolean>> = {
  viewer: { getPods: true, createDeployments: false, createRoleBindings: false, getSecrets: false, impersonateServiceAccounts: false, podsInKubeSystem: false, podsInUnlisted: false, listNodes: false },
  developer: { getPods: true, createDeployments: true, createRoleBindings: false, getSecrets: false, impersonateServiceAccounts: false, podsInKubeSystem: false, podsInUnlisted: false, listNodes: false },
  admin: { getPods: true, createDeployments: true, createRoleBindings: true, getSecrets: false, impersonateServiceAccounts: false, podsInKubeSystem: false, podsInUnlisted: false, listNodes: false },
  'cluster-admin': { getPods: true, createDeployments: true, createRoleBindings: true, getSecrets: true, impersonateServiceAccounts: true, podsInKubeSystem: true, podsInUnlisted: true, listNodes: true },
};

const stakers = new Map<string, { staker: Staker; token: string }>();
let ns = '';

beforeAll(async () => {
  await applyFile(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'));
  ns = await createNamespace('tiers');
  // The operator's step: the tiers' RoleBindings for the namespaces it lists, from the real CLI.
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'binding', 'tier-rbac', '--namespace', ns]);
  const applied = await kubectl(['apply', '-f', '-'], { input: stdout });
  if (applied.code !== 0) throw new Error(`kubectl apply of the tier RoleBindings: ${applied.stderr}`);
  for (const { sui, tier } of TIERS) {
    const s = await staker(sui);
    stakers.set(tier, { staker: s, token: await bearer(s.key, s.tokenId) });
  }
});

afterAll(() => closeReviewAgent());

async function canIList(token: string, namespace: string): Promise<string[]> {
  const r = await kubectl(['auth', 'can-i', '--list', '-n', namespace], { token });
  if (r.code !== 0) throw new Error(`kubectl auth can-i --list: ${r.stderr}`);
  return r.stdout.split('\n').slice(1).map((line) => line.trim().split(/\s+/)[0] ?? '').filter((r) => r !== '');
}

describe.each(TIERS)('a staker of $sui SUI', ({ tier }) => {
  it(`is sui:<address> in daas:stakers and daas:tier:${tier}`, async () => {
    const { staker: s, token } = stakers.get(tier)!;
    const me = await whoami(token);
    expect(me).toMatchObject({ username: `sui:${s.address}` });
    expect((me as { groups: string[] }).groups).toEqual(expect.arrayContaining(['daas:stakers', `daas:tier:${tier}`, 'system:authenticated']));
    expect((me as { groups: string[] }).groups.filter((g) => g.startsWith('daas:tier:'))).toEqual([`daas:tier:${tier}`]);
  });

  it(`gets exactly the ${tier} permissions`, async () => {
    const { token } = stakers.get(tier)!;
    const actual: Record<Check, boolean> = {
      getPods: await canI(token, 'get', 'pods', ns),
      createDeployments: await canI(token, 'create', 'deployments.apps', ns),
      createRoleBindings: await canI(token, 'create', 'rolebindings.rbac.authorization.k8s.io', ns),
      getSecrets: await canI(token, 'get', 'secrets', ns),
      impersonateServiceAccounts: await canI(token, 'impersonate', 'serviceaccounts', ns),
      podsInKubeSystem: await canI(token, 'get', 'pods', 'kube-system'),
      podsInUnlisted: await canI(token, 'get', 'pods', 'default'),
      listNodes: await canI(token, 'list', 'nodes', ''),
    };
    expect(actual).toEqual(EXPECTED[tier]);
  });

  if (tier !== 'cluster-admin') {
    it('kubectl auth can-i --list: workloads in the listed namespace, no Secrets, tokens or impersonation; nothing in kube-system', async () => {
      const { token } = stakers.get(tier)!;
      const here = await canIList(token, ns);
      expect(here).toEqual(expect.arrayContaining(['pods', 'deployments.apps']));
      for (const forbidden of ['secrets', 'serviceaccounts/token', '*.*', '*']) expect(here).not.toContain(forbidden);
      const system = await canIList(token, 'kube-system');
      for (const resource of ['pods', 'deployments.apps', 'secrets', 'configmaps']) expect(system).not.toContain(resource);
    });
  }
});

describe('RBAC in action', () => {
  it('a viewer reads pods in the listed namespace only; a developer deploys there, but reads no Secret and impersonates no one', async () => {
    const viewer = stakers.get('viewer')!.token;
    const developer = stakers.get('developer')!.token;
    expect((await kubectl(['get', 'pods', '-n', ns], { token: viewer })).code).toBe(0);
    expect((await kubectl(['get', 'pods', '-n', 'kube-system'], { token: viewer })).stderr).toMatch(/forbidden/i);
    const name = uniqueName('tier-check');
    const denied = await kubectl(['create', 'deployment', name, '--image=registry.k8s.io/pause:3.10', '-n', ns], { token: viewer });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    const allowed = await kubectl(['create', 'deployment', name, '--image=registry.k8s.io/pause:3.10', '-n', ns], { token: developer });
    expect(allowed).toMatchObject({ code: 0 });
    for (const namespace of [ns, 'kube-system']) {
      const secrets = await kubectl(['get', 'secrets', '-n', namespace], { token: developer });
      expect({ namespace, code: secrets.code, forbidden: /forbidden/i.test(secrets.stderr) }).toEqual({ namespace, code: 1, forbidden: true });
    }
    const impersonating = await kubectl(['get', 'pods', '-n', 'kube-system', '--as=system:serviceaccount:kube-system:default'], { token: developer });
    expect(impersonating.stderr).toMatch(/cannot impersonate/i);
    await kubectl(['delete', 'deployment', name, '-n', ns, '--wait=false']);
  });

  it('an admin delegates within its own tier, not beyond it (RBAC escalation check)', async () => {
    const admin = stakers.get('admin')!.token;
    const within = await kubectl(['create', 'rolebinding', uniqueName('view'), '--clusterrole=daas:tier:viewer', '--group=team', '-n', ns], { token: admin });
    expect(within).toMatchObject({ code: 0 });
    const beyond = await kubectl(['create', 'rolebinding', uniqueName('edit'), '--clusterrole=edit', '--group=team', '-n', ns], { token: admin });
    expect(beyond.code).not.toBe(0);
    expect(beyond.stderr).toMatch(/forbidden|escalat/i);
  });

  it('the webhook echoes the apiVersion and returns the apiserver audience it accepted', async () => {
    const { staker: s, token } = stakers.get('developer')!;
    for (const apiVersion of ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1']) {
      const { status, body } = await review(token, { apiVersion });
      expect(status).toBe(200);
      expect(body.apiVersion).toBe(apiVersion);
      expect(body.status).toMatchObject({ authenticated: true, audiences: ['https://kubernetes.default.svc.cluster.local'], user: { uid: s.address } });
      expect(body.status.user?.extra).toMatchObject({ 'daas.io/seal-token': [s.tokenId], 'daas.io/stake-record': [s.recordId], 'daas.io/stake-mist': ['2000000000'] });
    }
  });
});
