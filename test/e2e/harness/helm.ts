// helm and the chart (charts/daas-auth) for the chart tests: the helm hack/ built (hack/lib/chart-tools.ts),
// with its state (repository cache, config) kept in the run's directory, never in ~/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml, loadAll } from 'js-yaml';
import { REPO_ROOT } from '../../../hack/cluster.ts';
import { ensureChartTools, type ChartTools } from '../../../hack/lib/chart-tools.ts';
import { run, type RunResult } from '../../../hack/lib/run.ts';

export const CHART_DIR = join(REPO_ROOT, 'charts', 'daas-auth');

let tools: Promise<ChartTools> | undefined;

/** helm, helm-unittest and the prometheus-operator CRDs (built on first use, cached after). */
export function chartTools(): Promise<ChartTools> {
  tools ??= ensureChartTools((l) => process.stderr.write(`[chart-tools] ${l}\n`));
  return tools;
}

export interface HelmOptions {
  kubeconfig?: string;
  /** Where helm keeps its cache and config (default: a directory under the OS temp dir). */
  home: string;
}

export async function helm(args: string[], opts: HelmOptions): Promise<RunResult> {
  const { helm: bin } = await chartTools();
  mkdirSync(opts.home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: opts.home,
    HELM_CACHE_HOME: join(opts.home, 'cache'),
    HELM_CONFIG_HOME: join(opts.home, 'config'),
    HELM_DATA_HOME: join(opts.home, 'data'),
    ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}),
  };
  return run(bin, args, { env, cwd: REPO_ROOT });
}

export async function helmChecked(args: string[], opts: HelmOptions): Promise<string> {
  const r = await helm(args, opts);
  if (r.code !== 0) throw new Error(`helm ${args.slice(0, 2).join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The documents of a multi-document YAML text (helm template's output), empty ones left out. */
export function parseDocuments(text: string): K8sObject[] {
  return loadAll(text).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
}

/** `helm template` of the chart with the given values files and --set flags. */
export async function renderChart(valuesFiles: string[], set: string[] = [], opts: { namespace?: string; release?: string; home: string }): Promise<K8sObject[]> {
  const args = ['template', opts.release ?? 'daas-auth', CHART_DIR, '--namespace', opts.namespace ?? 'daas-system'];
  for (const f of valuesFiles) args.push('-f', f);
  for (const s of set) args.push('--set', s);
  return parseDocuments(await helmChecked(args, { home: opts.home }));
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const hit = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!hit) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return hit;
}

/** The chart's default values (values.yaml), for the tests that must hold for the defaults. */
export function chartDefaults(): Record<string, unknown> {
  return loadYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}
