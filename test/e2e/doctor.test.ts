/**
 * `daas-auth doctor` (the real CLI) against a private test bed — its own sui-sim, kube-apiserver wired to its
 * own `daas-auth serve` (token webhook, admission webhook, controller) — passes every check, and names the
 * broken piece when one is broken:
 * - wrong package id (the configuration names a package the chain does not have);
 * - wrong CA (the ValidatingWebhookConfiguration's caBundle is another CA);
 * - webhook not wired (a cluster whose token webhook is not daas-auth);
 * - chain down (the sim stops; last, since it does not come back).
 * A private bed because the CA change and the outage would break every other test on the shared one.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, startCluster, stopCluster } from '../../hack/cluster.ts';
import type { ClusterInfo } from '../../hack/lib/cluster-info.ts';
import type { CheckResult } from '../../src/doctor/checks.ts';
import { daasEnv, staker, type Staker } from './authn-support.ts';
import { E2E_CLUSTER_ID } from './harness/daas-serve.ts';
import { e2eEnv, kubectl } from './harness/index.ts';
import { startPrivateBed, type PrivateBed } from './harness/private-bed.ts';

interface Report {
  ok: boolean;
  checks: CheckResult[];
}

let bed: PrivateBed;
let user: Staker;

beforeAll(async () => {
  bed = await startPrivateBed('doctor');
  user = await staker(2);
});

afterAll(async () => {
  await bed?.stop();
});

/** The bed's own `daas-auth serve` configuration (what an operator points doctor at), network settings changed. */
function writeConfig(name: string, network: Record<string, unknown> = {}): string {
  const serveConfig = JSON.parse(readFileSync(daasEnv().configFile, 'utf8')) as { network: Record<string, unknown>; clusters: { id: string }[] };
  expect(serveConfig.clusters[0]?.id).toBe(E2E_CLUSTER_ID);
  const file = join(e2eEnv().runDir, `doctor-${name}.json`);
  writeFileSync(file, JSON.stringify({ ...serveConfig, network: { ...serveConfig.network, timeout: 3, ...network } }));
  return file;
}

/** Runs `daas-auth doctor` with the user's seal token; the key travels in the environment, never in argv. */
function runDoctor(configFile: string, kubeconfig: string, output: 'json' | 'text'): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [join(REPO_ROOT, 'bin/daas-auth.js'), '--config', configFile, '--output', output, 'doctor', '--kubeconfig', kubeconfig, '--seal-token', user.tokenId];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DAAS_KEY: user.key.getSecretKey() };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function doctor(configFile: string, kubeconfig = e2eEnv().cluster.kubeconfig): Promise<{ code: number; report: Report }> {
  const { code, stdout, stderr } = await runDoctor(configFile, kubeconfig, 'json');
  try {
    return { code, report: JSON.parse(stdout) as Report };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

const byId = (report: Report, id: string) => report.checks.filter((c) => c.id === id);
const one = (report: Report, id: string): CheckResult => {
  const found = byId(report, id);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** Doctor exited 1 and its `id` check failed with a detail that says `says`: it named the broken piece. */
function expectNamed(run: { code: number; report: Report }, id: string, says: string): void {
  expect(run.code).toBe(1);
  expect(run.report.ok).toBe(false);
  const check = one(run.report, id);
  expect(check.status).toBe('fail');
  expect(check.detail).toContain(says);
}

test('passes every check on a healthy installation', async () => {
  const { code, report } = await doctor(writeConfig('healthy'));
  expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
  expect(code).toBe(0);
  expect(report.ok).toBe(true);
  expect(one(report, 'authn-webhook').detail).toContain(`sui:${user.address}`);
  expect(new Set(report.checks.map((c) => c.id))).toEqual(
    new Set(['authn-webhook', 'admission-webhook', 'serving-certificate', 'chain-endpoint', 'chain-objects', 'clock-skew', 'crd', 'leader']),
  );
  // The same as text: one ✓ line per check, exit 0.
  const text = await runDoctor(writeConfig('healthy'), e2eEnv().cluster.kubeconfig, 'text');
  expect(text.code).toBe(0);
  const lines = text.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(report.checks.length);
  for (const line of lines) expect(line).toMatch(/^✓ /);
});

test('wrong package id: the package check fails and names network.packageId', async () => {
  const wrong = `0x${randomBytes(32).toString('hex')}`;
  const run = await doctor(writeConfig('wrong-package', { packageId: wrong }));
  expectNamed(run, 'chain-objects', `package ${wrong} does not exist on this chain: wrong network.packageId`);
  expect(one(run.report, 'chain-endpoint').status).toBe('pass');
});

test('wrong CA in the ValidatingWebhookConfiguration: the admission check names it', async () => {
  const { cluster } = e2eEnv();
  const vwc = JSON.parse(await kubectlOut(cluster, ['get', 'validatingwebhookconfiguration', 'daas-auth', '-o', 'json'])) as { webhooks: { caBundle?: string; clientConfig: { caBundle?: string } }[] };
  const original = vwc.webhooks.map((w) => w.clientConfig.caBundle);
  const other = readFileSync(join(cluster.dir, 'pki', 'front-proxy-ca.crt')).toString('base64');
  const patch = (bundles: (string | undefined)[]) =>
    JSON.stringify(bundles.map((b, i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: b })));
  await kubectlOut(cluster, ['patch', 'validatingwebhookconfiguration', 'daas-auth', '--type=json', '-p', patch(original.map(() => other))]);
  try {
    const run = await doctor(writeConfig('wrong-ca'));
    expectNamed(run, 'admission-webhook', 'wrong CA');
    expect(one(run.report, 'authn-webhook').status).toBe('pass');
  } finally {
    await kubectlOut(cluster, ['patch', 'validatingwebhookconfiguration', 'daas-auth', '--type=json', '-p', patch(original)]);
  }
});

test('token webhook not wired: a cluster whose apiserver does not call daas-auth fails the authn check', async () => {
  const name = `${e2eEnv().runId}-unwired`;
  // Its token webhook URL is a free port nothing listens on: kube-apiserver is not wired to daas-auth.
  const unwired = await startCluster({ name, ownerPid: process.pid, log: () => {} });
  try {
    const run = await doctor(writeConfig('unwired'), unwired.kubeconfig);
    expectNamed(run, 'authn-webhook', 'not wired to daas-auth');
    expect(one(run.report, 'chain-objects').status).toBe('pass');
  } finally {
    await stopCluster(name);
  }
});

test('chain down: every Sui endpoint check fails and says it does not answer', async () => {
  await bed.stopSim();
  const { code, report } = await doctor(writeConfig('chain-down'));
  expect(code).toBe(1);
  // One line per endpoint, every one failing.
  const endpoints = byId(report, 'chain-endpoint');
  expect(endpoints.length).toBeGreaterThan(0);
  for (const e of endpoints) {
    expect(e.status).toBe('fail');
    expect(e.detail).toContain('does not answer');
  }
  expect(one(report, 'crd').status).toBe('pass');
});

async function kubectlOut(cluster: ClusterInfo, args: string[]): Promise<string> {
  const r = await kubectl(args, { cluster });
  if (r.code !== 0) throw new Error(`kubectl ${args.slice(0, 2).join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}
