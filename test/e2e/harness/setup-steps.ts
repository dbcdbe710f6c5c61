// The e2e run's setup, as an ordered list of steps. Each step fills in part of the run's E2eEnv and registers
// how to undo itself; global-setup.ts runs them in order and global-teardown.ts undoes them in reverse.
//
// To extend: add a step to SETUP_STEPS. `daas-auth serve` replaces startRecorderWebhook and must come after
// startSim (its chain) and startCluster, whose PKI it uses (serving cert/key, the CA that checks
// kube-apiserver's client certificate) and whose admin kubeconfig its controller talks to. The webhook's
// port is reserved before the cluster starts because kube-apiserver is given the webhook's URL.
import { join } from 'node:path';
import { startCluster, stopCluster } from '../../../hack/cluster.ts';
import { installCrds } from '../../../hack/lib/manifests.ts';
import { freePort } from '../../../hack/lib/ports.ts';
import { startSim } from '../../../src/sim/index.ts';
import type { E2eEnv } from './env.ts';
import { startDaasServeStep } from './daas-serve.ts';
import { installAdmissionWebhookStep } from './admission.ts';
import { startRecorder, stopRecorder } from './webhook-recorder.ts';

export interface SetupContext {
  runId: string;
  runDir: string;
  log: (line: string) => void;
  /** Filled in step by step; written as the run's E2eEnv once every step has run. */
  env: Partial<E2eEnv>;
  /** Reserved by reserveWebhookPort; the cluster is told to call https://127.0.0.1:<port>/authenticate. */
  webhookPort?: number;
  /** A private bed's cluster settings over the run's (private-bed.ts). */
  clusterOptions?: { tokenCacheTtl?: string; authorizationWebhook?: boolean; auditLog?: boolean };
  /** Undo actions, run last-first at teardown or as soon as a later step fails. */
  cleanups: { what: string; run: () => Promise<void> }[];
}

export interface SetupStep {
  name: string;
  run: (ctx: SetupContext) => Promise<void>;
}

export const WEBHOOK_PATH = '/authenticate';
export const AUTHORIZE_PATH = '/authorize';

/** The name of the sim's undo step (private-bed.ts stops the sim early by it). */
export const SIM_CLEANUP = 'stop sui-sim';

export const startSimStep: SetupStep = {
  name: 'start sui-sim',
  run: async (ctx) => {
    const stateDir = join(ctx.runDir, 'sim');
    const sim = await startSim({ stateDir, quiet: true });
    ctx.cleanups.push({ what: SIM_CLEANUP, run: () => sim.stop() });
    ctx.env.sim = { rpcUrl: sim.rpcUrl, adminUrl: sim.adminUrl, stateDir, network: sim.network };
  },
};

export const reserveWebhookPort: SetupStep = {
  name: 'reserve the token webhook port',
  run: async (ctx) => {
    ctx.webhookPort = await freePort();
  },
};

export const startClusterStep: SetupStep = {
  name: 'start the cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)',
  run: async (ctx) => {
    if (ctx.webhookPort === undefined) throw new Error('reserveWebhookPort must run before startCluster');
    const name = `e2e-${ctx.runId}`;
    ctx.cleanups.push({ what: `stop cluster ${name}`, run: async () => void (await stopCluster(name)) });
    ctx.env.cluster = await startCluster({
      name,
      webhookUrl: `https://127.0.0.1:${ctx.webhookPort}${WEBHOOK_PATH}`,
      // Short, so revocation shows through kubectl quickly, yet the apiserver's cache is still exercised.
      tokenCacheTtl: ctx.clusterOptions?.tokenCacheTtl ?? process.env.DAAS_E2E_TOKEN_CACHE_TTL ?? '1s',
      ...(ctx.clusterOptions?.authorizationWebhook ? { authorizationWebhookUrl: `https://127.0.0.1:${ctx.webhookPort}${AUTHORIZE_PATH}` } : {}),
      ...(ctx.clusterOptions?.auditLog ? { auditLog: true } : {}),
      ownerPid: process.pid,
      log: ctx.log,
    });
  },
};

/** The project's CRDs (crds/), so the controller's informers and the tests find their types. */
export const installCrdsStep: SetupStep = {
  name: 'install the CRDs (crds/)',
  run: async (ctx) => {
    if (!ctx.env.cluster) throw new Error('startCluster must run before installCrds');
    await installCrds(ctx.env.cluster);
  },
};

export const startRecorderWebhook: SetupStep = {
  name: 'start the recording test webhook',
  run: async (ctx) => {
    const cluster = ctx.env.cluster;
    if (!cluster || ctx.webhookPort === undefined)
      throw new Error('startCluster must run before the webhook');
    const callsFile = join(ctx.runDir, 'webhook-calls.jsonl');
    const server = await startRecorder({
      port: ctx.webhookPort,
      certFile: cluster.webhook.servingCertFile,
      keyFile: cluster.webhook.servingKeyFile,
      clientCaFile: cluster.webhook.clientCaFile,
      callsFile,
    });
    ctx.cleanups.push({ what: 'stop the test webhook', run: () => stopRecorder(server) });
    ctx.env.webhook = { kind: 'recorder', url: cluster.webhook.url, port: ctx.webhookPort, callsFile };
  },
};

export const SETUP_STEPS: SetupStep[] = [
  startSimStep,
  reserveWebhookPort,
  startClusterStep,
  installCrdsStep,
  startDaasServeStep, // the real webhook; startRecorderWebhook is the stand-in it replaced
  installAdmissionWebhookStep,
];
