// Secrets encrypted at rest in the test bed (`npm run cluster -- up --kms`): kube-apiserver's
// EncryptionConfiguration naming the KMS v2 plugin's socket, and the plugin itself (`daas-auth kms`, file
// KEK in the cluster directory) when the cluster runs it. docs/kms.md explains the plugin.
import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The provider name in the EncryptionConfiguration: etcd values start `k8s:enc:kms:v2:<name>:`. */
export const DEFAULT_KMS_PROVIDER = 'daas-auth';

export interface KmsClusterOptions {
  /**
   * The socket of a plugin the caller runs (tests that stop and restart it). Absent: the cluster starts
   * `daas-auth kms` itself on `<cluster dir>/kms/kms.sock`, with its KEK in `<cluster dir>/kms/keyring.json`.
   */
  socket?: string;
  providerName?: string;
}

/** cluster.json's `kms`: how the cluster's Secrets are encrypted. */
export interface KmsClusterInfo {
  providerName: string;
  socket: string;
  /** `kms rotate --admin-socket` this; only known for a plugin the cluster runs. */
  adminSocket: string | null;
  kekFile: string | null;
  /** kube-apiserver's --encryption-provider-config. */
  encryptionConfigFile: string;
  /** True when the cluster started (and stops) the plugin. */
  managed: boolean;
}

export function kmsLayout(dir: string, opts: KmsClusterOptions): KmsClusterInfo {
  const providerName = opts.providerName ?? DEFAULT_KMS_PROVIDER;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(providerName)) throw new Error(`invalid KMS provider name ${JSON.stringify(providerName)}`);
  const own = join(dir, 'kms', 'kms.sock');
  return {
    providerName,
    socket: opts.socket ?? own,
    adminSocket: opts.socket ? null : `${own}.admin`,
    kekFile: opts.socket ? null : join(dir, 'kms', 'keyring.json'),
    encryptionConfigFile: join(dir, 'encryption-config.json'),
    managed: opts.socket === undefined,
  };
}

/**
 * Secrets go through the KMS v2 provider; `identity` second so Secrets written before encryption was
 * turned on still read (and a rewrite encrypts them). JSON is YAML, which the apiserver reads.
 */
export function writeEncryptionConfig(kms: KmsClusterInfo): void {
  writeFileSync(kms.encryptionConfigFile, `${JSON.stringify(encryptionConfiguration(kms), null, 2)}\n`, { mode: 0o600 });
}

/** The EncryptionConfiguration itself (pure; the Helm chart renders the same: test/unit/chart/kms.test.ts). */
export function encryptionConfiguration(kms: { providerName: string; socket: string; timeout?: string }): object {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      {
        resources: ['secrets'],
        providers: [{ kms: { apiVersion: 'v2', name: kms.providerName, endpoint: `unix://${kms.socket}`, timeout: kms.timeout ?? '3s' } }, { identity: {} }],
      },
    ],
  };
}

/** `daas-auth kms` arguments (after the CLI script) for a plugin the cluster runs. */
export function kmsPluginArgs(kms: KmsClusterInfo): string[] {
  if (!kms.kekFile || !kms.adminSocket) throw new Error('the cluster runs no plugin of its own here');
  return ['kms', '--socket', kms.socket, '--admin-socket', kms.adminSocket, '--kek-file', kms.kekFile, '--create'];
}

/** Polls until `path` is a socket: the plugin listens. */
export async function waitForSocket(path: string, opts: { timeoutMs: number; check?: () => void; what: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (!(existsSync(path) && lstatSync(path).isSocket())) {
    opts.check?.();
    if (Date.now() > deadline) throw new Error(`${opts.what} not listening on ${path} after ${opts.timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
