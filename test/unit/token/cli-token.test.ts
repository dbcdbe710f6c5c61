import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { execCredential, execCredentialVersion } from '../../../src/token/exec-credential.ts';
import { verifySealToken } from '../../../src/token/index.ts';
import { TOK } from './fixtures.ts';

const run = promisify(execFile);
const NODE = 'node_modules/.bin/node';
const MAIN = 'src/cli/main.ts';
/** Each case starts the CLI in a fresh Node process (seconds on a loaded machine). */
const SLOW = 60_000;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(NODE, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const verifyAt = (token: string, now: number) =>
  verifySealToken(token, { clusters: [{ id: 'c1', apiAudiences: [] }], now, skewSeconds: 60, maxLifetimeSeconds: 900 });

describe('daas-auth token', () => {
  const kp = new Ed25519Keypair();
  const key = kp.getSecretKey();

  it('prints a seal token that verifies for the key\'s address', async () => {
    const { stdout, code } = await cli(['token', '--seal-token', TOK, '--cluster', 'c1', '--key', key]);
    expect(code).toBe(0);
    const token = stdout.trim();
    const result = await verifyAt(token, Math.floor(Date.now() / 1000));
    expect(result).toMatchObject({ ok: true, claims: { sub: kp.toSuiAddress(), tok: TOK, aud: 'c1' } });
    if (result.ok) expect(result.claims.exp - result.claims.iat).toBe(900);
  }, SLOW);

  it('prints an ExecCredential of the version kubectl asks for, expiring a minute before exp', async () => {
    for (const apiVersion of ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']) {
      const execInfo = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
      const { stdout, code } = await cli(['token', '--seal-token', TOK, '--cluster', 'c1', '--ttl', '10m', '--node', 'worker-1', '--exec-credential', '--no-cache'], {
        DAAS_KEY: key,
        KUBERNETES_EXEC_INFO: execInfo,
      });
      expect(code).toBe(0);
      const credential = JSON.parse(stdout);
      expect(credential).toMatchObject({ apiVersion, kind: 'ExecCredential', status: { token: expect.stringMatching(/^seal_/) } });
      const result = await verifyAt(credential.status.token, Math.floor(Date.now() / 1000));
      expect(result).toMatchObject({ ok: true, claims: { node: 'worker-1' } });
      if (result.ok) {
        expect(Date.parse(credential.status.expirationTimestamp) / 1000).toBe(result.claims.exp - 60);
        expect(result.claims.exp - result.claims.iat).toBe(600);
      }
    }
  }, SLOW);

  it('reuses a cached token for the same request and mints for another (exec plugin)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'daas-cli-token-cache-'));
    try {
      const exec = async (...extra: string[]) => {
        const { stdout, stderr, code } = await cli(['token', '--seal-token', TOK, '--cluster', 'c1', '--exec-credential', '--key', key, ...extra], { DAAS_TOKEN_CACHE_DIR: cacheDir });
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        return JSON.parse(stdout).status.token as string;
      };
      const first = await exec();
      expect((await verifyAt(first, Math.floor(Date.now() / 1000))).ok).toBe(true);
      // Mark the cached entry (same exp, another token), so an answer from the cache is told apart from a
      // new mint (minting is deterministic: two mints in one second give the same token).
      const [file] = readdirSync(cacheDir);
      const entry = JSON.parse(readFileSync(join(cacheDir, file!), 'utf8'));
      writeFileSync(join(cacheDir, file!), JSON.stringify({ ...entry, token: 'seal_from.cache' }));
      expect(await exec()).toBe('seal_from.cache');
      for (const other of [['--cache-dir', join(cacheDir, 'elsewhere')], ['--node', 'worker-1'], ['--ttl', '10m'], ['--no-cache']]) {
        const token = await exec(...other);
        expect(token).not.toBe('seal_from.cache');
        expect((await verifyAt(token, Math.floor(Date.now() / 1000))).ok).toBe(true);
      }
      expect(await exec()).toBe('seal_from.cache');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, SLOW * 4);

  it.each([
    [['--cluster', 'c1'], /--seal-token/],
    [['--seal-token', TOK], /--cluster/],
    [['--seal-token', 'abc', '--cluster', 'c1'], /--seal-token/],
    [['--seal-token', TOK, '--cluster', 'c1', '--ttl', 'soon'], /--ttl/],
    [['--seal-token', TOK, '--cluster', 'c1', '--ttl', '30s'], /between/],
    [['--seal-token', TOK, '--cluster', 'c1', '--node', 'Bad_Name'], /node name/],
  ])('refuses %p with one line', async (args, message) => {
    const { stderr, code } = await cli(['token', ...args, '--key', key]);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  }, SLOW);

  it('refuses an ExecCredential version it cannot speak', async () => {
    const { stderr, code } = await cli(['token', '--seal-token', TOK, '--cluster', 'c1', '--exec-credential', '--no-cache', '--key', key], {
      KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1alpha1' }),
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/v1alpha1/);
  }, SLOW);
});

describe('ExecCredential helpers', () => {
  it('defaults to v1beta1 without KUBERNETES_EXEC_INFO and formats RFC 3339 without fractions', () => {
    expect(execCredentialVersion(undefined)).toBe('client.authentication.k8s.io/v1beta1');
    expect(() => execCredentialVersion('{')).toThrow(/JSON/);
    expect(execCredential('client.authentication.k8s.io/v1', 't', 1_800_000_060).status.expirationTimestamp).toBe('2027-01-15T08:00:00Z');
  });

  it('tells the client to ask again at the refresh time when that comes before the expiry margin', () => {
    expect(execCredential('client.authentication.k8s.io/v1', 't', 1_800_000_060, 1_799_999_001).status.expirationTimestamp).toBe('2027-01-15T07:43:21Z');
    expect(execCredential('client.authentication.k8s.io/v1', 't', 1_800_000_060, 1_900_000_000).status.expirationTimestamp).toBe('2027-01-15T08:00:00Z');
  });
});
