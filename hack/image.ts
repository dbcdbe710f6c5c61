// `npm run image`: the daas-auth container image as an OCI image layout tar, built without a container engine
// and reproducibly — the same commit (and the same pinned Debian packages and npm lock) gives the same digest.
//
//   node hack/image.ts [--out .daas/image] [--name daas-auth:<version>]
//
// Three layers, each a deterministic tar (hack/lib/tar.ts): the shared libraries Node needs (glibc, libgcc,
// libstdc++ unpacked from pinned Debian packages: no package manager, no shell) plus /etc/passwd and
// /etc/group naming uid 65532; Node 24 from the npm `node` package; the app: one file, the esbuild bundle
// (hack/lib/bundle.ts) of the sources as committed at HEAD, which needs no node_modules and strips no
// TypeScript at load (about 100 MB less RSS for `serve` with 10,000 bindings than running the sources).
// Timestamps are the commit's time. docs/image.md says how to push or import the tar.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleCli } from './lib/bundle.ts';
import { unpackedDeb, type DebName } from './lib/debs.ts';
import { image, layer, writeLayout, type Layer } from './lib/oci.ts';
import { runChecked } from './lib/run.ts';
import { withParents, type TarEntry } from './lib/tar.ts';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const IMAGE_UID = 65532;
const NODE_PATH = 'usr/local/bin/node';
/**
 * V8 flags of the image's Node. Without a cap V8 grows the young generation to 2 × 64 MB on a large
 * host and never gives it back: a third of `serve`'s RSS with 10,000 SealBindings (bench/scale,
 * docs/benchmarks.md). 16 MB semi-spaces keep scavenges rare enough for the TokenReview hot path.
 */
export const NODE_FLAGS = ['--max-semi-space-size=16'];
const APP_DIR = 'app';
/** The app's one file in the image. */
export const APP_ENTRY = `/${APP_DIR}/daas-auth.cjs`;
const BASE_DEBS: readonly DebName[] = ['libc6', 'libgcc-s1', 'libstdc++6'];
/** The tracked files the bundle is made from; tests, hack/, docs and contracts stay out. */
const APP_PATHS = ['src', 'package.json'];

function normalMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** One entry for a file, directory or symlink on disk, named `path` in the layer. */
function entryFor(abs: string, path: string): TarEntry {
  const st = lstatSync(abs);
  if (st.isSymbolicLink()) return { type: 'symlink', path, target: readlinkSync(abs) };
  if (st.isDirectory()) return { type: 'dir', path, mode: 0o755 };
  if (!st.isFile()) throw new Error(`${abs}: not a file, directory or symlink`);
  return { type: 'file', path, mode: normalMode(st.mode), data: readFileSync(abs) };
}

/** Everything under `dir`, named under `prefix`; `skip` prunes a directory (by its path relative to dir). */
function walk(dir: string, prefix: string, skip: (rel: string) => boolean = () => false): TarEntry[] {
  const out: TarEntry[] = [];
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (skip(childRel)) continue;
      const e = entryFor(join(dir, childRel), `${prefix}${childRel}`);
      out.push(e);
      if (e.type === 'dir') visit(childRel);
    }
  };
  visit('');
  return out;
}

async function baseEntries(): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for (const name of BASE_DEBS) entries.push(...walk(await unpackedDeb(name), ''));
  const text = (path: string, body: string): TarEntry => ({ type: 'file', path, mode: 0o644, data: Buffer.from(body) });
  entries.push(
    text('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${IMAGE_UID}:${IMAGE_UID}:nonroot:/home/nonroot:/sbin/nologin\n`),
    text('etc/group', `root:x:0:\nnonroot:x:${IMAGE_UID}:\n`),
    text('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'),
    // Writable only where the pod mounts an emptyDir; the root filesystem itself is read-only.
    { type: 'dir', path: 'tmp', mode: 0o1777 },
  );
  return entries;
}

function nodeEntries(): TarEntry[] {
  const bin = realpathSync(join(ROOT, 'node_modules/.bin/node'));
  return [{ type: 'file', path: NODE_PATH, mode: 0o755, data: readFileSync(bin) }];
}

/** The app's sources as the commit has them (not the working tree: uncommitted edits never reach an image). */
async function committedFiles(): Promise<{ path: string; data: Buffer }[]> {
  const listing = await runChecked('git', ['ls-tree', '-r', '-z', 'HEAD', '--', ...APP_PATHS], { cwd: ROOT });
  const files = listing.stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\d{6}) blob ([0-9a-f]{40,64})\t(.+)$/s.exec(line);
      if (!m) throw new Error(`unexpected git ls-tree line: ${line}`);
      return { mode: m[1]!, id: m[2]!, path: m[3]! };
    });
  if (files.some((f) => f.mode === '120000')) throw new Error(`a symlink under ${APP_PATHS.join(', ')} cannot be bundled`);
  const contents = await gitBlobs(files.map((f) => f.id));
  return files.map((f) => ({ path: f.path, data: contents.get(f.id)! }));
}

/** Blob contents by id, through one `git cat-file --batch`. */
function gitBlobs(ids: readonly string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited ${code}`));
      const out = Buffer.concat(chunks);
      const blobs = new Map<string, Buffer>();
      let at = 0;
      for (const id of ids) {
        const eol = out.indexOf(0x0a, at);
        const [got, type, size] = out.subarray(at, eol).toString('utf8').split(' ');
        if (got !== id || type !== 'blob') return reject(new Error(`git cat-file: expected blob ${id}, got "${got} ${type}"`));
        blobs.set(id, out.subarray(eol + 1, eol + 1 + Number(size)));
        at = eol + 1 + Number(size) + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
}

/**
 * The bundle of the committed sources, built in a fixed scratch directory (the same path every time,
 * so nothing that depends on it can make two builds of one commit differ) with the repository's
 * node_modules beside it for esbuild to resolve from.
 */
async function appEntries(revision: string): Promise<TarEntry[]> {
  const scratch = join(ROOT, '.daas', 'image-app');
  rmSync(scratch, { recursive: true, force: true });
  try {
    for (const file of await committedFiles()) {
      mkdirSync(dirname(join(scratch, file.path)), { recursive: true });
      writeFileSync(join(scratch, file.path), file.data);
    }
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    const out = join(scratch, 'daas-auth.cjs');
    await bundleCli({ root: scratch, out, commit: revision.slice(0, 12) });
    return [{ type: 'file', path: APP_ENTRY.slice(1), mode: 0o644, data: readFileSync(out) }];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function commitTime(): Promise<number> {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined) {
    if (!/^\d+$/.test(fromEnv)) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, got "${fromEnv}"`);
    return Number(fromEnv);
  }
  return Number((await runChecked('git', ['log', '-1', '--format=%ct'], { cwd: ROOT })).stdout.trim());
}

export interface BuiltImage {
  file: string;
  /** The manifest's digest: what a registry and the kubelet call the image. */
  digest: string;
  name: string;
}

export async function buildImage(opts: { outDir?: string; name?: string } = {}): Promise<BuiltImage> {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const mtime = await commitTime();
  const created = new Date(mtime * 1000).toISOString();
  const revision = (await runChecked('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim();
  const layers: Layer[] = [
    layer(withParents(await baseEntries()), mtime),
    layer(withParents(nodeEntries()), mtime),
    layer(withParents(await appEntries(revision)), mtime),
  ];
  const img = image(layers, {
    created,
    user: `${IMAGE_UID}:${IMAGE_UID}`,
    entrypoint: [`/${NODE_PATH}`, ...NODE_FLAGS, APP_ENTRY],
    cmd: ['--help'],
    env: ['PATH=/usr/local/bin', 'NODE_ENV=production'],
    workingDir: `/${APP_DIR}`,
    labels: {
      'org.opencontainers.image.title': 'daas-auth',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': revision,
    },
  });
  const name = opts.name ?? `daas-auth:${version}`;
  const outDir = opts.outDir ?? join(ROOT, '.daas/image');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `daas-auth-${version}.oci.tar`);
  writeLayout(file, img, { refName: name.slice(name.lastIndexOf(':') + 1), imageName: name }, mtime);
  return { file, digest: img.manifest.descriptor.digest, name };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    console.log('usage: npm run image -- [--out DIR] [--name REPO:TAG]\n  writes DIR/daas-auth-<version>.oci.tar (default DIR .daas/image) and prints its digest');
    return;
  }
  if (values.name !== undefined && !/^[a-z0-9][a-z0-9._/:-]*:[\w][\w.-]{0,127}$/.test(values.name)) {
    throw new Error(`--name must be REPOSITORY:TAG, got "${values.name}"`);
  }
  const built = await buildImage({ outDir: values.out, name: values.name });
  console.log(`${built.file}\n${built.name}@${built.digest}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`image: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
