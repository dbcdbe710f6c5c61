/**
 * The controller killed mid-drain (SIGKILL, no Lease release), another started: the new leader
 * finishes the drain, and at no moment are more pods down than the PodDisruptionBudget allows
 * (issue 5, "Must show").
 *
 * Two controller processes of our own (`daas-auth serve --mode controller`) with a short Lease join the run's
 * `daas-auth serve` controller as candidates; the Lease is handed to the first, as a candidate would
 * take it, so the test knows who leads. The deployment's 4 pods sit on the slashed node behind a PDB
 * with maxUnavailable 1; their replacements can run on a spare node, so the drain proceeds one pod at a
 * time, slowly enough to kill the leader in the middle of it.
 */
import {
  createDeployment,
  createKwokNode,
  createNamespace,
  createPdb,
  listPods,
  setUnschedulable,
  uniqueName,
  waitFor,
  waitForPdbStatus,
  waitForRunningPods,
} from './harness/index.ts';
import { activeBinding } from './harness/active-binding.ts';
import {
  closeKube,
  handLeaseTo,
  lease,
  podsOnNode,
  slash,
  startControllerProcess,
  stopControllerProcess,
  waitForCondition,
  type ControllerProcess,
} from './binding-support.ts';

const TIMINGS = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
const REPLICAS = 4;
const MAX_UNAVAILABLE = 1;

afterAll(closeKube);

test('a new leader finishes a drain the killed one started, and the PDB is never exceeded', async () => {
  const { node, staker } = await activeBinding('failover');
  const spare = uniqueName('spare');
  const ns = await createNamespace('failover');
  const pool = { pool: node };
  await createKwokNode(node, { bound: true, labels: pool });
  await createKwokNode(spare, { labels: pool });
  await setUnschedulable(spare, true); // every pod starts on `node`
  await createDeployment(ns, 'app', { replicas: REPLICAS, labels: { app: 'app' }, nodeSelector: pool });
  await waitForRunningPods(ns, 'app=app', REPLICAS);
  expect((await podsOnNode(node, ns)).length).toBe(REPLICAS);
  await createPdb(ns, 'app-pdb', { matchLabels: { app: 'app' }, maxUnavailable: MAX_UNAVAILABLE });
  await waitForPdbStatus(ns, 'app-pdb', (s) => s.currentHealthy === REPLICAS && s.disruptionsAllowed === MAX_UNAVAILABLE);
  await setUnschedulable(spare, false);

  // Watch availability the whole time: Running, Ready and not terminating.
  let minAvailable = REPLICAS;
  let watching = true;
  const sampler = (async () => {
    while (watching) {
      const pods = await listPods(ns, 'app=app');
      const available = pods.filter(
        (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      minAvailable = Math.min(minAvailable, available);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const started: ControllerProcess[] = [];
  try {
    const a = await startControllerProcess('failover-a', TIMINGS);
    started.push(a);
    await handLeaseTo('failover-a', TIMINGS.leaseDurationMs / 1000);
    await waitFor('failover-a leading', async () => a.log.some((l) => l.includes('"became leader"')));
    const b = await startControllerProcess('failover-b', TIMINGS);
    started.push(b);

    await slash(staker.recordId);
    await waitFor('the first eviction', async () => (await podsOnNode(node, ns)).length < REPLICAS, { intervalMs: 50 });
    expect((await podsOnNode(node, ns)).length).toBeGreaterThan(0); // mid-drain
    await stopControllerProcess(a, 'SIGKILL');

    // An eviction the killed leader had in flight may have been counted by the PDB (status.disruptedPods)
    // without its pod being deleted: the apiserver aborts the delete with the dropped request. The PDB then
    // allows nothing more until kube-controller-manager expires that entry (2 minutes), and the new leader
    // waits like any client must; hence the long bound.
    const drained = await waitForCondition(node, 'Drained', 'True', 200_000);
    expect(drained.status?.phase).toBe('Slashed');
    const holder = (await lease())?.spec.holderIdentity;
    expect(holder).toBeTruthy();
    expect(holder).not.toBe('failover-a');
    expect(await podsOnNode(node, ns)).toEqual([]);
    await waitForRunningPods(ns, 'app=app', REPLICAS); // all moved to the spare node
  } finally {
    watching = false;
    await sampler;
    for (const p of started) await stopControllerProcess(p); // SIGTERM releases the Lease for serve's controller
  }
  expect(minAvailable).toBeGreaterThanOrEqual(REPLICAS - MAX_UNAVAILABLE);
  staker.writer.close();
});
