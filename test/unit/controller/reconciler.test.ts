import { Reconciler } from '../../../src/controller/reconciler.ts';
import { Drainer } from '../../../src/controller/drainer.ts';
import type { ChainReaderPort } from '../../../src/chain/port.ts';
import type { SealTokenView, StakeRecordView } from '../../../src/chain/objects.ts';
import { CORDONED_BY_US_ANNOTATION } from '../../../src/controller/node-plan.ts';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import type { NodeLike } from '../../../src/k8s/objects.ts';
import { isExemptNode } from '../../../src/policy/exemptions.ts';
import { drainForcedEvent } from '../../../src/controller/status.ts';
import { FakeCluster } from './fake-cluster.ts';
import { RECORD, TOKEN, binding, record, token } from './fixtures.ts';

interface Recorded {
  kind: string;
  name: string;
  reason: string;
  message: string;
}

function setup(options: { withToken?: boolean; isExemptNode?: (name: string, node: NodeLike | undefined) => boolean } = {}) {
  const cluster = new FakeCluster();
  const chainState = { records: new Map<string, StakeRecordView | null>([[RECORD, record()]]), tokens: new Map<string, SealTokenView | null>([[TOKEN, token()]]), epoch: 5n, down: false, reads: 0 };
  const chain: ChainReaderPort = {
    async getStakeRecords(ids) {
      chainState.reads++;
      if (chainState.down) throw new Error('chain unavailable');
      return new Map(ids.map((id) => [id, chainState.records.get(id) ?? null]));
    },
    async getSealTokens(ids) {
      if (chainState.down) throw new Error('chain unavailable');
      return new Map(ids.map((id) => [id, chainState.tokens.get(id) ?? null]));
    },
    async getEpoch() {
      if (chainState.down) throw new Error('chain unavailable');
      return chainState.epoch;
    },
  };
  const events: Recorded[] = [];
  const progress: string[] = [];
  const evictions: string[] = [];
  const wired: { reconciler?: Reconciler } = {};
  const drainer = new Drainer({
    kube: cluster,
    metrics: { eviction: (r) => evictions.push(r) },
    isLeader: () => true,
    onProgress: (name) => progress.push(name),
    // As controller.ts wires it.
    onForced: (t, f) => wired.reconciler?.announceDrainEvent(t.bindingName, t.nodeName, drainForcedEvent(f.pod, f.pdb, f.deadlineSeconds)),
    passIntervalMs: 5,
    backoff: { baseMs: 5, maxMs: 10, jitter: 0 },
  });
  const make = () =>
    new Reconciler({
      chain,
      kube: cluster,
      bindings: { get: (n) => cluster.bindings.get(n), list: () => [...cluster.bindings.values()] },
      nodes: { get: (n) => cluster.nodes.get(n) },
      drainer,
      recorder: { record: async (ref, _type, reason, message) => void events.push({ kind: ref.kind, name: ref.name, reason, message }) },
      metrics: { observeReconcile: () => {} },
      ...(options.isExemptNode ? { isExemptNode: options.isExemptNode } : {}),
    });
  const reconciler = (wired.reconciler = make());
  cluster.addBinding(binding(options.withToken ? { spec: { sealToken: TOKEN } } : {}));
  const run = (r = reconciler, chainRead = true) => r.process([{ key: 'worker-1', chain: chainRead }]);
  const b = () => cluster.bindings.get('worker-1') as SealBinding;
  const cond = (type: string) => b().status?.conditions?.find((c) => c.type === type);
  const reasons = () => events.filter((e) => e.kind === 'SealBinding').map((e) => e.reason);
  return { cluster, chainState, drainer, reconciler, make, run, b, cond, events, reasons, progress, evictions };
}

async function until(check: () => boolean, step?: () => Promise<unknown> | void, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await step?.();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Reconciler against an in-memory cluster', () => {
  test('a new binding becomes Active with conditions, observedGeneration and events', async () => {
    const t = setup();
    expect(await t.run()).toEqual([]);
    expect(t.b().status).toMatchObject({ phase: 'Active', tier: 'developer', observedGeneration: 1 });
    expect(t.cond('Ready')?.status).toBe('True');
    expect(t.reasons()).toEqual(['Verified', 'Activated']);
  });

  test('nothing new: no write, no event — also for a fresh Reconciler (restart, new leader)', async () => {
    const t = setup();
    t.cluster.addNode('worker-1');
    await t.run();
    const writes = t.cluster.calls.filter((c) => c.startsWith('patch')).length;
    await t.run();
    await t.run(t.make());
    expect(t.cluster.calls.filter((c) => c.startsWith('patch')).length).toBe(writes);
    expect(t.reasons()).toEqual(['Verified', 'Activated']);
  });

  test('slash: cordon + taint, evictions (DaemonSet pod stays), Drained, events on binding and node', async () => {
    const t = setup();
    t.cluster.addNode('worker-1', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
    t.cluster.addPod('worker-1', 'web-1');
    t.cluster.addPod('worker-1', 'web-2');
    t.cluster.addPod('worker-1', 'agent', { ownerReferences: [{ kind: 'DaemonSet', name: 'agent', controller: true }] });
    await t.run();
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    await t.run();
    const node = t.cluster.nodes.get('worker-1');
    expect(node?.spec?.unschedulable).toBe(true);
    expect(node?.spec?.taints).toEqual([{ key: 'gpu', effect: 'NoSchedule' }, { key: 'daas.io/stake-revoked', value: 'Slashed', effect: 'NoSchedule' }]);
    expect(node?.metadata?.annotations?.[CORDONED_BY_US_ANNOTATION]).toBe('true');
    expect(t.b().status?.phase).toBe('Slashed');
    expect(t.cond('NodeCordoned')?.status).toBe('True');
    expect(t.cond('Drained')?.status).toBe('False');

    await until(() => [...t.cluster.pods.values()].every((p) => p.metadata?.name === 'agent' || p.metadata?.deletionTimestamp));
    t.cluster.kubeletStep();
    await until(() => t.drainer.facts('worker-1')?.drained === true);
    await t.run(t.reconciler, false);
    expect(t.cond('Drained')?.status).toBe('True');
    expect([...t.cluster.pods.keys()]).toEqual(['app/agent']);
    expect(t.reasons()).toEqual(['Verified', 'Activated', 'Slashed', 'Cordoned', 'Drained']);
    expect(t.events.filter((e) => e.kind === 'Node').map((e) => e.reason)).toEqual(['Cordoned', 'Drained']);
    t.drainer.stopAll();
  });

  test('a PDB holds a pod: DrainBlocked names it until the PDB allows, then Drained', async () => {
    const t = setup();
    t.cluster.addNode('worker-1');
    t.cluster.addPod('worker-1', 'db-0', { labels: { pdb: 'db-pdb' } });
    t.cluster.pdbAllows.set('db-pdb', false);
    t.chainState.records.set(RECORD, record({ status: 'withdrawn' }));
    await t.run();
    await until(() => t.drainer.facts('worker-1')?.blocked !== undefined);
    await t.run(t.reconciler, false);
    expect(t.cond('DrainBlocked')).toMatchObject({ status: 'True', reason: 'PodDisruptionBudget', message: 'eviction of pod app/db-0 blocked by PodDisruptionBudget app/db-pdb' });
    expect(t.reasons()).toContain('DrainBlocked');
    expect(t.cluster.calls.filter((c) => c === 'evict db-0').length).toBeGreaterThanOrEqual(1);
    t.cluster.pdbAllows.set('db-pdb', true);
    await until(() => t.cluster.pods.get('app/db-0')?.metadata?.deletionTimestamp !== undefined);
    t.cluster.kubeletStep();
    await until(() => t.drainer.facts('worker-1')?.drained === true);
    await t.run(t.reconciler, false);
    expect(t.cond('Drained')?.status).toBe('True');
    expect(t.cond('DrainBlocked')?.status).toBe('False');
    expect(t.cluster.calls).not.toContain('delete db-0');
    t.drainer.stopAll();
  });

  test('force-delete only after the deadline and only with the policy', async () => {
    const t = setup();
    t.cluster.bindings.set('worker-1', { ...t.b(), spec: { ...t.b().spec, drainPolicy: { deadlineSeconds: 0, forceAfterDeadline: true } } });
    t.cluster.addNode('worker-1');
    t.cluster.addPod('worker-1', 'db-0', { labels: { pdb: 'db-pdb' } });
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    await t.run();
    await until(() => t.cluster.calls.includes('delete db-0'));
    expect(t.evictions).toContain('forced');
    const message = 'pod app/db-0 deleted despite PodDisruptionBudget app/db-pdb: the drain deadline (0 s after revocation) passed and the drain policy says forceAfterDeadline';
    await until(() => t.events.filter((e) => e.reason === 'DrainForced').length === 2);
    expect(t.events.filter((e) => e.reason === 'DrainForced')).toEqual([
      { kind: 'SealBinding', name: 'worker-1', reason: 'DrainForced', message },
      { kind: 'Node', name: 'worker-1', reason: 'DrainForced', message },
    ]);
    t.drainer.stopAll();
  });

  test('a taint added concurrently is kept: 409 → re-read → re-plan', async () => {
    const t = setup();
    t.cluster.addNode('worker-1');
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    t.cluster.interfereNextNodePatch = (node) => (node.spec = { ...node.spec, taints: [{ key: 'someone-else', effect: 'NoExecute' }] });
    await t.run();
    expect(t.cluster.nodes.get('worker-1')?.spec?.taints?.map((x) => x.key)).toEqual(['someone-else', 'daas.io/stake-revoked']);
    expect(t.cluster.calls.filter((c) => c === 'patchNode worker-1')).toHaveLength(2);
    t.drainer.stopAll();
  });

  test('restore after a fresh seal token: uncordon, untaint, Restored', async () => {
    const t = setup({ withToken: true });
    t.cluster.addNode('worker-1');
    t.chainState.epoch = 101n; // token expired
    await t.run();
    expect(t.b().status?.phase).toBe('Expired');
    expect(t.cluster.nodes.get('worker-1')?.spec?.unschedulable).toBe(true);
    const fresh = `0x${'5'.repeat(64)}`;
    t.chainState.tokens.set(fresh, token({ id: fresh, issuedEpoch: 101n, expiresEpoch: 201n }));
    const current = t.b();
    t.cluster.bindings.set('worker-1', { ...current, metadata: { ...current.metadata, generation: 2 }, spec: { ...current.spec, sealToken: fresh } });
    await t.run();
    const node = t.cluster.nodes.get('worker-1');
    expect(node?.spec?.unschedulable).toBe(false);
    expect(node?.spec?.taints ?? []).toEqual([]);
    expect(node?.metadata?.annotations?.[CORDONED_BY_US_ANNOTATION]).toBeUndefined();
    expect(t.b().status).toMatchObject({ phase: 'Active', observedGeneration: 2, expiresEpoch: '201' });
    expect(t.b().status?.revokedAt).toBeUndefined();
    expect(t.reasons()).toEqual(['Verified', 'Expired', 'Cordoned', 'Activated', 'Restored']);
    expect(t.drainer.draining()).toBe(0);
    t.drainer.stopAll();
  });

  test('chain unavailable: phase kept, Verified Unknown, the binding is retried', async () => {
    const t = setup();
    await t.run();
    t.chainState.down = true;
    expect(await t.run()).toEqual(['worker-1']);
    expect(t.b().status?.phase).toBe('Active');
    expect(t.cond('Verified')?.status).toBe('Unknown');
    t.chainState.down = false;
    expect(await t.run()).toEqual([]);
    expect(t.cond('Verified')?.status).toBe('True');
  });

  test('a second binding for the same node is Invalid, the first stays Active', async () => {
    const t = setup();
    t.cluster.bindings.get('worker-1')!.metadata.creationTimestamp = '2030-01-01T00:00:00Z';
    t.cluster.addBinding({ ...binding({ name: 'dup' }), metadata: { name: 'dup', generation: 1, uid: 'uid-2', creationTimestamp: '2030-01-02T00:00:00Z' } });
    await t.reconciler.process([{ key: 'worker-1', chain: true }, { key: 'dup', chain: true }]);
    expect(t.b().status?.phase).toBe('Active');
    expect(t.cluster.bindings.get('dup')?.status).toMatchObject({ phase: 'Invalid' });
    expect(t.cluster.bindings.get('dup')?.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('DuplicateNode');
  });

  test('a duplicate never cordons, drains or stops the drain of the node it names (issue 9)', async () => {
    const t = setup();
    t.cluster.addNode('worker-1');
    t.cluster.addPod('worker-1', 'db-0', { labels: { pdb: 'db-pdb' } });
    t.cluster.bindings.get('worker-1')!.metadata.creationTimestamp = '2030-01-01T00:00:00Z';
    t.cluster.addBinding({ ...binding({ name: 'dup' }), metadata: { name: 'dup', generation: 1, uid: 'uid-2', creationTimestamp: '2030-01-02T00:00:00Z' } });
    await t.reconciler.process([{ key: 'worker-1', chain: true }, { key: 'dup', chain: true }]);
    expect(t.cluster.bindings.get('dup')?.status?.phase).toBe('Invalid');
    expect(t.cluster.nodes.get('worker-1')?.spec?.unschedulable).toBeFalsy();
    expect(t.drainer.draining()).toBe(0);
    // The rightful binding is slashed: its drain runs, and the duplicate's reconcile or removal does not stop it.
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    await t.reconciler.process([{ key: 'worker-1', chain: true }, { key: 'dup', chain: true }]);
    expect(t.drainer.draining()).toBe(1);
    t.cluster.bindings.delete('dup');
    await t.reconciler.process([{ key: 'dup', chain: true }]);
    expect(t.drainer.draining()).toBe(1);
    t.drainer.stopAll();
  });

  test('an exempt node is never cordoned or drained, and its binding is Invalid (issue 9)', async () => {
    const exemptions = { exemptNodeNames: [], exemptNodeLabels: [{ key: 'node-role.kubernetes.io/control-plane' }] };
    const t = setup({ isExemptNode: (name, node) => isExemptNode(exemptions, name, node?.metadata?.labels) });
    t.cluster.addNode('worker-1');
    t.cluster.nodes.get('worker-1')!.metadata!.labels = { 'node-role.kubernetes.io/control-plane': '' };
    t.cluster.addPod('worker-1', 'etcd-0');
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    await t.run();
    expect(t.b().status?.phase).toBe('Invalid');
    expect(t.cond('Verified')?.reason).toBe('ExemptNode');
    expect(t.cluster.nodes.get('worker-1')?.spec?.unschedulable).toBeFalsy();
    expect(t.cluster.nodes.get('worker-1')?.spec?.taints ?? []).toEqual([]);
    expect(t.drainer.draining()).toBe(0);
  });

  test('one batched chain read serves the whole batch; cached facts serve a no-chain reconcile', async () => {
    const t = setup();
    for (let i = 2; i <= 5; i++) t.cluster.addBinding(binding({ name: `b${i}`, spec: { nodeName: `worker-${i}` } }));
    await t.reconciler.process(['worker-1', 'b2', 'b3', 'b4', 'b5'].map((key) => ({ key, chain: true })));
    expect(t.chainState.reads).toBe(1);
    await t.run(t.reconciler, false);
    expect(t.chainState.reads).toBe(1);
  });

  test('a deleted binding stops its drain', async () => {
    const t = setup();
    t.cluster.addNode('worker-1');
    t.cluster.addPod('worker-1', 'db-0', { labels: { pdb: 'db-pdb' } });
    t.chainState.records.set(RECORD, record({ status: 'slashed' }));
    await t.run();
    expect(t.drainer.draining()).toBe(1);
    t.cluster.bindings.delete('worker-1');
    await t.run();
    expect(t.drainer.draining()).toBe(0);
    expect(t.cluster.nodes.get('worker-1')?.spec?.unschedulable).toBe(true);
  });
});
