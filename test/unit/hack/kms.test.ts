/** hack/lib/kms.ts: the EncryptionConfiguration kube-apiserver gets with --kms, and where the plugin lives. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmsLayout, kmsPluginArgs, writeEncryptionConfig } from '../../../hack/lib/kms.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hack-kms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hack/lib/kms', () => {
  it('runs its own plugin in the cluster directory unless given a socket', () => {
    const own = kmsLayout(dir, {});
    expect(own).toEqual({
      providerName: 'daas-auth',
      socket: join(dir, 'kms', 'kms.sock'),
      adminSocket: join(dir, 'kms', 'kms.sock.admin'),
      kekFile: join(dir, 'kms', 'keyring.json'),
      encryptionConfigFile: join(dir, 'encryption-config.json'),
      managed: true,
    });
    expect(kmsPluginArgs(own)).toEqual(['kms', '--socket', own.socket, '--admin-socket', own.adminSocket, '--kek-file', own.kekFile, '--create']);
    const theirs = kmsLayout(dir, { socket: '/run/x.sock', providerName: 'p1' });
    expect(theirs).toEqual(expect.objectContaining({ socket: '/run/x.sock', managed: false, adminSocket: null, kekFile: null, providerName: 'p1' }));
    expect(() => kmsPluginArgs(theirs)).toThrow(/runs no plugin/);
  });

  it('refuses a provider name that is not a DNS label', () => {
    expect(() => kmsLayout(dir, { providerName: 'Bad_Name' })).toThrow(/invalid KMS provider name/);
  });

  it('writes a kms v2 provider for secrets, identity second, readable by its owner only', () => {
    const kms = kmsLayout(dir, {});
    writeEncryptionConfig(kms);
    expect(statSync(kms.encryptionConfigFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(kms.encryptionConfigFile, 'utf8'))).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [
        {
          resources: ['secrets'],
          providers: [{ kms: { apiVersion: 'v2', name: 'daas-auth', endpoint: `unix://${kms.socket}`, timeout: '3s' } }, { identity: {} }],
        },
      ],
    });
  });
});
