// helm template of charts/daas-auth for the chart unit tests that compare a rendering with the code's own
// generator (the helm hack/ builds and caches: .ci/run builds it before the tests). State in a temp dir.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, chartTools, renderChart, type K8sObject } from '../../e2e/harness/helm.ts';

export const CHART_TOOLS_TIMEOUT_MS = 300_000;

const home = mkdtempSync(join(tmpdir(), 'daas-chart-unit-'));

export async function ensureHelm(): Promise<void> {
  await chartTools();
}

/** The chart rendered with the repository's default CI values plus these --set flags. */
export function render(set: string[]): Promise<K8sObject[]> {
  return renderChart([join(CHART_DIR, 'ci', 'default-values.yaml')], set, { home });
}
