/**
 * The real node's daas-relay CNI plugin (hack/lib/cni-relay.ts), run as containerd runs it: the CNI
 * environment and the network config on stdin. ADD needs a pod's network namespace (the real-node e2e
 * files cover it); here VERSION, DEL of a container it never saw, and the refusals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';

const PLUGIN = new URL('../../../hack/lib/cni-relay.ts', import.meta.url).pathname;
const stateDir = mkdtempSync(join(tmpdir(), 'cni-relay-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function plugin(env: Record<string, string>, config: unknown = {}) {
  const r = spawnSync(process.execPath, [PLUGIN], { env: { PATH: process.env.PATH ?? '', ...env }, input: JSON.stringify(config), encoding: 'utf8' });
  return { code: r.status, out: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
}

const config = { cniVersion: '1.0.0', relays: [], stateDir };

test('VERSION names the CNI versions it speaks', () => {
  expect(plugin({ CNI_COMMAND: 'VERSION' })).toEqual({ code: 0, out: { cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] } });
});

test('DEL of a container it never added succeeds with no output (CNI requires DEL to be idempotent)', () => {
  expect(plugin({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'abc123' }, config)).toEqual({ code: 0, out: undefined });
});

test.each([
  ['an unknown command', { CNI_COMMAND: 'FROB', CNI_CONTAINERID: 'abc' }, /unknown CNI_COMMAND/],
  ['a container id that is a path', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: '../../etc' }, /bad CNI_CONTAINERID/],
])('%s is refused with a CNI error', (_what, env, message) => {
  const r = plugin(env, config);
  expect(r.code).toBe(1);
  expect(r.out).toMatchObject({ cniVersion: '1.0.0', code: 999 });
  expect(String(r.out?.msg)).toMatch(message);
});
