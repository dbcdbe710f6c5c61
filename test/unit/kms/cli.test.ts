/**
 * `daas-auth kms` on bad input, through the real CLI entry in a child process: one line on stderr naming
 * the problem, a non-zero exit, never a stack trace, and no plugin left running.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKeyringFile } from '../../../src/kms/file-backend.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/daas-auth.js');
/** A fresh Node process on a loaded 2-core machine takes seconds. */
const SLOW = 60_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [BIN, ...args], { timeout: SLOW }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('daas-auth kms refuses bad input with one clear line', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no socket', () => ['kms', '--kek-file', join(dir, 'k.json')], /--socket PATH is required/],
    ['an unknown backend', () => ['kms', '--socket', join(dir, 's.sock'), '--backend', 'hsm'], /--backend "hsm" is not one of: file, enclave/],
    ['file backend without a KEK file', () => ['kms', '--socket', join(dir, 's.sock')], /--backend file needs --kek-file PATH/],
    ['a missing KEK file', () => ['kms', '--socket', join(dir, 's.sock'), '--kek-file', join(dir, 'none.json')], /does not exist \(create it with --create\)/],
    ['a KEK file others can read', () => ['kms', '--socket', join(dir, 's.sock'), '--kek-file', join(dir, 'open.json')], /has mode 644: it must be readable by its owner only/],
    ['a malformed KEK file', () => ['kms', '--socket', join(dir, 's.sock'), '--kek-file', join(dir, 'bad.json')], /is malformed: not JSON/],
    ['the enclave backend with a KEK file', () => ['kms', '--socket', join(dir, 's.sock'), '--backend', 'enclave', '--kek-file', 'x'], /keeps its KEK in the enclave/],
    ['the enclave backend outside an enclave', () => ['kms', '--socket', join(dir, 's.sock'), '--backend', 'enclave'], /\/dev\/nsm is missing: not inside a Nitro Enclave/],
    ['a bad metrics port', () => ['kms', '--socket', join(dir, 's.sock'), '--kek-file', join(dir, 'ok.json'), '--metrics-port', '99999'], /--metrics-port "99999" is not a port number/],
    ['rotate without a plugin named', () => ['kms', 'rotate'], /name the plugin: --socket PATH/],
    ['rotate with no plugin running', () => ['kms', 'rotate', '--socket', join(dir, 'gone.sock')], /no plugin answers on .*gone\.sock\.admin/],
  ];

  beforeAll(() => {
    createKeyringFile(join(dir, 'open.json'));
    chmodSync(join(dir, 'open.json'), 0o644);
    createKeyringFile(join(dir, 'ok.json'));
    writeFileSync(join(dir, 'bad.json'), '{', { mode: 0o600 });
  });

  it.each(cases)(
    '%s',
    async (_what, args, message) => {
      const r = await cli(args());
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('daas-auth:'))).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
    SLOW,
  );
});
