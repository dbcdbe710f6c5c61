// CertificateSigningRequests for the real-node test: a kubelet client CSR (signer
// kubernetes.io/kube-apiserver-client-kubelet, CN system:node:<node>, O system:nodes) made with openssl, and
// a positive control — an identity the cluster does grant certificatesigningrequests/selfnodeclient — so that
// "not approved" means kube-controller-manager's csrapproving controller looked and refused, not that it
// never ran.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kube } from './binding-support.ts';
import { kubectl } from './harness/index.ts';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/** PEM of a PKCS#10 request for a kubelet client certificate of `node` (EC P-256, no SANs). */
export function kubeletClientCsrPem(node: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'daas-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key'), '-subj', `/O=system:nodes/CN=system:node:${node}`, '-out', join(dir, 'csr')], { stdio: 'pipe' });
    return readFileSync(join(dir, 'csr'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function kubeletClientCsr(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(kubeletClientCsrPem(node)).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
    },
  });
}

interface Csr {
  metadata: { creationTimestamp: string };
  spec: { username: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export async function getCsr(name: string): Promise<Csr> {
  return (await kube()).request<Csr>('GET', `${CSRS}/${name}`);
}

export function isApproved(csr: Csr): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' && c.status === 'True');
}

/** The control identity and what grants it self-node-client approval (a kubeadm-style binding). */
export async function grantSelfNodeClient(user: string, name: string): Promise<void> {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/selfnodeclient'], verbs: ['create'] }] };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  const r = await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [role, binding] }) });
  if (r.code !== 0) throw new Error(`granting selfnodeclient: ${r.stderr}`);
}

export async function cleanUpCsrs(names: readonly string[], rbacName: string): Promise<void> {
  const k = await kube();
  for (const n of names) await k.request('DELETE', `${CSRS}/${n}`).catch(() => undefined);
  await k.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${rbacName}`).catch(() => undefined);
  await k.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${rbacName}`).catch(() => undefined);
}
