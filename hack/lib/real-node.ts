// A real node for the test bed: kubelet + containerd (Debian's, with runc and the CNI plugins) running inside a
// network namespace of their own, joined to the bed's kube-apiserver — the staker's host of the seeds, whose
// kubelet authenticates with a seal node token through the exec plugin instead of a certificate.
//
// Network shape (the network rule): the namespace has only `lo`, a bridge `rnode0` carrying the node's address,
// and the pod bridge the CNI plugin makes; no default route, no gateway, nothing routed off the machine
// (checked before anything starts). kube-apiserver is reached through a relay — a TCP listener on the
// namespace's 127.0.0.1:<apiserver port> that forwards over a unix socket to the host's 127.0.0.1 — so the
// kubelet talks to the same https://127.0.0.1:<port> the rest of the bed uses. Pods get the same relays inside
// their own namespaces (the daas-relay CNI plugin, hack/lib/cni-relay.ts), and the host reaches a pod or node
// address only through `expose`/`dial`, reverse relays started inside the namespace. The apiserver cannot dial
// the node itself (logs/exec/port-forward are out of reach), which nothing here needs.
//
// Everything of a node lives in one directory (containerd root/state with pod network namespaces under it,
// CNI config, kubelet root, logs); `stopRealNode` and, for a run that died, `sweepRealNodes` stop its processes,
// unmount what they mounted, remove the kubepods cgroups and delete the namespace.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_IP } from './components.ts';
import type { RelayTarget } from './cni-relay.ts';
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
  /** Host services (on the host's 127.0.0.1) the node and its pods reach at the addresses given; kube-apiserver always is. */
  hostServices?: readonly HostService[];
  /** OCI layout tars to import into containerd's k8s.io namespace before the kubelet starts (the pause image always is). */
  images?: readonly string[];
  /** Kept alive only while this process lives: a later sweep removes the node once it has exited. */
  ownerPid?: number;
  log?: (line: string) => void;
}

/** A service on the host's 127.0.0.1:<port>, relayed into the node's namespace and into every pod's at `at`. */
export interface HostService {
  name: string;
  port: number;
  at: ReadonlyArray<{ host: string; port: number }>;
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
  /**
   * Makes `target` (an address inside the node's namespace, e.g. a hostNetwork pod's port) reachable from the
   * host: over a unix socket (returned) and, with `hostPort`, at the host's 127.0.0.1:<hostPort>.
   */
  expose(name: string, target: { host: string; port: number }, hostPort?: number): Promise<string>;
  /** A connection to `host:port` made inside the node's namespace (a pod's or the node's address). */
  dial(host: string, port: number): Promise<Socket>;
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
    bin_dir = "${dir}/cni/bin"
    conf_dir = "${dir}/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      # runc's own state (default /run/containerd/runc) kept with the node's, not shared with other containerds.
      Root = "${c}/runc"
`;
}

function cniConfig(dir: string, relays: readonly RelayTarget[]): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'daas-real-node',
    plugins: [
      // The bridge gets the subnet's first address (isGateway) so the kubelet can probe pods, but pods get no
      // route (routes: [], no isDefaultGateway) and no masquerade: they reach their node and each other only.
      { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], routes: [], dataDir: join(dir, 'cni', 'ipam') } },
      { type: 'loopback' },
      { type: 'daas-relay', relays, stateDir: join(dir, 'cni', 'relays') },
    ],
  });
}

const CNI_PLUGINS = '/usr/lib/cni';
const RELAY_PLUGIN = join(dirname(fileURLToPath(import.meta.url)), 'cni-relay.ts');

/** The node's CNI bin dir: Debian's plugins, and daas-relay run by this Node (hack/lib/cni-relay.ts). */
function cniBinDir(dir: string): string {
  const bin = join(dir, 'cni', 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o700 });
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    rmSync(join(bin, plugin), { force: true });
    symlinkSync(join(CNI_PLUGINS, plugin), join(bin, plugin));
  }
  writeFileSync(join(bin, 'daas-relay'), `#!/bin/sh\nexec '${process.execPath}' '${RELAY_PLUGIN}'\n`, { mode: 0o700 });
  return bin;
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
# Pod logs with the node's state, not in the machine's /var/log/pods.
podLogsDir: ${dir}/logs/pods
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

/** The services every node relays: kube-apiserver at its own port and at the `kubernetes` Service's ClusterIP. */
function hostServices(o: RealNodeOptions): HostService[] {
  const apiserver = { name: 'apiserver', port: o.apiserverPort, at: [{ host: '127.0.0.1', port: o.apiserverPort }, { host: SERVICE_IP, port: 443 }] };
  return [apiserver, ...(o.hostServices ?? [])];
}

function hostSocket(dir: string, name: string): string {
  return join(dir, `host-${name}.sock`);
}

/**
 * Each host service: a host socat from a unix socket to its 127.0.0.1 port, and netns socats at its addresses
 * (a pod gets its own through the daas-relay CNI plugin). Returns the pods' relay targets.
 */
async function startRelays(o: RealNodeOptions, netns: string, state: RealNodeState): Promise<RelayTarget[]> {
  const log = join(o.dir, 'logs', 'relay.log');
  const targets: RelayTarget[] = [];
  for (const svc of hostServices(o)) {
    if (!/^[a-z0-9-]+$/.test(svc.name)) throw new Error(`bad host service name ${JSON.stringify(svc.name)}`);
    const socket = hostSocket(o.dir, svc.name);
    rmSync(socket, { force: true });
    state.pids[`relay-host-${svc.name}`] = startDaemon({ name: `relay-host-${svc.name}`, cmd: 'socat', args: [`UNIX-LISTEN:${socket},fork,mode=600`, `TCP:127.0.0.1:${svc.port}`], log });
    await waitFor(`the ${svc.name} relay socket`, () => existsSync(socket));
    for (const [i, at] of svc.at.entries()) {
      const inner = inNetns(netns, 'socat', [`TCP-LISTEN:${at.port},bind=${at.host},fork,reuseaddr`, `UNIX-CONNECT:${socket}`]);
      state.pids[`relay-netns-${svc.name}-${i}`] = startDaemon({ name: `relay-netns-${svc.name}-${i}`, ...inner, log });
      targets.push({ ...at, socket });
    }
  }
  return targets;
}

/** The reverse relay: a netns socat from a unix socket to `target`, and a host listener at 127.0.0.1:<hostPort>. */
async function expose(dir: string, netns: string, state: RealNodeState, name: string, target: { host: string; port: number }, hostPort?: number): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad exposed name ${JSON.stringify(name)}`);
  const log = join(dir, 'logs', 'relay.log');
  const socket = join(dir, `expose-${name}.sock`);
  rmSync(socket, { force: true });
  const inner = inNetns(netns, 'socat', [`UNIX-LISTEN:${socket},fork,mode=600`, `TCP:${target.host}:${target.port}`]);
  state.pids[`expose-${name}`] = startDaemon({ name: `expose-${name}`, ...inner, log });
  await waitFor(`the ${name} socket`, () => existsSync(socket));
  if (hostPort !== undefined) {
    state.pids[`expose-host-${name}`] = startDaemon({ name: `expose-host-${name}`, cmd: 'socat', args: [`TCP-LISTEN:${hostPort},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${socket}`], log });
  }
  writeState(state);
  return socket;
}

async function startContainerd(o: RealNodeOptions, netns: string, state: RealNodeState, relays: readonly RelayTarget[]): Promise<string> {
  const config = join(o.dir, 'containerd.toml');
  writeFileSync(config, containerdConfig(o.dir));
  cniBinDir(o.dir);
  writeFileSync(join(o.dir, 'cni', '10-daas-real-node.conflist'), cniConfig(o.dir, relays));
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

/** Connections made inside the namespace, each destination through one reverse relay started on first use. */
function dialer(dir: string, netns: string, state: RealNodeState): (host: string, port: number) => Promise<Socket> {
  const sockets = new Map<string, Promise<string>>();
  return async (host, port) => {
    if (!/^[0-9.]+$/.test(host) || !Number.isInteger(port)) throw new Error(`bad address ${host}:${port}`);
    const name = `to-${host.replaceAll('.', '-')}-${port}`;
    if (!sockets.has(name)) sockets.set(name, expose(dir, netns, state, name, { host, port }));
    const path = await sockets.get(name)!;
    return connect({ path });
  };
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
    const relays = await startRelays(o, netns, state);
    await startContainerd(o, netns, state, relays);
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
    return {
      name: o.name,
      netns,
      dir: o.dir,
      address: NODE_ADDRESS,
      kubeletLog,
      expose: (name, target, hostPort) => expose(o.dir, netns, state, name, target, hostPort),
      dial: dialer(o.dir, netns, state),
      stop: () => teardown(state, log),
    };
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
  const first = ['kubelet', 'containerd'];
  const order = [...first, ...Object.keys(state.pids).filter((n) => !first.includes(n))];
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
