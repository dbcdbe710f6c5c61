// The `attestation:` section of the serve configuration (docs/enclave.md) and how the component
// opens the NSM it names.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import { attestationComponent } from '../../../src/enclave/route/component.ts';
import type { ServeContext } from '../../../src/server/serve.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'daas-attest-config-'));
const env = { DAAS_CLUSTER: 'c1', DAAS_TLS_CERT: '/tls/cert.pem', DAAS_TLS_KEY: '/tls/key.pem', DAAS_CLIENT_CA: '/tls/client-ca.pem' };
const withSection = (yaml: string) => {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env });
};

test('off by default; device NSM at /dev/nsm, 60 documents a minute', () => {
  expect(loadConfig({ env }).attestation).toEqual({ enabled: false, nsm: 'device', device: '/dev/nsm', ratePerMinute: 60 });
});

test('simulatedStateFile is resolved against the config file; unknown keys and NSM kinds are refused', () => {
  expect(withSection('attestation: {enabled: true, nsm: simulated, simulatedStateFile: nsm.json}\n').attestation.simulatedStateFile).toBe(path.join(dir, 'nsm.json'));
  expect(() => withSection('attestation: {nsm: tpm}\n')).toThrow(/attestation\.nsm/);
  expect(() => withSection('attestation: {enable: true}\n')).toThrow(/attestation\.enable: unknown setting/);
  expect(() => withSection('attestation: {ratePerMinute: 0}\n')).toThrow(/attestation\.ratePerMinute/);
});

describe('the component', () => {
  const context = (yaml: string) => ({ config: withSection(yaml), logger: { info: () => undefined }, reader: { network: { packageId: '0x1' } } }) as unknown as ServeContext;

  test('mounts nothing when disabled', async () => {
    expect(await attestationComponent.start(context('attestation: {enabled: false}\n'))).toEqual({});
  });

  test('fails to start, clearly, when the NSM it names is not there', async () => {
    await expect(attestationComponent.start(context('attestation: {enabled: true, device: /nonexistent/nsm}\n'))).rejects.toThrow(/NSM Unavailable: cannot open \/nonexistent\/nsm/);
    await expect(attestationComponent.start(context('attestation: {enabled: true, nsm: simulated}\n'))).rejects.toThrow(/simulatedStateFile is not set/);
    await expect(attestationComponent.start(context('attestation: {enabled: true, nsm: simulated, simulatedStateFile: missing.json}\n'))).rejects.toThrow(/cannot read the simulated NSM state .*missing\.json: ENOENT/);
  });
});
