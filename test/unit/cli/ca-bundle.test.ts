/**
 * `binding webhook-manifest --ca-file` (issue 9 item 11): only CA certificates go into the manifest;
 * a private key, a leaf certificate or junk is refused with one line and a non-zero exit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { caBundleFromPem } from '../../../src/cli/ca-bundle.ts';
import { makeTestPki, type TestPki } from '../server/pki.ts';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

const cli = (args: string[]) =>
  spawnSync(process.execPath, [path.resolve('bin/daas-auth.js'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });

describe('--ca-file', () => {
  it('accepts CA certificates (one or a bundle) and nothing else', () => {
    const ca = readFileSync(pki.caFile, 'utf8');
    const other = readFileSync(path.join(pki.dir, 'other-ca.crt'), 'utf8');
    expect(caBundleFromPem(ca, 'f')).toContain('-----BEGIN CERTIFICATE-----');
    expect(caBundleFromPem(`${ca}\n${other}`, 'f').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(() => caBundleFromPem(readFileSync(pki.keyFile, 'utf8'), 'f')).toThrow(/f holds a private key/);
    expect(() => caBundleFromPem(`${ca}${readFileSync(pki.keyFile, 'utf8')}`, 'f')).toThrow(/private key/);
    expect(() => caBundleFromPem(readFileSync(pki.certFile, 'utf8'), 'f')).toThrow(/not a CA/);
    expect(() => caBundleFromPem(`${ca}trailing junk`, 'f')).toThrow(/not a PEM certificate/);
    expect(() => caBundleFromPem('', 'f')).toThrow(/no CA certificate/);
    expect(() => caBundleFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'f')).toThrow(/does not parse/);
  });

  it('the command refuses a private key with one line and exit 1, and prints the manifest for a CA', () => {
    const refused = cli(['binding', 'webhook-manifest', '--url', 'https://daas.example:8443', '--ca-file', pki.keyFile]);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/holds a private key/);
    expect(refused.stderr).not.toContain('PRIVATE KEY-----');
    const missing = path.join(pki.dir, 'missing.pem');
    const unreadable = cli(['binding', 'webhook-manifest', '--url', 'https://daas.example:8443', '--ca-file', missing]);
    expect(unreadable.status).not.toBe(0);
    expect(unreadable.stderr).toMatch(/cannot read --ca-file .*ENOENT/);
    const ok = cli(['binding', 'webhook-manifest', '--url', 'https://daas.example:8443', '--ca-file', pki.caFile]);
    expect(ok.status).toBe(0);
    const manifest = JSON.parse(ok.stdout);
    const bundle = Buffer.from(manifest.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8');
    expect(bundle).toContain('BEGIN CERTIFICATE');
  });
});
