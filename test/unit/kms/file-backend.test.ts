/** The `file` KEK backend: 0600 or refused, strict parsing, rotation persisted before use. The `enclave` one's guard. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enclaveBackend } from '../../../src/kms/enclave-backend.ts';
import { createKeyringFile, fileBackend, KeyringFileError, parseKeyringFile } from '../../../src/kms/file-backend.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('file backend', () => {
  it('creates a 0600 keyring in a 0700 directory and refuses to overwrite it', async () => {
    const path = join(dir, 'sub', 'keyring.json');
    const id = createKeyringFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect((await fileBackend(path).load()).current.id).toBe(id);
    expect(() => createKeyringFile(path)).toThrow(/already exists/);
  });

  it.each([0o640, 0o604, 0o644, 0o660])('refuses a keyring with mode %o', async (mode) => {
    const path = join(dir, 'k.json');
    createKeyringFile(path);
    chmodSync(path, mode);
    await expect(fileBackend(path).load()).rejects.toThrow(/must be readable by its owner only/);
  });

  it('refuses a missing file and a directory', async () => {
    await expect(fileBackend(join(dir, 'nope')).load()).rejects.toThrow(/does not exist \(create it with --create\)/);
    await expect(fileBackend(dir).load()).rejects.toThrow(/not a regular file/);
  });

  it('follows a symlink (a Secret volume) but checks the mode of what it points to', async () => {
    const path = join(dir, 'k.json');
    createKeyringFile(path);
    symlinkSync(path, join(dir, 'link'));
    await expect(fileBackend(join(dir, 'link')).load()).resolves.toBeDefined();
    chmodSync(path, 0o644);
    await expect(fileBackend(join(dir, 'link')).load()).rejects.toThrow(/mode 644/);
  });

  it('rotation writes the new key to the file before it is used, keeping the old ones and the mode', async () => {
    const path = join(dir, 'k.json');
    const first = createKeyringFile(path);
    const backend = fileBackend(path);
    const ring = await backend.load();
    const next = await backend.rotate(ring);
    expect(next.current.id).not.toBe(first);
    const reread = await fileBackend(path).load();
    expect(reread.current.id).toBe(next.current.id);
    expect(reread.keys.map((k) => k.id)).toEqual([first, next.current.id]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another format', '{"format":"x","current":"a","keys":[]}', /format is not/],
    ['extra fields', JSON.stringify({ format: 'daas-auth-kms-keyring/v1', current: 'a', keys: [], extra: 1 }), /unexpected or missing fields/],
    ['no keys', JSON.stringify({ format: 'daas-auth-kms-keyring/v1', current: 'a', keys: [] }), /no keys/],
    ['a short key', JSON.stringify({ format: 'daas-auth-kms-keyring/v1', current: 'a', keys: [{ kek: 'AAAA', created: '' }] }), /not 32 bytes/],
    [
      'a current key not held',
      JSON.stringify({ format: 'daas-auth-kms-keyring/v1', current: 'kek-00', keys: [{ kek: Buffer.alloc(32, 1).toString('base64'), created: '' }] }),
      /not among the keys held/,
    ],
  ])('refuses a keyring with %s', (_what, text, why) => {
    expect(() => parseKeyringFile(text, 'k.json')).toThrow(KeyringFileError);
    expect(() => parseKeyringFile(text, 'k.json')).toThrow(why);
  });

  it('never puts key material into an error message', () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const text = JSON.stringify({ format: 'daas-auth-kms-keyring/v1', current: 'kek-00', keys: [{ kek: key, created: '' }] });
    writeFileSync(join(dir, 'k.json'), text, { mode: 0o600 });
    expect(() => parseKeyringFile(readFileSync(join(dir, 'k.json'), 'utf8'), 'k.json')).toThrow(expect.objectContaining({ message: expect.not.stringContaining(key) }));
  });
});

describe('enclave backend', () => {
  it('refuses to start outside an enclave unless told, then holds a fresh in-memory key that rotates', async () => {
    const nsm = join(dir, 'no-nsm');
    await expect(enclaveBackend({ allowOutsideEnclave: false, nsmDevice: nsm }).load()).rejects.toThrow(/not inside a Nitro Enclave/);
    const backend = enclaveBackend({ allowOutsideEnclave: true, nsmDevice: nsm });
    const a = await backend.load();
    const b = await enclaveBackend({ allowOutsideEnclave: true, nsmDevice: nsm }).load();
    expect(a.current.id).not.toBe(b.current.id); // a restart is a new key: docs/kms.md
    const rotated = await backend.rotate(a);
    expect(rotated.keys.map((k) => k.id)).toEqual([a.current.id, rotated.current.id]);
  });

  it('starts where the NSM device exists', async () => {
    const nsm = join(dir, 'nsm');
    writeFileSync(nsm, '');
    await expect(enclaveBackend({ allowOutsideEnclave: false, nsmDevice: nsm }).load()).resolves.toBeDefined();
  });
});
