// `daas-auth serve` as the run's token webhook: the real CLI in its own process group, configured from the
// run's sui-sim and cluster PKI, on the port kube-apiserver was told about. Its stderr (JSON log lines, one
// audit line per TokenReview) goes to a log file tests can read.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type ClusterInfo } from '../../../hack/cluster.ts';
import { isRunning, startDaemon, stopGroups } from '../../../hack/lib/procs.ts';
import { waitFor200 } from '../../../hack/lib/probe.ts';
import { runChecked } from '../../../hack/lib/run.ts';
import type { SetupStep } from './setup-steps.ts';

/** What tests need to know about the run's daas-auth webhook. */
export interface DaasServeEnv {
  kind: 'daas-auth';
  url: string;
  port: number;
  /** The cluster id tokens must carry as `aud`. */
  clusterId: string;
  /** kube-apiserver's audience (its service-account issuer), accepted as standing for the cluster. */
  apiAudience: string;
  configFile: string;
  /** serve's stderr: JSON lines, including one `audit: "tokenreview"` line per decision. */
  logFile: string;
  pid: number;
}

export const E2E_CLUSTER_ID = 'daas-e2e';
/**
 * A second cluster served by the same webhook, known by its apiserver's client certificate CN: tokens
 * for it must be refused in reviews from the run's kube-apiserver (test/e2e/authn-security.test.ts).
 */
export const E2E_PEER_CLUSTER = { id: 'daas-e2e-peer', apiAudiences: ['https://peer.daas-e2e.invalid'], clientCommonNames: ['daas-e2e-peer-apiserver'] };
/** The CN of the client certificate the run's kube-apiserver presents (hack/lib/pki.ts webhookClient). */
export const E2E_APISERVER_CN = 'kube-apiserver';
/** In a bed's run directory: the pid of its `daas-auth serve` daemon (its process group id too). */
export const SERVE_PID_FILE = 'daas-auth.pid';
/** kube-apiserver's --api-audiences in hack/cluster.ts (its service-account issuer): what it puts in spec.audiences. */
export const E2E_API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export const startDaasServeStep: SetupStep = {
  name: 'start daas-auth serve (the token webhook)',
  run: async (ctx) => {
    const { cluster, sim } = ctx.env;
    if (!cluster || !sim || ctx.webhookPort === undefined)
      throw new Error('startSim and startCluster must run before daas-auth serve');
    const configFile = join(ctx.runDir, 'daas-auth.yaml');
    const logFile = join(ctx.runDir, 'daas-auth.log');
    const config = {
      network: { name: 'local', stateDir: sim.stateDir, eventPollMs: 200 },
      clusters: [{ id: E2E_CLUSTER_ID, apiAudiences: cluster.apiAudiences, clientCommonNames: [E2E_APISERVER_CN] }, E2E_PEER_CLUSTER],
      cache: { ttl: '60s' },
      server: serverConfig(cluster, ctx.webhookPort),
      kubernetes: { kubeconfig: cluster.kubeconfig },
      log: { level: 'info' },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    // The tier RBAC bindings a cluster running daas-auth has (installCrdsStep brought the CRDs).
    await runChecked(cluster.binaries.kubectl, [`--kubeconfig=${cluster.kubeconfig}`, 'apply', '--server-side', '-f', join(REPO_ROOT, 'deploy', 'rbac')]);
    const url = `https://127.0.0.1:${ctx.webhookPort}`;
    const pid = await launchServe({ runDir: ctx.runDir, configFile, logFile, url, caFile: cluster.webhook.caFile });
    ctx.cleanups.push({ what: 'stop daas-auth serve', run: () => stopGroups([pid]) });
    const env: DaasServeEnv = {
      kind: 'daas-auth',
      url,
      port: ctx.webhookPort,
      clusterId: E2E_CLUSTER_ID,
      apiAudience: E2E_API_AUDIENCE,
      configFile,
      logFile,
      pid,
    };
    ctx.env.webhook = env;
  },
};

/** serve's `server` section on the bed: the port kube-apiserver was told about, the bed's serving and client CA files. */
export function serverConfig(cluster: ClusterInfo, port: number): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port,
    tlsCertFile: cluster.webhook.servingCertFile,
    tlsKeyFile: cluster.webhook.servingKeyFile,
    clientCaFile: cluster.webhook.clientCaFile,
  };
}

export interface ServeFiles {
  /** The bed's run directory (where the pid file goes). */
  runDir: string;
  configFile: string;
  logFile: string;
  /** https://127.0.0.1:<port>, and the CA that signed its serving certificate. */
  url: string;
  caFile: string;
}

/**
 * Starts `daas-auth serve` from `configFile` (stderr appended to `logFile`) and waits for its /readyz; returns
 * its pid. Also how a test restarts the bed's serve after killing it (test/e2e/serve-restart.test.ts).
 */
export async function launchServe(files: ServeFiles): Promise<number> {
  const { runDir, configFile, logFile, url, caFile } = files;
  const pid = startDaemon({
    name: 'daas-auth serve',
    cmd: process.execPath,
    args: [join(REPO_ROOT, 'bin', 'daas-auth.js'), '--config', configFile, 'serve'],
    log: logFile,
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  // A run killed before its teardown leaves the daemon behind: the next run's globalSetup stops it by this file.
  writeFileSync(join(runDir, SERVE_PID_FILE), `${pid}\n`);
  try {
    await waitFor200(
      `${url}/readyz`,
      { ca: caFile },
      {
        timeoutMs: 120_000,
        what: 'daas-auth serve /readyz',
        check: () => {
          if (!isRunning(pid)) {
            throw new Error(`daas-auth serve exited:\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`);
          }
        },
      },
    );
  } catch (error) {
    await stopGroups([pid]);
    throw error;
  }
  return pid;
}
