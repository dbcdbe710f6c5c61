// hack/image.ts (`npm run image`): built twice from the same commit it gives the same bytes and digest; the
// layout is a valid OCI image (index → manifest → config and layers, every blob named by its sha256); and the
// image's own Node, with only the image's libraries, runs the app as uid 65532 on a read-only root filesystem.
import { afterAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_ENTRY, buildImage, IMAGE_UID, NODE_FLAGS } from '../../../hack/image.ts';

const work = mkdtempSync(join(tmpdir(), 'daas-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Manifest {
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}
interface Config {
  config: { User: string; Entrypoint: string[] };
  rootfs: { diff_ids: string[] };
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function unpack(tarFile: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xf', tarFile, '-C', dir]);
}

test('same commit, same image; the image runs the app as 65532 on a read-only root', async () => {
  const a = await buildImage({ outDir: join(work, 'a') });
  const b = await buildImage({ outDir: join(work, 'b') });
  expect(b.digest).toBe(a.digest);
  expect(sha256(readFileSync(b.file))).toBe(sha256(readFileSync(a.file)));

  const layout = join(work, 'layout');
  unpack(a.file, layout);
  const blob = (digest: string) => readFileSync(join(layout, 'blobs/sha256', digest.slice('sha256:'.length)));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  expect(index.manifests.map((m) => m.digest)).toEqual([a.digest]);
  const manifestBytes = blob(a.digest);
  expect(sha256(manifestBytes)).toBe(a.digest);
  const manifest = JSON.parse(manifestBytes.toString()) as Manifest;
  const config = JSON.parse(blob(manifest.config.digest).toString()) as Config;
  expect(config.config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);

  // Apply the layers in order, checking each against its digest and its diff_id.
  const rootfs = join(work, 'rootfs');
  mkdirSync(rootfs);
  manifest.layers.forEach((l, i) => {
    const gz = blob(l.digest);
    expect(sha256(gz)).toBe(l.digest);
    const raw = execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 1 << 30 });
    expect(sha256(raw)).toBe(config.rootfs.diff_ids[i]);
    execFileSync('tar', ['-xf', '-', '-C', rootfs], { input: raw, maxBuffer: 1 << 30 });
  });

  // No shell in the image: the entrypoint is Node itself. Run it in a private mount namespace where the
  // rootfs is bind-mounted read-only, chrooted, as the image's user, with an empty environment.
  // The entrypoint: Node, its V8 flags (hack/image.ts NODE_FLAGS), the app's entry script.
  // The app is the one bundle file: no sources, no node_modules.
  expect(readdirSync(join(rootfs, 'app'))).toEqual([APP_ENTRY.split('/').pop()]);
  const [node, ...args] = config.config.Entrypoint;
  expect(args).toEqual([...NODE_FLAGS, APP_ENTRY]);
  const script = args.join(' ');
  const cmd = [
    `mount --bind '${rootfs}' '${rootfs}'`,
    `mount -o remount,bind,ro '${rootfs}'`,
    `cd /`,
    `env -i "$(command -v chroot)" --userspec=${config.config.User} '${rootfs}' ${node} ${script} serve --help`,
    `env -i "$(command -v chroot)" --userspec=${config.config.User} '${rootfs}' ${node} -e 'try{require("fs").writeFileSync("/app/x","")}catch(e){console.log(e.code)}; console.log(process.getuid())'`,
  ].join(' && ');
  const out = execFileSync('unshare', ['-m', 'sh', '-c', cmd], { encoding: 'utf8' });
  expect(out).toContain('Usage: daas-auth serve [options]');
  expect(out).toContain(`EROFS\n${IMAGE_UID}\n`);
  expect(() => execFileSync('unshare', ['-m', 'chroot', rootfs, '/bin/sh', '-c', 'true'], { stdio: 'pipe' })).toThrow();
}, 300_000);
