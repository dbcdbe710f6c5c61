/**
 * The /bin/sh fast path `daas-auth kubeconfig` puts in front of the plugin: a fresh credential file is
 * printed without running the plugin; a stale, garbled or missing one runs the plugin with
 * --credential-file appended (a stand-in plugin records how it was called).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHELL_FAST_PATH } from '../../../src/cli/commands/kubeconfig.ts';
import { credentialFileText } from '../../../src/cli/token-cache.ts';

let dir: string;
let plugin: string;
let calls: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'daas-shell-fast-path-'));
  plugin = join(dir, 'plugin');
  calls = join(dir, 'calls');
  writeFileSync(plugin, `#!/bin/sh\necho "$*" >> '${calls}'\necho '{"from":"plugin"}'\n`);
  chmodSync(plugin, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubectlRuns(file: string): string {
  rmSync(calls, { force: true });
  return execFileSync('/bin/sh', ['-c', SHELL_FAST_PATH, 'daas-auth', file, plugin, 'token', '--exec-credential'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
}

const now = () => Math.floor(Date.now() / 1000);

it('prints a fresh credential without running the plugin', () => {
  const file = join(dir, 'fresh.credential');
  writeFileSync(file, credentialFileText(now() + 100, '{"kind":"ExecCredential"}'));
  expect(kubectlRuns(file)).toBe('{"kind":"ExecCredential"}\n');
  expect(existsSync(calls)).toBe(false);
});

it.each([
  ['stale', () => credentialFileText(now() - 1, '{"kind":"ExecCredential"}')],
  ['garbled', () => 'soon\n{"kind":"ExecCredential"}\n'],
  ['empty', () => ''],
])('a %s file runs the plugin, told where to keep the next credential', (name, text) => {
  const file = join(dir, `${name}.credential`);
  writeFileSync(file, text());
  expect(kubectlRuns(file)).toBe('{"from":"plugin"}\n');
  expect(readFileSync(calls, 'utf8')).toBe(`token --exec-credential --credential-file ${file}\n`);
});

it('a missing file runs the plugin', () => {
  const file = join(dir, 'missing.credential');
  expect(kubectlRuns(file)).toBe('{"from":"plugin"}\n');
  expect(readFileSync(calls, 'utf8')).toBe(`token --exec-credential --credential-file ${file}\n`);
});
