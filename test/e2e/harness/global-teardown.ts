// jest globalTeardown of the e2e project: undoes the setup steps, last first (webhook, then the cluster).
// A run killed before this point is cleaned up by the next run's setup (reapOrphanClusters).
import { runCleanups, setupContext } from './global-setup.ts';

export default async function globalTeardown(): Promise<void> {
  const ctx = setupContext();
  if (ctx) await runCleanups(ctx);
}
