/**
 * `daas-auth token` runs on every kubectl call (exec plugin), so what it imports is its start-up
 * time. These tests run it in a child Node process with import-recorder.ts preloaded and check that
 * neither the token family's module graph nor a real `token` run through the CLI entry pulls in the
 * heavy server-side packages. A control run (`binding --help`, which does need the Kubernetes client)
 * shows the recorder sees those packages when they are loaded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const RECORDER = resolve(import.meta.dirname, 'import-recorder.ts');
const MAIN = resolve(REPO_ROOT, 'src/cli/main.ts');
const TOKEN_FAMILY = pathToFileURL(resolve(REPO_ROOT, 'src/cli/commands/token.ts')).href;
/** Packages `token` must never load: the gRPC chain client, the HTTP server, the Kubernetes client. */
const HEAVY = /\/node_modules\/(express|@kubernetes\/client-node|@grpc\/grpc-js)\//;
/** A fresh Node process on a loaded 2-core machine takes seconds. */
const SLOW = 60_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'daas-import-graph-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The URLs of every module a `node --import recorder <args>` run resolved, and its exit code. */
async function importsOf(args: string[], name: string): Promise<{ urls: string[]; code: number; stderr: string }> {
  const log = join(dir, `${name}.json`);
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
    execFile(process.execPath, ['--import', RECORDER, ...args], { cwd: REPO_ROOT, env: { ...process.env, DAAS_IMPORT_LOG: log } }, (error, _stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  return { urls: JSON.parse(readFileSync(log, 'utf8')) as string[], code, stderr };
}

const heavy = (urls: string[]) => [...new Set(urls.filter((u) => HEAVY.test(u)).map((u) => HEAVY.exec(u)![1]))];
const families = (urls: string[]) => urls.filter((u) => u.includes('/src/cli/commands/')).map((u) => u.replace(/.*\/commands\//, ''));

describe('what `daas-auth token` imports', () => {
  it("the token family's module graph has no gRPC, express, Kubernetes client or Sui SDK", async () => {
    const run = await importsOf(['--input-type=module', '-e', `await import(${JSON.stringify(TOKEN_FAMILY)})`], 'family');
    expect(run.code).toBe(0);
    expect(run.urls).toContain(TOKEN_FAMILY);
    expect(heavy(run.urls)).toEqual([]);
    // Signing (the SDK) is loaded only when a token is minted (the cache-miss case below shows the recorder sees it).
    expect(run.urls.filter((u) => u.includes('/node_modules/@mysten/'))).toEqual([]);
  }, SLOW);

  it('a real exec-plugin run through the CLI entry loads only the token family', async () => {
    const key = new Ed25519Keypair().getSecretKey();
    const run = await importsOf(
      [MAIN, 'token', '--seal-token', `0x${'a'.repeat(64)}`, '--cluster', 'c1', '--exec-credential', '--no-cache', '--key', key],
      'run',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(families(run.urls)).toEqual(['token.ts']);
    expect(heavy(run.urls)).toEqual([]);
  }, SLOW);

  it('a run answered from the token cache does not load the Sui SDK at all', async () => {
    // A secp256k1 key: its miss signs through the SDK, which shows the recorder sees the SDK when loaded.
    const key = new Secp256k1Keypair().getSecretKey();
    const args = [MAIN, 'token', '--seal-token', `0x${'b'.repeat(64)}`, '--cluster', 'c1', '--exec-credential', '--key', key, '--cache-dir', join(dir, 'token-cache')];
    const miss = await importsOf(args, 'cache-miss');
    expect(miss.code).toBe(0);
    expect(miss.urls.some((u) => u.includes('/node_modules/@mysten/sui/'))).toBe(true);
    const hit = await importsOf(args, 'cache-hit');
    expect(hit.stderr).toBe('');
    expect(hit.code).toBe(0);
    expect(hit.urls.filter((u) => u.includes('/node_modules/@mysten/'))).toEqual([]);
  }, SLOW);

  it('an ed25519 key mints without the Sui SDK: OpenSSL signs', async () => {
    const key = new Ed25519Keypair().getSecretKey();
    const run = await importsOf([MAIN, 'token', '--seal-token', `0x${'c'.repeat(64)}`, '--cluster', 'c1', '--exec-credential', '--no-cache', '--key', key], 'ed25519-miss');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.urls.filter((u) => u.includes('/node_modules/@mysten/'))).toEqual([]);
  }, SLOW);

  it('control: the recorder does see the Kubernetes client when a family needs it', async () => {
    const run = await importsOf([MAIN, 'binding', '--help'], 'control');
    expect(run.code).toBe(0);
    expect(families(run.urls)).toEqual(['binding.ts']);
    expect(heavy(run.urls)).toContain('@kubernetes/client-node');
  }, SLOW);
});
