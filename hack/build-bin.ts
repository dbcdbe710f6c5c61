// Builds the single-file `daas-auth` binary (docs/design.md §10): Node's single-executable application.
//
//   node hack/build-bin.ts [--out DIR]     (npm run build:bin; DIR defaults to dist/)
//   node hack/build-bin.ts --bundle-only    (npm pack's prepack: dist/daas-auth.cjs for the npm package)
//
// 1. esbuild bundles src/cli/main.ts and everything it can import into one CommonJS file (hack/lib/bundle.ts;
//    SEA runs CommonJS; command families stay lazily evaluated, so a cache-hit `token` run evaluates no Sui SDK);
// 2. `node --experimental-sea-config` turns it into a blob with V8's code cache (no parsing at start);
// 3. postject injects the blob into a copy of the project's own Node 24 binary (node_modules/node).
// Output: dist/daas-auth-linux-<arch> and dist/daas-auth-linux-<arch>.sha256 (`sha256sum -c` format).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from './lib/bundle.ts';
import { runChecked } from './lib/run.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The fuse postject flips so Node looks for the blob (Node's SEA documentation). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export function binaryName(arch: string = process.arch): string {
  return `daas-auth-linux-${arch}`;
}

async function gitCommit(): Promise<string> {
  const head = await runChecked('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT });
  const dirty = await runChecked('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '-dirty' : ''}`;
}

function bundle(out: string): Promise<void> {
  return gitCommit().then((commit) => bundleCli({ root: ROOT, out, commit }));
}

/** Builds the binary into `outDir` (intermediate files in outDir/sea); returns its path. */
export async function buildBinary(outDir: string): Promise<string> {
  const node = join(ROOT, 'node_modules', 'node', 'bin', 'node');
  const target = join(outDir, binaryName());
  const work = join(outDir, 'sea');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const script = join(work, 'daas-auth.cjs');
  const blob = join(work, 'daas-auth.blob');
  await bundle(script);
  const config = join(work, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  await runChecked(node, ['--experimental-sea-config', config], { cwd: ROOT });
  rmSync(target, { force: true });
  copyFileSync(node, target);
  chmodSync(target, 0o755);
  await runChecked(node, [join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js'), target, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { cwd: ROOT });
  const digest = createHash('sha256').update(readFileSync(target)).digest('hex');
  writeFileSync(`${target}.sha256`, `${digest}  ${binaryName()}\n`);
  return target;
}

function outDirOf(args: readonly string[]): string {
  if (args.length === 0) return join(ROOT, 'dist');
  if (args.length === 2 && args[0] === '--out') return resolve(args[1]!);
  throw new Error('usage: node hack/build-bin.ts [--out DIR]');
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--bundle-only') {
  await bundle(join(ROOT, 'dist', 'daas-auth.cjs'));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await buildBinary(outDirOf(process.argv.slice(2)))
    .then((target) => process.stdout.write(`${target}\n${readFileSync(`${target}.sha256`, 'utf8')}`))
    .catch((error: unknown) => {
      process.stderr.write(`build-bin: ${(error as Error).message}\n`);
      process.exit(1);
    });
}
