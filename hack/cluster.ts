// A real Kubernetes control plane on loopback for development and tests: etcd, kube-apiserver (token webhook
// → daas-auth, NodeRestriction, Node+RBAC), kube-controller-manager, kube-scheduler, and kwok playing the
// kubelets of nodes annotated kwok.x-k8s.io/node=fake. Everything lives in .daas/cluster/<name>/.
//
//   npm run cluster -- up|down|status [--name N] [--webhook-url URL --webhook-ca FILE] [--token-cache-ttl 10s]
//
// The same as an API: startCluster() / stopCluster() / clusterStatus(), each returning cluster.json's contents.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBinaries, type BinaryName, type Versions } from './build.ts';
import { writeKubeconfig } from './lib/kubeconfig.ts';
import { makePki, type Pki } from './lib/pki.ts';
import { freePorts, isPortFree } from './lib/ports.ts';
import { get, waitFor200 } from './lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from './lib/procs.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATE_ROOT = join(REPO_ROOT, '.daas', 'cluster');
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

const SERVICE_CIDR = '10.96.0.0/16';
const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SERVICE_IP = '10.96.0.1';
const POD_CIDR = '10.0.0.1/16'; // kwok hands out pod IPs from here; a /16 leaves room for benchmarks

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export interface ProcessInfo {
  name: ComponentName;
  /** Also the process group id: every component leads its own group. */
  pid: number;
  log: string;
  ports: number[];
}

/** The wire format of .daas/cluster/<name>/cluster.json: everything a caller needs to use the cluster. */
export interface ClusterInfo {
  name: string;
  state: 'starting' | 'up' | 'down';
  dir: string;
  /** Admin kubeconfig (system:masters client certificate). */
  kubeconfig: string;
  server: string;
  /** kube-apiserver's --api-audiences: what it puts in a TokenReview's spec.audiences. */
  apiAudiences: string[];
  /** The cluster CA: signs the apiserver's serving cert and every client and webhook certificate here. */
  caFile: string;
  admin: { certFile: string; keyFile: string };
  webhook: {
    /** Where kube-apiserver sends TokenReviews. */
    url: string;
    /** The CA kube-apiserver trusts for `url`. */
    caFile: string;
    /** Serving certificate and key for daas-auth's webhooks on 127.0.0.1 / localhost (signed by caFile). */
    servingCertFile: string;
    servingKeyFile: string;
    /** The client certificate kube-apiserver presents to the webhook, and the CA to check it with. */
    clientCertFile: string;
    clientKeyFile: string;
    clientCaFile: string;
    /** kube-apiserver's --authentication-token-webhook-config-file. */
    configFile: string;
    cacheTtl: string;
  };
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    scheduler: number;
  };
  processes: ProcessInfo[];
  versions: Versions;
  binaries: Record<BinaryName, string>;
  build: { built: BinaryName[]; cached: BinaryName[] };
  /** The process that owns the cluster, when it should not outlive it (test runs); else null. */
  ownerPid: number | null;
  startedAt: string;
}

export interface ClusterOptions {
  /** Default 'dev'. Lower-case letters, digits and dashes. */
  name?: string;
  /** Default <repo>/.daas/cluster. */
  stateRoot?: string;
  /** Default https://127.0.0.1:<free port>/authenticate. */
  webhookUrl?: string;
  /** Default: the cluster CA, which signs the webhook serving certificate made here. */
  webhookCaFile?: string;
  /** kube-apiserver's --authentication-token-webhook-cache-ttl. Default '10s'. */
  tokenCacheTtl?: string;
  ownerPid?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StopOptions {
  stateRoot?: string;
  log?: (line: string) => void;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;

function clusterDir(name: string, stateRoot = DEFAULT_STATE_ROOT): string {
  if (!NAME_RE.test(name))
    throw new Error(`invalid cluster name ${JSON.stringify(name)}: use a-z, 0-9 and '-'`);
  return join(stateRoot, name);
}

function infoPath(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readClusterInfo(name: string, stateRoot?: string): ClusterInfo | undefined {
  const p = infoPath(clusterDir(name, stateRoot));
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ClusterInfo) : undefined;
}

function writeInfo(info: ClusterInfo): void {
  writeFileSync(infoPath(info.dir), `${JSON.stringify(info, null, 2)}\n`);
}

function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function validTtl(ttl: string): string {
  if (!/^\d+(ms|s|m|h)$/.test(ttl))
    throw new Error(`invalid --token-cache-ttl ${JSON.stringify(ttl)} (e.g. 10s, 2m, 0s)`);
  return ttl;
}

function validWebhookUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new Error(`the token webhook URL must be https: ${url}`);
  return url;
}

/** The kubeconfig-format file kube-apiserver reads to reach the token webhook. */
function writeWebhookConfig(info: ClusterInfo): void {
  const w = info.webhook;
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'daas-auth', cluster: { server: w.url, 'certificate-authority': w.caFile } }],
    users: [
      {
        name: 'kube-apiserver',
        user: { 'client-certificate': w.clientCertFile, 'client-key': w.clientKeyFile },
      },
    ],
    contexts: [{ name: 'webhook', context: { cluster: 'daas-auth', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  };
  writeFileSync(w.configFile, `${JSON.stringify(cfg, null, 2)}\n`);
}

interface Layout {
  dir: string;
  logs: string;
  pki: Pki;
}

function componentArgs(info: ClusterInfo, l: Layout, kwokStages: string): Record<ComponentName, string[]> {
  const { pki, dir } = l;
  const p = info.ports;
  const kc = (n: string) => join(dir, `${n}.kubeconfig`);
  const delegated = (n: string) => [
    `--authentication-kubeconfig=${kc(n)}`,
    `--authorization-kubeconfig=${kc(n)}`,
  ];
  return {
    etcd: [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${p.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${p.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${p.etcdPeer}`,
      '--unsafe-no-fsync', // a throw-away test store: durability is not worth the disk latency
      '--log-level=warn',
    ],
    'kube-apiserver': [
      `--etcd-servers=http://127.0.0.1:${p.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${p.apiserver}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      `--service-account-issuer=${SA_ISSUER}`,
      `--api-audiences=${info.apiAudiences.join(',')}`,
      `--service-account-key-file=${pki.serviceAccount.pub}`,
      `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--authentication-token-webhook-config-file=${info.webhook.configFile}`,
      '--authentication-token-webhook-version=v1',
      `--authentication-token-webhook-cache-ttl=${info.webhook.cacheTtl}`,
      // The "kubernetes" Service's endpoints may not be a loopback address; there is no other to give.
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      '--profiling=false',
    ],
    'kube-controller-manager': [
      `--kubeconfig=${kc('controller-manager')}`,
      ...delegated('controller-manager'),
      '--bind-address=127.0.0.1',
      `--secure-port=${p.controllerManager}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccount.key}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--cluster-name=${info.name}`,
      '--controllers=*', // every default controller: disruption (PDB status), garbage collector, node lifecycle, SA tokens…
      '--profiling=false',
    ],
    'kube-scheduler': [
      `--kubeconfig=${kc('scheduler')}`,
      ...delegated('scheduler'),
      '--bind-address=127.0.0.1',
      `--secure-port=${p.scheduler}`,
      '--leader-elect=false',
      '--profiling=false',
    ],
    kwok: [
      `--kubeconfig=${kc('kwok')}`,
      `--config=${kwokStages}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
      `--cidr=${POD_CIDR}`,
      '--node-lease-duration-seconds=40',
      '--node-port=0', // no kubelet-like server: it would listen on 0.0.0.0 at a fixed port
    ],
  };
}

function writeKubeconfigs(info: ClusterInfo, l: Layout): void {
  const base = { server: info.server, caFile: l.pki.ca.cert, clusterName: info.name };
  const users = {
    admin: l.pki.admin,
    'controller-manager': l.pki.controllerManager,
    scheduler: l.pki.scheduler,
    kwok: l.pki.kwok,
  };
  for (const [n, pair] of Object.entries(users)) {
    writeKubeconfig(n === 'admin' ? info.kubeconfig : join(l.dir, `${n}.kubeconfig`), {
      ...base,
      userName: n,
      certFile: pair.cert,
      keyFile: pair.key,
    });
  }
}

/** Fails the wait at once when a component has died, with the end of its log. */
function aliveCheck(info: ClusterInfo): () => void {
  return () => {
    for (const pr of info.processes) {
      if (!isRunning(pr.pid))
        throw new Error(`${pr.name} exited during start; end of ${pr.log}:\n${logTail(pr.log)}`);
    }
  };
}

async function startComponents(
  info: ClusterInfo,
  l: Layout,
  kwokStages: string,
  timeoutMs: number,
  log: (s: string) => void,
) {
  const args = componentArgs(info, l, kwokStages);
  const admin = { ca: l.pki.ca.cert, cert: l.pki.admin.cert, key: l.pki.admin.key };
  const check = aliveCheck(info);
  const p = info.ports;
  const start = (name: ComponentName, ports: number[], env?: NodeJS.ProcessEnv) => {
    const logFile = join(l.logs, `${name}.log`);
    const pid = startDaemon({
      name,
      cmd: info.binaries[name],
      args: args[name],
      log: logFile,
      env,
      cwd: l.dir,
    });
    info.processes.push({ name, pid, log: logFile, ports });
    writeInfo(info); // recorded at once, so `down` can clean up even if this process dies mid-start
  };
  const wait = (url: string, tls: Parameters<typeof waitFor200>[1], what: string) =>
    waitFor200(url, tls, { timeoutMs, check, what });

  log('starting etcd…');
  start('etcd', [p.etcdClient, p.etcdPeer]);
  await wait(`http://127.0.0.1:${p.etcdClient}/health`, {}, 'etcd');
  log('starting kube-apiserver…');
  start('kube-apiserver', [p.apiserver]);
  await wait(`${info.server}/readyz`, admin, 'kube-apiserver');
  log('starting kube-controller-manager, kube-scheduler, kwok…');
  start('kube-controller-manager', [p.controllerManager]);
  start('kube-scheduler', [p.scheduler]);
  // kwok reads ~/.kwok/kwok.yaml when it exists; a HOME of its own keeps a developer's file out.
  const kwokHome = join(l.dir, 'kwok-home');
  mkdirSync(kwokHome, { recursive: true });
  start('kwok', [], { ...process.env, HOME: kwokHome });
  await wait(
    `https://127.0.0.1:${p.controllerManager}/healthz`,
    { insecure: true },
    'kube-controller-manager',
  );
  await wait(`https://127.0.0.1:${p.scheduler}/healthz`, { insecure: true }, 'kube-scheduler');
  // The service-account controller has run: pods can be created in the default namespace.
  await wait(
    `${info.server}/api/v1/namespaces/default/serviceaccounts/default`,
    admin,
    'default service account',
  );
  check();
}

async function prepare(
  opts: ClusterOptions,
  log: (s: string) => void,
): Promise<{ info: ClusterInfo; layout: Layout; kwokStages: string }> {
  const name = opts.name ?? 'dev';
  const dir = clusterDir(name, opts.stateRoot);
  const prev = readClusterInfo(name, opts.stateRoot);
  if (prev && prev.processes.some((pr) => isRunning(pr.pid))) {
    throw new Error(`cluster ${name} is already running (npm run cluster -- down --name ${name})`);
  }
  const build = await ensureBinaries({ log });
  if (build.built.length === 0) log(`binaries: all cached in ${build.binDir}`);
  else log(`binaries: built ${build.built.join(', ')}; cached ${build.cached.join(', ') || 'none'}`);
  rmSync(dir, { recursive: true, force: true });
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, webhookPort] = (await freePorts(
    6,
  )) as [number, number, number, number, number, number];
  const pki = await makePki(join(dir, 'pki'), SERVICE_IP);
  let webhookCa = pki.ca.cert;
  if (opts.webhookCaFile) {
    webhookCa = join(pki.dir, 'webhook-ca.crt');
    copyFileSync(opts.webhookCaFile, webhookCa);
  }
  const info: ClusterInfo = {
    name,
    state: 'starting',
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    server: `https://127.0.0.1:${apiserver}`,
    apiAudiences: [SA_ISSUER],
    caFile: pki.ca.cert,
    admin: { certFile: pki.admin.cert, keyFile: pki.admin.key },
    webhook: {
      url: validWebhookUrl(opts.webhookUrl ?? `https://127.0.0.1:${webhookPort}/authenticate`),
      caFile: webhookCa,
      servingCertFile: pki.webhookServing.cert,
      servingKeyFile: pki.webhookServing.key,
      clientCertFile: pki.webhookClient.cert,
      clientKeyFile: pki.webhookClient.key,
      clientCaFile: pki.ca.cert,
      configFile: join(dir, 'authn-webhook.kubeconfig'),
      cacheTtl: validTtl(opts.tokenCacheTtl ?? '10s'),
    },
    ports: { etcdClient, etcdPeer, apiserver, controllerManager, scheduler },
    processes: [],
    versions: build.versions,
    binaries: build.binaries,
    build: { built: build.built, cached: build.cached },
    ownerPid: opts.ownerPid ?? null,
    startedAt: new Date().toISOString(),
  };
  writeWebhookConfig(info);
  const layout = { dir, logs, pki };
  writeKubeconfigs(info, layout);
  writeInfo(info);
  return { info, layout, kwokStages: build.kwokStages };
}

/** Builds (or finds cached) binaries, starts every component, waits until the cluster serves. */
export async function startCluster(opts: ClusterOptions = {}): Promise<ClusterInfo> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const { info, layout, kwokStages } = await prepare(opts, log);
  try {
    await startComponents(info, layout, kwokStages, opts.readyTimeoutMs ?? 180000, log);
  } catch (e) {
    log(`start failed; stopping what was started…`);
    await stopProcesses(info);
    info.state = 'down';
    writeInfo(info);
    throw e;
  }
  info.state = 'up';
  writeInfo(info);
  return info;
}

async function stopProcesses(info: ClusterInfo): Promise<void> {
  // Dependants first, etcd last, so nothing logs storms of connection errors on the way down.
  await stopGroups([...info.processes].reverse().map((pr) => pr.pid));
  const ports = info.processes.flatMap((pr) => pr.ports);
  const deadline = Date.now() + 10000;
  for (const port of ports) {
    while (!(await isPortFree(port))) {
      if (Date.now() > deadline) throw new Error(`port ${port} of cluster ${info.name} is still in use`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Stops every process of the cluster and waits until all its ports are free. Undefined if never started. */
export async function stopCluster(name: string, opts: StopOptions = {}): Promise<ClusterInfo | undefined> {
  const info = readClusterInfo(name, opts.stateRoot);
  if (!info) return undefined;
  await stopProcesses(info);
  info.state = 'down';
  writeInfo(info);
  opts.log?.(`cluster ${name} is down`);
  return info;
}

/**
 * Stops clusters whose owner process has died (a test run killed before its teardown) and removes their
 * state directories. Clusters without an owner (`npm run cluster -- up`) are left alone.
 */
export async function reapOrphanClusters(opts: StopOptions = {}): Promise<string[]> {
  const root = opts.stateRoot ?? DEFAULT_STATE_ROOT;
  if (!existsSync(root)) return [];
  const reaped: string[] = [];
  for (const name of readdirSync(root)) {
    if (!NAME_RE.test(name)) continue;
    let info: ClusterInfo | undefined;
    try {
      info = readClusterInfo(name, root);
    } catch {
      continue; // half-written cluster.json: not ours to judge
    }
    if (!info || info.ownerPid === null || isRunning(info.ownerPid)) continue;
    await stopProcesses(info);
    rmSync(info.dir, { recursive: true, force: true });
    opts.log?.(`removed cluster ${name}: its owner (process ${info.ownerPid}) has exited`);
    reaped.push(name);
  }
  return reaped;
}

export interface ClusterStatus {
  info: ClusterInfo;
  processes: { name: ComponentName; pid: number; running: boolean }[];
  ready: boolean;
}

export async function clusterStatus(name: string, stateRoot?: string): Promise<ClusterStatus | undefined> {
  const info = readClusterInfo(name, stateRoot);
  if (!info) return undefined;
  const ready = await get(
    `${info.server}/readyz`,
    { ca: info.caFile, cert: info.admin.certFile, key: info.admin.keyFile },
    3000,
  ).then(
    (r) => r.status === 200,
    () => false,
  );
  return {
    info,
    processes: info.processes.map((p) => ({ name: p.name, pid: p.pid, running: isRunning(p.pid) })),
    ready,
  };
}

// ---- command line ----

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}

function printUp(info: ClusterInfo): void {
  const cached = info.build.built.length === 0 ? ' (all binaries cached)' : '';
  console.log(
    `cluster ${info.name} is up: Kubernetes ${info.versions.kubernetes} at ${info.server}${cached}`,
  );
  console.log(`  export KUBECONFIG=${info.kubeconfig}`);
  console.log(`  token webhook: ${info.webhook.url} (cache TTL ${info.webhook.cacheTtl})`);
  console.log(
    `  webhook serving cert/key: ${rel(info.webhook.servingCertFile)} ${rel(info.webhook.servingKeyFile)}`,
  );
  console.log(`  logs: ${rel(join(info.dir, 'logs'))}/   details: ${rel(infoPath(info.dir))}`);
  console.log(`  stop with: npm run cluster -- down --name ${info.name}`);
}

async function printStatus(name: string): Promise<boolean> {
  const st = await clusterStatus(name);
  if (!st) {
    console.log(`cluster ${name}: never started`);
    return false;
  }
  console.log(
    `cluster ${name}: ${st.ready ? 'ready' : 'not ready'} (${st.info.server}, recorded state ${st.info.state})`,
  );
  for (const p of st.processes)
    console.log(`  ${p.name.padEnd(24)} pid ${p.pid} ${p.running ? 'running' : 'stopped'}`);
  return st.ready;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string', default: 'dev' },
      'webhook-url': { type: 'string' },
      'webhook-ca': { type: 'string' },
      'token-cache-ttl': { type: 'string' },
    },
  });
  const [cmd, ...extra] = positionals;
  if (extra.length > 0 || !cmd || !['up', 'down', 'status'].includes(cmd)) {
    throw new Error(
      'usage: npm run cluster -- up|down|status [--name N] [--webhook-url URL --webhook-ca FILE] [--token-cache-ttl 10s]',
    );
  }
  const name = values.name;
  if (cmd === 'down') {
    const info = await stopCluster(name, { log: (s) => console.log(s) });
    if (!info) console.log(`cluster ${name}: nothing to stop`);
    return 0;
  }
  if (cmd === 'status') return (await printStatus(name)) ? 0 : 1;
  // Ctrl-C during `up` must not leave half a cluster behind.
  const onSignal = () => {
    console.log('\ninterrupted; stopping what was started…');
    void stopCluster(name).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const info = await startCluster({
    name,
    webhookUrl: values['webhook-url'],
    webhookCaFile: values['webhook-ca'],
    tokenCacheTtl: values['token-cache-ttl'],
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  printUp(info);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
