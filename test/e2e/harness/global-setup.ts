// jest globalSetup of the e2e project: runs SETUP_STEPS once per `npm test` run (only when an e2e test is
// selected), writes the run's E2eEnv to .daas/e2e/run-<pid>/env.json and points DAAS_E2E_ENV at it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, reapOrphanClusters } from '../../../hack/cluster.ts';
import { isRunning, stopGroups } from '../../../hack/lib/procs.ts';
import { SERVE_PID_FILE } from './daas-serve.ts';
import { ENV_VAR, type E2eEnv } from './env.ts';
import { SETUP_STEPS, type SetupContext, type SetupStep } from './setup-steps.ts';

export const E2E_ROOT = join(REPO_ROOT, '.daas', 'e2e');
const CONTEXT_KEY = Symbol.for('daas-auth.e2e.setup-context');

type WithContext = typeof globalThis & { [CONTEXT_KEY]?: SetupContext };

function log(line: string): void {
  process.stderr.write(`[e2e] ${line}\n`);
}

/**
 * Run directories of earlier runs whose jest process is gone, and the `daas-auth serve` daemons such a run
 * left running when it was killed before its teardown (its clusters are reaped by reapOrphanClusters).
 */
async function removeStaleRuns(): Promise<void> {
  if (!existsSync(E2E_ROOT)) return;
  for (const d of readdirSync(E2E_ROOT)) {
    const pid = Number(/^run-(\d+)$/.exec(d)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    const runDir = join(E2E_ROOT, d);
    const daemons = leftDaemons(runDir);
    if (daemons.length > 0) {
      log(`stopping daas-auth serve left by run ${pid} (process ${daemons.join(', ')})`);
      await stopGroups(daemons);
    }
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Serve daemons of a run's bed and private beds still alive, checked by command line (pids get reused). */
function leftDaemons(runDir: string): number[] {
  const dirs = [runDir, ...readdirSync(runDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(runDir, e.name))];
  return dirs.flatMap((dir) => {
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, SERVE_PID_FILE), 'utf8').trim());
    } catch {
      return [];
    }
    return Number.isInteger(pid) && pid > 0 && isRunning(pid) && commandLine(pid).includes(dir) ? [pid] : [];
  });
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export async function runCleanups(ctx: SetupContext): Promise<void> {
  const errors: unknown[] = [];
  while (ctx.cleanups.length > 0) {
    const c = ctx.cleanups.pop();
    if (!c) break;
    try {
      ctx.log(`${c.what}…`);
      await c.run();
    } catch (e) {
      errors.push(e);
      ctx.log(`${c.what} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (errors.length > 0) throw errors[0];
}

function complete(env: Partial<E2eEnv>): E2eEnv {
  if (!env.runId || !env.runDir || !env.cluster || !env.webhook)
    throw new Error('e2e setup left the environment incomplete');
  return env as E2eEnv;
}

/**
 * Runs `steps` (SETUP_STEPS unless a private bed replaces one) in `ctx` and writes the bed's env.json; undoes
 * what was done if a step fails. For the run's bed (globalSetup) and for a test file's private one (private-bed.ts).
 */
export async function setUpBed(ctx: SetupContext, steps: readonly SetupStep[] = SETUP_STEPS): Promise<{ env: E2eEnv; file: string }> {
  try {
    for (const step of steps) {
      ctx.log(`${step.name}…`);
      await step.run(ctx);
    }
  } catch (e) {
    await runCleanups(ctx).catch(() => {});
    throw e;
  }
  const env = complete(ctx.env);
  const file = join(ctx.runDir, 'env.json');
  writeFileSync(file, `${JSON.stringify(env, null, 2)}\n`);
  return { env, file };
}

export default async function globalSetup(): Promise<void> {
  await removeStaleRuns();
  await reapOrphanClusters({ log });
  const runId = String(process.pid);
  const runDir = join(E2E_ROOT, `run-${runId}`);
  mkdirSync(runDir, { recursive: true });
  const ctx: SetupContext = { runId, runDir, log, env: { runId, runDir }, cleanups: [] };
  (globalThis as WithContext)[CONTEXT_KEY] = ctx;
  const started = Date.now();
  const { file } = await setUpBed(ctx);
  process.env[ENV_VAR] = file;
  log(`ready in ${Math.round((Date.now() - started) / 1000)}s; KUBECONFIG=${ctx.env.cluster?.kubeconfig}`);
}

export function setupContext(): SetupContext | undefined {
  return (globalThis as WithContext)[CONTEXT_KEY];
}
