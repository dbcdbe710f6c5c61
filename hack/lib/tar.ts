// A deterministic tar writer: the same entries give the same bytes, whoever runs it and whenever. Every
// entry gets the caller's mtime, uid/gid 0 and no user or group names; paths are written in the order given
// (the caller sorts). Long paths and link targets go into a PAX extended header, as OCI layers allow.
import { createHash } from 'node:crypto';

export type TarEntry =
  | { type: 'dir'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; data: Buffer }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A PAX record: "<len> key=value\n", where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  b.write(octal(h.mode, 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  b.write(octal(h.size, 12), 124, 'ascii');
  b.write(octal(h.mtime, 12), 136, 'ascii');
  b.write(' '.repeat(8), 148, 'ascii');
  b.write(h.typeflag, 156, 'ascii');
  b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write(octal(0, 8), 329, 'ascii');
  b.write(octal(0, 8), 337, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return b;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function fits(s: string): boolean {
  return Buffer.byteLength(s) <= 100;
}

/** The header blocks (a PAX header first when a name does not fit) and data blocks of one entry. */
export function entryBlocks(entry: TarEntry, mtime: number): Buffer[] {
  const name = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const linkname = entry.type === 'symlink' ? entry.target : '';
  const out: Buffer[] = [];
  if (!fits(name) || !fits(linkname)) {
    const pax = Buffer.from((fits(name) ? '' : paxRecord('path', name)) + (fits(linkname) ? '' : paxRecord('linkpath', linkname)));
    out.push(header({ name: 'PaxHeader', mode: 0o644, size: pax.length, mtime, typeflag: 'x', linkname: '' }), pax, padding(pax.length));
  }
  const short = (s: string) => (fits(s) ? s : Buffer.from(s).subarray(0, 100).toString('utf8'));
  const data = entry.type === 'file' ? entry.data : Buffer.alloc(0);
  const typeflag = entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0';
  const mode = entry.type === 'symlink' ? 0o777 : entry.mode;
  out.push(header({ name: short(name), mode, size: data.length, mtime, typeflag, linkname: short(linkname) }));
  if (data.length > 0) out.push(data, padding(data.length));
  return out;
}

/** The end-of-archive marker: two zero blocks. */
export function endBlocks(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/** A whole archive in memory. */
export function tar(entries: readonly TarEntry[], mtime: number): Buffer {
  return Buffer.concat([...entries.flatMap((e) => entryBlocks(e, mtime)), endBlocks()]);
}

/**
 * Every parent directory of the given paths as a dir entry (mode 0755), merged with the entries and sorted
 * by path, so an archive lists each directory before its contents and the order never depends on readdir.
 */
export function withParents(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) byPath.set(dir, { type: 'dir', path: dir, mode: 0o755 });
    }
    byPath.set(e.path, e);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
