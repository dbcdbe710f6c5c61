// The test bed itself, through the real parts: kube-controller-manager computes PDB status and the Eviction
// API honours it on kwok nodes; kube-apiserver consults the token webhook; `npm run cluster` reuses cached
// builds and `down` leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:https';
import { join } from 'node:path';
import {
  DEFAULT_STATE_ROOT,
  REPO_ROOT,
  readClusterInfo,
  startCluster,
  stopCluster,
  type ClusterInfo,
} from '../../hack/cluster.ts';
import { freePort, isPortFree } from '../../hack/lib/ports.ts';
import { groupMembers, isRunning } from '../../hack/lib/procs.ts';
import { run, type RunResult } from '../../hack/lib/run.ts';
import { startRecorder, stopRecorder } from './harness/webhook-recorder.ts';
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

function getWithBearer(cluster: ClusterInfo, path: string, token: string): Promise<number> {
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

// A second cluster, through the command line, whose token webhook is a recorder this test runs: so these
// checks hold whichever webhook the run's own cluster is wired to. The recorder serves the run cluster's
// webhook certificate (hence --webhook-ca); once the new cluster exists it trusts that cluster's CA for
// kube-apiserver's client certificate.
describe('npm run cluster', () => {
  const name = `e2e-${process.pid}-cli`;
  const cli = (...args: string[]) =>
    run(process.execPath, [join(REPO_ROOT, 'hack', 'cluster.ts'), ...args], { cwd: REPO_ROOT });
  let recorder: Server;
  let callsFile: string;
  let info: ClusterInfo;
  let up: RunResult;

  beforeAll(async () => {
    const { cluster: run0, runDir } = e2eEnv();
    callsFile = join(runDir, `${name}-webhook-calls.jsonl`);
    const port = await freePort();
    const w = run0.webhook;
    recorder = await startRecorder({
      port,
      certFile: w.servingCertFile,
      keyFile: w.servingKeyFile,
      clientCaFile: w.clientCaFile,
      callsFile,
    });
    const url = `https://127.0.0.1:${port}/authenticate`;
    up = await cli(
      'up',
      '--name',
      name,
      '--webhook-url',
      url,
      '--webhook-ca',
      run0.caFile,
      '--token-cache-ttl',
      '0s',
      // Reaped by the next run if this one is killed before afterAll.
      '--owner-pid',
      String(process.pid),
    );
    info = readClusterInfo(name) as ClusterInfo;
    if (info) {
      const files = { cert: w.servingCertFile, key: w.servingKeyFile, ca: info.webhook.clientCaFile };
      recorder.setSecureContext(
        Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(f)])),
      );
    }
  });

  afterAll(async () => {
    await stopCluster(name); // stops something only if a test failed half-way
    await stopRecorder(recorder);
    rmSync(join(DEFAULT_STATE_ROOT, name), { recursive: true, force: true });
  });

  test('a second cluster comes up from cached builds', () => {
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/binaries: all cached/);
    expect(up.stdout).not.toMatch(/building /);
    expect(info).toMatchObject({ state: 'up', build: { built: [] }, webhook: { cacheTtl: '0s' } });
    expect(info.build.cached.sort()).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kubelet', 'kwok'].sort(),
    );
  });

  test('kube-apiserver asks the token webhook about an unknown bearer token, and the caller gets 401', async () => {
    const token = `unknown-${randomBytes(16).toString('hex')}`;
    const tokenHash = createHash('sha256').update(token).digest('hex');

    const r = await kubectl(['get', 'pods', '-n', 'default'], { token, cluster: info });
    expect(r.code).not.toBe(0);
    // kubectl 1.34 words a 401 as "You must be logged in to the server (the server has asked for … credentials)".
    expect(r.stderr).toMatch(/You must be logged in to the server/);
    const callsFor = () => readWebhookCalls(callsFile).filter((c) => c.tokenSha256 === tokenHash);
    const afterKubectl = callsFor().length; // kubectl retries discovery a few times
    expect(afterKubectl).toBeGreaterThanOrEqual(1);

    expect(await getWithBearer(info, '/api/v1/namespaces/default/pods', token)).toBe(401);
    const calls = callsFor();
    expect(calls).toHaveLength(afterKubectl + 1); // cache TTL 0s: every request asks again
    expect(calls[0]).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      audiences: info.apiAudiences,
      clientCn: 'kube-apiserver',
    });
  });

  test('the admin client certificate does not involve the webhook', async () => {
    const before = readWebhookCalls(callsFile).length;
    const r = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      cluster: info,
    });
    expect(r).toMatchObject({ code: 0, stdout: 'kubernetes-admin' });
    expect(readWebhookCalls(callsFile)).toHaveLength(before);
  });

  test('status reports ready; down leaves no process and no port', async () => {
    const pids = info.processes.map((p) => p.pid);
    const ports = [...Object.values(info.ports), ...info.processes.flatMap((p) => p.ports)];
    expect(pids).toHaveLength(5);
    expect(pids.every(isRunning)).toBe(true);
    expect(await isPortFree(info.ports.apiserver)).toBe(false);
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
