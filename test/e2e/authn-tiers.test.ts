/**
 * Through the real cluster and sui-sim: stakers of 0.5 / 2 / 5 / 10 SUI are `sui:<address>` in
 * `daas:tier:viewer / developer / admin / cluster-admin`, and RBAC (deploy/rbac/tiers.yaml) allows
 * exactly what the bound ClusterRoles allow.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { applyFile, bearer, canI, closeReviewAgent, review, staker, whoami, type Staker } from './authn-support.ts';
import { kubectl, uniqueName } from './harness/index.ts';

const TIERS = [
  { sui: 0.5, tier: 'viewer' },
  { sui: 2, tier: 'developer' },
  { sui: 5, tier: 'admin' },
  { sui: 10, tier: 'cluster-admin' },
] as const;

/** What each bound ClusterRole allows: view < edit < admin < cluster-admin. */
const EXPECTED: Record<string, Record<string, boolean>> = {
  viewer: { getPods: true, createDeployments: false, createRoleBindings: false, listNodes: false },
  developer: { getPods: true, createDeployments: true, createRoleBindings: false, listNodes: false },
  admin: { getPods: true, createDeployments: true, createRoleBindings: true, listNodes: false },
  'cluster-admin': { getPods: true, createDeployments: true, createRoleBindings: true, listNodes: true },
};

const stakers = new Map<string, { staker: Staker; token: string }>();

beforeAll(async () => {
  await applyFile(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'));
  for (const { sui, tier } of TIERS) {
    const s = await staker(sui);
    stakers.set(tier, { staker: s, token: await bearer(s.key, s.tokenId) });
  }
});

afterAll(() => closeReviewAgent());

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
    const actual = {
      getPods: await canI(token, 'get', 'pods'),
      createDeployments: await canI(token, 'create', 'deployments.apps'),
      createRoleBindings: await canI(token, 'create', 'rolebindings.rbac.authorization.k8s.io'),
      listNodes: await canI(token, 'list', 'nodes', ''),
    };
    expect(actual).toEqual(EXPECTED[tier]);
  });
});

describe('RBAC in action', () => {
  it('a viewer can get pods and cannot create deployments; a developer can', async () => {
    const viewer = stakers.get('viewer')!.token;
    const developer = stakers.get('developer')!.token;
    expect((await kubectl(['get', 'pods', '-n', 'default'], { token: viewer })).code).toBe(0);
    const name = uniqueName('tier-check');
    const denied = await kubectl(['create', 'deployment', name, '--image=registry.k8s.io/pause:3.10', '-n', 'default'], { token: viewer });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    const allowed = await kubectl(['create', 'deployment', name, '--image=registry.k8s.io/pause:3.10', '-n', 'default'], { token: developer });
    expect(allowed).toMatchObject({ code: 0 });
    await kubectl(['delete', 'deployment', name, '-n', 'default', '--wait=false']);
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
