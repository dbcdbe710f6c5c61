// A test file's own test bed: sui-sim, cluster, `daas-auth serve` and its admission webhook, made by the same
// setup steps as the run's bed. For a test that would disturb every other test on the shared one: advancing
// the sim a hundred epochs expires every SealToken minted before, whichever file minted it and whenever that
// file runs (jest runs files in parallel where there are cores to spare). Costs a second cluster start (~10 s).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { e2eEnv, useBed, type E2eEnv } from './env.ts';
import { runCleanups, setUpBed } from './global-setup.ts';
import { SETUP_STEPS, SIM_CLEANUP, type SetupContext, type SetupStep } from './setup-steps.ts';

export interface PrivateBed {
  env: E2eEnv;
  /** Stops everything the bed started and points e2eEnv() back at the run's bed. */
  stop(): Promise<void>;
  /** Stops the bed's sui-sim now (a chain outage); it does not come back. */
  stopSim(): Promise<void>;
}

export interface PrivateBedOptions {
  /** Replaces the setup step of the same name (e.g. a sui-sim the test can stop and restart: sim-outage.test.ts). */
  replace?: SetupStep;
  /** Options for the bed's cluster (e.g. the authorization webhook: authz-revocation.test.ts). */
  cluster?: SetupContext['clusterOptions'];
}

/**
 * Starts a private bed named `name` (its files under the run's directory, its cluster `e2e-<run>-<name>`)
 * and points e2eEnv(), so every harness helper, at it until stop(). Call it from beforeAll, and stop it
 * in afterAll after closing the file's clients of it. `clusterOptions` change its cluster from the run's
 * (e.g. the recommended token cache TTL and daas-auth's authorization webhook).
 */
export async function startPrivateBed(name: string, options: PrivateBedOptions = {}): Promise<PrivateBed> {
  const run = e2eEnv();
  const runId = `${run.runId}-${name}`;
  const runDir = join(run.runDir, name);
  mkdirSync(runDir, { recursive: true });
  const log = (line: string) => process.stderr.write(`[e2e ${name}] ${line}\n`);
  const ctx: SetupContext = { runId, runDir, log, env: { runId, runDir }, cleanups: [], clusterOptions: options.cluster };
  const { replace } = options;
  const steps = replace ? SETUP_STEPS.map((step) => (step.name === replace.name ? replace : step)) : SETUP_STEPS;
  const { env } = await setUpBed(ctx, steps);
  useBed(env);
  return {
    env,
    stop: async () => {
      useBed(undefined);
      await runCleanups(ctx);
    },
    stopSim: async () => {
      const at = ctx.cleanups.findIndex((c) => c.what === SIM_CLEANUP);
      if (at < 0) throw new Error('the private bed has no running sui-sim');
      const [cleanup] = ctx.cleanups.splice(at, 1);
      await cleanup!.run();
    },
  };
}
