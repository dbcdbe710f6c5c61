/**
 * The shipped alert rules and dashboard against a live Prometheus (Debian's, on loopback) scraping a real
 * `daas-auth serve` and kube-apiserver of a private bed:
 * - after a scenario that exercises every part (a seal-token login twice, a SealBinding, a bound node with a
 *   pod, an unbound node refused, both stakes slashed → cache drop, cordon, eviction), every panel query of
 *   charts/daas-auth/files/grafana-dashboard.json returns data, and every kube-apiserver metric the rules read
 *   exists under that name;
 * - the chain alerts are silent while sui-sim runs; stop it → DaasAuthChainUnreachable and
 *   DaasAuthChainEndpointDown fire.
 * The rules are the shipped file with only each alert's `for:` shortened (as the chart's values override it),
 * and Prometheus scrapes and evaluates every second. A private bed, because the sim is stopped.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { prometheusBinaries } from '../../hack/lib/debs.ts';
import { freePorts, releasePorts } from '../../hack/lib/ports.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import { bearer, daasEnv, staker } from './authn-support.ts';
import { createBinding, slash, stakeNode, waitForPhase } from './binding-support.ts';
import { clients, createDeployment, createKwokNode, createNamespace, e2eEnv, kubectl, uniqueName, waitFor, waitForRunningPods } from './harness/index.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';

const RULES = join(REPO_ROOT, 'charts/daas-auth/files/prometheus-rules.yaml');
const DASHBOARD = join(REPO_ROOT, 'charts/daas-auth/files/grafana-dashboard.json');
/** kube-apiserver metrics the rules read that exist once the scenario ran (fail_open only exists after a fail-open). */
const APISERVER_METRICS = [
  'authentication_attempts',
  'authentication_duration_seconds_bucket',
  'authentication_token_cache_fetch_total',
  'apiserver_admission_webhook_admission_duration_seconds_bucket',
  'apiserver_admission_webhook_rejection_count',
];

let bed: PrivateBed;
let prometheus: { url: string; pid: number; port: number } | undefined;

interface Rules {
  groups: { name: string; rules: { alert?: string; for?: string }[] }[];
}

/** The shipped rules with every `for:` shortened, as metrics.prometheusRule.for does in the chart. */
function testRules(dir: string): string {
  const rules = load(readFileSync(RULES, 'utf8')) as Rules;
  for (const g of rules.groups) for (const r of g.rules) if (r.alert) r.for = '2s';
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, dump(rules));
  return file;
}

async function startPrometheus(): Promise<void> {
  const { cluster, runDir } = e2eEnv();
  const dir = mkdtempSync(join(runDir, 'prometheus-'));
  const serve = daasEnv();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
    rule_files: [testRules(dir)],
    scrape_configs: [
      { job_name: 'daas-auth', scheme: 'https', static_configs: [{ targets: [`127.0.0.1:${serve.port}`] }], tls_config: { ca_file: cluster.webhook.caFile } },
      {
        job_name: 'apiserver',
        scheme: 'https',
        static_configs: [{ targets: [new URL(cluster.server).host] }],
        tls_config: { ca_file: cluster.caFile, cert_file: cluster.admin.certFile, key_file: cluster.admin.keyFile },
      },
    ],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config));
  const [port] = (await freePorts(1)) as [number];
  const { prometheus: bin } = await prometheusBinaries();
  const pid = startDaemon({
    name: 'prometheus',
    cmd: bin,
    args: [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    log: join(dir, 'prometheus.log'),
    cwd: dir,
  });
  prometheus = { url: `http://127.0.0.1:${port}`, pid, port };
  await waitFor('prometheus ready', async () => {
    if (!isRunning(pid)) throw new Error(`prometheus exited: ${readFileSync(join(dir, 'prometheus.log'), 'utf8').slice(-2000)}`);
    return (await fetch(`${prometheus!.url}/-/ready`).catch(() => undefined))?.ok;
  });
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${prometheus!.url}${path}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
  return body.data;
}

const query = (expr: string) => api<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

async function alertStates(): Promise<Map<string, string>> {
  const { alerts } = await api<{ alerts: { labels: { alertname: string }; state: string }[] }>('/api/v1/alerts');
  return new Map(alerts.map((a) => [a.labels.alertname, a.state]));
}

/** Every panel's expressions, with Grafana's variables as Grafana would fill them. */
function panelQueries(): { panel: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*') })),
  );
}

beforeAll(async () => {
  bed = await startPrivateBed('alerts');
  await startPrometheus();
});

afterAll(async () => {
  if (prometheus) {
    await stopGroups([prometheus.pid]);
    releasePorts([prometheus.port]);
  }
  await bed?.stop();
});

test('after a scenario every dashboard panel has data; stopping sui-sim fires the chain alerts', async () => {
  // TokenReviews: a login, and another after kube-apiserver's 1 s cache has let go (daas-auth's cache hits).
  const user = await staker(2);
  const token = await bearer(user.key, user.tokenId);
  for (let i = 0; i < 2; i++) {
    const who = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { token });
    expect(who.stdout).toBe(`sui:${user.address}`);
    await new Promise((r) => setTimeout(r, 1500));
  }
  // A bound node with a pod; an unbound node refused by the admission webhook.
  const node = uniqueName('alerts');
  const nodeStaker = await stakeNode(node);
  await createBinding(node, { nodeName: node, owner: nodeStaker.address, stakeRecord: nodeStaker.recordId });
  await waitForPhase(node, 'Active');
  await createKwokNode(node, { bound: true });
  const ns = await createNamespace('alerts');
  await createDeployment(ns, 'web', { replicas: 1, labels: { app: 'web' }, nodeSelector: { 'kubernetes.io/hostname': node } });
  await waitForRunningPods(ns, 'app=web', 1);
  await expect(clients().core.createNode({ body: { metadata: { name: uniqueName('unbound') } } })).rejects.toThrow();
  // Both stakes slashed: the user's cached identity is dropped, the node cordoned and its pod evicted.
  await slash(user.recordId);
  await slash(nodeStaker.recordId);
  await waitForPhase(node, 'Slashed');
  await waitFor('the pod evicted from the slashed node', async () => (await clients().core.listNamespacedPod({ namespace: ns })).items.every((p) => p.spec?.nodeName !== node));

  for (const { panel, expr } of panelQueries()) {
    await waitFor(`data for panel "${panel}": ${expr}`, async () => (await query(expr)).result.length > 0, { timeoutMs: 30_000 });
  }
  for (const name of APISERVER_METRICS) {
    await waitFor(`kube-apiserver metric ${name}`, async () => (await query(`count(${name})`)).result.length > 0, { timeoutMs: 30_000 });
  }

  // While the chain answers, the chain alerts are silent.
  const before = await alertStates();
  expect(before.get('DaasAuthChainUnreachable')).toBeUndefined();
  expect(before.get('DaasAuthChainEndpointDown')).toBeUndefined();

  await bed.stopSim();
  const fired = await waitFor(
    'DaasAuthChainUnreachable firing',
    async () => {
      const states = await alertStates();
      return states.get('DaasAuthChainUnreachable') === 'firing' ? states : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(fired.get('DaasAuthChainEndpointDown')).toBe('firing');
});
