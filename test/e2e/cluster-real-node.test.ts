/**
 * `npm run cluster -- up --real-node` through the command line (issue 11): a second cluster whose real-0 — a
 * real kubelet and containerd in a network namespace of their own — joins with a node stake and an Active
 * SealBinding made on the run's sui-sim, its kubeconfig written by `daas-auth node join`, and turns Ready.
 * A killed run (every cluster process SIGKILLed, the node left running) is swept by the next `up`; `down`
 * leaves no process, mount, network namespace, veth or bridge behind.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, jest, test } from '@jest/globals';
import { DEFAULT_STATE_ROOT, REPO_ROOT, readClusterInfo, stopCluster, type ClusterInfo } from '../../hack/cluster.ts';
import { listNetns } from '../../hack/lib/netns.ts';
import { isRunning } from '../../hack/lib/procs.ts';
import { sweepRealNodes } from '../../hack/lib/real-node.ts';
import { run, runChecked } from '../../hack/lib/run.ts';
import { e2eEnv, kubectl } from './harness/index.ts';

jest.setTimeout(600_000);

const name = `e2e-${process.pid}-rn`;
const cli = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'hack', 'cluster.ts'), ...args], { cwd: REPO_ROOT });
const up = () => cli('up', '--name', name, '--real-node', '--sim-state', e2eEnv().sim.stateDir, '--owner-pid', String(process.pid));

afterAll(async () => {
  await stopCluster(name); // stops something only if a test failed half-way
  await sweepRealNodes();
  rmSync(join(DEFAULT_STATE_ROOT, name), { recursive: true, force: true });
});

/** Host network links by name: the node's bridges and veths live only in its namespace and go with it. */
async function hostLinks(): Promise<string[]> {
  const out = await runChecked('ip', ['-j', 'link', 'show']);
  return (JSON.parse(out.stdout) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}

/** Live processes whose command line names `dir`. */
function processesOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && isRunning(pid);
      } catch {
        return false;
      }
    });
}

async function upReady(): Promise<ClusterInfo> {
  const r = await up();
  if (r.code !== 0) throw new Error(`cluster up --real-node failed (${r.code}): ${r.stderr || r.stdout.split('\n').slice(-15).join('\n')}`);
  expect(r.stdout).toMatch(/real node real-0: Ready/);
  const info = readClusterInfo(name) as ClusterInfo;
  expect(info.realNode).toMatchObject({ name: 'real-0' });
  const ready = await kubectl(['get', 'node', 'real-0', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { cluster: info });
  expect(ready).toMatchObject({ code: 0, stdout: 'True' });
  // Joined as system:node:real-0 with the exec plugin only: the kubeconfig holds no certificate.
  const kubeconfig = readFileSync(info.realNode!.kubeletKubeconfig, 'utf8');
  expect(kubeconfig).not.toMatch(/client-certificate|client-key/);
  expect(kubeconfig).toMatch(/"--node",\s*"real-0",\s*"--exec-credential",\s*"--refresh",\s*"1s"/);
  expect(await listNetns()).toContain(info.realNode!.netns);
  return info;
}

test('up --real-node joins real-0 (Ready); a killed run is swept by the next up; down leaves nothing behind', async () => {
  const linksBefore = await hostLinks();
  const first = await upReady();
  const firstNode = first.realNode!;
  expect(processesOf(firstNode.dir).length).toBeGreaterThanOrEqual(2); // containerd and the kubelet, at least

  // A killed run: every process the cluster recorded dies at once; the node's kubelet and containerd live on.
  for (const p of first.processes) process.kill(-p.pid, 'SIGKILL');
  const orphans = processesOf(firstNode.dir);
  expect(orphans.length).toBeGreaterThanOrEqual(2);

  const second = await upReady(); // the same node directory again, in a new namespace
  expect(await listNetns()).not.toContain(firstNode.netns);
  expect(orphans.filter(isRunning)).toEqual([]);

  const down = await cli('down', '--name', name);
  expect(down.code).toBe(0);
  const node = second.realNode!;
  expect(await listNetns()).not.toContain(node.netns);
  expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(second.dir);
  expect(processesOf(second.dir)).toEqual([]);
  expect(second.processes.map((p) => p.pid).filter(isRunning)).toEqual([]);
  expect((await hostLinks()).filter((l) => !linksBefore.includes(l))).toEqual([]);
});
