// Builds the test bed's binaries from their Go modules (nothing else is downloaded) into a cache outside git,
// keyed by everything that decides their bytes, and skips what is already there.
//
//   node hack/build.ts [--only kube-apiserver,kubectl]
//   node hack/build.ts --chart-tools      # helm, helm-unittest, prometheus-operator CRDs (hack/lib/chart-tools.ts)
//
// kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd come from the wrapper module in
// hack/k8s (see its go.mod); kwok is `go install`ed at a pinned version.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './lib/run.ts';

export const KWOK_VERSION = 'v0.8.0';
/** kwok v0.8.0's go.mod asks for it; k8s.io/kubernetes v1.34 needs only 1.24. */
const MIN_GO = '1.26';
export const BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'kwok',
  'kubelet',
] as const;
export type BinaryName = (typeof BINARIES)[number];

const MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'k8s');
const LDFLAGS = '-s -w';
const PACKAGES: Record<Exclude<BinaryName, 'kwok'>, string> = {
  etcd: './cmd/etcd',
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
  kubectl: 'k8s.io/kubernetes/cmd/kubectl',
  // Only the real-node bed runs it (hack/lib/real-node.ts): a staker's host joining with its seal token.
  kubelet: 'k8s.io/kubernetes/cmd/kubelet',
};

export interface Versions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  go: string;
}

export interface BuildReport {
  binDir: string;
  versions: Versions;
  binaries: Record<BinaryName, string>;
  /** kwok's stage configuration (node and pod life cycles), written next to the kwok binary. */
  kwokStages: string;
  /** Built by this call. */
  built: BinaryName[];
  /** Found in the cache. */
  cached: BinaryName[];
}

export interface BuildOptions {
  only?: readonly BinaryName[];
  log?: (line: string) => void;
}

/** Root of every cache the test bed keeps outside git. DAAS_CACHE_DIR overrides it. */
export function cacheRoot(): string {
  return process.env.DAAS_CACHE_DIR ?? join(homedir(), '.cache', 'daas-auth');
}

function requiredVersion(goMod: string, module: string): string {
  const m = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')}\\s+(v\\S+)`, 'm'));
  if (!m?.[1]) throw new Error(`hack/k8s/go.mod does not require ${module}`);
  return m[1];
}

async function goVersion(go: string): Promise<string> {
  try {
    const r = await runChecked(go, ['env', 'GOVERSION'], { cwd: MODULE_DIR, env: goEnv() });
    return r.stdout.trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new Error(
      `Go is needed to build the test bed (go ${MIN_GO} or newer; set GO=/path/to/go if it is not on PATH)`,
      { cause: e },
    );
  }
}

export function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

export function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // -mod=mod: the wrapper's go.sum is complete, but a module cache from another Go version may still need to
  // fetch a go.mod; readonly would make that a hard error. CGO off: static binaries, no C toolchain needed.
  return { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', CGO_ENABLED: '0', ...extra };
}

/** The cache directory's name: the pinned versions plus a hash of everything else that shapes the binaries. */
function cacheKey(versions: Versions): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'cmd/etcd/main.go']) h.update(readFileSync(join(MODULE_DIR, f)));
  h.update(`${versions.go}\0${versions.kwok}\0${ldflagsFor('kube-apiserver', versions)}\0${process.arch}`);
  return `k8s-${versions.kubernetes}_etcd-${versions.etcd}_kwok-${versions.kwok}_${h.digest('hex').slice(0, 12)}`;
}

export async function resolveVersions(): Promise<Versions> {
  const goMod = readFileSync(join(MODULE_DIR, 'go.mod'), 'utf8');
  return {
    kubernetes: requiredVersion(goMod, 'k8s.io/kubernetes'),
    etcd: requiredVersion(goMod, 'go.etcd.io/etcd/server/v3'),
    kwok: KWOK_VERSION,
    go: await goVersion(goBinary()),
  };
}

export async function binDir(): Promise<{ dir: string; versions: Versions }> {
  const versions = await resolveVersions();
  return { dir: join(cacheRoot(), 'bin', cacheKey(versions)), versions };
}

// kwok simulates kubelets through "stages"; these are the upstream fast node/pod life cycles with leases,
// taken from the pinned kwok module itself so they always match the binary.
const KWOK_STAGES = 'kwok-stages.yaml';
const KWOK_STAGE_FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

async function writeKwokStages(path: string): Promise<void> {
  const r = await runChecked(goBinary(), ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], {
    cwd: cacheRoot(),
    env: goEnv({ GOFLAGS: '-buildvcs=false' }),
  });
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download did not report where sigs.k8s.io/kwok@${KWOK_VERSION} is`);
  const docs = KWOK_STAGE_FILES.map((f) => readFileSync(join(dir, 'kustomize', 'stage', f), 'utf8').trim());
  writeFileSync(path, `${docs.join('\n---\n')}\n`);
}

/**
 * What `make` would stamp into Kubernetes binaries (hack/lib/version.sh), so `kubectl version` and the
 * apiserver's /version report the real release instead of v0.0.0-master.
 */
function kubeVersionLdflags(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`))
    .join(' ');
}

function ldflagsFor(name: BinaryName, versions: Versions): string {
  return name === 'etcd' || name === 'kwok'
    ? LDFLAGS
    : `${LDFLAGS} ${kubeVersionLdflags(versions.kubernetes)}`;
}

/** `go install pkg@version` is the only way to honour kwok's own go.mod; it installs into GOBIN. */
async function buildKwok(out: string, stagesFile: string): Promise<void> {
  const gobin = `${out}.d`;
  mkdirSync(gobin, { recursive: true });
  try {
    await runChecked(
      goBinary(),
      ['install', '-trimpath', `-ldflags=${LDFLAGS}`, `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      { cwd: cacheRoot(), env: goEnv({ GOFLAGS: '-buildvcs=false', GOBIN: gobin }) },
    );
    renameSync(join(gobin, 'kwok'), out);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  await writeKwokStages(stagesFile);
}

async function buildOne(name: BinaryName, target: string, versions: Versions): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    if (name === 'kwok') {
      await buildKwok(tmp, join(dirname(target), KWOK_STAGES));
    } else {
      const ldflags = `-ldflags=${ldflagsFor(name, versions)}`;
      await runChecked(goBinary(), ['build', '-trimpath', ldflags, '-o', tmp, PACKAGES[name]], {
        cwd: MODULE_DIR,
        env: goEnv(),
      });
    }
    renameSync(tmp, target); // atomic: a half-written binary never looks cached
  } finally {
    rmSync(tmp, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One builder per cache directory at a time: several test runs starting cold at once would otherwise each
 * spend many minutes building the same thing on a small machine. A lock whose owner died is taken over.
 */
export async function withBuildLock<T>(dir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.build.lock');
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!announced) log(`waiting for another build (pid ${owner}) of the same binaries…`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export function heartbeat(name: string, log: (l: string) => void): () => void {
  const start = Date.now();
  const t = setInterval(
    () => log(`  still building ${name} (${Math.round((Date.now() - start) / 60000)} min)…`),
    60000,
  );
  return () => clearInterval(t);
}

/** Makes sure every requested binary is in the cache; builds the missing ones, one after another. */
export async function ensureBinaries(opts: BuildOptions = {}): Promise<BuildReport> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const wanted = opts.only ?? BINARIES;
  const { dir, versions } = await binDir();
  mkdirSync(dir, { recursive: true });
  const binaries = Object.fromEntries(BINARIES.map((b) => [b, join(dir, b)])) as Record<BinaryName, string>;
  const report: BuildReport = {
    binDir: dir,
    versions,
    binaries,
    kwokStages: join(dir, KWOK_STAGES),
    built: [],
    cached: [],
  };
  const missing = wanted.filter((b) => !existsSync(binaries[b]));
  for (const b of wanted) if (!missing.includes(b)) report.cached.push(b);
  if (missing.length === 0) return report;
  await withBuildLock(dir, log, async () => {
    for (const name of missing) {
      if (existsSync(binaries[name])) {
        report.cached.push(name); // another process built it while we waited for the lock
        continue;
      }
      log(`building ${name} (first run takes several minutes)…`);
      const start = Date.now();
      const stop = heartbeat(name, log);
      try {
        await buildOne(name, binaries[name], versions);
      } finally {
        stop();
      }
      log(`built ${name} in ${Math.round((Date.now() - start) / 1000)}s`);
      report.built.push(name);
    }
  });
  return report;
}

function parseOnly(argv: string[]): BinaryName[] | undefined {
  const i = argv.indexOf('--only');
  if (i < 0) return undefined;
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  for (const n of names) {
    if (!(BINARIES as readonly string[]).includes(n))
      throw new Error(`unknown binary ${n}; one of ${BINARIES.join(', ')}`);
  }
  return names as BinaryName[];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // --chart-tools: helm, helm-unittest and the prometheus-operator CRDs (hack/lib/chart-tools.ts) instead.
  if (argv.includes('--chart-tools')) {
    const { ensureChartTools } = await import('./lib/chart-tools.ts');
    console.log(`chart tools in ${(await ensureChartTools()).dir}`);
    return;
  }
  const r = await ensureBinaries({ only: parseOnly(argv) });
  for (const b of r.cached) console.log(`${b}: cached`);
  console.log(`binaries in ${r.binDir}`);
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
