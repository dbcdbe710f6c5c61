/**
 * The exec credential plugin with plain kubectl: a kubeconfig whose user runs
 * `daas-auth token --exec-credential`; it works for one-shot commands, and a long-running kubectl
 * (kubectl proxy) keeps working past the first token's expiry because kubectl re-runs the plugin when
 * `expirationTimestamp` (a minute before `exp`) has passed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../../hack/cluster.ts';
import { applyFile, staker, type Staker } from './authn-support.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { e2eEnv, kubectl, uniqueName } from './harness/index.ts';

/** The plugin's shortest allowed lifetime: credentials expire (for kubectl) 60 s after minting. */
const TTL_SECONDS = 120;

let who: Staker;
let kubeconfig: string;
let runsFile: string;

beforeAll(async () => {
  await applyFile(join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml'));
  who = await staker(2);
  const { cluster, runDir } = e2eEnv();
  runsFile = join(runDir, `${uniqueName('exec-runs')}.log`);
  writeFileSync(runsFile, '');
  kubeconfig = join(runDir, `${uniqueName('exec-kubeconfig')}.yaml`);
  const plugin = [process.execPath, join(REPO_ROOT, 'bin', 'daas-auth.js'), 'token', '--seal-token', who.tokenId, '--cluster', E2E_CLUSTER_ID, '--ttl', `${TTL_SECONDS}s`, '--exec-credential']
    .map((word) => `'${word}'`)
    .join(' ');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
    users: [
      {
        name: 'staker',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            // A shell line so the test can count plugin runs; a real kubeconfig names daas-auth directly (docs/kubeconfig-exec.md).
            command: '/bin/sh',
            args: ['-c', `echo run >> '${runsFile}'; exec ${plugin}`],
            env: [
              { name: 'DAAS_KEY', value: who.key.getSecretKey() },
              { name: 'DAAS_TOKEN_CACHE_DIR', value: join(runDir, uniqueName('token-cache')) },
            ],
            interactiveMode: 'Never',
          },
        },
      },
    ],
    contexts: [{ name: 'staker', context: { cluster: cluster.name, user: 'staker' } }],
    'current-context': 'staker',
  };
  writeFileSync(kubeconfig, JSON.stringify(config), { mode: 0o600 });
});

const runs = () => readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length;

it('works with plain kubectl', async () => {
  const me = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig });
  expect(me).toMatchObject({ code: 0, stdout: `sui:${who.address}` });
  expect((await kubectl(['get', 'pods', '-n', 'default'], { kubeconfig })).code).toBe(0);
  expect(runs()).toBeGreaterThanOrEqual(2);
});

it('keeps a long-running kubectl working past one token\'s expiry', async () => {
  const proxy = await startProxy(kubeconfig);
  try {
    const before = runs();
    expect(await proxyGet(proxy.port, '/api/v1/namespaces/default/pods')).toBe(200);
    const firstAt = Date.now();
    // Past the first token's `exp` (TTL after it was minted), so only a fresh token can succeed.
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 5_000 - (Date.now() - firstAt)));
    expect(await proxyGet(proxy.port, '/api/v1/namespaces/default/pods')).toBe(200);
    expect(runs() - before).toBeGreaterThanOrEqual(2);
  } finally {
    proxy.child.kill('SIGTERM');
  }
}, 240_000);

async function startProxy(file: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(e2eEnv().cluster.binaries.kubectl, ['--kubeconfig', file, 'proxy', '--port=0', '--address=127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
