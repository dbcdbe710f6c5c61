/**
 * The exec credential plugin as a user installs it: the single-file binary (`npm run build:bin`, built
 * here from the current sources) copied alone into an empty directory outside the repository, run with
 * PATH=/usr/bin:/bin — no Node, npm or node_modules reachable — writes its own kubeconfig entry with
 * `daas-auth kubeconfig`, and plain kubectl authenticates through the real kube-apiserver and webhook.
 * A long-running kubectl (kubectl proxy) keeps working past the first token's expiry plus the skew the
 * webhook allows, which only a fresh token can do: the first token is shown refused at that moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { buildBinary } from '../../hack/build-bin.ts';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { run, type RunResult } from '../../hack/lib/run.ts';
import { loadConfig } from '../../src/config/load.ts';
import { tierRoleBindingList } from '../../src/rbac/tiers.ts';
import { applyFile, staker, type Staker } from './authn-support.ts';
import { E2E_CLUSTER_ID, type DaasServeEnv } from './harness/daas-serve.ts';
import { createNamespace, e2eEnv, kubectl } from './harness/index.ts';

/** The plugin's shortest allowed lifetime: kubectl re-runs the plugin 60 s after minting. */
const TTL_SECONDS = 120;

let who: Staker;
/** The empty directory outside the repository the binary runs in (also its HOME: the token cache lands here). */
let home: string;
let binary: string;
let namespace: string;
let kubeconfig: string;

/** The user's environment: nothing but the system directories on PATH. */
const userEnv = () => ({ PATH: '/usr/bin:/bin', HOME: home });
const daasAuth = (args: string[]): Promise<RunResult> => run(binary, args, { cwd: home, env: userEnv() });

beforeAll(async () => {
  await applyFile(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'));
  // The tiers act only in namespaces the operator lists (docs/security.md): list one of this file's own
  // (not `default`: authn-tiers.test.ts checks the tiers cannot act there).
  namespace = await createNamespace('exec');
  const bindings = join(mkdtempSync(join(tmpdir(), 'daas-tier-rbac-')), 'bindings.json');
  writeFileSync(bindings, JSON.stringify(tierRoleBindingList([namespace])));
  await applyFile(bindings);
  const built = mkdtempSync(join(tmpdir(), 'daas-bin-build-'));
  home = mkdtempSync(join(tmpdir(), 'daas-bin-home-'));
  try {
    const target = await buildBinary(built);
    const [digest] = readFileSync(`${target}.sha256`, 'utf8').split(' ');
    expect(createHash('sha256').update(readFileSync(target)).digest('hex')).toBe(digest);
    binary = join(home, 'daas-auth');
    copyFileSync(target, binary);
  } finally {
    rmSync(built, { recursive: true, force: true });
  }
  who = await staker(2);
  const keystore = join(home, 'sui.keystore');
  writeFileSync(keystore, JSON.stringify([Buffer.from([0, ...decodeSuiPrivateKey(who.key.getSecretKey()).secretKey]).toString('base64')]), { mode: 0o600 });
  kubeconfig = join(home, 'kubeconfig');
}, 300_000);

afterAll(() => rmSync(home, { recursive: true, force: true }));

it('the binary runs alone: --version, and token --exec-credential with PATH=/usr/bin:/bin and no node_modules', async () => {
  expect(readdirSync(home).sort()).toEqual(['daas-auth', 'sui.keystore']);
  const version = await daasAuth(['--version']);
  expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^daas-auth \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)\n$/) });
  const minted = await daasAuth(['--keystore', 'sui.keystore', 'token', '--seal-token', who.tokenId, '--cluster', E2E_CLUSTER_ID, '--exec-credential', '--no-cache']);
  expect(minted.stderr).toBe('');
  expect(JSON.parse(minted.stdout)).toMatchObject({ kind: 'ExecCredential', status: { token: expect.stringMatching(/^seal_/) } });
  // Not even the machine's own Node is involved: /usr/bin/node is 20, and nothing here asks for it.
  expect(minted.code).toBe(0);
});

it('daas-auth kubeconfig writes a user kubectl authenticates with as sui:<address>', async () => {
  const { cluster } = e2eEnv();
  const args = ['--keystore', join(home, 'sui.keystore'), 'kubeconfig', '--kubeconfig', kubeconfig, '--seal-token', who.tokenId, '--cluster', E2E_CLUSTER_ID];
  const where = ['--server', cluster.server, '--certificate-authority', cluster.caFile, '--ttl', `${TTL_SECONDS}s`];
  const written = await daasAuth([...args, ...where]);
  expect(written).toMatchObject({ code: 0, stdout: `daas-${E2E_CLUSTER_ID}\n` });
  expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
  // kubectl runs /bin/sh, which answers from the credential file while it is fresh and runs the binary otherwise.
  expect(readFileSync(kubeconfig, 'utf8')).toMatch(new RegExp(`command: /bin/sh\n[\\s\\S]*- ${binary}\n`));
  const again = await daasAuth([...args, '--server', 'https://127.0.0.1:1', '--certificate-authority', cluster.caFile, '--ttl', `${TTL_SECONDS}s`]);
  expect(again).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/already has a different cluster named daas-daas-e2e: pass --force to replace it\n$/) });

  const me = await kubectlAsUser(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  expect(me).toMatchObject({ code: 0, stdout: `sui:${who.address}` });
  expect((await kubectlAsUser(['get', 'pods', '-n', namespace])).code).toBe(0);
});

it("keeps a long-running kubectl working past one token's lifetime plus the webhook's skew", async () => {
  const skew = webhookSkewSeconds();
  const proxy = await startProxy();
  try {
    expect(await proxyGet(proxy.port, `/api/v1/namespaces/${namespace}/pods`)).toBe(200);
    const first = cachedToken();
    // Past exp + skew the webhook refuses the first token whoever presents it: only a fresh one can pass.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (first.exp + skew + 2) * 1000 - Date.now())));
    expect(await proxyGet(proxy.port, `/api/v1/namespaces/${namespace}/pods`)).toBe(200);
    const second = cachedToken();
    expect(second.token).not.toBe(first.token);
    expect(second.exp).toBeGreaterThan(first.exp);
    const stale = await kubectl(['get', '--raw', '/version'], { token: first.token });
    expect(stale).toMatchObject({ code: 1, stderr: expect.stringMatching(/Unauthorized/) });
  } finally {
    proxy.child.kill('SIGTERM');
  }
}, 300_000);

function kubectlAsUser(args: string[]): Promise<RunResult> {
  return run(e2eEnv().cluster.binaries.kubectl, ['--kubeconfig', kubeconfig, ...args], { cwd: home, env: userEnv() });
}

/** The webhook's token.skew, from the configuration `daas-auth serve` runs with. */
function webhookSkewSeconds(): number {
  return loadConfig({ file: (e2eEnv().webhook as DaasServeEnv).configFile, env: {} }).token.skewSeconds;
}

/** The one token in the plugin's cache (HOME/.kube/cache/daas-auth): the one kubectl was last handed. */
function cachedToken(): { token: string; exp: number } {
  const dir = join(home, '.kube', 'cache', 'daas-auth');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { token: string; exp: number };
}

async function startProxy(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(e2eEnv().cluster.binaries.kubectl, ['--kubeconfig', kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1'], {
    cwd: home,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${out}`)));
  });
  return { child, port };
}

function proxyGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
