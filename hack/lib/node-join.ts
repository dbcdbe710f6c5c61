// The test bed's side of `daas-auth node join`: the staker's key as a Sui keystore file (0600) and the join
// itself, run through the real CLI (bin/daas-auth.js on this Node), whose kubeconfig the real node's kubelet
// then uses. Shared by `npm run cluster -- up --real-node` and test/e2e/real-node.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.ts';

const CLI = fileURLToPath(new URL('../../bin/daas-auth.js', import.meta.url));

/** A Sui keystore holding one ed25519 key (`flag 0 || 32-byte secret`, base64), mode 0600. */
export function writeEd25519Keystore(file: string, secretKey: Uint8Array): void {
  writeFileSync(file, `${JSON.stringify([Buffer.from([0, ...secretKey]).toString('base64')])}\n`, { mode: 0o600 });
}

export interface NodeJoinOptions {
  node: string;
  server: string;
  caFile: string;
  clusterId: string;
  sealToken: string;
  keystore: string;
  /** Directory the kubelet kubeconfig (and the plugin's token cache beside it) go to. */
  dir: string;
  /** A kubeconfig that may read SealBindings: the join refuses unless an Active one backs the node. */
  checkBinding?: string;
}

export interface NodeJoinResult {
  code: number;
  stderr: string;
  /** The kubelet kubeconfig's path (written only when code is 0). */
  kubeconfigFile: string;
}

/** Runs `daas-auth node join`; replaces an earlier kubeconfig of the same node (a rejoin). */
export async function nodeJoin(o: NodeJoinOptions): Promise<NodeJoinResult> {
  const kubeconfigFile = join(o.dir, 'kubelet.kubeconfig');
  const args = [
    CLI, '--keystore', o.keystore, 'node', 'join',
    '--node', o.node, '--server', o.server, '--certificate-authority', o.caFile,
    '--cluster', o.clusterId, '--seal-token', o.sealToken,
    '--kubelet-kubeconfig', kubeconfigFile, '--kubelet-config', join(o.dir, 'kubelet-seal.yaml'), '--force',
    ...(o.checkBinding ? ['--check-binding', o.checkBinding] : []),
  ];
  const r = await run(process.execPath, args);
  return { code: r.code, stderr: r.stderr, kubeconfigFile };
}

/** `nodeJoin`, failing with the CLI's own line unless it succeeded; the kubeconfig's text. */
export async function nodeJoinOrThrow(o: NodeJoinOptions): Promise<string> {
  const r = await nodeJoin(o);
  if (r.code !== 0) throw new Error(`daas-auth node join failed: ${r.stderr.trim()}`);
  return readFileSync(r.kubeconfigFile, 'utf8');
}

/** The exec plugin a kubelet kubeconfig names (what the kubelet runs for a token). */
export function execPluginOf(kubeconfig: string): { command: string; args: string[] } {
  const doc = JSON.parse(kubeconfig) as { users: Array<{ user: { exec?: { command: string; args: string[] } } }> };
  const exec = doc.users[0]?.user.exec;
  if (!exec) throw new Error('the kubelet kubeconfig has no exec plugin');
  return { command: exec.command, args: exec.args };
}
