import { Drainer } from '../../../src/controller/drainer.ts';
import { FakeCluster } from './fake-cluster.ts';

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function make(cluster: FakeCluster, leader = { value: true }) {
  const progress: string[] = [];
  const outcomes: string[] = [];
  const forced: unknown[] = [];
  const drainer = new Drainer({
    kube: cluster,
    metrics: { eviction: (r) => outcomes.push(r) },
    isLeader: () => leader.value,
    onProgress: (name) => progress.push(name),
    onForced: (t, f) => forced.push({ binding: t.bindingName, ...f }),
    passIntervalMs: 60_000, // never by timer: only pod events and backoffs drive these tests
    backoff: { baseMs: 5, maxMs: 10, jitter: 0 },
  });
  return { drainer, progress, outcomes, forced };
}

const target = { nodeName: 'n1', bindingName: 'b1', policy: undefined, revokedAt: Date.now() };

describe('Drainer', () => {
  test('pod events drive the passes: evict, see the pods leave, report drained, stop watching', async () => {
    const cluster = new FakeCluster();
    cluster.addPod('n1', 'a');
    cluster.addPod('n1', 'b');
    cluster.addPod('n2', 'other');
    const { drainer, progress } = make(cluster);
    drainer.ensure(target);
    await until(() => cluster.calls.filter((c) => c.startsWith('evict')).length === 2);
    expect(drainer.facts('n1')).toEqual({ drained: false });
    expect(cluster.openPodWatches()).toBe(1);
    cluster.kubeletStep();
    await until(() => drainer.facts('n1')?.drained === true);
    expect(progress).toEqual(['b1', 'b1']);
    expect(cluster.openPodWatches()).toBe(0);
    expect(cluster.pods.has('app/other')).toBe(true);
    expect(cluster.calls.filter((c) => c.startsWith('listPods'))).toEqual(['listPods n1']);
  });

  test('a drained node is looked at again on ensure (a pod may have landed since)', async () => {
    const cluster = new FakeCluster();
    const { drainer } = make(cluster);
    drainer.ensure(target);
    await until(() => drainer.facts('n1')?.drained === true);
    cluster.addPod('n1', 'late');
    drainer.ensure(target);
    await until(() => cluster.calls.includes('evict late'));
    drainer.stopAll();
    expect(cluster.openPodWatches()).toBe(0);
  });

  test('a standby does not evict', async () => {
    const cluster = new FakeCluster();
    cluster.addPod('n1', 'a');
    const { drainer } = make(cluster, { value: false });
    drainer.ensure(target);
    await until(() => drainer.facts('n1') !== undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(cluster.calls.filter((c) => c.startsWith('evict'))).toEqual([]);
    drainer.stopAll();
  });

  test('a PDB refusal is retried after its backoff, without any pod event', async () => {
    const cluster = new FakeCluster();
    cluster.addPod('n1', 'db', { labels: { pdb: 'db-pdb' } });
    const { drainer, outcomes } = make(cluster);
    drainer.ensure(target);
    await until(() => outcomes.filter((o) => o === 'blocked').length >= 3);
    expect(drainer.facts('n1')).toEqual({ drained: false, blocked: { pod: 'app/db', pdb: 'app/db-pdb' } });
    drainer.stopAll();
  });
});

describe('Drainer: accepted evictions', () => {
  test('a pod still listed after its eviction was accepted is not evicted twice', async () => {
    const cluster = new FakeCluster();
    cluster.quietEvictions = true;
    cluster.addPod('n1', 'a');
    const { drainer } = make(cluster);
    drainer.ensure(target);
    await until(() => cluster.calls.includes('evict a'));
    cluster.addPod('n1', 'b'); // a pod event: another pass runs while "a" is still listed
    await until(() => cluster.calls.includes('evict b'));
    await new Promise((r) => setTimeout(r, 30));
    expect(cluster.calls.filter((c) => c === 'evict a')).toHaveLength(1);
    drainer.stopAll();
  });

  test('after the deadline a held pod is deleted once, counted as forced and reported with its PDB', async () => {
    const cluster = new FakeCluster();
    cluster.addPod('n1', 'db', { labels: { pdb: 'db-pdb' } });
    const { drainer, outcomes, forced } = make(cluster);
    drainer.ensure({ ...target, policy: { deadlineSeconds: 0, forceAfterDeadline: true } });
    await until(() => cluster.calls.includes('delete db'));
    expect(outcomes).toEqual(['blocked', 'forced']);
    expect(forced).toEqual([{ binding: 'b1', pod: 'app/db', pdb: 'app/db-pdb', deadlineSeconds: 0 }]);
    drainer.stopAll();
  });

  test('a forced delete that finds the pod gone (deleted or replaced meanwhile) is counted as gone, not reported', async () => {
    const cluster = new FakeCluster();
    cluster.addPod('n1', 'db', { labels: { pdb: 'db-pdb' } });
    cluster.deletePod = async (ref) => {
      cluster.calls.push(`delete ${ref.name}`);
      return 'gone';
    };
    const { drainer, outcomes, forced } = make(cluster);
    drainer.ensure({ ...target, policy: { deadlineSeconds: 0, forceAfterDeadline: true } });
    await until(() => cluster.calls.includes('delete db'));
    expect(outcomes).toEqual(['blocked', 'gone']);
    expect(forced).toEqual([]);
    drainer.stopAll();
  });
});
