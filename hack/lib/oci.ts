// An OCI image layout (image-spec v1.1) written as one tar: `oci-layout`, `index.json` and `blobs/sha256/…`,
// each blob named by its digest. Layers are gzip'd tars from hack/lib/tar.ts; everything is deterministic, so
// the same inputs give the same manifest digest.
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { endBlocks, entryBlocks, sha256, tar, type TarEntry } from './tar.ts';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Blob {
  descriptor: Descriptor;
  data: Buffer;
}

export interface Layer extends Blob {
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
}

export function blob(mediaType: string, data: Buffer): Blob {
  return { descriptor: { mediaType, digest: `sha256:${sha256(data)}`, size: data.length }, data };
}

/** JSON with a fixed key order (as written) and no whitespace: the bytes the digest is taken over. */
export function jsonBlob(mediaType: string, value: unknown): Blob {
  return blob(mediaType, Buffer.from(JSON.stringify(value)));
}

export function layer(entries: readonly TarEntry[], mtime: number): Layer {
  const raw = tar(entries, mtime);
  // gzip's header carries no mtime or name from zlib here, so equal input gives equal output.
  const gz = gzipSync(raw, { level: 6 });
  return { ...blob(MEDIA.layer, gz), diffId: `sha256:${sha256(raw)}` };
}

export interface ImageConfig {
  created: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  labels: Record<string, string>;
}

export interface Image {
  manifest: Blob;
  config: Blob;
  layers: Layer[];
}

export function image(layers: Layer[], cfg: ImageConfig): Image {
  const config = jsonBlob(MEDIA.config, {
    created: cfg.created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: cfg.user,
      Env: cfg.env,
      Entrypoint: cfg.entrypoint,
      Cmd: cfg.cmd,
      WorkingDir: cfg.workingDir,
      Labels: cfg.labels,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: cfg.created, created_by: 'npm run image (hack/image.ts)' })),
  });
  const manifest = jsonBlob(MEDIA.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
    annotations: { 'org.opencontainers.image.created': cfg.created },
  });
  return { manifest, config, layers };
}

/**
 * Writes the layout tar. `refName` becomes org.opencontainers.image.ref.name (what `skopeo copy
 * oci-archive:FILE:REF` selects) and `imageName` io.containerd.image.name (what `ctr images import` names it).
 */
export function writeLayout(file: string, img: Image, names: { refName: string; imageName: string }, mtime: number): void {
  const index = jsonBlob(MEDIA.index, {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        ...img.manifest.descriptor,
        annotations: { 'io.containerd.image.name': names.imageName, 'org.opencontainers.image.ref.name': names.refName },
      },
    ],
  });
  const blobs = [img.config, img.manifest, ...img.layers];
  const seen = new Set<string>();
  const entries: TarEntry[] = [
    { type: 'dir', path: 'blobs', mode: 0o755 },
    { type: 'dir', path: 'blobs/sha256', mode: 0o755 },
  ];
  for (const b of blobs) {
    if (seen.has(b.descriptor.digest)) continue;
    seen.add(b.descriptor.digest);
    entries.push({ type: 'file', path: `blobs/sha256/${b.descriptor.digest.slice(7)}`, mode: 0o644, data: b.data });
  }
  entries.push(
    { type: 'file', path: 'index.json', mode: 0o644, data: index.data },
    { type: 'file', path: 'oci-layout', mode: 0o644, data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
  );
  const fd = openSync(file, 'w', 0o644);
  try {
    for (const e of entries) for (const block of entryBlocks(e, mtime)) writeSync(fd, block);
    writeSync(fd, endBlocks());
  } finally {
    closeSync(fd);
  }
}
