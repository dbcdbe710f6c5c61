// A real node for the test bed: kubelet + containerd (Debian's, with runc and the CNI plugins) running inside a
// network namespace of their own, joined to the bed's kube-apiserver — the staker's host of the seeds, whose
// kubelet authenticates with a seal node token through the exec plugin instead of a certificate.
//
// Network shape (the network rule): the namespace has only `lo`, a bridge `rnode0` carrying the node's address,
// and the pod bridge the CNI plugin makes; no default route, no gateway, nothing routed off the machine
// (checked before anything starts). kube-apiserver is reached through a relay — a TCP listener on the
// namespace's 127.0.0.1:<apiserver port> that forwards over a unix socket to the host's 127.0.0.1 — so the
// kubelet talks to the same https://127.0.0.1:<port> the rest of the bed uses. The apiserver cannot dial the
// node (logs/exec/port-forward are out of reach), which nothing here needs.
//
// Everything of a node lives in one directory (containerd root/state with pod network namespaces under it,
// CNI config, kubelet root, logs); `stopRealNode` and, for a run that died, `sweepRealNodes` stop its processes,
// unmount what they mounted, remove the kubepods cgroups and delete the namespace.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, deleteNetns, inNetns, listNetns, netnsName, netnsOwner, assertNoRouteOut, netnsPids } from './netns.ts';
import { ensurePauseImage, PAUSE_IMAGE } from './pause-image.ts';
import { isRunning, startDaemon, stopGroups } from './procs.ts';
import { runChecked } from './run.ts';

/** The node's address: it exists only inside the node's namespace (see the header). */
const NODE_ADDRESS = '10.213.0.2';
/** Pods' addresses, on the CNI bridge inside the same namespace; no route leads anywhere else. */
const POD_SUBNET = '10.214.0.0/24';
const NODE_BRIDGE = 'rnode0';
export { PAUSE_IMAGE };
const STATE_FILE = 'real-node.json';
/** Each node's state by namespace name, so a sweep finds a dead run's directory. */
const REGISTRY_DIR = '/run/daas-auth/real-nodes';

export interface RealNodeOptions {
  name: string;
  /** Directory of everything of this node (created). */
  dir: string;
  /** The apiserver port on the host's 127.0.0.1 (relayed into the namespace at the same port). */
  apiserverPort: number;
  caFile: string;
  /** The kubelet's kubeconfig (written to the node's directory, mode 0600). */
  kubeconfig: string;
  kubeletBinary: string;
  /** OCI layout tars to import into containerd's k8s.io namespace before the kubelet starts (the pause image always is). */
  images?: readonly string[];
  /** Kept alive only while this process lives: a later sweep removes the node once it has exited. */
  ownerPid?: number;
  log?: (line: string) => void;
}

interface RealNodeState {
  name: string;
  dir: string;
  netns: string;
  ownerPid: number;
  pids: Record<string, number>;
}

export interface RealNode {
  name: string;
  netns: string;
  dir: string;
  address: string;
  kubeletLog: string;
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function containerdConfig(dir: string): string {
  const c = join(dir, 'containerd');
  return `version = 2
root = "${c}/root"
state = "${c}/state"
[grpc]
  address = "${c}/containerd.sock"
[ttrpc]
  address = "${c}/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${c}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  netns_mounts_under_state_dir = true
  # The machine's capability bounding set lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj:
  # runc's init dies writing the sandbox's -998 ("can't get final child's PID from pipe: EOF"). Clamp every
  # container's score to containerd's own (0) instead — docs/real-node.md, "Pods".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      # runc's own state (default /run/containerd/runc) kept with the node's, not shared with other containerds.
      Root = "${c}/runc"
`;
}

function cniConfig(dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'daas-real-node',
    plugins: [
      // No gateway route and no masquerade: pods reach their node's bridge and each other, nothing else.
      { type: 'bridge', bridge: 'cni0', isGateway: false, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], routes: [], dataDir: join(dir, 'cni', 'ipam') } },
      { type: 'loopback' },
    ],
  });
}

function kubeletConfig(dir: string, caFile: string): string {
  // cgroup v1 with the cgroupfs driver is what these machines have; kubelet ≥ 1.35 needs failCgroupV1: false.
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://${dir}/containerd/containerd.sock
address: ${NODE_ADDRESS}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ${caFile}}
authorization: {mode: AlwaysAllow}
failSwapOn: false
resolvConf: ""
enforceNodeAllocatable: []
localStorageCapacityIsolation: false
# A seal-token node never trades its token for a certificate: a certificate would outlive a slash.
rotateCertificates: false
serverTLSBootstrap: false
`;
}

/** The state goes to the node's directory and to the registry, where a sweep finds it by namespace name. */
function writeState(state: RealNodeState): void {
  const text = `${JSON.stringify(state, null, 2)}\n`;
  writeFileSync(join(state.dir, STATE_FILE), text, { mode: 0o600 });
  mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(join(REGISTRY_DIR, `${state.netns}.json`), text, { mode: 0o600 });
}

async function startRelay(o: RealNodeOptions, netns: string, state: RealNodeState): Promise<void> {
  const socket = join(o.dir, 'apiserver.sock');
  rmSync(socket, { force: true });
  state.pids['relay-host'] = startDaemon({
    name: 'relay-host',
    cmd: 'socat',
    args: [`UNIX-LISTEN:${socket},fork,mode=600`, `TCP:127.0.0.1:${o.apiserverPort}`],
    log: join(o.dir, 'logs', 'relay.log'),
  });
  await waitFor('the apiserver relay socket', () => existsSync(socket));
  const inner = inNetns(netns, 'socat', [`TCP-LISTEN:${o.apiserverPort},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${socket}`]);
  state.pids['relay-netns'] = startDaemon({ name: 'relay-netns', ...inner, log: join(o.dir, 'logs', 'relay.log') });
}

async function startContainerd(o: RealNodeOptions, netns: string, state: RealNodeState): Promise<string> {
  const config = join(o.dir, 'containerd.toml');
  writeFileSync(config, containerdConfig(o.dir));
  writeFileSync(join(o.dir, 'cni', '10-daas-real-node.conflist'), cniConfig(o.dir));
  const socket = join(o.dir, 'containerd', 'containerd.sock');
  const run = inNetns(netns, 'containerd', ['--config', config]);
  state.pids.containerd = startDaemon({ name: 'containerd', ...run, log: join(o.dir, 'logs', 'containerd.log') });
  await waitFor('containerd', () => existsSync(socket));
  // The sandbox image first: without it no pod starts (containerd never pulls it).
  for (const tar of [await ensurePauseImage(), ...(o.images ?? [])]) {
    await runChecked('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', '--no-unpack', tar]);
  }
  return socket;
}

/** Starts a real node; on any failure everything already started is stopped and removed. */
export async function startRealNode(o: RealNodeOptions): Promise<RealNode> {
  const log = o.log ?? (() => {});
  await sweepRealNodes(log);
  const ownerPid = o.ownerPid ?? process.pid;
  const netns = netnsName(ownerPid, o.name);
  for (const sub of ['containerd', 'cni', 'kubelet', 'logs']) mkdirSync(join(o.dir, sub), { recursive: true, mode: 0o700 });
  const state: RealNodeState = { name: o.name, dir: o.dir, netns, ownerPid, pids: {} };
  writeState(state);
  try {
    await createNetns(netns);
    await runChecked('ip', ['-n', netns, 'link', 'add', NODE_BRIDGE, 'type', 'bridge']);
    await runChecked('ip', ['-n', netns, 'addr', 'add', `${NODE_ADDRESS}/32`, 'dev', NODE_BRIDGE]);
    await runChecked('ip', ['-n', netns, 'link', 'set', NODE_BRIDGE, 'up']);
    await assertNoRouteOut(netns, [NODE_BRIDGE]);
    log(`real node ${o.name}: network namespace ${netns} (no route off the machine)`);
    await startRelay(o, netns, state);
    await startContainerd(o, netns, state);
    writeState(state);
    const kubeconfig = join(o.dir, 'kubelet', 'kubeconfig');
    writeFileSync(kubeconfig, o.kubeconfig, { mode: 0o600 });
    const config = join(o.dir, 'kubelet', 'config.yaml');
    writeFileSync(config, kubeletConfig(o.dir, o.caFile));
    const kubeletLog = join(o.dir, 'logs', 'kubelet.log');
    const kubelet = inNetns(netns, o.kubeletBinary, [
      `--config=${config}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(o.dir, 'kubelet', 'root')}`,
      `--cert-dir=${join(o.dir, 'kubelet', 'pki')}`,
      `--hostname-override=${o.name}`,
      `--node-ip=${NODE_ADDRESS}`,
      '--v=2',
    ]);
    state.pids.kubelet = startDaemon({ name: 'kubelet', ...kubelet, log: kubeletLog });
    writeState(state);
    log(`real node ${o.name}: kubelet and containerd started (logs in ${join(o.dir, 'logs')})`);
    return { name: o.name, netns, dir: o.dir, address: NODE_ADDRESS, kubeletLog, stop: () => teardown(state, log) };
  } catch (error) {
    await teardown(state, log).catch(() => undefined);
    throw error;
  }
}

/** Pids of every live process whose command line or ancestry ties it to the node's directory. */
function nodeProcesses(dir: string): number[] {
  const parents = new Map<number, number>();
  const mine = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) mine.add(pid);
    } catch {
      // gone meanwhile
    }
  }
  // Containers are children of their containerd-shim, whose command line names the node's containerd socket.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  return [...mine].filter(isRunning);
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Removes the kubepods cgroups the kubelet made (deepest first); they are empty once the containers are gone. */
function removeKubepodsCgroups(): void {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return;
  for (const controller of readdirSync(root)) {
    const top = join(root, controller, 'kubepods');
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      dirs.push(d);
    };
    walk(top);
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {
        // still has a task or already gone: reported by the next sweep, not fatal
      }
    }
  }
}

async function teardown(state: RealNodeState, log: (line: string) => void): Promise<void> {
  const order = ['kubelet', 'containerd', 'relay-netns', 'relay-host'];
  await stopGroups(order.map((n) => state.pids[n]).filter((p): p is number => p !== undefined), 5000);
  // containerd-shims and containers outlive containerd (they are reparented): stop them by their ties to the dir.
  for (let round = 0; round < 20; round++) {
    const left = nodeProcesses(state.dir);
    if (left.length === 0) break;
    for (const pid of left) killQuietly(pid);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of await netnsPids(state.netns)) killQuietly(pid);
  for (const mountPoint of mountsUnder(state.dir)) {
    await runChecked('umount', ['-l', mountPoint]).catch(() => undefined);
  }
  removeKubepodsCgroups();
  await deleteNetns(state.netns);
  rmSync(join(state.dir, 'containerd'), { recursive: true, force: true });
  rmSync(join(REGISTRY_DIR, `${state.netns}.json`), { force: true });
  log(`real node ${state.name}: stopped, unmounted, namespace ${state.netns} deleted`);
}

/** Removes every real node (and bed namespace) whose owner process has exited. */
export async function sweepRealNodes(log: (line: string) => void = () => {}): Promise<void> {
  for (const netns of await listNetns()) {
    const owner = netnsOwner(netns);
    if (owner === undefined || isRunning(owner)) continue;
    const state = findState(netns);
    if (state) await teardown(state, log);
    else {
      for (const pid of await netnsPids(netns)) killQuietly(pid);
      await deleteNetns(netns);
    }
    log(`removed network namespace ${netns}: its owner (process ${owner}) has exited`);
  }
}

/** The state of the node whose namespace is `netns`, from the registry. */
function findState(netns: string): RealNodeState | undefined {
  try {
    const state = JSON.parse(readFileSync(join(REGISTRY_DIR, `${netns}.json`), 'utf8')) as RealNodeState;
    return state.netns === netns ? state : undefined;
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
