/**
 * Issue 14, must show: one `daas-auth serve` process (every component: authn, authz, admission, the
 * controller as the Lease's leader) holds exactly one Kubernetes client, one SealBinding watch, one
 * chain event poller and one epoch poller — counted where the traffic arrives, not inside the process:
 *
 * - at kube-apiserver: its audit log. serve runs under a ServiceAccount of its own (the bed's audit
 *   policy records ServiceAccounts' requests), and each of its Kubernetes clients names itself in its
 *   User-Agent (`daas-auth/<pid>.<n>`, src/k8s/rest.ts): one User-Agent, the process's first client,
 *   and one SealBinding watch request — while that same client also watches Nodes and holds the Lease
 *   (the controller runs on it too);
 * - at sui-sim: its call counters (src/sim/stats.ts). One event poller asks ListEvents with one filter
 *   and no more often than its poll interval allows (two pollers double the rate); the epoch clock asks
 *   GetEpoch on one cadence, never twice within half its period. On main (two event pollers with two
 *   filters, two SealBinding watches, three clients) the filter, rate, watch and User-Agent checks fail;
 *   the epoch check alone did not there, because main's second epoch poller read through the chain
 *   reader's 2-second epoch cache and so reached the sim only between the first one's reads.
 *
 * The bed is private (the shared bed's serve would be a second client of the same sim and apiserver)
 * and its serve is replaced by one configured for this count.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { runChecked } from '../../hack/lib/run.ts';
import { EPOCH_POLL_MS } from '../../src/feeds/index.ts';
import { SimAdminClient } from '../../src/sim/admin-client.ts';
import { E2E_API_AUDIENCE, E2E_APISERVER_CN, E2E_CLUSTER_ID, launchServe, serverConfig, startDaasServeStep, type DaasServeEnv } from './harness/daas-serve.ts';
import { waitFor } from './harness/kube.ts';
import { writeTokenKubeconfig } from './harness/kubectl.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';
import { stopGroups } from '../../hack/lib/procs.ts';
import type { SetupStep } from './harness/setup-steps.ts';

const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'daas-auth-serve';
const SA_USER = `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`;
/** Long enough that latency jitter on a loaded machine cannot squeeze two polls of one poller together. */
const EVENT_POLL_MS = 1_000;
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/daas-auth-controller';
const METHOD = { events: 'sui.rpc.v2.LedgerService/ListEvents', epoch: 'sui.rpc.v2.LedgerService/GetEpoch' };

interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  user: { username: string };
  objectRef?: { resource?: string };
}

/** serve with every component, as its own ServiceAccount, in place of the bed's usual serve. */
const serveAsServiceAccount: SetupStep = {
  name: startDaasServeStep.name,
  run: async (ctx) => {
    const { cluster, sim } = ctx.env;
    if (!cluster || !sim || ctx.webhookPort === undefined) throw new Error('startSim and startCluster must run before daas-auth serve');
    const kubectl = (args: string[]) => runChecked(cluster.binaries.kubectl, [`--kubeconfig=${cluster.kubeconfig}`, ...args]);
    await kubectl(['apply', '--server-side', '-f', join(REPO_ROOT, 'deploy', 'rbac')]);
    await kubectl(['-n', NAMESPACE, 'create', 'serviceaccount', SERVICE_ACCOUNT]);
    await kubectl(['create', 'clusterrolebinding', SERVICE_ACCOUNT, '--clusterrole=cluster-admin', `--serviceaccount=${NAMESPACE}:${SERVICE_ACCOUNT}`]);
    const token = (await kubectl(['-n', NAMESPACE, 'create', 'token', SERVICE_ACCOUNT, '--duration=2h'])).stdout.trim();
    const kubeconfig = writeTokenKubeconfig(join(ctx.runDir, 'serve-sa.kubeconfig'), cluster, token);
    const configFile = join(ctx.runDir, 'daas-auth.yaml');
    const logFile = join(ctx.runDir, 'daas-auth.log');
    const config = {
      mode: 'all',
      network: { name: 'local', stateDir: sim.stateDir, eventPollMs: EVENT_POLL_MS },
      clusters: [{ id: E2E_CLUSTER_ID, apiAudiences: cluster.apiAudiences, clientCommonNames: [E2E_APISERVER_CN] }],
      server: serverConfig(cluster, ctx.webhookPort),
      kubernetes: { kubeconfig },
      // No periodic resync inside the counting window (the bed has no bindings either way).
      controller: { resync: '1h' },
      log: { level: 'info' },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const url = `https://127.0.0.1:${ctx.webhookPort}`;
    const pid = await launchServe({ runDir: ctx.runDir, configFile, logFile, url, caFile: cluster.webhook.caFile });
    ctx.cleanups.push({ what: 'stop daas-auth serve', run: () => stopGroups([pid]) });
    const env: DaasServeEnv = { kind: 'daas-auth', url, port: ctx.webhookPort, clusterId: E2E_CLUSTER_ID, apiAudience: E2E_API_AUDIENCE, configFile, logFile, pid };
    ctx.env.webhook = env;
  },
};

let bed: PrivateBed | undefined;

beforeAll(async () => {
  bed = await startPrivateBed('shared-feeds', { replace: serveAsServiceAccount, cluster: { auditLog: true } });
}, 300_000);

afterAll(async () => {
  await bed?.stop();
}, 120_000);

test('one serve process: one Kubernetes client and one SealBinding watch at the apiserver; one event poller and one epoch clock at sui-sim', async () => {
  const { cluster, sim } = bed!.env;
  // The controller acts on the feeds only while it leads: count once it does.
  await waitFor("serve's controller to take the Lease", async () => Boolean((await leaseHolder(cluster.kubeconfig, cluster.binaries.kubectl))?.length));

  // ---- sui-sim: count the pollers from a clean slate, until each has polled several times ----
  const admin = new SimAdminClient(sim.adminUrl);
  await admin.resetStats();
  const stats = await waitFor('six epoch reads and six event polls at sui-sim', async () => {
    const now = await admin.stats();
    return (now.callTimesMs[METHOD.epoch]?.length ?? 0) >= 6 && (now.callTimesMs[METHOD.events]?.length ?? 0) >= 6 && now;
  });
  const epochTimes = stats.callTimesMs[METHOD.epoch]!;
  const eventTimes = stats.callTimesMs[METHOD.events]!;
  // One event poller: one filter, and no more polls in the span than one poller's interval allows.
  expect(stats.eventFilters).toHaveLength(1);
  expect(eventTimes.length).toBeLessThanOrEqual(span(eventTimes) / EVENT_POLL_MS + 2);
  // One epoch clock: one steady cadence (gaps of about EPOCH_POLL_MS, never two reads close together).
  expect(epochTimes.length).toBeLessThanOrEqual(span(epochTimes) / EPOCH_POLL_MS + 2);
  expect(Math.min(...gaps(epochTimes))).toBeGreaterThanOrEqual(EPOCH_POLL_MS / 2);

  // ---- kube-apiserver: everything serve sent, from its audit log ----
  const events = readAudit(cluster.auditLogFile!).filter((e) => e.user.username === SA_USER);
  const agents = [...new Set(events.map((e) => e.userAgent ?? ''))];
  expect(agents).toHaveLength(1);
  expect(agents[0]).toMatch(/^daas-auth\/\d+\.1$/); // the process's first and only client
  const watches = (resource: string) => new Set(events.filter((e) => e.verb === 'watch' && e.objectRef?.resource === resource).map((e) => e.auditID)).size;
  expect(watches('sealbindings')).toBe(1);
  // The same client carries the controller: its Node watch and its Lease.
  expect(watches('nodes')).toBe(1);
  expect(events.some((e) => e.objectRef?.resource === 'leases')).toBe(true);
}, 180_000);

function readAudit(file: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

async function leaseHolder(kubeconfig: string, kubectl: string): Promise<string | undefined> {
  const out = await runChecked(kubectl, [`--kubeconfig=${kubeconfig}`, 'get', '--raw', LEASE_PATH]).catch(() => undefined);
  return out ? (JSON.parse(out.stdout) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity : undefined;
}

const span = (times: readonly number[]): number => times[times.length - 1]! - times[0]!;
const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

