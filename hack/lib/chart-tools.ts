// The chart's tools, built from Go modules and cached beside the test bed's binaries (hack/build.ts):
//   helm            `go install helm.sh/helm/v4/cmd/helm@HELM_VERSION` (honours helm's own go.mod)
//   helm-unittest   the `tool` of the wrapper module hack/tools (it carries helm-unittest's replace)
//   prometheus-operator CRDs (ServiceMonitor, PrometheusRule), copied from the Go module's example/ directory,
//   so the chart's capability-gated templates can be installed into the test bed.
// Separate from the Kubernetes binaries' cache key, so bumping one never rebuilds the other.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, goBinary, goEnv, heartbeat, withBuildLock } from '../build.ts';
import { runChecked } from './run.ts';

export const HELM_VERSION = 'v4.3.2';
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';
export const CHART_TOOLS = ['helm', 'helm-unittest', 'prometheus-operator-crds'] as const;
export type ChartTool = (typeof CHART_TOOLS)[number];

const TOOLS_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', 'tools');
const HELM_UNITTEST_PKG = 'github.com/helm-unittest/helm-unittest/cmd/helm-unittest';
const PROM_OP_MODULE = 'github.com/prometheus-operator/prometheus-operator';
const PROM_OP_CRDS = ['monitoring.coreos.com_servicemonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml'];
const LDFLAGS = '-s -w';

export interface ChartTools {
  dir: string;
  helm: string;
  helmUnittest: string;
  /** The ServiceMonitor and PrometheusRule CRD files. */
  prometheusOperatorCrds: string[];
  built: ChartTool[];
}

function toolsDir(go: string): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) h.update(readFileSync(join(TOOLS_MODULE, f)));
  h.update(`${go}\0${HELM_VERSION}\0${PROMETHEUS_OPERATOR_VERSION}\0${LDFLAGS}\0${process.arch}`);
  return join(cacheRoot(), 'bin', `chart-tools_helm-${HELM_VERSION}_${h.digest('hex').slice(0, 12)}`);
}

function paths(dir: string): Omit<ChartTools, 'built'> {
  return {
    dir,
    helm: join(dir, 'helm'),
    helmUnittest: join(dir, 'helm-unittest'),
    prometheusOperatorCrds: PROM_OP_CRDS.map((f) => join(dir, 'crds', f)),
  };
}

async function buildHelm(out: string): Promise<void> {
  const gobin = `${out}.d`;
  mkdirSync(gobin, { recursive: true });
  try {
    // The version is stamped the way helm's Makefile does, so `helm version` and chart kubeVersion checks see it.
    const ldflags = `-ldflags=${LDFLAGS} -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`;
    await runChecked(goBinary(), ['install', '-trimpath', ldflags, `helm.sh/helm/v4/cmd/helm@${HELM_VERSION}`], {
      cwd: cacheRoot(),
      env: goEnv({ GOFLAGS: '-buildvcs=false', GOBIN: gobin }),
    });
    renameSync(join(gobin, 'helm'), out);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

async function buildHelmUnittest(out: string): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await runChecked(goBinary(), ['build', '-trimpath', `-ldflags=${LDFLAGS}`, '-o', tmp, HELM_UNITTEST_PKG], {
      cwd: TOOLS_MODULE,
      env: goEnv(),
    });
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function copyPrometheusOperatorCrds(files: string[]): Promise<void> {
  const r = await runChecked(goBinary(), ['mod', 'download', '-json', `${PROM_OP_MODULE}@${PROMETHEUS_OPERATOR_VERSION}`], {
    cwd: cacheRoot(),
    env: goEnv({ GOFLAGS: '-buildvcs=false' }),
  });
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download did not report where ${PROM_OP_MODULE} is`);
  mkdirSync(dirname(files[0]!), { recursive: true });
  for (const f of files) copyFileSync(join(dir, 'example', 'prometheus-operator-crd', f.split('/').pop()!), f);
}

/** Makes sure the chart tools are in the cache; builds what is missing, one at a time, under the build lock. */
export async function ensureChartTools(log: (l: string) => void = console.log): Promise<ChartTools> {
  const dir = toolsDir(await goVersionOf());
  mkdirSync(dir, { recursive: true });
  const p = paths(dir);
  const steps: Record<ChartTool, { done: () => boolean; run: () => Promise<void> }> = {
    helm: { done: () => existsSync(p.helm), run: () => buildHelm(p.helm) },
    'helm-unittest': { done: () => existsSync(p.helmUnittest), run: () => buildHelmUnittest(p.helmUnittest) },
    'prometheus-operator-crds': {
      done: () => p.prometheusOperatorCrds.every((f) => existsSync(f)),
      run: () => copyPrometheusOperatorCrds(p.prometheusOperatorCrds),
    },
  };
  const built: ChartTool[] = [];
  if (CHART_TOOLS.every((t) => steps[t].done())) return { ...p, built };
  await withBuildLock(dir, log, async () => {
    for (const tool of CHART_TOOLS) {
      if (steps[tool].done()) continue;
      log(`building ${tool} (first run takes several minutes)…`);
      const start = Date.now();
      const stop = heartbeat(tool, log);
      try {
        await steps[tool].run();
      } finally {
        stop();
      }
      log(`built ${tool} in ${Math.round((Date.now() - start) / 1000)}s`);
      built.push(tool);
    }
  });
  return { ...p, built };
}

async function goVersionOf(): Promise<string> {
  const r = await runChecked(goBinary(), ['env', 'GOVERSION'], { cwd: TOOLS_MODULE, env: goEnv() });
  return r.stdout.trim();
}
