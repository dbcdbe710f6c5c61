/**
 * The `file` KEK backend: a keyring file, JSON, mode 0600 (wider is refused: a KEK others can read
 * protects nothing). Rotation rewrites it atomically (temporary file, fsync, rename) before the new key
 * is used, so a key that wrapped anything is always on disk.
 *
 *   {"format":"daas-auth-kms-keyring/v1","current":"kek-…","keys":[{"kek":"<base64, 32 bytes>","created":"…"}]}
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KekBackend } from './backend.ts';
import { generateKek, KEK_BYTES, type Kek, makeKek } from './envelope.ts';
import { Keyring } from './keyring.ts';

const FORMAT = 'daas-auth-kms-keyring/v1';

interface KeyringFile {
  format: typeof FORMAT;
  current: string;
  keys: { kek: string; created: string }[];
}

/** A problem with the keyring file, worded for the operator. */
export class KeyringFileError extends Error {}

export function checkMode(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyringFileError(code === 'ENOENT' ? `KEK file ${path} does not exist (create it with --create)` : `cannot read KEK file ${path}: ${code}`);
  }
  if (!st.isFile()) throw new KeyringFileError(`KEK file ${path} is not a regular file`);
  if ((st.mode & 0o077) !== 0)
    throw new KeyringFileError(`KEK file ${path} has mode ${(st.mode & 0o777).toString(8)}: it must be readable by its owner only (chmod 600)`);
}

export function parseKeyringFile(text: string, path: string): Keyring {
  const bad = (why: string) => new KeyringFileError(`KEK file ${path} is malformed: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const d = doc as Partial<KeyringFile>;
  if (typeof d !== 'object' || d === null || d.format !== FORMAT) throw bad(`format is not ${FORMAT}`);
  if (Object.keys(d).sort().join() !== 'current,format,keys') throw bad('unexpected or missing fields');
  if (!Array.isArray(d.keys) || d.keys.length === 0) throw bad('no keys');
  const keys: Kek[] = d.keys.map((k, i) => {
    const raw = typeof k?.kek === 'string' && /^[A-Za-z0-9+/]+=*$/.test(k.kek) ? Buffer.from(k.kek, 'base64') : undefined;
    if (!raw || raw.length !== KEK_BYTES) throw bad(`keys[${i}].kek is not ${KEK_BYTES} bytes of base64`);
    return makeKek(raw);
  });
  if (typeof d.current !== 'string') throw bad('current is not a key id');
  try {
    return new Keyring(keys, d.current);
  } catch (e) {
    throw bad((e as Error).message);
  }
}

export function serializeKeyring(ring: Keyring, created: ReadonlyMap<string, string>): string {
  const doc: KeyringFile = {
    format: FORMAT,
    current: ring.current.id,
    keys: ring.keys.map((k) => ({ kek: k.key.toString('base64'), created: created.get(k.id) ?? new Date().toISOString() })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes `text` to `path` atomically with mode 0600; `exclusive` fails if the file already exists. */
function writeSecretFile(path: string, text: string, exclusive: boolean): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const target = exclusive ? path : `${path}.tmp-${process.pid}`;
  const fd = openSync(target, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!exclusive) renameSync(target, path);
}

/** Creates a keyring file holding one new KEK; refuses to overwrite one. Returns the key id. */
export function createKeyringFile(path: string): string {
  const kek = generateKek();
  const ring = new Keyring([kek], kek.id);
  try {
    writeSecretFile(path, serializeKeyring(ring, new Map()), true);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyringFileError(`KEK file ${path} already exists`);
    throw e;
  }
  return kek.id;
}

export function fileBackend(path: string): KekBackend {
  const created = new Map<string, string>();
  const read = (): Keyring => {
    checkMode(path);
    const text = readFileSync(path, 'utf8');
    const ring = parseKeyringFile(text, path);
    for (const k of (JSON.parse(text) as KeyringFile).keys) created.set(makeKek(Buffer.from(k.kek, 'base64')).id, k.created);
    return ring;
  };
  return {
    kind: 'file',
    load: async () => read(),
    rotate: async () => {
      // Re-read: the file on disk, not this process's memory, is what must keep every key.
      const next = read().rotated(generateKek());
      created.set(next.current.id, new Date().toISOString());
      writeSecretFile(path, serializeKeyring(next, created), false);
      return next;
    },
  };
}
