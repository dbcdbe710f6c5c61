// The test bed itself, through the real parts: kube-controller-manager computes PDB status and the Eviction
// API honours it on kwok nodes; kube-apiserver consults the token webhook; `npm run cluster` reuses cached
// builds and `down` leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import {
  DEFAULT_STATE_ROOT,
  REPO_ROOT,
  readClusterInfo,
  startCluster,
  stopCluster,
} from '../../hack/cluster.ts';
import { isPortFree } from '../../hack/lib/ports.ts';
import { groupMembers, isRunning } from '../../hack/lib/procs.ts';
import { run } from '../../hack/lib/run.ts';
import {
  createDeployment,
  createKwokNode,
  createNamespace,
  createPdb,
  e2eEnv,
  evictPod,
  fundedKey,
  kubectl,
  localNetwork,
  readWebhookCalls,
  setUnschedulable,
  simAdmin,
  uniqueName,
  waitForPdbStatus,
  waitForRunningPods,
} from './harness/index.ts';

describe('PodDisruptionBudgets on kwok nodes', () => {
  test('evictions go through while the PDB allows them and get 429 when it does not', async () => {
    const ns = await createNamespace('pdb');
    const node = uniqueName('kwok');
    await createKwokNode(node, { labels: { 'e2e-group': ns } });
    await createDeployment(ns, 'web', { replicas: 3, nodeSelector: { 'e2e-group': ns } });
    const pods = await waitForRunningPods(ns, 'app=web', 3);
    expect(pods.map((p) => p.spec?.nodeName)).toEqual([node, node, node]);

    await createPdb(ns, 'web', { matchLabels: { app: 'web' }, minAvailable: 2 });
    // Only kube-controller-manager's disruption controller fills this in.
    await waitForPdbStatus(ns, 'web', (s) => s.currentHealthy === 3 && s.disruptionsAllowed === 1);

    // Cordoned: the evicted pod's replacement cannot start, so the budget stays spent.
    await setUnschedulable(node, true);
    const [first, second] = pods.map((p) => p.metadata?.name ?? '');
    expect(await evictPod(ns, first as string)).toEqual({ code: 201, message: '' });
    await waitForPdbStatus(ns, 'web', (s) => s.currentHealthy === 2 && s.disruptionsAllowed === 0);
    const refused = await evictPod(ns, second as string);
    expect(refused.code).toBe(429);
    expect(refused.message).toMatch(/disruption budget/);

    // Uncordoned: the replacement runs, the controller frees the budget again, the same eviction succeeds.
    await setUnschedulable(node, false);
    await waitForRunningPods(ns, 'app=web', 3);
    await waitForPdbStatus(ns, 'web', (s) => s.currentHealthy === 3 && s.disruptionsAllowed === 1);
    expect((await evictPod(ns, second as string)).code).toBe(201);
  });
});

function getWithBearer(path: string, token: string): Promise<number> {
  const { cluster } = e2eEnv();
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.server}${path}`,
      { ca: readFileSync(cluster.caFile), headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('token webhook', () => {
  test('an unknown bearer token reaches the webhook and the caller gets 401', async () => {
    const { webhook } = e2eEnv();
    const token = `unknown-${randomBytes(16).toString('hex')}`;
    const tokenHash = createHash('sha256').update(token).digest('hex');

    const r = await kubectl(['get', 'pods', '-n', 'default'], { token });
    expect(r.code).not.toBe(0);
    // kubectl 1.34 words a 401 as "You must be logged in to the server (the server has asked for … credentials)".
    expect(r.stderr).toMatch(/You must be logged in to the server/);
    expect(await getWithBearer('/api/v1/namespaces/default/pods', token)).toBe(401);

    const calls = readWebhookCalls(webhook.callsFile).filter((c) => c.tokenSha256 === tokenHash);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]).toMatchObject({ apiVersion: 'authentication.k8s.io/v1', clientCn: 'kube-apiserver' });
  });

  test('the admin client certificate does not involve the webhook', async () => {
    const before = readWebhookCalls(e2eEnv().webhook.callsFile).length;
    const r = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(r).toMatchObject({ code: 0, stdout: 'kubernetes-admin' });
    expect(readWebhookCalls(e2eEnv().webhook.callsFile).length).toBe(before);
  });
});

describe('npm run cluster', () => {
  const name = `e2e-${process.pid}-cli`;
  const cli = (...args: string[]) =>
    run(process.execPath, [join(REPO_ROOT, 'hack', 'cluster.ts'), ...args], { cwd: REPO_ROOT });

  afterAll(async () => {
    await stopCluster(name); // stops something only if the test failed half-way
    rmSync(join(DEFAULT_STATE_ROOT, name), { recursive: true, force: true });
  });

  test('a second cluster comes up from cached builds, and down leaves no process and no port', async () => {
    const up = await cli('up', '--name', name);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/binaries: all cached/);
    expect(up.stdout).not.toMatch(/building /);

    const info = readClusterInfo(name);
    expect(info).toMatchObject({ state: 'up', build: { built: [] } });
    expect(info?.build.cached.sort()).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok'].sort(),
    );
    const pids = info?.processes.map((p) => p.pid) ?? [];
    const ports = [...Object.values(info?.ports ?? {}), ...(info?.processes.flatMap((p) => p.ports) ?? [])];
    expect(pids).toHaveLength(5);
    expect(pids.every(isRunning)).toBe(true);
    expect(await isPortFree(info?.ports.apiserver ?? 0)).toBe(false);
    expect((await cli('status', '--name', name)).stdout).toMatch(/: ready/);

    const down = await cli('down', '--name', name);
    expect(down.code).toBe(0);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(pids.flatMap(groupMembers)).toEqual([]);
    const busy: number[] = [];
    for (const p of ports) if (!(await isPortFree(p))) busy.push(p);
    expect(busy).toEqual([]);
    expect((await cli('status', '--name', name)).code).toBe(1);
  });
});

describe('startCluster', () => {
  const name = `e2e-${process.pid}-fail`;

  afterAll(async () => {
    await stopCluster(name);
    rmSync(join(DEFAULT_STATE_ROOT, name), { recursive: true, force: true });
  });

  test('a start that fails half-way stops every process it had started', async () => {
    // kube-apiserver refuses a token-webhook CA that is not PEM, after etcd is already up.
    const badCa = join(e2eEnv().runDir, 'not-a-ca.crt');
    writeFileSync(badCa, 'not a certificate\n');
    await expect(startCluster({ name, webhookCaFile: badCa, log: () => {} })).rejects.toThrow(
      /kube-apiserver exited during start/,
    );
    const info = readClusterInfo(name);
    expect(info?.state).toBe('down');
    expect(info?.processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver']);
    const pids = info?.processes.map((p) => p.pid) ?? [];
    expect(pids.filter(isRunning)).toEqual([]);
    expect(pids.flatMap(groupMembers)).toEqual([]);
    expect(await isPortFree(info?.ports.etcdClient ?? 0)).toBe(true);
  });
});

describe("the run's sui-sim", () => {
  test('is what --network local resolves to, and its faucet funds keys', async () => {
    const { sim } = e2eEnv();
    expect(localNetwork()).toMatchObject({ endpoints: [sim.rpcUrl], packageId: sim.network.packageId });
    expect((await simAdmin().network()).packageId).toBe(sim.network.packageId);
    const key = await fundedKey(3n);
    const funded = await simAdmin().fund(key.toSuiAddress(), 1n);
    expect(funded.coinId).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
