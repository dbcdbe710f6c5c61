// A real Kubernetes control plane on loopback for development and tests: etcd, kube-apiserver (token webhook
// → daas-auth, NodeRestriction, Node+RBAC — or, with --authorization-webhook-url, --authorization-config with daas-auth's authorization webhook first), kube-controller-manager, kube-scheduler, and kwok playing the
// kubelets of nodes annotated kwok.x-k8s.io/node=fake. Everything lives in .daas/cluster/<name>/.
//
//   npm run cluster -- up|down|status [--name N] [--webhook-url URL --webhook-ca FILE] [--token-cache-ttl 10s] [--authorization-webhook-url URL] [--kms]
//   npm run cluster -- up --real-node [--sim-state DIR]   (+ real-0: a real kubelet joined with a node stake, docs/real-node.md)
//
// The same as an API: startCluster() / stopCluster() / clusterStatus(), each returning cluster.json's contents.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBinaries } from './build.ts';
import type { ClusterInfo, ClusterOptions, ComponentName, ProcessName, StopOptions } from './lib/cluster-info.ts';
import {
  componentArgs,
  loopbackUrl,
  RECOMMENDED_TOKEN_CACHE_TTL,
  SA_ISSUER,
  SERVICE_IP,
  writeKubeconfigs,
  writeAdmissionConfig,
  writeWebhookConfig,
  type Layout,
} from './lib/components.ts';
import { kmsLayout, waitForSocket, writeEncryptionConfig } from './lib/kms.ts';
import { makePki } from './lib/pki.ts';
import { freePorts, isPortFree, releasePorts } from './lib/ports.ts';
import { get, waitFor200 } from './lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from './lib/procs.ts';
import { sweepRealNodes } from './lib/real-node.ts';
import { findSimStateDir } from '../src/cli/globals.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATE_ROOT = join(REPO_ROOT, '.daas', 'cluster');
export { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from './lib/components.ts';
export type {
  ClusterInfo,
  ClusterOptions,
  ComponentName,
  ProcessInfo,
  StopOptions,
} from './lib/cluster-info.ts';

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
  return loopbackUrl(url, 'the token webhook URL'); // the network rule: kube-apiserver dials it
}

/** The kubeconfig-format file kube-apiserver reads to reach the token webhook. */
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
    const kmsPlugin = name === 'kms-plugin';
    const pid = startDaemon({
      name,
      cmd: kmsPlugin ? process.execPath : info.binaries[name],
      args: kmsPlugin ? [join(REPO_ROOT, 'bin', 'daas-auth.js'), ...args[name]] : args[name],
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
  if (info.kms?.managed) {
    // Before the apiserver: it reads Secrets through the plugin from its first request on.
    log('starting the KMS v2 plugin (daas-auth kms)…');
    start('kms-plugin', []);
    await waitForSocket(info.kms.socket, { timeoutMs, check, what: 'daas-auth kms' });
  }
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
      cacheTtl: validTtl(opts.tokenCacheTtl ?? RECOMMENDED_TOKEN_CACHE_TTL),
      ...(opts.authorizationWebhookUrl
        ? { authorizationUrl: validWebhookUrl(opts.authorizationWebhookUrl), authorizationConfigFile: join(dir, 'authorization-config.json') }
        : {}),
    },
    ports: { etcdClient, etcdPeer, apiserver, controllerManager, scheduler },
    processes: [],
    versions: build.versions,
    binaries: build.binaries,
    build: { built: build.built, cached: build.cached },
    ...(opts.auditLog ? { auditLogFile: join(logs, 'audit.log') } : {}),
    kms: opts.kms ? kmsLayout(dir, opts.kms) : null,
    ownerPid: opts.ownerPid ?? null,
    startedAt: new Date().toISOString(),
  };
  if (opts.webhookConfigFile) copyFileSync(opts.webhookConfigFile, info.webhook.configFile);
  else writeWebhookConfig(info); // with the admission config (and the authorization config when asked for)
  if (opts.webhookConfigFile) writeAdmissionConfig(info); // admission calls need the client certificate all the same
  if (info.kms) writeEncryptionConfig(info.kms);
  const layout = { dir, logs, pki };
  writeKubeconfigs(info, layout);
  writeInfo(info);
  return { info, layout, kwokStages: build.kwokStages };
}

async function startOnce(opts: ClusterOptions, log: (s: string) => void): Promise<ClusterInfo> {
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

/**
 * Builds (or finds cached) binaries, starts every component, waits until the cluster serves. Ports are
 * chosen free but only bound a moment later by the components; if another process took one in between,
 * the whole start is retried once on fresh ports.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<ClusterInfo> {
  const log = opts.log ?? ((s: string) => console.log(s));
  try {
    return await startOnce(opts, log);
  } catch (e) {
    if (!(e instanceof Error) || !/address already in use/.test(e.message)) throw e;
    log('a port was taken by another process meanwhile; starting again on fresh ports…');
    return startOnce(opts, log);
  }
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
  releasePorts(ports); // free again: their leases need not run out first
}

/**
 * Restarts kube-apiserver with the command line it started with, e.g. after its token-webhook kubeconfig
 * (info.webhook.configFile) was replaced: kube-apiserver reads that file only at start, as on a real
 * control-plane node. Waits until /readyz answers again.
 */
export async function restartApiserver(name: string, opts: StopOptions & { timeoutMs?: number } = {}): Promise<ClusterInfo> {
  const info = readClusterInfo(name, opts.stateRoot);
  const old = info?.processes.find((pr) => pr.name === 'kube-apiserver');
  if (!info || !old) throw new Error(`cluster ${name} has no kube-apiserver to restart`);
  const args = readFileSync(`/proc/${old.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  await stopGroups([old.pid]);
  const pid = startDaemon({ name: 'kube-apiserver', cmd: args[0]!, args: args.slice(1), log: old.log, cwd: info.dir });
  info.processes = info.processes.map((pr) => (pr === old ? { ...pr, pid } : pr));
  writeInfo(info);
  await waitFor200(
    `${info.server}/readyz`,
    { ca: info.caFile, cert: info.admin.certFile, key: info.admin.keyFile },
    { timeoutMs: opts.timeoutMs ?? 120000, check: aliveCheck(info), what: 'kube-apiserver (restarted)' },
  );
  opts.log?.(`kube-apiserver of cluster ${name} restarted`);
  return info;
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
    if (info.realNode) await sweepRealNodes(opts.log); // its owner, etcd, is gone: unmount before removing the dir
    rmSync(info.dir, { recursive: true, force: true });
    opts.log?.(`removed cluster ${name}: its owner (process ${info.ownerPid}) has exited`);
    reaped.push(name);
  }
  return reaped;
}

/**
 * Stops one component of a running cluster and starts it again with the same command line, working
 * directory and log (read from /proc before it stops), then waits until it serves again. For tests that
 * need a component's caches gone, e.g. kube-apiserver's cached KMS data keys. kube-apiserver is waited
 * for on /readyz, or on /livez with `probe: 'livez'` (it serves but may never be ready, e.g. when it
 * cannot decrypt what etcd holds).
 */
export async function restartComponent(
  name: string,
  component: ComponentName,
  opts: StopOptions & { timeoutMs?: number; probe?: 'readyz' | 'livez' } = {},
): Promise<ClusterInfo> {
  const info = readClusterInfo(name, opts.stateRoot);
  const pr = info?.processes.find((p) => p.name === component);
  if (!info || !pr || !isRunning(pr.pid)) throw new Error(`cluster ${name} has no running ${component}`);
  const [cmd, ...args] = readFileSync(`/proc/${pr.pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  const cwd = readlinkSync(`/proc/${pr.pid}/cwd`);
  await stopGroups([pr.pid]);
  for (const port of pr.ports) while (!(await isPortFree(port))) await new Promise((r) => setTimeout(r, 100));
  pr.pid = startDaemon({ name: component, cmd: cmd as string, args, log: pr.log, cwd });
  writeInfo(info);
  const timeoutMs = opts.timeoutMs ?? 120000;
  const check = aliveCheck(info);
  if (component === 'kube-apiserver') {
    const admin = { ca: info.caFile, cert: info.admin.certFile, key: info.admin.keyFile };
    const probe = opts.probe ?? 'readyz';
    await waitFor200(`${info.server}/${probe}`, admin, { timeoutMs, check, what: `kube-apiserver /${probe}` });
  }
  opts.log?.(`${component} of cluster ${name} restarted (pid ${pr.pid})`);
  return info;
}

export interface ClusterStatus {
  info: ClusterInfo;
  processes: { name: ProcessName; pid: number; running: boolean }[];
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
  if (info.kms) {
    const admin = info.kms.adminSocket ? `; rotate: npx daas-auth kms rotate --admin-socket ${rel(info.kms.adminSocket)}` : '';
    console.log(`  Secrets encrypted at rest: KMS v2 provider ${info.kms.providerName} at unix://${info.kms.socket}${admin}`);
  }
  if (info.realNode) {
    console.log(`  real node ${info.realNode.name}: Ready, network namespace ${info.realNode.netns}, kubelet kubeconfig ${rel(info.realNode.kubeletKubeconfig)}`);
  }
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

function kmsOption(kms: boolean, socket: string | undefined): ClusterOptions['kms'] {
  if (socket !== undefined && !kms) throw new Error('--kms-socket goes with --kms');
  if (!kms) return undefined;
  return socket === undefined ? {} : { socket: resolve(socket) };
}

/** `up --real-node`: adds real-0 (hack/lib/real-node-up.ts); on failure the whole cluster goes down again. */
async function withRealNode(info: ClusterInfo, simState: string | undefined): Promise<void> {
  const log = (s: string) => console.log(s);
  try {
    // Loaded only here: it brings the Sui SDK, which nothing else of the bed needs.
    const { addRealNode } = await import('./lib/real-node-up.ts');
    info.realNode = await addRealNode(info, {
      simState: resolve(simState ?? (process.env.DAAS_SIM_STATE || findSimStateDir(REPO_ROOT))),
      record: (name, pid, logFile, ports) => {
        info.processes.push({ name, pid, log: logFile, ports });
        writeInfo(info);
      },
      log,
    });
    writeInfo(info);
  } catch (e) {
    log('the real node did not join; stopping the cluster…');
    await stopCluster(info.name);
    await sweepRealNodes(log);
    throw e;
  }
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
      'authorization-webhook-url': { type: 'string' },
      // The cluster is reaped (reapOrphanClusters) once this process has exited: for callers such as tests.
      'owner-pid': { type: 'string' },
      // Secrets encrypted at rest through daas-auth kms (started here), or a plugin already on --kms-socket.
      kms: { type: 'boolean', default: false },
      'kms-socket': { type: 'string' },
      // real-0 beside the kwok nodes: a real kubelet joined with a node stake on the local sui-sim.
      'real-node': { type: 'boolean', default: false },
      'sim-state': { type: 'string' },
    },
  });
  const [cmd, ...extra] = positionals;
  if (extra.length > 0 || !cmd || !['up', 'down', 'status'].includes(cmd)) {
    throw new Error(
      'usage: npm run cluster -- up|down|status [--name N] [--webhook-url URL --webhook-ca FILE] [--token-cache-ttl 10s] [--authorization-webhook-url URL] [--owner-pid PID] [--kms [--kms-socket PATH]] [--real-node [--sim-state DIR]]',
    );
  }
  const ownerPid = values['owner-pid'] === undefined ? undefined : Number(values['owner-pid']);
  if (ownerPid !== undefined && !(Number.isInteger(ownerPid) && ownerPid > 0))
    throw new Error(`--owner-pid "${values['owner-pid']}" is not a process id`);
  const name = values.name;
  if (cmd === 'down') {
    const info = await stopCluster(name, { log: (s) => console.log(s) });
    await sweepRealNodes((s) => console.log(s)); // a real node goes with its owner, the cluster's etcd
    if (!info) console.log(`cluster ${name}: nothing to stop`);
    return 0;
  }
  if (cmd === 'status') return (await printStatus(name)) ? 0 : 1;
  // Ctrl-C during `up` must not leave half a cluster behind.
  const onSignal = () => {
    console.log('\ninterrupted; stopping what was started…');
    void stopCluster(name)
      .then(() => sweepRealNodes())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (values['real-node'] && (values['webhook-url'] || values['authorization-webhook-url']))
    throw new Error('--real-node runs its own daas-auth serve as the webhook: leave out --webhook-url and --authorization-webhook-url');
  await sweepRealNodes((s) => console.log(s)); // what a killed run left behind
  const info = await startCluster({
    name,
    webhookUrl: values['webhook-url'],
    webhookCaFile: values['webhook-ca'],
    tokenCacheTtl: values['token-cache-ttl'],
    authorizationWebhookUrl: values['authorization-webhook-url'],
    ownerPid,
    kms: kmsOption(values.kms, values['kms-socket']),
  });
  if (values['real-node']) await withRealNode(info, values['sim-state']);
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
