// The real node's join, shared by the real-node e2e files: a node stake, a SealToken and an Active SealBinding
// for the node, the kubelet's exec-plugin kubeconfig (no client certificate), and the node started with it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRealNode, type RealNode, type RealNodeOptions } from '../../hack/lib/real-node.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { e2eEnv, isNodeReady } from './harness/index.ts';
import { createBinding, kube, stakeNode, waitForPhase, type NodeStaker } from './binding-support.ts';

const CLI = new URL('../../bin/daas-auth.js', import.meta.url).pathname;

export interface Joined {
  node: string;
  staker: NodeStaker;
  sealToken: string;
  /** The exec plugin command the kubelet runs, with its environment. */
  plugin: { args: string[]; env: Record<string, string> };
}

/** A node stake with a SealToken and an Active SealBinding `name` for `node`, and the kubelet's exec plugin for it. */
export async function stakeAndBind(node: string, name: string, cacheDir: string): Promise<Joined> {
  const staker = await stakeNode(node);
  const { tokenId } = await staker.writer.createSealToken(staker.recordId);
  await createBinding(name, { nodeName: node, owner: staker.address, stakeRecord: staker.recordId, sealToken: tokenId });
  await waitForPhase(name, 'Active');
  // --refresh 1s: kube-apiserver answers a token it accepted in the last 10 s from its own cache, so the
  // kubelet must move to a fresh token often for a slash to reach it within 2 s (docs/authn.md).
  const args = [CLI, 'token', '--seal-token', tokenId, '--cluster', E2E_CLUSTER_ID, '--node', node, '--exec-credential', '--refresh', '1s', '--cache-dir', join(cacheDir, `cache-${name}`)];
  return { node, staker, sealToken: tokenId, plugin: { args, env: { DAAS_KEY: staker.key.getSecretKey() } } };
}

/** The kubelet's kubeconfig: the cluster's server and CA, and the seal-token exec plugin — no client certificate. */
export function kubeletKubeconfig(joined: Joined): string {
  const { cluster } = e2eEnv();
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bed', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
    users: [
      {
        name: joined.node,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: joined.plugin.args,
            env: Object.entries(joined.plugin.env).map(([name, value]) => ({ name, value })),
            interactiveMode: 'Never',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: [{ name: 'kubelet', context: { cluster: 'bed', user: joined.node } }],
    'current-context': 'kubelet',
  });
}

/** The token the kubelet holds right now: the exec plugin's answer from the same cache. */
export async function kubeletToken(joined: Joined): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, joined.plugin.args, {
    env: { ...process.env, ...joined.plugin.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } }) },
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
    kubeconfig: kubeletKubeconfig(joined),
    kubeletBinary: cluster.binaries.kubelet,
    ...extra,
  });
}
