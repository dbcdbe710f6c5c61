/**
 * The enclave test bed of test/e2e/enclave.test.ts, with the verified substitutes of
 * ../shared/notes/packaging.md: the enclave is a network namespace with only `lo` (no route anywhere),
 * and every vsock hop is a unix socket that both sides see, carried by the very scripts of enclave/
 * (run.sh inside; expose.sh, egress-proxy.sh, bootstrap.sh on the "parent"). No AF_VSOCK socket is
 * ever opened: every relay address is given explicitly and checked not to be a vsock one.
 *
 * Namespaces and bed directories are named daasenc-<owner pid>-…; sweepEnclaveBeds() removes those whose
 * owner is gone (a killed run), and stop() removes the bed's own.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { freePort, releasePorts } from '../../hack/lib/ports.ts';
import { get } from '../../hack/lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import { run } from '../../hack/lib/run.ts';

export const NETNS_PREFIX = 'daasenc-';
/** The port daas-auth serve listens on inside the namespace (its own loopback: nothing else is there). */
const WEBHOOK_PORT = 9443;

export interface EnclaveBedOptions {
  /** The sim's gRPC port on the host: the one allow-listed egress endpoint. */
  simRpcPort: number;
  packageId: string;
  poolId: string;
  clusterId: string;
  apiAudiences: string[];
  /** SimulatedNsm state (the enclave's NSM here; /dev/nsm in a real enclave). */
  nsmStateFile: string;
  /** The CA of kube-apiserver's client certificate: the webhook paths require one. */
  clientCaFile: string;
}

export interface EnclaveBed {
  netns: string;
  dir: string;
  /** The parent's relay: what kube-apiserver and `attestation fetch` connect to. */
  relayUrl: string;
  relayPort: number;
  /** socat -x of the parent relay: every byte it carried, both directions. */
  captureFile: string;
  /** Runs a command inside the enclave's namespace. */
  exec(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  logs(): string;
  stop(): Promise<void>;
}

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

function namespaces(): string[] {
  return ip(['netns', 'list']).split('\n').map((line) => line.split(' ')[0]!).filter((name) => name.startsWith(NETNS_PREFIX));
}

function removeNamespace(name: string): void {
  // Whatever still runs inside (a killed run's run.sh, socat, serve) goes first.
  const pids = ip(['netns', 'pids', name]).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  ip(['netns', 'del', name]);
}

const ownerOf = (name: string): number => Number(name.slice(NETNS_PREFIX.length).split('-')[0]);
const gone = (name: string): boolean => !Number.isInteger(ownerOf(name)) || !isRunning(ownerOf(name));

/**
 * Removes what runs killed before their teardown left behind: their namespaces (and whatever still runs
 * inside), the parent-side relays they started (process groups listed in the bed directory's `pids`,
 * stopped only if the process's environment still names that directory) and the directories.
 */
export async function sweepEnclaveBeds(): Promise<string[]> {
  const stale = namespaces().filter(gone);
  stale.forEach(removeNamespace);
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(NETNS_PREFIX) && gone(n))) {
    const dir = join(tmpdir(), name);
    const pids = readTail(join(dir, 'pids'), 1000).split('\n').filter(Boolean).map(Number);
    await stopGroups(pids.filter((pid) => environOf(pid).includes(dir)));
    rmSync(dir, { recursive: true, force: true });
    stale.push(dir);
  }
  return stale;
}

function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

export function noVsock(address: string): string {
  if (/vsock/i.test(address)) throw new Error(`refusing a vsock address on this machine: ${address}`);
  return address;
}

export async function startEnclaveBed(options: EnclaveBedOptions): Promise<EnclaveBed> {
  await sweepEnclaveBeds();
  // Short, as unix socket paths must fit in 108 bytes; the owner pid in the name lets a later run sweep it.
  const dir = mkdtempSync(join(tmpdir(), `${NETNS_PREFIX}${process.pid}-`));
  const netns = `${NETNS_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
  const pids: number[] = [];
  const relayPort = await freePort();
  const captureFile = join(dir, 'relay.log'); // expose.sh's stderr: socat -x writes every byte there
  const sock = (name: string) => join(dir, `${name}.sock`);
  const daemon = (name: string, cmd: string, args: string[], env: Record<string, string>) => {
    const pid = startDaemon({ name, cmd, args, log: join(dir, `${name}.log`), cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    pids.push(pid);
    appendFileSync(join(dir, 'pids'), `${pid}\n`);
    return pid;
  };
  const bed: EnclaveBed = {
    netns,
    dir,
    relayPort,
    relayUrl: `https://127.0.0.1:${relayPort}`,
    captureFile,
    exec: async (cmd, args) => run('ip', ['netns', 'exec', netns, cmd, ...args]),
    logs: () =>
      ['egress-proxy', 'enclave', 'bootstrap', 'relay']
        .map((name) => `--- ${name}\n${readTail(join(dir, `${name}.log`))}`)
        .join('\n'),
    stop: async () => {
      await stopGroups(pids);
      if (namespaces().includes(netns)) removeNamespace(netns);
      releasePorts([relayPort]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    ip(['netns', 'add', netns]);
    const allow = join(dir, 'egress.allow');
    writeFileSync(allow, `${noVsock(`UNIX-LISTEN:${sock('egress-sim')},fork,unlink-early`)} 127.0.0.1:${options.simRpcPort}\n`);
    daemon('egress-proxy', join(REPO_ROOT, 'enclave/parent/egress-proxy.sh'), [], { EGRESS_ALLOW_FILE: allow });

    const state = join(dir, 'enclave-state');
    daemon('enclave', 'ip', ['netns', 'exec', netns, join(REPO_ROOT, 'enclave/run.sh')], {
      INGRESS_LISTEN: noVsock(`UNIX-LISTEN:${sock('ingress')},fork,unlink-early`),
      BOOTSTRAP_LISTEN: noVsock(`UNIX-LISTEN:${sock('bootstrap')},unlink-early`),
      EGRESS: noVsock(`${options.simRpcPort}=UNIX-CONNECT:${sock('egress-sim')}`),
      STATE_DIR: state,
      WEBHOOK_PORT: String(WEBHOOK_PORT),
      TLS_SAN: 'IP:127.0.0.1',
      NODE: process.execPath,
      DAAS_AUTH: join(REPO_ROOT, 'bin/daas-auth.js'),
      HOME: dir,
    });

    const config = join(dir, 'parent-config.yaml');
    writeFileSync(config, dump(enclaveConfig(options)));
    const bootstrap = daemon('bootstrap', join(REPO_ROOT, 'enclave/parent/bootstrap.sh'), [], {
      CONFIG_FILE: config,
      BOOTSTRAP_TARGET: noVsock(`UNIX-CONNECT:${sock('bootstrap')}`),
    });
    daemon('relay', join(REPO_ROOT, 'enclave/parent/expose.sh'), [], {
      LISTEN_HOST: '127.0.0.1',
      LISTEN_PORT: String(relayPort),
      ENCLAVE_TARGET: noVsock(`UNIX-CONNECT:${sock('ingress')}`),
      RELAY_SOCAT_FLAGS: '-x',
    });
    await waitUntil('the enclave took its configuration', () => !isRunning(bootstrap), () => bed.logs());
    await waitUntil('daas-auth serve in the enclave is ready through the relay', () => ready(bed.relayUrl), () => bed.logs());
    return bed;
  } catch (error) {
    await bed.stop();
    throw error;
  }
}

/** What the parent delivers on the bootstrap port: chain endpoint (the egress forwarder), clusters, NSM. */
function enclaveConfig(o: EnclaveBedOptions): Record<string, unknown> {
  return {
    network: { name: `http://127.0.0.1:${o.simRpcPort}`, packageId: o.packageId, poolId: o.poolId },
    clusters: [{ id: o.clusterId, apiAudiences: o.apiAudiences }],
    server: { clientCaFile: o.clientCaFile },
    kubernetes: { watchBindings: false },
    admission: { enabled: false },
    controller: { enabled: false },
    attestation: { enabled: true, nsm: 'simulated', simulatedStateFile: o.nsmStateFile },
    log: { level: 'info' },
  };
}

async function ready(base: string): Promise<boolean> {
  // Not verified here: the certificate is trusted only through attestation (the test's first step).
  return get(`${base}/readyz`, { insecure: true }, 3000).then((r) => r.status === 200, () => false);
}

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, explain: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function readTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

/** The bytes of a socat -x log, per direction ('>' client → enclave, '<' back), chunk by chunk. */
export function parseSocatHexLog(text: string): { toEnclave: Buffer[]; fromEnclave: Buffer[] } {
  const out = { toEnclave: [] as Buffer[], fromEnclave: [] as Buffer[] };
  let current: Buffer[] | undefined;
  let hex: string[] = [];
  const flush = () => {
    if (current && hex.length) current.push(Buffer.from(hex.join(''), 'hex'));
    hex = [];
  };
  for (const line of text.split('\n')) {
    if (/^[<>] \d{4}\/\d\d\/\d\d /.test(line)) {
      flush();
      current = line.startsWith('>') ? out.toEnclave : out.fromEnclave;
    } else if (/^ [0-9a-f]{2}( [0-9a-f]{2})*\s*$/.test(line)) {
      hex.push(...line.trim().split(/\s+/));
    }
  }
  flush();
  return out;
}

export function mkdirPrivate(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}
