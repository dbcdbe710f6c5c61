// What the e2e global setup brought up, as tests read it. The setup writes one JSON file per run and points
// DAAS_E2E_ENV at it (jest workers inherit the variable), so tests in any worker find the same cluster.
import { readFileSync } from 'node:fs';
import type { ClusterInfo } from '../../../hack/cluster.ts';
import type { NetworkInfo } from '../../../src/sim/index.ts';
import type { DaasServeEnv } from './daas-serve.ts';

export const ENV_VAR = 'DAAS_E2E_ENV';

/** The token webhook kube-apiserver calls during this run. */
export interface WebhookEnv {
  /** 'recorder': the harness's test webhook (answers authenticated:false, records every call). */
  kind: 'recorder';
  url: string;
  port: number;
  /** JSON lines, one WebhookCall per TokenReview received. */
  callsFile: string;
}

/** One TokenReview as the recorder saw it. Only a hash of the token is kept, never the token. */
export interface WebhookCall {
  at: string;
  apiVersion: string;
  tokenSha256: string;
  audiences: string[];
  /** Common name of the client certificate kube-apiserver presented. */
  clientCn: string;
}

/** The run's sui-sim. `stateDir` holds its network.json, so resolveNetwork('local', { stateDir }) finds it. */
export interface SimEnv {
  rpcUrl: string;
  adminUrl: string;
  stateDir: string;
  network: NetworkInfo;
}

export interface E2eEnv {
  runId: string;
  /** .daas/e2e/<runId>: scratch space for this run's tests. */
  runDir: string;
  sim: SimEnv;
  cluster: ClusterInfo;
  /** The run's token webhook: `daas-auth serve` (daas-serve.ts), or the recorder (webhook-recorder.ts). */
  webhook: WebhookEnv | DaasServeEnv;
}

let cached: E2eEnv | undefined;
let privateBed: E2eEnv | undefined;

/**
 * Points e2eEnv(), and so every helper, at a test file's private bed (private-bed.ts) until called with
 * undefined. Jest gives each test file its own modules, so this never reaches another file.
 */
export function useBed(env: E2eEnv | undefined): void {
  privateBed = env;
}

export function e2eEnv(): E2eEnv {
  if (privateBed) return privateBed;
  if (cached) return cached;
  const file = process.env[ENV_VAR];
  if (!file) throw new Error(`${ENV_VAR} is not set: e2e tests run through jest's e2e project (npm test)`);
  cached = JSON.parse(readFileSync(file, 'utf8')) as E2eEnv;
  return cached;
}
