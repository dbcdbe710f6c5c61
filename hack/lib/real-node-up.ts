// `npm run cluster -- up --real-node`: the staker's host of the seeds beside the kwok nodes. On a cluster that
// is up: the SealBinding CRD and daas-auth's RBAC, `daas-auth serve` as the token webhook and controller
// (a component of the cluster, so `down` stops it), a node stake and SealToken made on the local sui-sim, an
// Active SealBinding for real-0 (`daas-auth binding create --wait`), the kubelet kubeconfig from `daas-auth
// node join --check-binding`, then the real node (hack/lib/real-node.ts) — until `kubectl get node real-0`
// says Ready.
//
// The node's owner is the cluster's etcd: once etcd is gone (`down`, or a killed run), `sweepRealNodes`
// — run by `down` and by every `up` — stops the kubelet and containerd, unmounts and deletes the namespace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { resolveNetwork, type NetworkConfig } from '../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { SimAdminClient } from '../../src/sim/admin-client.ts';
import type { ClusterInfo, ProcessName } from './cluster-info.ts';
import { applyFiles, installCrds } from './manifests.ts';
import { nodeJoinOrThrow, writeEd25519Keystore } from './node-join.ts';
import { waitFor200 } from './probe.ts';
import { isRunning, startDaemon } from './procs.ts';
import { startRealNode } from './real-node.ts';
import { run } from './run.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'daas-auth.js');
export const REAL_NODE_NAME = 'real-0';
/** The node stake: a node stake's minimum is well below this in the sim's default pool. */
const NODE_STAKE_SUI = 2n;

/** What cluster.json records of the real node. */
export interface RealNodeInfo {
  name: string;
  netns: string;
  dir: string;
  kubeletKubeconfig: string;
  owner: string;
  stakeRecord: string;
  sealToken: string;
}

export interface RealNodeUpOptions {
  /** The local sui-sim's state directory (its network.json). */
  simState: string;
  /** Records a daemon as a component of the cluster (cluster.json), so `down` stops it. */
  record(name: ProcessName, pid: number, log: string, ports: number[]): void;
  readyTimeoutMs?: number;
  log(line: string): void;
}

function localSim(simState: string): NetworkConfig & { adminUrl: string } {
  let network: NetworkConfig;
  try {
    network = resolveNetwork('local', { stateDir: simState, env: {} });
  } catch (error) {
    throw new Error(`--real-node needs the local sui-sim (npx daas-auth sim, or --sim-state DIR): ${(error as Error).message}`, { cause: error });
  }
  if (!network.adminUrl) throw new Error(`--real-node: the sui-sim at ${simState} has no admin URL (faucet)`);
  return network as NetworkConfig & { adminUrl: string };
}

/** `daas-auth serve` for this cluster on its token-webhook port: authn webhook and the SealBinding controller. */
async function startServe(info: ClusterInfo, simState: string, o: RealNodeUpOptions): Promise<void> {
  const port = Number(new URL(info.webhook.url).port);
  const configFile = join(info.dir, 'daas-auth.yaml');
  const logFile = join(info.dir, 'logs', 'daas-auth-serve.log');
  const config = {
    network: { name: 'local', stateDir: simState, eventPollMs: 200 },
    clusters: [{ id: info.name, apiAudiences: info.apiAudiences, clientCommonNames: ['kube-apiserver'] }],
    server: { host: '127.0.0.1', port, tlsCertFile: info.webhook.servingCertFile, tlsKeyFile: info.webhook.servingKeyFile, clientCaFile: info.webhook.clientCaFile },
    kubernetes: { kubeconfig: info.kubeconfig },
    log: { level: 'info' },
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const pid = startDaemon({
    name: 'daas-auth-serve',
    cmd: process.execPath,
    args: [CLI, '--config', configFile, 'serve'],
    log: logFile,
    cwd: info.dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  o.record('daas-auth-serve', pid, logFile, [port]);
  await waitFor200(`https://127.0.0.1:${port}/readyz`, { ca: info.webhook.caFile }, {
    timeoutMs: o.readyTimeoutMs ?? 120_000,
    what: 'daas-auth serve',
    check: () => {
      if (!isRunning(pid)) throw new Error(`daas-auth serve exited; see ${logFile}`);
    },
  });
}

/** A funded key's node stake for the node, and a SealToken of it. */
async function stakeForNode(network: NetworkConfig & { adminUrl: string }, node: string): Promise<{ key: Ed25519Keypair; stakeRecord: string; sealToken: string }> {
  const key = Ed25519Keypair.generate();
  await new SimAdminClient(network.adminUrl).fund(key.toSuiAddress(), (NODE_STAKE_SUI + 3n) * MIST_PER_SUI);
  const writer = new ChainWriter(network, key);
  try {
    const { recordId } = await writer.stake({ mist: NODE_STAKE_SUI * MIST_PER_SUI, kind: 'node', nodeId: node });
    const { tokenId } = await writer.createSealToken(recordId);
    return { key, stakeRecord: recordId, sealToken: tokenId };
  } finally {
    writer.close();
  }
}

async function cli(args: string[]): Promise<string> {
  const r = await run(process.execPath, [CLI, ...args]);
  if (r.code !== 0) throw new Error(`daas-auth ${args.find((a) => !a.startsWith('-') && !a.includes('/')) ?? ''} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function waitReady(info: ClusterInfo, node: string, timeoutMs: number, alive: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    alive();
    const r = await run(info.binaries.kubectl, [`--kubeconfig=${info.kubeconfig}`, 'get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    if (r.code === 0 && r.stdout.trim() === 'True') return;
    if (Date.now() > deadline) throw new Error(`node ${node} is not Ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Adds real-0 to a cluster that is up (see the header); returns what cluster.json records of it. */
export async function addRealNode(info: ClusterInfo, o: RealNodeUpOptions): Promise<RealNodeInfo> {
  const network = localSim(o.simState);
  const name = REAL_NODE_NAME;
  await installCrds(info);
  await applyFiles(info, [join(REPO_ROOT, 'deploy', 'rbac')]);
  o.log('starting daas-auth serve (token webhook, SealBinding controller)…');
  await startServe(info, o.simState, o);
  o.log(`${name}: node stake and SealToken on the local sui-sim…`);
  const { key, stakeRecord, sealToken } = await stakeForNode(network, name);
  const dir = join(info.dir, name);
  mkdirSync(join(dir, 'join'), { recursive: true, mode: 0o700 });
  const keystore = join(dir, 'node-stake.keystore');
  writeEd25519Keystore(keystore, decodeSuiPrivateKey(key.getSecretKey()).secretKey);
  await cli(['--keystore', keystore, 'binding', '--kubeconfig', info.kubeconfig, 'create', '--node', name, '--stake-record', stakeRecord, '--seal-token', sealToken, '--wait', '60']);
  o.log(`${name}: SealBinding Active; daas-auth node join…`);
  const join_ = { node: name, server: info.server, caFile: info.caFile, clusterId: info.name, sealToken, keystore, dir: join(dir, 'join'), checkBinding: info.kubeconfig };
  const kubeconfig = await nodeJoinOrThrow(join_);
  const etcd = info.processes.find((p) => p.name === 'etcd');
  if (!etcd) throw new Error('the cluster has no etcd to own the real node');
  const node = await startRealNode({
    name,
    dir: join(dir, 'node'),
    apiserverPort: info.ports.apiserver,
    caFile: info.caFile,
    kubeconfig,
    kubeletBinary: info.binaries.kubelet,
    ownerPid: etcd.pid,
    log: o.log,
  });
  const recorded: RealNodeInfo = { name, netns: node.netns, dir: node.dir, kubeletKubeconfig: join(dir, 'join', 'kubelet.kubeconfig'), owner: key.toSuiAddress(), stakeRecord, sealToken };
  await waitReady(info, name, o.readyTimeoutMs ?? 180_000, () => {
    if (!isRunning(etcd.pid)) throw new Error('etcd exited while the real node joined');
  });
  o.log(`${name}: Ready (kubelet log ${node.kubeletLog})`);
  return recorded;
}
