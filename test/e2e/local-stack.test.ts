/**
 * `npm start` as a new user meets it (issue 10, "Local stack parity"): the stack registers the same admission
 * webhook configuration the chart installs (src/admission/manifest.ts, which chart-render.test.ts keeps equal to
 * the chart's), so a Node without a SealBinding is refused; and both kubectl lines it prints — the staker
 * kubeconfig with the exec plugin, and the bearer token — are the demo staker, `sui:<addr>`, whether or not
 * .daas/local/env was sourced (its KUBECONFIG is the admin's, whose client certificate used to win).
 *
 * Runs the real hack/local-stack.ts in the foreground, with its real paths (.daas/sim, .daas/local, cluster
 * `local`): it fails at once, saying so, if a developer's `npm start` is already running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { REPO_ROOT, readClusterInfo } from '../../hack/cluster.ts';
import { get } from '../../hack/lib/probe.ts';
import { run } from '../../hack/lib/run.ts';
import { STAKER_KUBECONFIG } from '../../hack/local-stack.ts';

const ENV_FILE = join(REPO_ROOT, '.daas', 'local', 'env');
let stack: ChildProcess | undefined;
const lines: string[] = [];

/** The exports of .daas/local/env, as `source` would set them. */
function sourced(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const l of readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)='(.*)'$/.exec(l) ?? /^export ([A-Z_]+)=(.*)$/.exec(l);
    if (m) env[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return env;
}

/** Runs a printed command line (no shell: its words are paths and flags without spaces). */
function runLine(line: string, env: NodeJS.ProcessEnv) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  return run(cmd!, args, { env });
}

const bareEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' });

beforeAll(async () => {
  stack = spawn(process.execPath, [join(REPO_ROOT, 'hack', 'local-stack.ts')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createInterface({ input: stack.stdout! });
  const err: string[] = [];
  stack.stderr!.on('data', (b: Buffer) => err.push(b.toString()));
  await new Promise<void>((resolve, reject) => {
    out.on('line', (l) => {
      lines.push(l);
      if (l.startsWith('Ctrl-C stops everything')) resolve();
    });
    stack!.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${lines.join('\n')}\n${err.join('')}`)));
  });
}, 600_000);

afterAll(async () => {
  if (!stack || stack.exitCode !== null) return;
  const exited = new Promise((r) => stack!.once('exit', r));
  stack.kill('SIGINT'); // what Ctrl-C does: the stack stops everything it started
  await exited;
});

const demoAddress = () => Ed25519Keypair.fromSecretKey(decodeSuiPrivateKey(sourced().DAAS_DEMO_KEY!).secretKey).toSuiAddress();

test('a Node without a SealBinding is refused by the admission webhook npm start registered', async () => {
  const cluster = readClusterInfo('local')!;
  const node = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: `unbound-${Date.now().toString(36)}` } });
  const r = await run(cluster.binaries.kubectl, [`--kubeconfig=${cluster.kubeconfig}`, 'create', '-f', '-'], { input: node });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/admission webhook "nodes\.admission\.daas\.io" denied the request/);
});

test.each([
  ['the staker kubeconfig line', '--kubeconfig='],
  ['the bearer-token line', '--token='],
])('%s is the demo staker, with and without .daas/local/env sourced', async (_what, marker) => {
  const line = lines.find((l) => l.includes(marker) && l.includes('auth whoami'));
  if (!line) throw new Error(`npm start printed no kubectl line with ${marker}:\n${lines.join('\n')}`);
  if (marker === '--kubeconfig=') expect(line).toContain(`--kubeconfig=${STAKER_KUBECONFIG}`);
  const expected = `sui:${demoAddress()}`;
  for (const env of [bareEnv(), { ...bareEnv(), ...sourced() }]) {
    const r = await runLine(line, env);
    if (r.code !== 0) throw new Error(`${line.split(' ')[0]} … failed: ${r.stderr}`);
    expect(r.stdout).toContain(expected);
  }
  expect(sourced().KUBECONFIG).toBeTruthy(); // the sourced case really had the admin's KUBECONFIG set
});

test('the staker kubeconfig holds no token and no key, only the exec plugin', () => {
  const cfg = JSON.parse(readFileSync(STAKER_KUBECONFIG, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  expect(Object.keys(cfg.users[0]!.user)).toEqual(['exec']);
  expect(JSON.stringify(cfg)).not.toMatch(/seal_|suiprivkey/);
});

test('daas-auth doctor passes every check on the local stack', async () => {
  const env = sourced();
  // What a user of the stack types after `source .daas/local/env`: the demo staker's key and SealToken.
  const r = await run(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), '--output', 'json', 'doctor', '--seal-token', env.DAAS_DEMO_SEAL_TOKEN!], {
    env: { ...bareEnv(), ...env, DAAS_KEY: env.DAAS_DEMO_KEY },
  });
  if (!r.stdout.trim()) throw new Error(`doctor printed nothing (exit ${r.code}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> };
  expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  expect(report.ok).toBe(true);
  expect(r.code).toBe(0);
});

test('kube-apiserver runs --authorization-config and asked daas-auth\'s authorization webhook about the staker\'s requests', async () => {
  const cluster = readClusterInfo('local')!;
  const apiserver = cluster.processes.find((p) => p.name === 'kube-apiserver')!;
  const args = readFileSync(`/proc/${apiserver.pid}/cmdline`, 'utf8').split('\0');
  expect(args).toContain(`--authorization-config=${cluster.webhook.authorizationConfigFile}`);
  expect(args.some((a) => a.startsWith('--authorization-mode'))).toBe(false);
  // The kubectl lines above ran as the demo staker: each of their requests reached POST /authorize (no opinion).
  const metrics = await get(`${new URL(cluster.webhook.url).origin}/metrics`, { ca: cluster.webhook.caFile });
  const answered = Number(/^daas_auth_authorize_total\{result="no_opinion"\} (\d+)$/m.exec(metrics.body)?.[1] ?? 0);
  expect(answered).toBeGreaterThan(0);
});
