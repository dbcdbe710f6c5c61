/**
 * What the exec plugin costs a kubectl user: `kubectl get --raw /version` against a real kube-apiserver
 * wired to `daas-auth serve`, with the seal-token plugin (the single-file binary, built here; token cache
 * hit and miss) and with a static bearer token (a ServiceAccount token in the kubeconfig) on the same
 * apiserver (the kubeconfig as `daas-auth kubeconfig` writes it, with its /bin/sh fast path for a cached
 * credential, and without it) — plus each plugin's own run next to `node -e 0`, with aws-iam-authenticator's `token` (built
 * from Go modules, pinned) as the reference of a one-file Go plugin. Every row is run in the same
 * interleaved rounds, so a busy neighbour slows all rows alike; the table gives each row's median.
 *
 *   node bench/kubectl/run.ts [--runs 21] [--no-write]
 *
 * Goals (issue 15): kubectl with a cache hit ≤ 1.25× the static token; the plugin's own run ≤ 2×
 * `node -e 0` on a hit and ≤ 4× on a miss. Results go to stdout and docs/benchmarks.md. Needs the
 * test bed's binaries (node hack/build.ts) and Go for aws-iam-authenticator (cached after one build).
 * aws-iam-authenticator runs in a fresh network namespace with no route (`unshare -n`): it presigns
 * locally and must not reach AWS, whatever its SDK tries.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { buildBinary } from '../../hack/build-bin.ts';
import { runChecked } from '../../hack/lib/run.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { fundedKey, localNetwork } from '../../test/e2e/harness/chain.ts';
import { E2E_CLUSTER_ID, type DaasServeEnv } from '../../test/e2e/harness/daas-serve.ts';
import { useBed } from '../../test/e2e/harness/env.ts';
import { runCleanups, setUpBed } from '../../test/e2e/harness/global-setup.ts';
import type { SetupContext } from '../../test/e2e/harness/setup-steps.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const BEGIN = '<!-- kubectl:begin -->';
const END = '<!-- kubectl:end -->';
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 21) || 21;
const NODE = path.join(ROOT, 'node_modules', 'node', 'bin', 'node');
export const AWS_IAM_AUTHENTICATOR_VERSION = 'v0.6.13';
const EXEC_INFO = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });

interface Row {
  name: string;
  /** One run, timed (ms); rejects on failure. */
  measure(): Promise<number>;
  times: number[];
}

/**
 * One run, wall time in ms. Asynchronous on purpose: the bed's sui-sim runs in this process and must
 * keep answering the webhook while kubectl waits.
 */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} failed (${code}): ${stderr.trim().slice(0, 400)}`));
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function awsIamAuthenticator(): Promise<string> {
  const dir = path.join(homedir(), '.cache', 'daas-auth', 'bench-bin', `aws-iam-authenticator-${AWS_IAM_AUTHENTICATOR_VERSION}`);
  const binary = path.join(dir, 'aws-iam-authenticator');
  if (!existsSync(binary)) {
    process.stderr.write(`building aws-iam-authenticator ${AWS_IAM_AUTHENTICATOR_VERSION} from Go modules…\n`);
    await runChecked('go', ['install', '-ldflags', '-s -w', `sigs.k8s.io/aws-iam-authenticator/cmd/aws-iam-authenticator@${AWS_IAM_AUTHENTICATOR_VERSION}`], {
      env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
    });
  }
  return binary;
}

async function main(): Promise<void> {
  const aws = await awsIamAuthenticator();
  const work = mkdtempSync(path.join(tmpdir(), 'daas-bench-kubectl-'));
  const runDir = path.join(ROOT, '.daas', 'bench', `kubectl-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const ctx: SetupContext = { runId: `bench-${process.pid}`, runDir, log: (l) => process.stderr.write(`[bench] ${l}\n`), env: { runId: `bench-${process.pid}`, runDir }, cleanups: [] };
  try {
    process.stderr.write('[bench] building the single-file binary…\n');
    const binary = await buildBinary(path.join(work, 'build'));
    const { env } = await setUpBed(ctx);
    useBed(env);
    const { cluster } = env;
    const kubectl = cluster.binaries.kubectl;

    // A staker with a SealToken, its key in a keystore, and a kubeconfig written by the binary itself.
    const key = await fundedKey(10n);
    const writer = new ChainWriter(localNetwork(), key);
    const { recordId } = await writer.stake({ mist: 2n * MIST_PER_SUI, kind: 'user' });
    const { tokenId } = await writer.createSealToken(recordId);
    writer.close();
    const home = path.join(work, 'home');
    mkdirSync(home);
    const keystore = path.join(home, 'sui.keystore');
    writeFileSync(keystore, JSON.stringify([Buffer.from([0, ...decodeSuiPrivateKey(key.getSecretKey()).secretKey]).toString('base64')]), { mode: 0o600 });
    const pluginConfig = path.join(home, 'plugin.kubeconfig');
    const plainConfig = path.join(home, 'plain.kubeconfig');
    const userEnv = { PATH: '/usr/bin:/bin', HOME: home };
    const setup = ['--keystore', keystore, 'kubeconfig', '--seal-token', tokenId, '--cluster', E2E_CLUSTER_ID, '--server', cluster.server, '--certificate-authority', cluster.caFile];
    await timed(binary, [...setup, '--kubeconfig', pluginConfig], userEnv);
    await timed(binary, [...setup, '--kubeconfig', plainConfig, '--no-shell-cache'], userEnv);

    // The static token: a ServiceAccount token in a plain kubeconfig (validated by the apiserver itself).
    const admin = ['--kubeconfig', cluster.kubeconfig];
    spawnSync(kubectl, [...admin, 'create', 'serviceaccount', 'bench-static', '-n', 'default'], { stdio: 'ignore' });
    const saToken = (await runChecked(kubectl, [...admin, 'create', 'token', 'bench-static', '-n', 'default', '--duration', '1h'])).stdout.trim();
    const staticConfig = path.join(home, 'static.kubeconfig');
    writeFileSync(
      staticConfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
        users: [{ name: 'u', user: { token: saToken } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
      { mode: 0o600 },
    );

    const token = ['token', '--seal-token', tokenId, '--cluster', E2E_CLUSTER_ID, '--exec-credential', '--keystore', keystore];
    const pluginEnv = { ...userEnv, KUBERNETES_EXEC_INFO: EXEC_INFO };
    const awsEnv = { PATH: '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    let fresh = 0;
    const freshCache = () => path.join(work, `cache-${fresh++}`);
    const row = (name: string, measure: () => Promise<number>): Row => ({ name, measure, times: [] });
    const rows = [
      row('node -e 0 (Node 24)', () => timed(NODE, ['-e', '0'], userEnv)),
      row('daas-auth token --exec-credential, cache hit', () => timed(binary, token, pluginEnv)),
      row('daas-auth token --exec-credential, cache miss', () => timed(binary, [...token, '--no-cache'], pluginEnv)),
      row(`aws-iam-authenticator ${AWS_IAM_AUTHENTICATOR_VERSION} token (reference)`, () => timed('unshare', ['-n', '--', aws, 'token', '-i', 'bench-cluster'], awsEnv)),
      row('kubectl get --raw /version, static token', () => timed(kubectl, ['--kubeconfig', staticConfig, 'get', '--raw', '/version'], userEnv)),
      row('kubectl get --raw /version, plugin cache hit', () => timed(kubectl, ['--kubeconfig', pluginConfig, 'get', '--raw', '/version'], userEnv)),
      row('kubectl get --raw /version, plugin cache hit without the shell fast path', () => timed(kubectl, ['--kubeconfig', plainConfig, 'get', '--raw', '/version'], userEnv)),
      row('kubectl get --raw /version, plugin cache miss', () => timed(kubectl, ['--kubeconfig', plainConfig, 'get', '--raw', '/version'], { ...userEnv, DAAS_TOKEN_CACHE_DIR: freshCache() })),
    ];
    // Warm-up: fills the token cache, the apiserver's token cache and the page cache.
    try {
      for (const r of rows) await r.measure();
      for (let i = 0; i < RUNS; i++) for (const r of rows) r.times.push(await r.measure());
    } catch (error) {
      const log = readFileSync((env.webhook as DaasServeEnv).logFile, 'utf8').trim().split('\n').slice(-4).join('\n');
      throw new Error(`${(error as Error).message}\nthe webhook's last lines:\n${log}`, { cause: error });
    }
    report(rows.map((r) => ({ name: r.name, ms: median(r.times) })));
  } finally {
    useBed(undefined);
    await runCleanups(ctx).catch((error: unknown) => process.stderr.write(`[bench] cleanup: ${(error as Error).message}\n`));
    rmSync(work, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  }
}

function report(results: { name: string; ms: number }[]): void {
  const ms = (prefix: string) => results.find((r) => r.name.startsWith(prefix))!.ms;
  const node = ms('node -e 0');
  const staticMs = ms('kubectl get --raw /version, static');
  const ratios = {
    kubectlHit: ms('kubectl get --raw /version, plugin cache hit') / staticMs,
    pluginHit: ms('daas-auth token --exec-credential, cache hit') / node,
    pluginMiss: ms('daas-auth token --exec-credential, cache miss') / node,
  };
  const lines = [
    `Run ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} cores, 1-min load ${loadavg()[0]!.toFixed(2)} at the end), Node ${process.versions.node}: median of ${RUNS} interleaved rounds, wall time per run.`,
    '',
    '| what | median ms | vs `node -e 0` | vs static token |',
    '|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.ms.toFixed(1)} | ${(r.ms / node).toFixed(2)}× | ${r.name.startsWith('kubectl') ? `${(r.ms / staticMs).toFixed(2)}×` : ''} |`),
    '',
    `Goals: kubectl with a cache hit ≤ 1.25× the static token — **${ratios.kubectlHit.toFixed(2)}×** ${ratios.kubectlHit <= 1.25 ? 'met' : 'NOT met'}; ` +
      `the plugin's own run ≤ 2× \`node -e 0\` on a hit — **${ratios.pluginHit.toFixed(2)}×** ${ratios.pluginHit <= 2 ? 'met' : 'NOT met'}; ` +
      `≤ 4× on a miss — **${ratios.pluginMiss.toFixed(2)}×** ${ratios.pluginMiss <= 4 ? 'met' : 'NOT met'}.`,
  ];
  const section = lines.join('\n');
  process.stdout.write(`${section}\n`);
  if (process.argv.includes('--no-write')) return;
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${BEGIN} … ${END} section`);
  writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${section}\n${doc.slice(end)}`);
}

await main().catch((error: unknown) => {
  process.stderr.write(`bench/kubectl: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
