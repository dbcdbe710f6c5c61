/** The SealBinding watcher's metrics (src/metrics/define.ts style). */
import { counter, gauge } from '../metrics/define.ts';

/** What the watcher tells (a structural type: bindings.ts imports this file). */
interface StalenessSource {
  staleness?(): unknown;
}

let stalenessSource: StalenessSource | undefined;

/** Reads `source`'s staleness at scrape time (the process's one watcher). */
export function reportIndexStaleness(source: StalenessSource): void {
  stalenessSource = source;
}

gauge({
  name: 'sealbinding_index_stale',
  help: 'Whether the SealBinding index may be out of date (not listed, watch failing or silent), so node tokens are refused (1) or not (0)',
  collect() {
    if (stalenessSource) this.set(stalenessSource.staleness?.() ? 1 : 0);
  },
});

export const relistsTotal = counter<'reason'>({
  name: 'sealbinding_relists_total',
  help: 'Successful full lists of SealBindings by the authn index, by reason (start, failures, stale, gone, periodic)',
  labelNames: ['reason'],
});
