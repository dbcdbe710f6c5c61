// Kubeconfig files (written as JSON, which kubectl, client-go and @kubernetes/client-node all read as YAML).
import { writeFileSync } from 'node:fs';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  clusterName: string;
  userName: string;
  certFile?: string;
  keyFile?: string;
  /** A client-go exec credential plugin (`users[].user.exec`), e.g. `daas-auth token --exec-credential`. */
  exec?: Record<string, unknown>;
}

export function kubeconfig(spec: KubeconfigSpec): object {
  const user: Record<string, unknown> = {};
  if (spec.exec) user.exec = spec.exec;
  if (spec.certFile) user['client-certificate'] = spec.certFile;
  if (spec.keyFile) user['client-key'] = spec.keyFile;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: spec.clusterName, cluster: { server: spec.server, 'certificate-authority': spec.caFile } },
    ],
    users: [{ name: spec.userName, user }],
    contexts: [{ name: spec.clusterName, context: { cluster: spec.clusterName, user: spec.userName } }],
    'current-context': spec.clusterName,
  };
}

export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  writeFileSync(path, `${JSON.stringify(kubeconfig(spec), null, 2)}\n`, { mode: 0o600 });
}
