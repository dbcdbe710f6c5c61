// jest globalTeardown of the e2e project: undoes the setup steps, last first (webhook, then the cluster).
// A run killed before this point is cleaned up by the next run's setup (reapOrphanClusters).
// DAAS_E2E_KEEP=1 leaves the cluster up to look at after the run (the next run removes it).
import { runCleanups, setupContext } from './global-setup.ts';

export default async function globalTeardown(): Promise<void> {
  const ctx = setupContext();
  if (!ctx) return;
  if (process.env.DAAS_E2E_KEEP === '1') {
    const name = ctx.env.cluster?.name ?? '?';
    process.stderr.write(
      `[e2e] DAAS_E2E_KEEP=1: cluster ${name} stays up (KUBECONFIG=${ctx.env.cluster?.kubeconfig}); ` +
        `stop it with npm run cluster -- down --name ${name}\n`,
    );
    return;
  }
  await runCleanups(ctx);
}
