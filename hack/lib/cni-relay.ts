// A chained CNI plugin of the real node (type "daas-relay"): gives every pod the host services it needs at the
// addresses it expects — kube-apiserver at the `kubernetes` Service's ClusterIP (127.96.0.1:443, what the
// kubelet puts in KUBERNETES_SERVICE_HOST) and sui-sim at its 127.0.0.1 port — as socat listeners inside the
// pod's own network namespace that forward over the node's unix sockets to the host. It stands in for
// kube-proxy (no ClusterIP routing here) and for a chain endpoint off the machine; no address outside the pod
// is ever routed anywhere (docs/real-node.md, "Pods").
//
// CNI 1.0: ADD starts the listeners and prints the previous plugin's result; DEL stops them; VERSION answers.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RelayTarget {
  /** Where the pod dials (an address of its own loopback). */
  host: string;
  port: number;
  /** The node's unix socket that leads to the host service. */
  socket: string;
}

interface RelayConfig {
  cniVersion: string;
  relays: RelayTarget[];
  /** Where the listeners' pids are kept, one file per container. */
  stateDir: string;
  prevResult?: unknown;
}

function pidFile(cfg: RelayConfig, containerId: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(containerId)) throw new Error(`bad CNI_CONTAINERID ${JSON.stringify(containerId)}`);
  return join(cfg.stateDir, containerId);
}

function add(cfg: RelayConfig, netns: string, containerId: string): void {
  const pids: number[] = [];
  for (const r of cfg.relays) {
    const child = spawn('nsenter', [`--net=${netns}`, '--', 'socat', `TCP-LISTEN:${r.port},bind=${r.host},fork,reuseaddr`, `UNIX-CONNECT:${r.socket}`], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    if (child.pid) pids.push(child.pid);
  }
  mkdirSync(cfg.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(pidFile(cfg, containerId), pids.join('\n'), { mode: 0o600 });
  process.stdout.write(JSON.stringify(cfg.prevResult ?? { cniVersion: cfg.cniVersion }));
}

function del(cfg: RelayConfig, containerId: string): void {
  const file = pidFile(cfg, containerId);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // never added, or already deleted: DEL must succeed
  }
  for (const pid of text.split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  rmSync(file, { force: true });
}

function main(): void {
  const command = process.env.CNI_COMMAND;
  if (command === 'VERSION') {
    process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] }));
    return;
  }
  const cfg = JSON.parse(readFileSync(0, 'utf8')) as RelayConfig;
  const containerId = process.env.CNI_CONTAINERID ?? '';
  if (command === 'ADD') add(cfg, process.env.CNI_NETNS ?? '', containerId);
  else if (command === 'DEL') del(cfg, containerId);
  else if (command === 'CHECK') return;
  else throw new Error(`unknown CNI_COMMAND ${JSON.stringify(command)}`);
}

try {
  main();
} catch (error) {
  process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: `daas-relay: ${(error as Error).message}` }));
  process.exitCode = 1;
}
