/**
 * The chart's daemonset mode on the real node (issue 11, "the authn webhook served from the container
 * (hostNetwork mode)"). A private bed lets real-0 join with its seal node token; then:
 *
 * 1. `helm install --wait` with webhook.mode=daemonset into a namespace enforcing Pod Security `privileged`:
 *    hostNetwork is exactly what the `restricted` and `baseline` levels forbid, and a control-plane DaemonSet of
 *    this kind (beside kube-apiserver, like aws-iam-authenticator) lives in a privileged system namespace. The
 *    DaemonSet targets control-plane nodes (node-role.kubernetes.io/control-plane, tolerated): real-0 is
 *    labelled so, and is the only node that is. Its one pod is Running and Ready on real-0 with hostNetwork,
 *    its address the node's, its container in real-0's network namespace itself.
 * 2. kube-apiserver's token webhook re-wired to the chart's kubeconfig (as an operator does on a control-plane
 *    node) at https://127.0.0.1:<port>/authenticate — on a real control-plane node that is the hostNetwork
 *    pod's own port; here kube-apiserver runs on the host and the pod in real-0's namespace, so a loopback-only
 *    relay (RealNode.expose) carries the host's 127.0.0.1:<port> to the node address inside the namespace.
 *    `kubectl --token=<seal token> auth whoami` → sui:<addr>, and the review is in that container's log.
 *
 * Addresses: the node's exists only inside real-0's namespace; the host reaches it only through the unix-socket
 * relay, listening on 127.0.0.1 (hack/lib/real-node.ts, docs/real-node.md).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { restartApiserver } from '../../hack/cluster.ts';
import { netnsPath } from '../../hack/lib/netns.ts';
import { freePort } from '../../hack/lib/ports.ts';
import type { RealNode } from '../../hack/lib/real-node.ts';
import { clients, createNamespace, e2eEnv } from './harness/index.ts';
import { CHART_DIR, helmChecked, type HelmOptions } from './harness/helm.ts';
import type { PrivateBed } from './harness/private-bed.ts';
import { bearer, staker, whoami } from './authn-support.ts';
import { closeKube, type NodeStaker } from './binding-support.ts';
import { chartBedValues, containerLog, containerPid, startChartNode, until } from './real-node-support.ts';

jest.setTimeout(600_000);

const NODE = 'real-0';
const RELEASE = 'hostnet-daas-auth';
/** The port serve listens on in the node's namespace (the chart's webhook.port). */
const WEBHOOK_PORT = 8443;
const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

const runDir = mkdtempSync(join(tmpdir(), 'daas-real-node-hostnet-'));
let bed: PrivateBed | undefined;
let node: RealNode;
let nodeStaker: NodeStaker | undefined;
let helmOpts: HelmOptions;
let ns: string;

beforeAll(async () => {
  const chart = await startChartNode('rnhostnet', NODE, 'real-0-hostnet', runDir);
  ({ bed, node, helmOpts } = chart);
  nodeStaker = chart.joined.staker;
});

afterAll(async () => {
  await node?.stop();
  nodeStaker?.writer.close();
  await closeKube();
  await bed?.stop();
  rmSync(runDir, { recursive: true, force: true });
});

async function webhookPods(): Promise<V1Pod[]> {
  const r = await clients().core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=webhook` });
  return r.items.filter((p) => !p.metadata?.deletionTimestamp);
}

test('helm install in daemonset mode into a privileged namespace: the webhook pod Running on real-0 with hostNetwork, in the node\'s network namespace', async () => {
  // Why privileged: hostNetwork is what Pod Security `baseline` (and so `restricted`) refuses.
  ns = await createNamespace('daas-hostnet', { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  // The DaemonSet runs on control-plane nodes only: real-0 stands for one (the admin labels it; a kubelet may not).
  await clients().core.patchNode({ name: NODE, body: { metadata: { labels: { [CONTROL_PLANE]: '' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  const values = join(runDir, 'values.json');
  writeFileSync(
    values,
    JSON.stringify({
      ...chartBedValues(),
      webhook: { mode: 'daemonset', port: WEBHOOK_PORT },
      // Only the authn webhook is shown here: the bed's serve keeps the controller and admission (its
      // ValidatingWebhookConfiguration would name a Service kube-apiserver cannot reach without kube-proxy).
      controller: { enabled: false },
      admission: { enabled: false },
    }),
  );
  await helmChecked(['install', RELEASE, CHART_DIR, '--namespace', ns, '-f', values, '--wait', '--timeout', '5m'], helmOpts);

  const ds = await clients().apps.readNamespacedDaemonSet({ name: `${RELEASE}-webhook`, namespace: ns });
  expect(ds.status?.desiredNumberScheduled).toBe(1); // real-0 only: no kwok node is a control-plane node
  const pods = await webhookPods();
  expect(pods).toHaveLength(1);
  const [pod] = pods;
  expect(pod!.spec?.nodeName).toBe(NODE);
  expect(pod!.spec?.hostNetwork).toBe(true);
  expect(pod!.status?.phase).toBe('Running');
  expect(pod!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  expect(pod!.status?.podIP).toBe(node.address);
  // The container's network namespace is real-0's own (no pod sandbox namespace of its own).
  expect(statSync(`/proc/${containerPid(node, pod!)}/ns/net`).ino).toBe(statSync(netnsPath(node.netns)).ino);
});

test('kube-apiserver\'s token webhook at the hostNetwork pod: kubectl --token=<seal token> auth whoami → sui:<addr>, reviewed in that container', async () => {
  const { cluster } = e2eEnv();
  // kube-apiserver (on the host) reaches the pod's port on the node address through a relay on the host's
  // 127.0.0.1 — the certificate the chart issued for daemonset mode names 127.0.0.1.
  const hostPort = await freePort();
  await node.expose('hostnet-webhook', { host: node.address, port: WEBHOOK_PORT }, hostPort);
  const authnUrl = `https://127.0.0.1:${hostPort}/authenticate`;
  await helmChecked(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, '--reuse-values', '--set', `apiserver.webhookServer=${authnUrl}`, '--wait', '--timeout', '5m'], helmOpts);
  const secret = await clients().core.readNamespacedSecret({ name: `${RELEASE}-apiserver-authn`, namespace: ns });
  const kubeconfig = Buffer.from(secret.data!.kubeconfig!, 'base64');
  expect(kubeconfig.toString()).toContain(`server: ${authnUrl}`);
  writeFileSync(cluster.webhook.configFile, kubeconfig, { mode: 0o600 });
  await restartApiserver(cluster.name, { stateRoot: dirname(cluster.dir) });

  const user = await staker(1);
  try {
    const token = await bearer(user.key, user.tokenId);
    expect(await whoami(token)).toMatchObject({ username: `sui:${user.address}` });
    // serve buffers its audit lines briefly: the review shows up in the container's log soon after.
    const [pod] = await webhookPods();
    await until('the review in the hostNetwork container\'s log', 15_000, async () => (containerLog(node, ns, pod!, 'webhook').includes(user.address) ? true : undefined));
  } finally {
    user.writer.close();
  }
});
