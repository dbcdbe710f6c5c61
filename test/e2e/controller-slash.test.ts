/**
 * Slash → cordon, taint, drain, through the real cluster (kube-controller-manager computing PDB status,
 * kwok running the pods) and sui-sim (issue 5, "Must show"): the node is cordoned and tainted, its pods
 * are evicted while the DaemonSet's stays, a PDB-protected pod waits with DrainBlocked naming the PDB
 * until the PDB allows it, and Events tell the story.
 */
import { createDeployment, createKwokNode, createNamespace, createPdb, waitFor, waitForPdbStatus, waitForRunningPods } from './harness/index.ts';
import { activeBinding } from './harness/active-binding.ts';
import {
  closeKube,
  condition,
  createDaemonSet,
  eventReasons,
  hasRevokedTaint,
  nodeState,
  patchPdb,
  podsOnNode,
  slash,
  waitForCondition,
  waitForPhase,
} from './binding-support.ts';

afterAll(closeKube);

test('slash: cordon and taint, evict all but the DaemonSet pod, wait on the PDB, then drain; Events tell the story', async () => {
  const { node, staker } = await activeBinding('slashed');
  const ns = await createNamespace('slash');
  await createKwokNode(node, { bound: true });

  const here = { 'kubernetes.io/hostname': node };
  await createDeployment(ns, 'web', { replicas: 2, labels: { app: 'web' }, nodeSelector: here });
  await createDeployment(ns, 'db', { replicas: 1, labels: { app: 'db' }, nodeSelector: here });
  await createPdb(ns, 'db-pdb', { matchLabels: { app: 'db' }, minAvailable: 1 });
  await createDaemonSet(ns, 'agent', here);
  await waitForRunningPods(ns, 'app=web', 2);
  await waitForRunningPods(ns, 'app=db', 1);
  await waitForRunningPods(ns, 'app=agent', 1);
  await waitForPdbStatus(ns, 'db-pdb', (s) => s.currentHealthy === 1 && s.disruptionsAllowed === 0);

  await slash(staker.recordId);

  // Cordoned and tainted, with the resourceVersion-checked patch (no other taint lost).
  const cordoned = await waitFor('node cordoned and tainted', async () => {
    const state = await nodeState(node);
    return state.unschedulable && hasRevokedTaint(state) ? state : undefined;
  });
  expect(cordoned.taints).toContainEqual({ key: 'daas.io/stake-revoked', value: 'Slashed', effect: 'NoSchedule' });
  const slashed = await waitForPhase(node, 'Slashed');
  expect(condition(slashed, 'Ready')).toMatchObject({ status: 'False', reason: 'StakeSlashed' });

  // web pods leave; the DaemonSet pod and the PDB-protected db pod stay, and DrainBlocked names the PDB.
  const blocked = await waitForCondition(node, 'DrainBlocked', 'True');
  expect(condition(blocked, 'DrainBlocked')?.message).toMatch(new RegExp(`blocked by PodDisruptionBudget ${ns}/db-pdb$`));
  expect(condition(blocked, 'Drained')?.status).toBe('False');
  await waitFor('web pods gone from the node', async () => (await podsOnNode(node, ns)).every((p) => !p.metadata.name.startsWith('web-')));
  const remaining = (await podsOnNode(node, ns)).map((p) => p.metadata.name.split('-')[0]).sort();
  expect(remaining).toEqual(['agent', 'db']);

  // The PDB allows the disruption → the db pod is evicted → Drained; the DaemonSet pod is still there.
  await patchPdb(ns, 'db-pdb', { minAvailable: 0 });
  const drained = await waitForCondition(node, 'Drained', 'True');
  expect(condition(drained, 'DrainBlocked')?.status).toBe('False');
  expect(condition(drained, 'NodeCordoned')?.status).toBe('True');
  expect((await podsOnNode(node, ns)).map((p) => p.metadata.name.split('-')[0])).toEqual(['agent']);

  const story = await waitFor('the Events', async () => {
    const reasons = await eventReasons('SealBinding', node);
    return ['Verified', 'Activated', 'Slashed', 'Cordoned', 'DrainBlocked', 'Drained'].every((r) => reasons.includes(r)) ? reasons : undefined;
  });
  expect(story).not.toContain('Restored');
  expect(await eventReasons('Node', node)).toEqual(expect.arrayContaining(['Cordoned', 'DrainBlocked', 'Drained']));
  staker.writer.close();
});
