/**
 * A kubelet-style client holding a seal token with a `node` claim, whose SealBinding is Active, acts as
 * `system:node:<name>` (group system:nodes) through the authn webhook, and kube-apiserver's Node
 * authorizer lets it update its own Node's status and not another node's (issue 5, "Must show").
 */
import { KubeApiError, KubeRest } from '../../src/k8s/rest.ts';
import { createKwokNode, kubectl, tokenKubeConfig, uniqueName } from './harness/index.ts';
import { bearer } from './authn-support.ts';
import { closeKube, createBinding, stakeNode, waitForPhase } from './binding-support.ts';

afterAll(closeKube);

test('a node seal token acts as system:node:<name>: its own Node status yes, another node no', async () => {
  const node = uniqueName('kubelet');
  const other = uniqueName('neighbour');
  const staker = await stakeNode(node);
  const { tokenId } = await staker.writer.createSealToken(staker.recordId);
  await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, sealToken: tokenId });
  await waitForPhase(node, 'Active');
  await createKwokNode(node, { bound: true });
  await createKwokNode(other);

  const token = await bearer(staker.key, tokenId, { node });
  const whoami = await kubectl(['auth', 'whoami', '-o', 'json'], { token });
  expect(whoami.code).toBe(0);
  const user = JSON.parse(whoami.stdout).status.userInfo as { username: string; groups: string[] };
  expect(user.username).toBe(`system:node:${node}`);
  expect(user.groups).toContain('system:nodes');

  const kubelet = await KubeRest.fromKubeConfig(tokenKubeConfig(token));
  try {
    const statusPatch = { status: { capacity: { 'example.com/dongle': '1' } } };
    const own = await kubelet.request<{ status?: { capacity?: Record<string, string> } }>('PATCH', `/api/v1/nodes/${node}/status`, {
      body: statusPatch,
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(own.status?.capacity?.['example.com/dongle']).toBe('1');

    const refused = await kubelet
      .request('PATCH', `/api/v1/nodes/${other}/status`, { body: statusPatch, contentType: 'application/strategic-merge-patch+json' })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeApiError);
    expect((refused as KubeApiError).status).toBe(403);
    // Node authorization (the Node authorizer with the NodeRestriction admission plugin) names both nodes.
    expect((refused as KubeApiError).body?.message).toMatch(new RegExp(`${node}.*${other}|${other}.*${node}`));
  } finally {
    kubelet.close();
  }
  staker.writer.close();
});
