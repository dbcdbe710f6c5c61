// The real node's sandbox ("pause") image: hack/pause built as a static Go binary and packed into an OCI layout
// tar (hack/lib/oci.ts) named PAUSE_IMAGE, the name containerd's sandbox_image points at — never pulled.
// Cached in ~/.cache/daas-auth/images/ under a hash of the program's source and the Go version.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, goBinary, goEnv } from '../build.ts';
import { image, layer, writeLayout } from './oci.ts';
import { runChecked } from './run.ts';

const PAUSE_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'pause');
/** The sandbox image containerd is told to use (its sandbox_image); the bed imports an image of that name. */
export const PAUSE_IMAGE = 'daas.local/pause:1';
/** The upstream pause image's user: nobody needs to be root to hold namespaces open. */
const PAUSE_UID = '65535';

async function imagePath(): Promise<string> {
  const go = (await runChecked(goBinary(), ['env', 'GOVERSION'])).stdout.trim();
  const h = createHash('sha256');
  for (const f of ['go.mod', 'main.go']) h.update(readFileSync(join(PAUSE_DIR, f)));
  h.update(`${go}\0${process.arch}`);
  return join(cacheRoot(), 'images', `pause-${h.digest('hex').slice(0, 12)}.tar`);
}

/** The pause image's OCI tar, built on first use. */
export async function ensurePauseImage(): Promise<string> {
  const out = await imagePath();
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const bin = `${out}.bin-${process.pid}`;
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await runChecked(goBinary(), ['build', '-trimpath', '-ldflags=-s -w', '-o', bin, '.'], { cwd: PAUSE_DIR, env: goEnv() });
    const layers = [layer([{ type: 'file', path: 'pause', mode: 0o755, data: readFileSync(bin) }], 0)];
    const img = image(layers, {
      created: new Date(0).toISOString(),
      user: PAUSE_UID,
      entrypoint: ['/pause'],
      cmd: [],
      env: [],
      workingDir: '/',
      labels: { 'org.opencontainers.image.title': 'daas-auth test-bed pause' },
    });
    writeLayout(tmp, img, { refName: '1', imageName: PAUSE_IMAGE }, 0);
    renameSync(tmp, out);
    return out;
  } finally {
    rmSync(bin, { force: true });
    rmSync(tmp, { force: true });
  }
}

// No top-level await: jest's global setup first require()s this graph, and a module with one is left behind
// half-loaded (its import then fails: "does not provide an export named PAUSE_IMAGE").
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensurePauseImage().then((out) => console.log(out));
}
