/**
 * charts/daas-auth installed for real (issue 10, "Must show"), on a bed of its own: sui-sim, and a cluster
 * whose kube-apiserver writes an audit log of ServiceAccount requests and is re-wired to the chart's token
 * webhook kubeconfig, as an operator does on a control-plane node.
 *
 * 1. `helm install --wait` into a namespace enforcing Pod Security `restricted`; the real scheduler spreads the
 *    webhook pods over zone-labelled kwok nodes; the PDB reports its allowed disruptions; the capability-gated
 *    ServiceMonitor/PrometheusRule appear because the prometheus-operator CRDs are installed.
 * 2. The chart's identity does the real work: its pods run as host processes (harness/chart-pods.ts) with the
 *    chart-rendered args, config and Secrets and TokenRequest tokens of the chart's ServiceAccounts;
 *    a kube-proxy stand-in serves the webhook Service's ClusterIP (harness/service-proxy.ts: loopback pods can
 *    have no endpoints); `helm upgrade` points the authn kubeconfig at that ClusterIP and keeps the CA and
 *    serving certificate; kube-apiserver restarted with the kubeconfigs and AuthorizationConfiguration from the
 *    chart's Secret; `kubectl auth
 *    whoami` → sui:<addr>; SealBinding → Active; an unbound Node refused through the chart's webhook
 *    configuration and Service;
 *    slash → cordon → evict; zero 403s for the chart's ServiceAccounts in the audit log; their effective rules
 *    equal test/e2e/chart-effective-rules.json.
 * 3. Revocation end to end with the chart's defaults and the NOTES' wiring (token cache TTL and the
 *    --authorization-config from the chart's Secret): kubectl refused within 2 s of the slash transaction —
 *    a 403 from the chart's authorization webhook while kube-apiserver's fixed 10 s success cache
 *    (TokenSuccessCacheTTL, no flag) still authenticates the token (docs/authn.md).
 * 4. `helm uninstall` leaves no webhook configuration and keeps the CRD and the SealBindings.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AdmissionregistrationV1Api, ApiextensionsV1Api, AuthorizationV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { REPO_ROOT, restartApiserver, startCluster, stopCluster, type ClusterInfo } from '../../hack/cluster.ts';
import { freePort, releasePorts } from '../../hack/lib/ports.ts';
import { applyFiles } from '../../hack/lib/manifests.ts';
import { startSim, type SimHandle } from '../../src/sim/index.ts';
import { SEALBINDING_GROUP, SEALBINDING_PLURAL, SEALBINDING_VERSION } from '../../src/k8s/sealbinding.ts';
import { clients, createDeployment, createKwokNode, createRestrictedNamespace, e2eEnv, kubectl, uniqueName, waitFor, waitForPdbStatus, waitForRunningPods, type E2eEnv } from './harness/index.ts';
import { useBed } from './harness/env.ts';
import { E2E_API_AUDIENCE, E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { CHART_DIR, chartDefaults, chartTools, helmChecked, type HelmOptions } from './harness/helm.ts';
import { serviceAccountToken, startHostPod, tokenKubeconfig, type HostPod } from './harness/chart-pods.ts';
import { proxyService, type ServiceProxy } from './harness/service-proxy.ts';
import { bearer, staker, whoami } from './authn-support.ts';
import { activeBinding } from './harness/active-binding.ts';
import { closeKube, nodeState, podsOnNode, slash } from './binding-support.ts';

const RELEASE = 'daas-auth';
const WEBHOOK = `${RELEASE}-webhook`;
const CONTROLLER = `${RELEASE}-controller`;
const ZONE = 'topology.kubernetes.io/zone';
const NODE_LABEL = 'daas.io/e2e-chart';
const RULES_FILE = join(REPO_ROOT, 'test', 'e2e', 'chart-effective-rules.json');
const defaults = chartDefaults() as { apiserver: { tokenCacheTTL: string } };

let sim: SimHandle;
let cluster: ClusterInfo;
let ns: string;
let port: number;
let helmOpts: HelmOptions;
let valuesFile: string;
const hostPods: HostPod[] = [];
let proxy: ServiceProxy | undefined;
/** kube-apiserver caches every successful token authentication this long, whatever the webhook TTL says. */
const APISERVER_TOKEN_SUCCESS_CACHE_MS = 10_000;

beforeAll(async () => {
  const run = e2eEnv();
  const runDir = join(run.runDir, 'chart');
  mkdirSync(runDir, { recursive: true });
  const tools = await chartTools();
  sim = await startSim({ stateDir: join(runDir, 'sim'), quiet: true });
  port = await freePort();
  cluster = await startCluster({
    name: `e2e-${run.runId}-chart`,
    // Until the chart's kubeconfig replaces it (test 2): nothing listens here, so bearer tokens get 401.
    webhookUrl: `https://127.0.0.1:${port}/authenticate`,
    tokenCacheTtl: defaults.apiserver.tokenCacheTTL, // what NOTES.txt recommends
    // --authorization-config, as NOTES.txt recommends; its files are replaced by the chart's in test 2 (until
    // then nothing answers there and the webhook has no opinion: RBAC decides, as without it).
    authorizationWebhookUrl: `https://127.0.0.1:${port}/authorize`,
    auditLog: true,
    ownerPid: process.pid,
    log: (l) => process.stderr.write(`[e2e chart] ${l}\n`),
  });
  const env: E2eEnv = {
    runId: `${run.runId}-chart`,
    runDir,
    sim: { rpcUrl: sim.rpcUrl, adminUrl: sim.adminUrl, stateDir: join(runDir, 'sim'), network: sim.network },
    cluster,
    webhook: { kind: 'daas-auth', url: '', port, clusterId: E2E_CLUSTER_ID, apiAudience: E2E_API_AUDIENCE, configFile: '', logFile: '', pid: 0 },
  };
  useBed(env);
  helmOpts = { home: join(runDir, 'helm'), kubeconfig: cluster.kubeconfig };
  await applyFiles(cluster, tools.prometheusOperatorCrds);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...tools.prometheusOperatorCrds.flatMap((f) => ['-f', f])]);
  valuesFile = join(runDir, 'values.json');
  writeFileSync(
    valuesFile,
    JSON.stringify({
      clusters: [{ id: E2E_CLUSTER_ID, apiAudiences: cluster.apiAudiences }],
      network: { name: sim.rpcUrl, packageId: sim.network.packageId, poolId: sim.network.poolId },
      webhook: { port, nodeSelector: { [NODE_LABEL]: 'yes' } },
      controller: { nodeSelector: { [NODE_LABEL]: 'yes' } },
    }),
  );
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(hostPods.map((p) => p.stop()));
  await closeKube();
  useBed(undefined);
  await stopCluster(cluster.name);
  await sim.stop();
  releasePorts([port]);
});

async function listPods(component: string): Promise<V1Pod[]> {
  const r = await clients().core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${component}` });
  return r.items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function secretData(name: string): Promise<Record<string, string>> {
  return (await clients().core.readNamespacedSecret({ name, namespace: ns })).data ?? {};
}

async function caBundles(): Promise<string[]> {
  const vwc = await clients().kc.makeApiClient(AdmissionregistrationV1Api).readValidatingWebhookConfiguration({ name: RELEASE });
  return (vwc.webhooks ?? []).map((w) => w.clientConfig.caBundle ?? '');
}

test('helm install --wait into a restricted namespace: pods spread over zones, PDB allows one disruption, monitoring objects rendered', async () => {
  // The namespace really enforces `restricted` (createRestrictedNamespace checks a root pod is refused).
  ns = await createRestrictedNamespace('daas');
  const { core } = clients();
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  await Promise.all(zones.map((z) => createKwokNode(uniqueName(`chart-${z}`), { labels: { [ZONE]: z, [NODE_LABEL]: 'yes' } })));

  await helmChecked(['install', RELEASE, CHART_DIR, '--namespace', ns, '-f', valuesFile, '--wait', '--timeout', '4m'], helmOpts);

  const webhookPods = await listPods('webhook');
  expect(webhookPods).toHaveLength(2);
  const podZones = await Promise.all(webhookPods.map(async (p) => (await core.readNode({ name: p.spec!.nodeName! })).metadata!.labels![ZONE]));
  expect(new Set(podZones).size).toBe(2); // the topology spread put them in two different zones
  const pdb = await waitForPdbStatus(ns, WEBHOOK, (s) => s.currentHealthy === 2 && s.disruptionsAllowed === 1);
  expect(pdb.expectedPods).toBe(2);
  for (const p of [...webhookPods, ...(await listPods('controller'))]) expect(p.status?.podIP).toMatch(/^127\./);

  const custom = clients().kc.makeApiClient(CustomObjectsApi);
  const sm = await custom.listNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: ns, plural: 'servicemonitors' });
  expect((sm.items as { metadata: { name: string } }[]).map((o) => o.metadata.name).sort()).toEqual([CONTROLLER, WEBHOOK]);
  const pr = await custom.listNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: ns, plural: 'prometheusrules' });
  expect(pr.items).toHaveLength(1);
  const crd = await clients().kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'sealbindings.daas.io' });
  expect(crd.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
});

let bindingNode: string;

test('the chart\'s identity does the real work, with zero 403s and exactly the checked-in rules', async () => {
  const webhookPods = await listPods('webhook');
  const [controllerPod] = await listPods('controller');
  const podRoot = join(e2eEnv().runDir, 'pods');
  // Every webhook pod, and one controller (the other replica stays a standby that never campaigns).
  for (const p of [...webhookPods, controllerPod!]) hostPods.push(await startHostPod(p, podRoot));

  const tlsBefore = await secretData(`${RELEASE}-webhook-tls`);
  const clientBefore = await secretData(`${RELEASE}-apiserver-authn`);
  const bundlesBefore = await caBundles();
  proxy = await proxyService(ns, WEBHOOK);
  // kube-apiserver resolves no cluster DNS: point the token webhook at a fixed address, the Service's ClusterIP
  // (served by kube-proxy on a control-plane node; by the stand-in here).
  const authnUrl = `https://${proxy.clusterIP}:443/authenticate`;
  // The authorization webhook's kubeconfig goes where this cluster's --authorization-config file expects it.
  const authzKubeconfig = join(cluster.dir, 'authz-webhook.kubeconfig');
  await helmChecked(['upgrade', RELEASE, CHART_DIR, '--namespace', ns, '--reuse-values', '--set', `apiserver.webhookServer=${authnUrl}`, '--set', `apiserver.authorization.kubeConfigFile=${authzKubeconfig}`, '--wait'], helmOpts);
  const tlsAfter = await secretData(`${RELEASE}-webhook-tls`);
  expect(tlsAfter).toEqual(tlsBefore);
  expect(await caBundles()).toEqual(bundlesBefore);
  const authn = await secretData(`${RELEASE}-apiserver-authn`);
  expect(authn['client.crt']).toBe(clientBefore['client.crt']);
  expect(Buffer.from(authn.kubeconfig!, 'base64').toString()).toContain(`server: ${authnUrl}`);

  // What an operator does on the control-plane node: the kubeconfig from the chart's Secret, then a restart.
  writeFileSync(cluster.webhook.configFile, Buffer.from(authn.kubeconfig!, 'base64'), { mode: 0o600 });
  // …and the AuthorizationConfiguration and its kubeconfig from the same Secret (NOTES.txt step 1).
  writeFileSync(cluster.webhook.authorizationConfigFile!, Buffer.from(authn['authorization-config.yaml']!, 'base64'), { mode: 0o600 });
  writeFileSync(authzKubeconfig, Buffer.from(authn['authz-kubeconfig']!, 'base64'), { mode: 0o600 });
  // …and the admission client certificate, where this cluster's AdmissionConfiguration names its kubeconfig.
  writeFileSync(join(dirname(cluster.webhook.configFile), 'admission-webhook.kubeconfig'), Buffer.from(authn['admission-kubeconfig']!, 'base64'), { mode: 0o600 });
  await restartApiserver(cluster.name);

  const user = await staker(1);
  const token = await bearer(user.key, user.tokenId);
  expect(await whoami(token)).toMatchObject({ username: `sui:${user.address}` });
  user.writer.close();

  // Admission through the chart's Service (endpoint = a webhook pod's loopback address) refuses an unbound Node…
  const viaService = [...proxy.forwarded.values()].reduce((a, b) => a + b, 0);
  await expect(createKwokNode(uniqueName('unbound'), { bound: true })).rejects.toThrow(/nodes\.admission\.daas\.io[\s\S]*denied/);
  expect([...proxy.forwarded.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(viaService);
  // …and the chart's controller activates a binding, then cordons and drains its node after a slash.
  const { node, staker: nodeStaker } = await activeBinding('chart');
  bindingNode = node;
  await createKwokNode(node, { bound: true });
  const app = uniqueName('app');
  const workloads = await createWorkloadNamespace();
  await createDeployment(workloads, app, { replicas: 1, labels: { app }, nodeSelector: { 'kubernetes.io/hostname': node } });
  await waitForRunningPods(workloads, `app=${app}`, 1);
  await slash(nodeStaker.recordId);
  await waitFor('node cordoned', async () => (await nodeState(node)).unschedulable);
  await waitFor('its pod evicted', async () => (await podsOnNode(node, workloads)).length === 0);
  nodeStaker.writer.close();

  const users = [WEBHOOK, CONTROLLER].map((sa) => `system:serviceaccount:${ns}:${sa}`);
  const events = readAudit(cluster.auditLogFile!).filter((e) => users.includes(e.user.username));
  for (const u of users) expect(events.filter((e) => e.user.username === u).length).toBeGreaterThan(0);
  expect(events.filter((e) => e.responseStatus?.code === 403).map((e) => `${e.user.username} ${e.verb} ${e.requestURI}`)).toEqual([]);

  const rules = Object.fromEntries(await Promise.all([WEBHOOK, CONTROLLER].map(async (sa) => [sa.replace(`${RELEASE}-`, ''), await effectiveRules(sa)] as const)));
  expect(rules).toEqual(JSON.parse(readFileSync(RULES_FILE, 'utf8')));
});

test('revocation: kubectl with a slashed staker\'s token is refused within 2 s of the slash transaction', async () => {
  const user = await staker(1);
  const token = await bearer(user.key, user.tokenId);
  expect(await whoami(token)).toMatchObject({ username: `sui:${user.address}` }); // cached by the webhook and the apiserver
  await slash(user.recordId);
  const start = Date.now(); // the slash transaction is confirmed
  let refused: { at: number; stderr: string } | undefined;
  while (!refused && Date.now() - start < 2 * APISERVER_TOKEN_SUCCESS_CACHE_MS) {
    // Any authenticated user may GET /version (system:public-info-viewer); `kubectl auth whoami` would hide the reason.
    const r = await kubectl(['get', '--raw', '/version'], { token });
    if (r.code !== 0) refused = { at: Date.now(), stderr: r.stderr };
  }
  user.writer.close();
  const elapsed = refused ? refused.at - start : Infinity;
  process.stderr.write(`[e2e chart] slashed staker refused ${elapsed} ms after the slash transaction\n`);
  // kube-apiserver still authenticates the token from its fixed 10 s success cache; the chart's authorization
  // webhook (asked first, uncached, per the NOTES wiring) denies it: 403 with daas-auth's reason.
  expect(refused?.stderr).toMatch(/Forbidden[\s\S]*daas-auth: stake record 0x[0-9a-f]+ revoked on chain \(StakeSlashed\)/);
  expect(elapsed).toBeLessThanOrEqual(2_000);
});

test('helm uninstall leaves no webhook configuration and keeps the CRD and the SealBindings', async () => {
  await helmChecked(['uninstall', RELEASE, '--namespace', ns, '--wait'], helmOpts);
  const vwcs = await clients().kc.makeApiClient(AdmissionregistrationV1Api).listValidatingWebhookConfiguration();
  expect(vwcs.items.map((v) => v.metadata?.name)).not.toContain(RELEASE);
  expect(vwcs.items.filter((v) => v.metadata?.labels?.['app.kubernetes.io/instance'] === RELEASE)).toEqual([]);
  const crd = await clients().kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'sealbindings.daas.io' });
  expect(crd.metadata?.name).toBe('sealbindings.daas.io');
  const bindings = await clients().kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: SEALBINDING_GROUP, version: SEALBINDING_VERSION, plural: SEALBINDING_PLURAL });
  expect((bindings.items as { metadata: { name: string } }[]).map((b) => b.metadata.name)).toContain(bindingNode);
});

async function createWorkloadNamespace(): Promise<string> {
  const name = uniqueName('work');
  const { core } = clients();
  await core.createNamespace({ body: { metadata: { name } } });
  await waitFor('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true));
  return name;
}

interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string };
  responseStatus?: { code?: number };
}

function readAudit(file: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent);
}

/** The ServiceAccount's SelfSubjectRulesReview in the release namespace, as sorted "verb group/resource[/name]" lines. */
async function effectiveRules(serviceAccount: string): Promise<{ resources: string[]; nonResources: string[] }> {
  const token = await serviceAccountToken(ns, serviceAccount, undefined, 600);
  const kc = new KubeConfig();
  kc.loadFromFile(tokenKubeconfig(join(e2eEnv().runDir, `kubeconfig-${serviceAccount}`), token));
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace: ns } } });
  const resources = new Set<string>();
  for (const r of review.status?.resourceRules ?? [])
    for (const verb of r.verbs)
      for (const group of r.apiGroups ?? [''])
        for (const res of r.resources ?? [])
          for (const name of r.resourceNames?.length ? r.resourceNames : [''])
            resources.add(`${verb} ${group}/${res}${name ? `/${name}` : ''}`);
  const nonResources = new Set<string>();
  for (const r of review.status?.nonResourceRules ?? []) for (const verb of r.verbs) for (const url of r.nonResourceURLs ?? []) nonResources.add(`${verb} ${url}`);
  return { resources: [...resources].sort(), nonResources: [...nonResources].sort() };
}
