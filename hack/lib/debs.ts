// Debian packages the build and the tests use without installing them: downloaded at a pinned version
// (`apt-get download`), checked against a pinned sha256, unpacked with `dpkg -x` into a cache directory.
// Nothing is configured, no maintainer script runs, no service starts.
//
//   node hack/lib/debs.ts            # fetch and unpack every pinned package (what .ci/run does)
//
// Why pins: the image's base layer is these packages' files, so a new Debian point release must not change
// an image built from the same commit. When the mirror drops a pinned version (security updates do),
// `apt-cache policy NAME` shows the new one: update the pin and its sha256 here, in one commit.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../build.ts';
import { run, runChecked } from './run.ts';

export interface DebPin {
  name: string;
  version: string;
  sha256: string;
}

export const DEBS = {
  libc6: { name: 'libc6', version: '2.36-9+deb12u14', sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf' },
  'libgcc-s1': { name: 'libgcc-s1', version: '12.2.0-14+deb12u1', sha256: '3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7' },
  'libstdc++6': { name: 'libstdc++6', version: '12.2.0-14+deb12u1', sha256: '5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d' },
  prometheus: { name: 'prometheus', version: '2.42.0+ds-5+b6', sha256: '3b0e0255b059a7696bd4a139a4a4eb24d71df067936a61ece5093559cbc7991c' },
} as const satisfies Record<string, DebPin>;
export type DebName = keyof typeof DEBS;

function debsDir(): string {
  return join(cacheRoot(), 'debs');
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

let listsUpdated = false;

/** `apt-get download`, after one `apt-get update` when this machine's package lists do not know the version. */
async function aptDownload(spec: string, dir: string): Promise<void> {
  const r = await run('apt-get', ['download', spec], { cwd: dir });
  if (r.code === 0) return;
  if (listsUpdated) throw new Error(`apt-get download ${spec} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  await runChecked('apt-get', ['update']);
  listsUpdated = true;
  await aptDownload(spec, dir);
}

/** The .deb file of a pin, downloaded once into the cache and checked against its sha256 every time. */
export async function debFile(pin: DebPin): Promise<string> {
  const dir = join(debsDir(), 'files');
  mkdirSync(dir, { recursive: true });
  const prefix = `${pin.name}_${pin.version.replace(/:/g, '%3a')}_`;
  let file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.deb'));
  if (!file) {
    await aptDownload(`${pin.name}=${pin.version}`, dir);
    file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.deb'));
    if (!file) throw new Error(`apt-get download ${pin.name}=${pin.version} left no .deb in ${dir}`);
  }
  const path = join(dir, file);
  const got = sha256File(path);
  if (got !== pin.sha256) {
    rmSync(path);
    throw new Error(`${file}: sha256 ${got}, pinned ${pin.sha256} (deleted; see hack/lib/debs.ts)`);
  }
  return path;
}

/** The directory a pinned package is unpacked into (`dpkg -x`), made once. */
export async function unpackedDeb(name: DebName): Promise<string> {
  const pin = DEBS[name];
  const dest = join(debsDir(), 'root', `${pin.name}_${pin.version}_${pin.sha256.slice(0, 12)}`);
  if (existsSync(dest)) return dest;
  const deb = await debFile(pin);
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await runChecked('dpkg', ['-x', deb, tmp]);
  renameSync(tmp, dest);
  return dest;
}

/** promtool and prometheus from Debian's `prometheus` package. */
export async function prometheusBinaries(): Promise<{ promtool: string; prometheus: string }> {
  const root = await unpackedDeb('prometheus');
  return { promtool: join(root, 'usr/bin/promtool'), prometheus: join(root, 'usr/bin/prometheus') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(DEBS) as DebName[]) console.log(`${name}: ${await unpackedDeb(name)}`);
}
