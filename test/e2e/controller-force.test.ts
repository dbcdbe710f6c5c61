/**
 * `drainPolicy.forceAfterDeadline` end to end, through the real cluster (kube-controller-manager computing
 * PDB status, kwok running the pods), sui-sim and the controller inside the run's `daas-auth serve`:
 * a slashed node whose pods a PDB holds (minAvailable = replicas, so no eviction is ever allowed) stays
 * DrainBlocked until `revokedAt + deadlineSeconds`; then, and only if the binding says force, the held pods
 * are deleted (UID precondition), counted as `forced`, with a DrainForced Event, and the node is Drained.
 * A binding without the flag, in the same situation, stays blocked after its deadline.
 *
 * Timing is only ever asserted as order: "seen blocked before the deadline", "forced at or after it".
 *
 * The file runs on a private bed: `daas_auth_evictions_total` is counted by the controller that leads, and on
 * the shared bed controller-failover's controllers may hold the Lease while this file runs beside it.
 */
import { get } from '../../hack/lib/probe.ts';
import type { V1Pod } from '@kubernetes/client-node';
import type { DrainPolicy } from '../../src/k8s/sealbinding.ts';
import { createDeployment, createKwokNode, createNamespace, createPdb, e2eEnv, listPods, waitFor, waitForPdbStatus, waitForRunningPods } from './harness/index.ts';
import { activeBinding } from './harness/active-binding.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';
import { binding, closeKube, condition, hasRevokedTaint, kube, nodeState, slash, waitForCondition, waitForPhase } from './binding-support.ts';

let bed: PrivateBed | undefined;

beforeAll(async () => {
  bed = await startPrivateBed('force');
});

afterAll(async () => {
  await closeKube();
  await bed?.stop();
});

/** Short enough to wait for, long enough that the drain is seen blocked well before it on a loaded machine. */
const DEADLINE_SECONDS = 30;
const REPLICAS = 2;
/**
 * How long past its deadline a binding without the flag is watched: longer than the longest eviction
 * backoff (10 s) plus a drain pass (5 s), so the controller has certainly tried its pods again after it.
 */
const WATCH_PAST_DEADLINE_MS = 20_000;

interface Scene {
  node: string;
  ns: string;
  pdb: string;
  /** uids of the Deployment's pods on the node when the drain was seen blocked. */
  held: string[];
  /** Epoch ms: status.revokedAt + deadlineSeconds. */
  deadlineAt: number;
  close(): void;
}

/** A bound kwok node running REPLICAS pods that a PDB will not let go, slashed, and seen DrainBlocked. */
async function slashedBehindPdb(prefix: string, drainPolicy: DrainPolicy): Promise<Scene> {
  const { node, staker } = await activeBinding(prefix, undefined, { drainPolicy });
  const ns = await createNamespace(prefix);
  await createKwokNode(node, { bound: true });
  const pdb = 'web-pdb';
  await createDeployment(ns, 'web', { replicas: REPLICAS, labels: { app: 'web' }, nodeSelector: { 'kubernetes.io/hostname': node } });
  await createPdb(ns, pdb, { matchLabels: { app: 'web' }, minAvailable: REPLICAS });
  await waitForRunningPods(ns, 'app=web', REPLICAS);
  await waitForPdbStatus(ns, pdb, (s) => s.currentHealthy === REPLICAS && s.disruptionsAllowed === 0);

  await slash(staker.recordId);
  await waitForPhase(node, 'Slashed');
  const blocked = await waitForCondition(node, 'DrainBlocked', 'True');
  const seenAt = Date.now();
  expect(condition(blocked, 'DrainBlocked')?.message).toMatch(new RegExp(`^eviction of pod ${ns}/web-[a-z0-9-]+ blocked by PodDisruptionBudget ${ns}/${pdb}$`));
  expect(condition(blocked, 'Drained')).toMatchObject({ status: 'False', reason: 'Draining' });
  const held = (await podsHere(node, ns)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.uid ?? '');
  expect(held).toHaveLength(REPLICAS);

  const deadlineAt = Date.parse(blocked.status?.revokedAt ?? '') + DEADLINE_SECONDS * 1000;
  expect(Number.isFinite(deadlineAt)).toBe(true);
  // Ordering, not speed: what was just seen (refused evictions, every pod still there) happened before the deadline.
  expect(seenAt).toBeLessThan(deadlineAt);
  return { node, ns, pdb, held, deadlineAt, close: () => staker.writer.close() };
}

interface EventItem {
  reason?: string;
  message?: string;
  type?: string;
  firstTimestamp?: string;
  eventTime?: string;
}

async function events(kind: 'SealBinding' | 'Node', name: string, reason: string): Promise<EventItem[]> {
  const list = await (await kube()).request<{ items?: EventItem[] }>('GET', '/api/v1/namespaces/default/events', {
    query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name},reason=${reason}` },
  });
  return list.items ?? [];
}

/** `daas_auth_evictions_total{result="forced"}` of the run's `daas-auth serve` (the controller's process). */
async function forcedCount(): Promise<number> {
  const webhook = e2eEnv().webhook;
  if (webhook.kind !== 'daas-auth') throw new Error('the run must use daas-auth serve (its controller) as the webhook');
  const { body } = await get(`${webhook.url}/metrics`, { ca: e2eEnv().cluster.webhook.caFile });
  return Number(/^daas_auth_evictions_total\{result="forced"\} (\d+)$/m.exec(body)?.[1] ?? 0);
}

/** The Deployment's pods bound to the node (its replacements stay Pending: the node is cordoned and tainted). */
async function podsHere(node: string, ns: string): Promise<V1Pod[]> {
  return (await listPods(ns, 'app=web')).filter((p) => p.spec?.nodeName === node);
}

/** What is wrong with a drain that must still be blocked, if anything. */
async function notStillBlocked(node: string, ns: string, pdb: string, held: readonly string[]): Promise<string | undefined> {
  const pods = await podsHere(node, ns);
  const uids = pods.map((p) => p.metadata?.uid ?? '').sort();
  if (JSON.stringify(uids) !== JSON.stringify([...held].sort())) return `pods on the node changed: ${uids.join(',')} (held: ${held.join(',')})`;
  const terminating = pods.filter((p) => p.metadata?.deletionTimestamp).map((p) => p.metadata?.name);
  if (terminating.length > 0) return `pods being deleted: ${terminating.join(',')}`;
  const b = await binding(node);
  const blocked = condition(b, 'DrainBlocked');
  if (blocked?.status !== 'True' || !blocked.message?.endsWith(`blocked by PodDisruptionBudget ${ns}/${pdb}`)) return `DrainBlocked is ${JSON.stringify(blocked)}`;
  if (condition(b, 'Drained')?.status !== 'False') return `Drained is ${JSON.stringify(condition(b, 'Drained'))}`;
  return undefined;
}

test('forceAfterDeadline: blocked by the PDB before the deadline, the held pods deleted after it, Drained, a DrainForced Event, counted as forced', async () => {
  const forcedBefore = await forcedCount();
  const scene = await slashedBehindPdb('forced', { deadlineSeconds: DEADLINE_SECONDS, forceAfterDeadline: true });
  const { node, ns, pdb, held } = scene;

  const drained = await waitForCondition(node, 'Drained', 'True', (DEADLINE_SECONDS + 60) * 1000);
  expect(drained.status?.phase).toBe('Slashed');
  expect(condition(drained, 'DrainBlocked')).toMatchObject({ status: 'False', reason: 'Drained' });
  expect(condition(drained, 'NodeCordoned')?.status).toBe('True');
  const state = await nodeState(node);
  expect(state.unschedulable).toBe(true);
  expect(hasRevokedTaint(state)).toBe(true);
  // Every held pod is gone from the node; the Deployment's replacements cannot land on the cordoned node.
  expect(await podsHere(node, ns)).toEqual([]);

  // One DrainForced Event per held pod, on the binding and on the Node, naming the PDB; none before the deadline.
  const forced = await waitFor('DrainForced Events on the binding', async () => {
    const found = await events('SealBinding', node, 'DrainForced');
    return found.length === REPLICAS ? found : undefined;
  });
  for (const event of forced) {
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(new RegExp(`^pod ${ns}/web-[a-z0-9-]+ deleted despite PodDisruptionBudget ${ns}/${pdb}: `));
    // Event timestamps have whole seconds.
    expect(Date.parse(event.firstTimestamp ?? event.eventTime ?? '')).toBeGreaterThanOrEqual(Math.floor(scene.deadlineAt / 1000) * 1000);
  }
  await waitFor('DrainForced Events on the Node', async () => (await events('Node', node, 'DrainForced')).length === REPLICAS);

  expect(await forcedCount()).toBe(forcedBefore + held.length);
  scene.close();
});

test('without forceAfterDeadline the PDB wins: still blocked, pods untouched, well after the deadline', async () => {
  const forcedBefore = await forcedCount();
  const scene = await slashedBehindPdb('unforced', { deadlineSeconds: DEADLINE_SECONDS });
  const { node, ns, pdb, held } = scene;

  // Polled until well past the deadline; the first thing found wrong ends the wait (and the test).
  const verdict = await waitFor(
    'the deadline passed long enough for the controller to have retried every pod',
    async () => (await notStillBlocked(node, ns, pdb, held)) ?? (Date.now() > scene.deadlineAt + WATCH_PAST_DEADLINE_MS ? 'still blocked' : undefined),
    { timeoutMs: (DEADLINE_SECONDS + 60) * 1000, intervalMs: 1000 },
  );
  expect(verdict).toBe('still blocked');

  expect(await events('SealBinding', node, 'DrainForced')).toEqual([]);
  expect(await events('Node', node, 'DrainForced')).toEqual([]);
  // The bed's only controller forced nothing more (the first test's deletions were counted before it ended).
  expect(await forcedCount()).toBe(forcedBefore);
  expect((await binding(node))?.status?.phase).toBe('Slashed');
  scene.close();
});
