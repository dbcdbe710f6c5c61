/**
 * charts/daas-auth running in real containers on the real node (issue 11, "Must show — through the real node").
 * A private bed (its own cluster, sui-sim and `daas-auth serve`) lets real-0 join with its seal node token; then
 * the chart, with the image `npm run image` builds (imported into real-0's containerd, imagePullPolicy Never),
 * takes over from the bed's serve:
 *
 * 1. `helm install --wait` into a namespace enforcing Pod Security `restricted`: both webhook and both
 *    controller pods Running on real-0, Ready through readiness probes the kubelet ran (its prober metrics count
 *    successful liveness and readiness probes of each), each process uid 65532 on a read-only root filesystem.
 *    (The webhook runs in deployment mode, in the pod network: `restricted` — and `baseline` — forbid
 *    hostNetwork, so the chart's daemonset mode cannot be admitted into such a namespace at all.)
 * 2. kube-apiserver re-wired to the chart's kubeconfigs (as an operator does on a control-plane node), its
 *    token webhook at the Service's ClusterIP: a kube-proxy stand-in there forwards each connection to a Ready
 *    webhook pod through real-0's relay. `kubectl auth whoami` with a seal token → sui:<addr>, answered by a
 *    container (its log has the review); an unbound Node refused by the admission webhook served from a pod.
 * 3. A rolling `helm upgrade` with a config change (every webhook pod replaced) while a loop of `kubectl auth
 *    whoami` with fresh seal tokens runs: 0 failed calls. Then a webhook pod killed (grace 0) under the same
 *    loop: the other replica answers, 0 failed calls.
 * 4. The bed's own serve stopped: a new binding turns Active, and a slash cordons and drains its kwok node — the
 *    controller running in its container does it.
 * 5. The leading controller pod killed (SIGKILL, pod deleted with grace 0) while a PDB holds a kwok node's drain
 *    back: the other controller pod takes the Lease, and once the PDB goes the drain completes.
 *
 * Addresses: the pods' and the node's exist only inside real-0's namespace; host and pods meet only through unix
 * socket relays (hack/lib/real-node.ts, docs/real-node.md).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { AdmissionregistrationV1Api, type V1Pod } from '@kubernetes/client-node';
import { restartApiserver } from '../../hack/cluster.ts';
import type { RealNode } from '../../hack/lib/real-node.ts';
import { stopGroups } from '../../hack/lib/procs.ts';
import { clients, createDeployment, createKwokNode, createPdb, createRestrictedNamespace, e2eEnv, uniqueName, waitFor, waitForPdbStatus, waitForRunningPods } from './harness/index.ts';
import { CHART_DIR, helmChecked, type HelmOptions } from './harness/helm.ts';
import type { PrivateBed } from './harness/private-bed.ts';
import { proxyService, type ServiceProxy } from './harness/service-proxy.ts';
import { activeBinding } from './harness/active-binding.ts';
import { bearer, staker, whoami } from './authn-support.ts';
import { closeKube, kube, nodeState, podsOnNode, slash, waitForCondition, type NodeStaker } from './binding-support.ts';
import { chartBedValues, containerLog, containerPid, startChartNode, until } from './real-node-support.ts';

jest.setTimeout(600_000);

const NODE = 'real-0';
// Not "daas-auth": the bed's own admission webhook configuration has that name.
const RELEASE = 'node-daas-auth';
const WEBHOOK = `${RELEASE}-webhook`;
const UID = 65532;

const runDir = mkdtempSync(join(tmpdir(), 'daas-real-node-chart-'));
let bed: PrivateBed;

let node: RealNode;
let ns: string;
let helmOpts: HelmOptions;
let proxy: ServiceProxy | undefined;
const stakers: NodeStaker[] = [];

beforeAll(async () => {
  const chart = await startChartNode('rnchart', NODE, 'real-0-chart', runDir);
  ({ bed, node, helmOpts } = chart);
  stakers.push(chart.joined.staker);
});

afterAll(async () => {
  await proxy?.stop();
  await node?.stop();
  for (const s of stakers) s.writer.close();
  await closeKube();
  await bed?.stop();
  rmSync(runDir, { recursive: true, force: true });
});

async function listPods(component: string): Promise<V1Pod[]> {
  const r = await clients().core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${component}` });
  return r.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** kubelet's prober metrics (/metrics/probes), fetched over the node relay with the cluster admin's certificate. */
async function proberMetrics(socket: string): Promise<string> {
  const { cluster } = e2eEnv();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        path: '/metrics/probes',
        // TLS over the relay's unix socket; the kubelet's serving certificate is self-signed (not what is tested).
        createConnection: () =>
          tlsConnect({ socket: connect({ path: socket }), cert: readFileSync(cluster.admin.certFile), key: readFileSync(cluster.admin.keyFile), rejectUnauthorized: false }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`kubelet /metrics/probes: ${res.statusCode} ${body}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function successfulProbes(metrics: string, pod: string, type: 'Liveness' | 'Readiness'): number {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('prober_probe_total{') && l.includes(`pod="${pod}"`) && l.includes(`probe_type="${type}"`) && l.includes('result="successful"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('helm install: webhook and controller pods Running on real-0 as uid 65532, read-only root, probed by the kubelet, in a restricted namespace', async () => {
  ns = await createRestrictedNamespace('daas');

  const values = join(runDir, 'values.json');
  const onRealNode = { 'kubernetes.io/hostname': NODE };
  writeFileSync(
    values,
    JSON.stringify({
      ...chartBedValues(),
      webhook: { nodeSelector: onRealNode },
      controller: { nodeSelector: onRealNode },
    }),
  );
  await helmChecked(['install', RELEASE, CHART_DIR, '--namespace', ns, '-f', values, '--wait', '--timeout', '5m'], helmOpts);

  const pods = [...(await listPods('webhook')), ...(await listPods('controller'))];
  expect(pods.map((p) => p.metadata!.labels!['app.kubernetes.io/component']).sort()).toEqual(['controller', 'controller', 'webhook', 'webhook']);
  for (const p of pods) {
    expect(p.spec?.nodeName).toBe(NODE);
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const pid = containerPid(node, p);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'));
    const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
    expect(root?.split(' ')[5]?.split(',')).toContain('ro');
  }

  // The kubelet ran both probes of every pod, and they succeeded.
  const kubelet = await node.expose('kubelet', { host: node.address, port: 10250 });
  await until('a successful liveness and readiness probe of every pod', 60_000, async () => {
    const metrics = await proberMetrics(kubelet);
    return pods.every((p) => successfulProbes(metrics, p.metadata!.name!, 'Liveness') > 0 && successfulProbes(metrics, p.metadata!.name!, 'Readiness') > 0) ? true : undefined;
  });
});

/** The webhook pod's container log lines. */
function webhookLog(pod: V1Pod): string {
  return containerLog(node, ns, pod, 'webhook');
}

async function secretData(name: string): Promise<Record<string, string>> {
  return (await clients().core.readNamespacedSecret({ name, namespace: ns })).data ?? {};
}

test('the authn and admission webhooks are served from the containers: whoami → sui:<addr>, an unbound Node refused', async () => {
  const { cluster } = e2eEnv();
  const webhookPods = await listPods('webhook');
  // kube-apiserver dials the Service's ClusterIP (no kube-proxy here: the stand-in), whose endpoints are pod
  // addresses inside real-0's namespace: each connection goes in through the node's relay, never from the host.
  proxy = await proxyService(ns, WEBHOOK, { dial: (ip, to) => node.dial(ip, to) });
  const authnUrl = `https://${proxy.clusterIP}:443/authenticate`;
  await helmChecked(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, '--reuse-values', '--set', `apiserver.webhookServer=${authnUrl}`, '--wait', '--timeout', '5m'], helmOpts);
  const authn = await secretData(`${RELEASE}-apiserver-authn`);
  expect(Buffer.from(authn.kubeconfig!, 'base64').toString()).toContain(`server: ${authnUrl}`);
  writeFileSync(cluster.webhook.configFile, Buffer.from(authn.kubeconfig!, 'base64'), { mode: 0o600 });
  writeFileSync(join(dirname(cluster.webhook.configFile), 'admission-webhook.kubeconfig'), Buffer.from(authn['admission-kubeconfig']!, 'base64'), { mode: 0o600 });
  await restartApiserver(cluster.name, { stateRoot: dirname(cluster.dir) });
  // The chart's admission kubeconfig replaced the bed's: the bed's own webhook configuration goes with it.
  const admission = clients().kc.makeApiClient(AdmissionregistrationV1Api);
  for (const v of (await admission.listValidatingWebhookConfiguration()).items) {
    if (v.metadata?.name !== RELEASE) await admission.deleteValidatingWebhookConfiguration({ name: v.metadata!.name! });
  }

  const user = await staker(1);
  const token = await bearer(user.key, user.tokenId);
  expect(await whoami(token)).toMatchObject({ username: `sui:${user.address}` });
  // serve buffers its audit lines briefly: the review shows up in a webhook container's log soon after.
  await until('the review in a webhook container\'s log', 15_000, async () => ((await listPods('webhook')).map(webhookLog).join('').includes(user.address) ? true : undefined));
  user.writer.close();

  const before = [...proxy.forwarded.values()].reduce((a, b) => a + b, 0);
  await expect(createKwokNode(uniqueName('unbound'), { bound: true })).rejects.toThrow(/nodes\.admission\.daas\.io[\s\S]*denied/);
  expect([...proxy.forwarded.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(before);
  expect(webhookPods.length).toBe(2);
});

interface LoopResult {
  ok: number;
  failed: string[];
}

/** `kubectl auth whoami` with a new seal token each time (no cache anywhere has seen it) until `done()`. */
async function whoamiLoop(user: Awaited<ReturnType<typeof staker>>, done: () => boolean): Promise<LoopResult> {
  const result: LoopResult = { ok: 0, failed: [] };
  while (!done()) {
    const token = await bearer(user.key, user.tokenId, { nonce: randomBytes(8).toString('hex') });
    const r = await whoami(token);
    if ('username' in r && r.username === `sui:${user.address}`) result.ok++;
    else result.failed.push(JSON.stringify(r));
  }
  return result;
}

/** Runs `during` while a whoami loop with `user` runs; the loop's result. */
async function underLoad(user: Awaited<ReturnType<typeof staker>>, during: () => Promise<void>): Promise<LoopResult> {
  let stop = false;
  const loop = whoamiLoop(user, () => stop);
  try {
    await during();
  } finally {
    stop = true;
  }
  return loop;
}

test('a rolling helm upgrade that restarts the webhook pods while kubectl runs: 0 failed calls', async () => {
  const user = await staker(1);
  const before = new Set((await listPods('webhook')).map((p) => p.metadata!.uid));
  const result = await underLoad(user, async () => {
    // A config change (the log level is in serve's config, so the pods' checksum annotation changes).
    await helmChecked(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, '--reuse-values', '--set', 'logLevel=debug', '--wait', '--timeout', '5m'], helmOpts);
  });
  user.writer.close();
  process.stderr.write(`[e2e real-node-chart] kubectl calls during the rolling upgrade: ${result.ok} ok, ${result.failed.length} failed\n`);
  expect((await listPods('webhook')).filter((p) => before.has(p.metadata!.uid))).toEqual([]); // every webhook pod was replaced
  expect(result.failed).toEqual([]);
  expect(result.ok).toBeGreaterThan(10);
});

test('a webhook pod killed while kubectl runs: the other replica answers, 0 failed calls', async () => {
  const user = await staker(1);
  const [victim] = await listPods('webhook');
  const result = await underLoad(user, async () => {
    await clients().core.deleteNamespacedPod({ name: victim!.metadata!.name!, namespace: ns, gracePeriodSeconds: 0 });
    await until('a replacement webhook pod Ready', 120_000, async () => {
      const pods = await listPods('webhook');
      return pods.length === 2 && !pods.some((p) => p.metadata!.uid === victim!.metadata!.uid) && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
    });
  });
  user.writer.close();
  process.stderr.write(`[e2e real-node-chart] kubectl calls while a webhook pod was killed: ${result.ok} ok, ${result.failed.length} failed\n`);
  expect(result.failed).toEqual([]);
  expect(result.ok).toBeGreaterThan(5);
});

/** A kwok node with an Active binding, and a one-replica Deployment Running on it in a namespace of its own. */
async function boundKwokWorkload(prefix: string): Promise<{ kwokNode: string; nodeStaker: NodeStaker; app: string; workloads: string }> {
  const { node: kwokNode, staker: nodeStaker } = await activeBinding(prefix);
  stakers.push(nodeStaker);
  await createKwokNode(kwokNode, { bound: true });
  const app = uniqueName('app');
  const workloads = uniqueName('work');
  await clients().core.createNamespace({ body: { metadata: { name: workloads } } });
  await createDeployment(workloads, app, { replicas: 1, labels: { app }, nodeSelector: { 'kubernetes.io/hostname': kwokNode } });
  await waitForRunningPods(workloads, `app=${app}`, 1);
  return { kwokNode, nodeStaker, app, workloads };
}

test('with the bed\'s own serve gone, the controller in its container activates a binding and drains a slashed node', async () => {
  // Nothing but the chart's pods serves daas-auth now: the bed's serve (and its controller) stopped.
  const { webhook } = e2eEnv();
  if (webhook.kind !== 'daas-auth') throw new Error('the bed runs no daas-auth serve');
  await stopGroups([webhook.pid]);
  expect(existsSync(`/proc/${webhook.pid}`) && !readFileSync(`/proc/${webhook.pid}/stat`, 'utf8').includes(') Z ')).toBe(false);

  const { kwokNode, nodeStaker, workloads } = await boundKwokWorkload('rnchart');
  await slash(nodeStaker.recordId);
  await waitFor('node cordoned', async () => (await nodeState(kwokNode)).unschedulable);
  await waitFor('its pod evicted', async () => (await podsOnNode(kwokNode, workloads)).length === 0);
});

/** The chart's controller Lease in the release namespace: its holder's identity, `<pod name>_<random>`. */
async function leaseHolderPod(): Promise<string | undefined> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/daas-auth-controller`;
  const lease = await (await kube()).request<{ spec?: { holderIdentity?: string } }>('GET', path).catch(() => undefined);
  const holder = lease?.spec?.holderIdentity ?? '';
  return holder.includes('_') ? holder.slice(0, holder.lastIndexOf('_')) : undefined;
}

test('the leading controller pod killed mid-drain: the other takes the Lease and the drain completes', async () => {
  // After the test above: the bed's serve is stopped, the chart's two controller pods on real-0 are the only
  // controllers. A PodDisruptionBudget holds a kwok node's drain back, so it can be interrupted.
  const { kwokNode, nodeStaker, app, workloads } = await boundKwokWorkload('rnfail');
  await createPdb(workloads, app, { matchLabels: { app }, minAvailable: 1 });
  await waitForPdbStatus(workloads, app, (s) => s.disruptionsAllowed === 0 && s.currentHealthy === 1);
  await slash(nodeStaker.recordId);
  await waitForCondition(kwokNode, 'DrainBlocked', 'True', 60_000);
  expect((await podsOnNode(kwokNode, workloads)).length).toBe(1);

  // Kill the leader: its container's process SIGKILLed first — a crash, no chance to release the Lease (a
  // SIGTERM would let it hand the Lease over at once) — then its pod deleted with grace 0.
  const controllers = await listPods('controller');
  const leader = await until('a controller pod holding the Lease', 30_000, async () => {
    const holder = await leaseHolderPod();
    return controllers.find((p) => p.metadata!.name === holder);
  });
  const survivor = controllers.find((p) => p !== leader);
  expect(survivor).toBeDefined();
  process.kill(containerPid(node, leader), 'SIGKILL');
  await clients().core.deleteNamespacedPod({ name: leader.metadata!.name!, namespace: ns, gracePeriodSeconds: 0 });
  const killedAt = Date.now();
  // The survivor takes the Lease once the dead leader's expires (15 s); the Deployment's replacement pod may
  // start in time to race it, so either may win — never the killed pod (nor its container, were it restarted).
  const next = await until('another controller pod holding the Lease', 60_000, async () => {
    const holder = await leaseHolderPod();
    return holder !== undefined && holder !== leader.metadata!.name ? holder : undefined;
  });
  process.stderr.write(`[e2e real-node-chart] Lease taken by ${next === survivor!.metadata!.name ? 'the surviving' : 'the replacement'} controller pod ${Date.now() - killedAt} ms after the kill\n`);
  expect((await listPods('controller')).map((p) => p.metadata!.name)).toContain(next);

  // Unblock: the new leader carries the drain on to the end.
  await clients().policy.deleteNamespacedPodDisruptionBudget({ name: app, namespace: workloads });
  await waitForCondition(kwokNode, 'Drained', 'True', 120_000);
  expect(await podsOnNode(kwokNode, workloads)).toEqual([]);
});
