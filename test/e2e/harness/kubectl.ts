// kubectl as a user would run it: the binary hack/ built for this Kubernetes version (a fresh machine has
// none of its own), against the run's cluster.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterInfo } from '../../../hack/cluster.ts';
import { run, type RunResult } from '../../../hack/lib/run.ts';
import { e2eEnv } from './env.ts';

export interface KubectlOptions {
  /** Authenticate with this bearer token only (no client certificate), as a daas-auth user would. */
  token?: string;
  /** Default: the admin kubeconfig. */
  kubeconfig?: string;
  /** Default: the run's cluster. */
  cluster?: ClusterInfo;
  input?: string;
}

/** Writes `file`: a kubeconfig holding only the cluster and `token` (0600), so the token stays out of argv. */
export function writeTokenKubeconfig(file: string, cluster: ClusterInfo, token: string): string {
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cluster.name, cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } },
    ],
    users: [{ name: 'token', user: { token } }],
    contexts: [{ name: 'token', context: { cluster: cluster.name, user: 'token' } }],
    'current-context': 'token',
  };
  writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
  return file;
}

/** A token kubeconfig under the run's directory (removed after use). */
function tokenKubeconfigFile(cluster: ClusterInfo, token: string): string {
  return writeTokenKubeconfig(join(e2eEnv().runDir, `kubeconfig-token-${randomBytes(6).toString('hex')}`), cluster, token);
}

export async function kubectl(args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
  const cluster = opts.cluster ?? e2eEnv().cluster;
  const tmp = opts.token !== undefined ? tokenKubeconfigFile(cluster, opts.token) : undefined;
  try {
    const kubeconfig = tmp ?? opts.kubeconfig ?? cluster.kubeconfig;
    return await run(cluster.binaries.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], {
      input: opts.input,
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
  } finally {
    if (tmp) rmSync(tmp, { force: true });
  }
}
