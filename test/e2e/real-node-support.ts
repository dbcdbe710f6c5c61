// The real node's join, shared by the real-node e2e files: a node stake, a SealToken and an Active SealBinding
// for the node, the kubelet's exec-plugin kubeconfig written by `daas-auth node join` (no client certificate),
// and the node started with it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { execPluginOf, nodeJoin, nodeJoinOrThrow, writeEd25519Keystore, type NodeJoinResult } from '../../hack/lib/node-join.ts';
import { startRealNode, type RealNode, type RealNodeOptions } from '../../hack/lib/real-node.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { e2eEnv, isNodeReady } from './harness/index.ts';
import { createBinding, kube, stakeNode, waitForPhase, type NodeStaker } from './binding-support.ts';

export interface Joined {
  node: string;
  staker: NodeStaker;
  sealToken: string;
  /** The kubelet kubeconfig `daas-auth node join` wrote: the exec plugin only, no client certificate. */
  kubeconfig: string;
  /** What `daas-auth node join --check-binding` answered before the SealBinding existed. */
  early: NodeJoinResult;
}

/**
 * A node stake with a SealToken and an Active SealBinding `name` for `node`, and the kubelet's kubeconfig from
 * `daas-auth node join` (asked once before the binding exists, which it must refuse, and once after).
 */
export async function stakeAndBind(node: string, name: string, dir: string): Promise<Joined> {
  const staker = await stakeNode(node);
  const { tokenId } = await staker.writer.createSealToken(staker.recordId);
  const { cluster } = e2eEnv();
  const keystore = join(dir, `${name}.keystore`);
  writeEd25519Keystore(keystore, decodeSuiPrivateKey(staker.key.getSecretKey()).secretKey);
  const joinOptions = { node, server: cluster.server, caFile: cluster.caFile, clusterId: E2E_CLUSTER_ID, sealToken: tokenId, keystore, dir: join(dir, name), checkBinding: cluster.kubeconfig };
  const early = await nodeJoin(joinOptions);
  await createBinding(name, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, sealToken: tokenId });
  await waitForPhase(name, 'Active');
  return { node, staker, sealToken: tokenId, kubeconfig: await nodeJoinOrThrow(joinOptions), early };
}

/** The token the kubelet holds right now: its kubeconfig's exec plugin, run the way the kubelet runs it. */
export async function kubeletToken(joined: Joined): Promise<string> {
  const plugin = execPluginOf(joined.kubeconfig);
  const { stdout } = await promisify(execFile)(plugin.command, plugin.args, {
    env: { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) },
  });
  return (JSON.parse(stdout) as { status: { token: string } }).status.token;
}

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether the Node reports Ready; undefined while it does not exist. */
export async function nodeReady(node: string): Promise<boolean | undefined> {
  const k = await kube();
  const n = await k.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('GET', `/api/v1/nodes/${node}`).catch(() => undefined);
  if (!n) return undefined;
  return isNodeReady(n as never);
}

/** The real node, its kubelet joined with `joined`'s seal node token. */
export function startKubelet(joined: Joined, dir: string, extra: Pick<RealNodeOptions, 'images' | 'hostServices'> = {}): Promise<RealNode> {
  const { cluster } = e2eEnv();
  return startRealNode({
    name: joined.node,
    dir,
    apiserverPort: cluster.ports.apiserver,
    caFile: cluster.caFile,
    kubeconfig: joined.kubeconfig,
    kubeletBinary: cluster.binaries.kubelet,
    ...extra,
  });
}
