/**
 * `daas-auth node join` (issue 11): the kubelet kubeconfig's only credential is the seal-token exec plugin
 * with --refresh 1s; bad input of every kind is one line and a non-zero exit, and nothing is written then.
 * The pure parts directly, the command through bin/daas-auth.js in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import type { SealBinding } from '../../../src/k8s/sealbinding.ts';
import { bindingProblem, kubeletKubeconfig, kubeletServerUrl, kubeletTokenArgs, type KubeletKubeconfigSpec } from '../../../src/cli/node-join.ts';
import { makeTestPki, type TestPki } from '../server/pki.ts';

const TOKEN = `0x${'ab'.repeat(32)}`;
const OWNER = `0x${'cd'.repeat(32)}`;
const CLI = path.resolve('bin/daas-auth.js');

let dir: string;
let pki: TestPki;
let keystore: string;
let address: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'daas-node-join-'));
  pki = makeTestPki();
  const key = Ed25519Keypair.generate();
  address = key.toSuiAddress();
  keystore = path.join(dir, 'node.keystore');
  const { secretKey } = decodeSuiPrivateKey(key.getSecretKey());
  writeFileSync(keystore, JSON.stringify([Buffer.from([0, ...secretKey]).toString('base64')]), { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (over: Partial<KubeletKubeconfigSpec> = {}): KubeletKubeconfigSpec => ({
  server: 'https://127.0.0.1:6443',
  caPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
  node: 'real-0',
  clusterId: 'c1',
  sealToken: TOKEN,
  plugin: { command: '/usr/bin/node', args: ['/opt/daas-auth.js'] },
  keyArgs: ['--keystore', '/etc/daas/k', '--address', OWNER],
  cacheDir: '/var/lib/daas/cache',
  ...over,
});

describe('the kubelet kubeconfig', () => {
  it('holds the cluster and one user whose only credential is the node exec plugin with --refresh 1s', () => {
    const doc = kubeletKubeconfig(spec()) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ name: string; user: Record<string, { command: string; args: string[] }> }>;
    };
    expect(doc.clusters[0]?.cluster).toEqual({ server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(spec().caPem).toString('base64') });
    expect(doc.users).toHaveLength(1);
    expect(doc.users[0]?.name).toBe('system:node:real-0');
    expect(Object.keys(doc.users[0]!.user)).toEqual(['exec']);
    expect(doc.users[0]!.user.exec!.command).toBe('/usr/bin/node');
    expect(doc.users[0]!.user.exec!.args).toEqual([
      '/opt/daas-auth.js', 'token', '--seal-token', TOKEN, '--cluster', 'c1', '--node', 'real-0',
      '--exec-credential', '--refresh', '1s', '--cache-dir', '/var/lib/daas/cache', '--keystore', '/etc/daas/k', '--address', OWNER,
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/client-certificate|client-key|"token":/);
  });

  it('with DAAS_KEY from the environment, carries no key flags', () => {
    expect(kubeletTokenArgs(spec({ keyArgs: [] })).slice(-2)).toEqual(['--cache-dir', '/var/lib/daas/cache']);
  });

  it('takes only an https server without credentials, query or fragment', () => {
    expect(kubeletServerUrl('https://10.0.0.1:6443/')).toBe('https://10.0.0.1:6443');
    expect(() => kubeletServerUrl('http://10.0.0.1:6443')).toThrow(/must be an https URL/);
    expect(() => kubeletServerUrl('https://u:p@10.0.0.1')).toThrow(/user or password/);
    expect(() => kubeletServerUrl('https://10.0.0.1/?x=1')).toThrow(/query or fragment/);
    expect(() => kubeletServerUrl('nonsense')).toThrow(/is not a URL/);
  });
});

describe('bindingProblem', () => {
  const binding = (name: string, over: Partial<SealBinding['spec']> = {}, phase = 'Active', created = '2026-01-01T00:00:00Z'): SealBinding =>
    ({
      apiVersion: 'daas.io/v1alpha1',
      kind: 'SealBinding',
      metadata: { name, creationTimestamp: created },
      spec: { nodeName: 'real-0', owner: OWNER, stakeRecord: TOKEN, ...over },
      status: { phase },
    }) as SealBinding;
  const claim = { node: 'real-0', owner: OWNER, sealToken: TOKEN };

  it('accepts the Active binding of this owner (and SealToken, when it names one)', () => {
    expect(bindingProblem([binding('b')], claim)).toBeUndefined();
    expect(bindingProblem([binding('b', { sealToken: TOKEN })], claim)).toBeUndefined();
  });

  it('names what is wrong otherwise', () => {
    expect(bindingProblem([], claim)).toMatch(/no SealBinding names node real-0/);
    expect(bindingProblem([binding('b', { nodeName: 'other' })], claim)).toMatch(/no SealBinding names node real-0/);
    expect(bindingProblem([binding('b', {}, 'Slashed')], claim)).toMatch(/sealbinding\/b for node real-0 is Slashed, not Active/);
    expect(bindingProblem([binding('b', { owner: `0x${'ee'.repeat(32)}` })], claim)).toMatch(/owned by 0xee/);
    expect(bindingProblem([binding('b', { sealToken: `0x${'11'.repeat(32)}` })], claim)).toMatch(/names SealToken 0x1111/);
  });

  it('judges the binding that holds the node (the oldest), not a later duplicate', () => {
    const first = binding('first', {}, 'Slashed', '2026-01-01T00:00:00Z');
    const late = binding('late', {}, 'Active', '2026-02-01T00:00:00Z');
    expect(bindingProblem([late, first], claim)).toMatch(/sealbinding\/first .* is Slashed/);
  });
});

describe('daas-auth node join', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, ...env } });
  const join = (out: string, extra: string[] = []) => [
    '--keystore', keystore, 'node', 'join', '--node', 'real-0', '--server', 'https://127.0.0.1:6443',
    '--certificate-authority', pki.caFile, '--cluster', 'c1', '--seal-token', TOKEN, '--kubelet-kubeconfig', out, ...extra,
  ];

  it('writes the kubeconfig 0600 in a new 0700 directory, and the kubelet config snippet; prints the path', () => {
    const out = path.join(dir, 'etc', 'kubelet.conf');
    const snippet = path.join(dir, 'etc', 'kubelet-seal.yaml');
    const r = run(join(out, ['--kubelet-config', snippet]));
    expect(r.stderr).toMatch(/^daas-auth: wrote the kubelet kubeconfig for node real-0/);
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 0, stdout: `${out}\n` });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(out)).mode & 0o777).toBe(0o700);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { users: Array<{ user: { exec: { command: string; args: string[] } } }> };
    const exec = doc.users[0]!.user.exec;
    expect(exec.command).toBe(process.execPath);
    expect(exec.args.slice(0, 2)).toEqual([CLI, 'token']);
    expect(exec.args).toEqual(expect.arrayContaining(['--node', 'real-0', '--refresh', '1s', '--keystore', keystore, '--address', address]));
    expect(readFileSync(out, 'utf8')).not.toContain(readFileSync(keystore, 'utf8'));
    expect(readFileSync(snippet, 'utf8')).toMatch(/rotateCertificates: false\nserverTLSBootstrap: false/);
    // The same join again changes nothing; a different one needs --force.
    expect(run(join(out)).status).toBe(0);
    const other = run(join(out, ['--cluster', 'c2']));
    expect({ code: other.status, stderr: other.stderr }).toEqual({ code: 1, stderr: `daas-auth: --kubelet-kubeconfig ${out} exists and differs: pass --force to replace it\n` });
    expect(run(join(out, ['--cluster', 'c2', '--force'])).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('"c2"');
  });

  it.each([
    [['--node', 'Real_0'], /--node Real_0 is not a valid node name/],
    [['--server', 'http://127.0.0.1:6443'], /--server http:\/\/127\.0\.0\.1:6443 must be an https URL/],
    [['--seal-token', '0x12'], /--seal-token 0x12 is not a SealToken object id/],
    [['--cluster', 'has space'], /--cluster must be the cluster id/],
    [['--certificate-authority', '/nonexistent/ca.crt'], /--certificate-authority \/nonexistent\/ca\.crt: no such file/],
    [['--certificate-authority', 'LEAF'], /holds a certificate that is not a CA/],
    [['--certificate-authority', 'KEY'], /holds a private key/],
    [['--daas-auth-path', '/nonexistent/daas-auth'], /--daas-auth-path \/nonexistent\/daas-auth: no such file/],
    [['--check-binding', '/nonexistent/kubeconfig'], /--check-binding \/nonexistent\/kubeconfig: no such file/],
    [['--check-binding', 'JUNK'], /--check-binding .* (is not a kubeconfig|has no current cluster)/],
  ])('%j: one line, exit 1, nothing written', (flags, why) => {
    const out = path.join(dir, 'bad', 'kubelet.conf');
    const values: Record<string, string> = { LEAF: pki.certFile, KEY: pki.keyFile, JUNK: keystore };
    const args = join(out);
    for (let i = 0; i < flags.length; i += 2) {
      const value = values[flags[i + 1]!] ?? flags[i + 1]!;
      const at = args.indexOf(flags[i]!);
      if (at >= 0) args[at + 1] = value;
      else args.push(flags[i]!, value);
    }
    const r = run(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(why)]);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --key (it would be written in clear) and reads DAAS_KEY from the kubelet environment instead', () => {
    const out = path.join(dir, 'env', 'kubelet.conf');
    const key = Ed25519Keypair.generate().getSecretKey();
    const base = join(out).slice(2); // without --keystore
    const refused = run(['--key', key, ...base]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^daas-auth: --key would be written into the kubeconfig in clear: use --keystore .* or DAAS_KEY in the kubelet's environment\n$/);
    const ok = run(base, { DAAS_KEY: key });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/the plugin will read DAAS_KEY from the kubelet's environment/);
    expect(readFileSync(out, 'utf8')).not.toContain(key);
  });
});
