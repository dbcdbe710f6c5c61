// `npm start`: the local stack of docs/design.md §9, in the foreground until Ctrl-C:
//   sui-sim (.daas/sim, what `--network local` reads) → a cluster named "local" whose token webhook is a port
//   reserved here → `daas-auth serve` on that port (when src/cli/commands/serve.ts exists) → a demo staker
//   (funded, 5 SUI staked, a SealToken, a seal_ token) → .daas/local/env and a ready-to-paste kubectl line.
//   `npm start -- --kms`: the cluster's Secrets are encrypted at rest through daas-auth kms (docs/kms.md).
// Everything started is stopped, last first, on Ctrl-C, SIGTERM or a failed start.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { resolveNetwork } from '../src/chain/network.ts';
import { MIST_PER_SUI } from '../src/chain/schema.ts';
import { ChainWriter } from '../src/chain/writer.ts';
import { tierRoleBindingList } from '../src/rbac/tiers.ts';
import { SimAdminClient, startSim, type SimHandle } from '../src/sim/index.ts';
import { makeSealToken, newClaims } from '../src/token/index.ts';
import { REPO_ROOT, startCluster, stopCluster, type ClusterInfo } from './cluster.ts';
import { writeKubeconfig } from './lib/kubeconfig.ts';
import { freePort } from './lib/ports.ts';
import { waitFor200 } from './lib/probe.ts';
import { isRunning, stopGroups } from './lib/procs.ts';
import { applyFiles, installCrds } from './lib/manifests.ts';
import { validatingWebhookConfiguration } from '../src/admission/manifest.ts';
import { toBase64 } from '@mysten/sui/utils';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';

const LOCAL_DIR = join(REPO_ROOT, '.daas', 'local');
const SIM_STATE = join(REPO_ROOT, '.daas', 'sim');
const CLUSTER = 'local';
const TIER_RBAC = join(REPO_ROOT, 'deploy', 'rbac', 'tiers.yaml');
/** Where the demo staker's tier applies (the operator-listed namespaces of a real cluster). */
const DEMO_NAMESPACE = 'default';
const SERVE_MODULE = join(REPO_ROOT, 'src', 'cli', 'commands', 'serve.ts');
const DEMO_STAKE_SUI = 5n; // the admin tier with the default tier table
const DEMO_TOKEN_TTL_S = 15 * 60;
/** The demo staker's kubeconfig: kubectl runs `daas-auth token --exec-credential` for every command. */
export const STAKER_KUBECONFIG = join(LOCAL_DIR, 'staker.kubeconfig');
const DEMO_KEYSTORE = join(LOCAL_DIR, 'demo.keystore');

interface Demo {
  key: string;
  stakeRecord: string;
  sealToken: string;
  token: string;
}

interface Stack {
  webhookPort: number;
  sim?: SimHandle;
  cluster?: ClusterInfo;
  serve?: ChildProcess;
  demo?: Demo;
}

const log = (line: string) => console.log(line);

async function startServe(stack: Stack): Promise<void> {
  const cluster = stack.cluster;
  if (!cluster || !stack.sim) throw new Error('serve needs the sim and the cluster');
  if (!existsSync(SERVE_MODULE)) {
    log('daas-auth serve: not built yet (no src/cli/commands/serve.ts); bearer tokens get 401 until it is');
    return;
  }
  log(`starting daas-auth serve on 127.0.0.1:${stack.webhookPort}…`);
  const logFile = join(LOCAL_DIR, 'serve.log');
  const fd = openSync(logFile, 'a');
  const env = {
    ...process.env,
    DAAS_NETWORK: 'local',
    DAAS_SIM_STATE: SIM_STATE,
    DAAS_CLUSTER: cluster.name,
    DAAS_API_AUDIENCES: cluster.apiAudiences.join(','),
    DAAS_HOST: '127.0.0.1',
    DAAS_PORT: String(stack.webhookPort),
    DAAS_TLS_CERT: cluster.webhook.servingCertFile,
    DAAS_TLS_KEY: cluster.webhook.servingKeyFile,
    DAAS_CLIENT_CA: cluster.webhook.clientCaFile,
    DAAS_KUBECONFIG: cluster.kubeconfig,
  };
  stack.serve = spawn(process.execPath, [join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'serve'], {
    env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const pid = stack.serve.pid;
  await waitFor200(
    `https://127.0.0.1:${stack.webhookPort}/healthz`,
    { ca: cluster.webhook.caFile, cert: cluster.webhook.clientCertFile, key: cluster.webhook.clientKeyFile },
    {
      timeoutMs: 60000,
      what: 'daas-auth serve',
      check: () => {
        if (pid === undefined || !isRunning(pid)) throw new Error(`daas-auth serve exited; see ${logFile}`);
      },
    },
  );
}

async function makeDemo(stack: Stack): Promise<void> {
  if (!stack.sim || !stack.cluster) throw new Error('the demo staker needs the sim and the cluster');
  log('demo staker: funding, staking, minting a SealToken…');
  const key = Ed25519Keypair.generate();
  const sub = key.toSuiAddress();
  await new SimAdminClient(stack.sim.adminUrl).fund(sub, (DEMO_STAKE_SUI + 5n) * MIST_PER_SUI);
  const writer = new ChainWriter(resolveNetwork('local', { stateDir: SIM_STATE, env: {} }), key);
  try {
    const { recordId } = await writer.stake({ mist: DEMO_STAKE_SUI * MIST_PER_SUI, kind: 'user' });
    const { tokenId } = await writer.createSealToken(recordId, 'user');
    const claims = newClaims({
      cluster: stack.cluster.name,
      sub,
      sealToken: tokenId,
      ttlSeconds: DEMO_TOKEN_TTL_S,
    });
    stack.demo = {
      key: key.getSecretKey(),
      stakeRecord: recordId,
      sealToken: tokenId,
      token: await makeSealToken(key, claims),
    };
  } finally {
    writer.close();
  }
}

/**
 * The admission webhook configuration, from the generator the chart agrees with (src/admission/manifest.ts;
 * test/e2e/chart-render.test.ts): Nodes without an Active SealBinding are refused, as in a real install.
 */
async function installAdmissionWebhook(cluster: ClusterInfo, port: number): Promise<void> {
  const manifest = validatingWebhookConfiguration({
    endpoint: { url: `https://127.0.0.1:${port}` },
    caBundlePem: readFileSync(cluster.webhook.caFile, 'utf8'),
  });
  const file = join(LOCAL_DIR, 'validating-webhook-configuration.json');
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  await applyFiles(cluster, [file]);
  log(`registered the admission webhook (ValidatingWebhookConfiguration ${manifest.metadata.name})`);
}

/**
 * .daas/local/staker.kubeconfig: the cluster, and the demo staker as an exec-plugin user (docs/kubeconfig-exec.md)
 * whose key is in .daas/local/demo.keystore (0600). No client certificate and no KUBECONFIG involved, so
 * `kubectl --kubeconfig=<it>` is the staker whether or not .daas/local/env was sourced.
 */
function writeStakerKubeconfig(stack: Stack): void {
  const c = stack.cluster;
  const demo = stack.demo;
  if (!c || !demo) return;
  const { secretKey, scheme } = decodeSuiPrivateKey(demo.key);
  if (scheme !== 'ED25519') throw new Error(`demo key scheme ${scheme}: expected ED25519`);
  writeFileSync(DEMO_KEYSTORE, JSON.stringify([toBase64(new Uint8Array([0, ...secretKey]))]), { mode: 0o600 });
  const exec = {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: [
      join(REPO_ROOT, 'bin', 'daas-auth.js'),
      'token',
      '--seal-token', demo.sealToken,
      '--cluster', c.name,
      '--exec-credential',
      '--keystore', DEMO_KEYSTORE,
      '--cache-dir', join(LOCAL_DIR, 'token-cache'),
    ],
    interactiveMode: 'Never',
    provideClusterInfo: false,
  };
  writeKubeconfig(STAKER_KUBECONFIG, { server: c.server, caFile: c.caFile, clusterName: c.name, userName: 'demo-staker', exec });
}

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** .daas/local/env: the exports docs/design.md §9 lists; DAAS_READY=1 is always the last line. */
function writeEnvFile(stack: Stack): string {
  const c = stack.cluster;
  const vars: [string, string | undefined][] = [
    ['KUBECONFIG', c?.kubeconfig],
    ['DAAS_NETWORK', stack.sim?.rpcUrl],
    ['DAAS_SIM_STATE', SIM_STATE],
    ['DAAS_CLUSTER', c?.name],
    ['DAAS_WEBHOOK_URL', c?.webhook.url],
    ['DAAS_WEBHOOK_CA', c?.webhook.caFile],
    ['DAAS_ADMIN_KEY', stack.sim?.network.adminKey],
    ['DAAS_DEMO_KEY', stack.demo?.key],
    ['DAAS_DEMO_STAKE_RECORD', stack.demo?.stakeRecord],
    ['DAAS_DEMO_SEAL_TOKEN', stack.demo?.sealToken],
    ['DAAS_KMS_SOCKET', c?.kms?.socket], // only with --kms
  ];
  const lines = vars.filter(([, v]) => v !== undefined).map(([k, v]) => `export ${k}=${quote(v as string)}`);
  const file = join(LOCAL_DIR, 'env');
  writeFileSync(file, `${[...lines, 'export DAAS_READY=1'].join('\n')}\n`, { mode: 0o600 });
  return file;
}

async function stopAll(stack: Stack): Promise<void> {
  log('stopping the local stack…');
  rmSync(join(LOCAL_DIR, 'env'), { force: true }); // no stale DAAS_READY=1 for scripts to trust
  // The demo key and a kubeconfig for a cluster that is about to stop go too.
  for (const f of [STAKER_KUBECONFIG, DEMO_KEYSTORE]) rmSync(f, { force: true });
  if (stack.serve?.pid !== undefined) await stopGroups([stack.serve.pid]).catch(() => {});
  await stopCluster(CLUSTER).catch((e: unknown) => log(`stopping the cluster: ${String(e)}`));
  // The sim's gRPC server waits for open client streams; don't let that hold Ctrl-C up for long.
  await Promise.race([stack.sim?.stop(), new Promise((r) => setTimeout(r, 5000))]);
}

function printReady(stack: Stack, envFile: string): void {
  const c = stack.cluster as ClusterInfo;
  log('');
  log(`local stack ready: sui-sim ${stack.sim?.rpcUrl}, Kubernetes ${c.versions.kubernetes} at ${c.server}`);
  log(`  source ${envFile}`);
  if (stack.demo) {
    const kubectl = c.binaries.kubectl;
    // --kubeconfig wins over a sourced KUBECONFIG (the admin's, whose client certificate would otherwise ride
    // along with a --token and win), so both lines are the staker with or without .daas/local/env.
    log(`  the demo staker (exec plugin: a fresh seal token whenever kubectl needs one):`);
    log(`  ${kubectl} --kubeconfig=${STAKER_KUBECONFIG} auth whoami`);
    log(`  or with a bearer token (valid ${DEMO_TOKEN_TTL_S / 60} min):`);
    log(
      `  ${kubectl} --kubeconfig=/dev/null --server=${c.server} --certificate-authority=${c.caFile} --token=${stack.demo.token} auth whoami`,
    );
  }
  log('Ctrl-C stops everything.');
}

/** `npm start -- --kms`: Secrets encrypted at rest through daas-auth kms (docs/kms.md). */
function stackOptions(argv: string[]): { kms: boolean } {
  try {
    const { values } = parseArgs({ args: argv, strict: true, options: { kms: { type: 'boolean', default: false } } });
    return { kms: values.kms };
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)} (usage: npm start [-- --kms])`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const options = stackOptions(process.argv.slice(2));
  mkdirSync(LOCAL_DIR, { recursive: true });
  const stack: Stack = { webhookPort: await freePort() };
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number) => {
    stopping ??= stopAll(stack).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown(130));
  process.on('SIGTERM', () => shutdown(143));
  try {
    log('starting sui-sim…');
    stack.sim = await startSim({ stateDir: SIM_STATE, quiet: true });
    stack.cluster = await startCluster({
      name: CLUSTER,
      webhookUrl: `https://127.0.0.1:${stack.webhookPort}/authenticate`,
      // As the chart's NOTES recommend: a slashed stake is denied at once, not after the apiserver's 10 s cache.
      authorizationWebhookUrl: `https://127.0.0.1:${stack.webhookPort}/authorize`,
      ownerPid: process.pid,
      kms: options.kms ? {} : undefined,
      log,
    });
    const crds = await installCrds(stack.cluster);
    log(`installed ${crds.map((f) => basename(f)).join(', ') || 'no CRDs'}`);
    // The tier ClusterRoles, bound in the demo's namespace (`default`) the way an operator lists namespaces
    // (daas-auth binding tier-rbac), so the demo token can act there and nowhere else below cluster-admin.
    const tierBindings = join(LOCAL_DIR, 'tier-rolebindings.json');
    writeFileSync(tierBindings, `${JSON.stringify(tierRoleBindingList([DEMO_NAMESPACE]), null, 2)}\n`);
    await applyFiles(stack.cluster, [TIER_RBAC, tierBindings]);
    log(`applied the tier RBAC (deploy/rbac/tiers.yaml, bound in namespace ${DEMO_NAMESPACE})`);
    await startServe(stack);
    if (stack.serve) await installAdmissionWebhook(stack.cluster, stack.webhookPort);
    await makeDemo(stack);
    writeStakerKubeconfig(stack);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    shutdown(1);
    return;
  }
  printReady(stack, writeEnvFile(stack));
}

if (import.meta.main) await main();
