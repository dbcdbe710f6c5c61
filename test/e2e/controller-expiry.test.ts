/**
 * Seal-token expiry (epochs advanced on sui-sim) and withdrawal cordon, taint and drain the node just
 * as a slash does; a fresh seal token, or a new stake with a new binding, restores it (issue 5).
 *
 * The file runs on a private bed (its own sui-sim, cluster and `daas-auth serve`): advancing 100 epochs
 * expires every SealToken minted before it, and on the run's shared sim that would be every other file's
 * tokens too, in whatever order or parallel the files run.
 */
import { createDeployment, createKwokNode, createNamespace, deleteNode, simAdmin, uniqueName, waitFor, waitForRunningPods } from './harness/index.ts';
import { activeBinding } from './harness/active-binding.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';
import {
  binding,
  closeKube,
  condition,
  createBinding,
  deleteBinding,
  eventReasons,
  hasRevokedTaint,
  kube,
  nodeState,
  podsOnNode,
  stakeNode,
  waitForCondition,
  waitForPhase,
  type NodeStaker,
} from './binding-support.ts';

let bed: PrivateBed | undefined;
/** A SealToken on the run's shared sim, minted before the private bed starts: this file must not expire it. */
let bystander: { staker: NodeStaker; expiresEpoch: bigint } | undefined;

beforeAll(async () => {
  const staker = await stakeNode(uniqueName('bystander'));
  bystander = { staker, expiresEpoch: (await staker.writer.createSealToken(staker.recordId)).expiresEpoch };
  bed = await startPrivateBed('expiry');
});

afterAll(async () => {
  await closeKube();
  await bed?.stop();
  bystander?.staker.writer.close();
});

async function cordonedAndTainted(node: string): Promise<void> {
  await waitFor(`${node} cordoned and tainted`, async () => {
    const s = await nodeState(node);
    return s.unschedulable && hasRevokedTaint(s);
  });
}

async function schedulableAgain(node: string): Promise<void> {
  await waitFor(`${node} uncordoned and untainted`, async () => {
    const s = await nodeState(node);
    return !s.unschedulable && !hasRevokedTaint(s);
  });
}

async function nodeWithPods(node: string, ns: string, app: string): Promise<void> {
  await createKwokNode(node, { bound: true });
  await createDeployment(ns, app, { replicas: 2, labels: { app }, nodeSelector: { 'kubernetes.io/hostname': node } });
  await waitForRunningPods(ns, `app=${app}`, 2);
}

test('an expired seal token drains the node; a fresh seal token restores it', async () => {
  const node = uniqueName('expiring');
  const ns = await createNamespace('expiry');
  const staker = await stakeNode(node);
  const token = await staker.writer.createSealToken(staker.recordId);
  await createBinding(node, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, sealToken: token.tokenId });
  const active = await waitForPhase(node, 'Active');
  expect(active.status?.expiresEpoch).toBe(String(token.expiresEpoch));
  await nodeWithPods(node, ns, 'app');

  const epoch = await staker.writer.reader.getEpoch();
  await simAdmin().advanceEpoch(Number(token.expiresEpoch - epoch));
  const expired = await waitForPhase(node, 'Expired');
  expect(condition(expired, 'Ready')).toMatchObject({ status: 'False', reason: 'SealTokenExpired' });
  await cordonedAndTainted(node);
  await waitForCondition(node, 'Drained', 'True');
  expect(await podsOnNode(node, ns)).toEqual([]);

  // The staker mints a fresh seal token (the stake is still active) and points the binding at it.
  const fresh = await staker.writer.createSealToken(staker.recordId);
  await (await kube()).request('PATCH', `/apis/daas.io/v1alpha1/sealbindings/${node}`, {
    body: { spec: { sealToken: fresh.tokenId } },
    contentType: 'application/merge-patch+json',
  });
  const restored = await waitForPhase(node, 'Active');
  expect(restored.status).toMatchObject({ observedGeneration: 2, expiresEpoch: String(fresh.expiresEpoch) });
  await schedulableAgain(node);
  expect(condition(await binding(node), 'NodeCordoned')).toMatchObject({ status: 'False', reason: 'Restored' });
  expect(condition(await binding(node), 'Drained')).toBeUndefined();
  await waitForRunningPods(ns, 'app=app', 2); // the Deployment's pods come back to the node
  expect(await eventReasons('SealBinding', node)).toEqual(expect.arrayContaining(['Activated', 'Expired', 'Cordoned', 'Drained', 'Restored']));
  staker.writer.close();
});

test('withdrawal (unstake, then withdraw) drains the node; a new stake and binding bring the node back once the old Node is gone', async () => {
  const { node, staker } = await activeBinding('leaving');
  const ns = await createNamespace('withdraw');
  await nodeWithPods(node, ns, 'app');

  const { unlockEpoch } = await staker.writer.requestUnstake(staker.recordId);
  const leaving = await waitForPhase(node, 'Withdrawn');
  expect(condition(leaving, 'Ready')).toMatchObject({ status: 'False', reason: 'UnstakeRequested' });
  await cordonedAndTainted(node);
  await waitForCondition(node, 'Drained', 'True');
  expect(await podsOnNode(node, ns)).toEqual([]);

  const epoch = await staker.writer.reader.getEpoch();
  if (unlockEpoch > epoch) await simAdmin().advanceEpoch(Number(unlockEpoch - epoch));
  await staker.writer.withdraw(staker.recordId);
  await waitFor('Ready reason StakeWithdrawn', async () => condition(await binding(node), 'Ready')?.reason === 'StakeWithdrawn');
  expect((await nodeState(node)).unschedulable).toBe(true);

  // Re-stake: a new record (the old one is spent), so a new binding; the old one goes first (one per node).
  // While the drained Node still exists no binding of another stake may claim it (a running node is never
  // taken over, docs/security.md): the node leaves and joins again under the new stake.
  const again = await stakeNode(node, 3n);
  await deleteBinding(node);
  await waitFor('old binding gone', async () => (await binding(node)) === null);
  await expect(createBinding(node, { nodeName: node, owner: again.address, stakeRecord: again.recordId })).rejects.toThrow(/already exists and is not bound/);
  await deleteNode(node);
  await createBinding(node, { nodeName: node, owner: again.address, stakeRecord: again.recordId });
  await waitForPhase(node, 'Active');
  await createKwokNode(node, { bound: true });
  await schedulableAgain(node);
  await waitForRunningPods(ns, 'app=app', 2);
  staker.writer.close();
  again.writer.close();
});

test('the run’s shared sim keeps its clock: a SealToken minted there before this file is still unexpired', async () => {
  expect(await bystander!.staker.writer.reader.getEpoch()).toBeLessThan(bystander!.expiresEpoch);
});
