// The enclave image's reproducible part: enclave/build-initramfs.sh run twice, on copies of the inputs
// with different file times, owners' umask and locations, gives byte-identical output; any content
// change gives another hash. And the enclave scripts refuse to start with an address unset (they have
// no vsock defaults to fall back to).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers.ts';

const BUILD = join(REPO_ROOT, 'enclave/build-initramfs.sh');
const work = mkdtempSync(join(tmpdir(), 'daas-initramfs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the app's inputs in its own directory, with its own file times. */
function inputs(name: string, mtime: Date): string {
  const dir = join(work, name);
  for (const part of ['src', 'bin', 'enclave', 'package.json']) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  utimesSync(join(dir, 'src/cli/main.ts'), mtime, mtime);
  utimesSync(join(dir, 'enclave/run.sh'), mtime, mtime);
  return dir;
}

function build(dir: string, out: string): string {
  const args = [out, `${dir}/src=app/src`, `${dir}/bin=app/bin`, `${dir}/enclave=app/enclave`, `${dir}/package.json=app/package.json`, `${dir}/enclave/init.sh=init`];
  const printed = execFileSync(BUILD, args, { encoding: 'utf8' }).trim();
  const actual = createHash('sha256').update(readFileSync(out)).digest('hex');
  expect(printed).toBe(actual);
  return actual;
}

test('the initramfs built twice from differently timed copies is byte-identical; a changed byte changes it', () => {
  const a = inputs('a', new Date('2001-02-03T04:05:06Z'));
  const b = inputs('b', new Date());
  chmodSync(join(b, 'package.json'), 0o600); // a stricter umask on one builder's checkout
  const first = build(a, join(work, 'a.cpio.gz'));
  const second = build(b, join(work, 'b.cpio.gz'));
  expect(second).toBe(first);

  writeFileSync(join(b, 'enclave/production.env'), `${readFileSync(join(b, 'enclave/production.env'), 'utf8')}# changed\n`);
  expect(build(b, join(work, 'c.cpio.gz'))).not.toBe(first);
});

test('the archive holds root-owned entries at time 0, sorted, with /init', () => {
  const listing = execFileSync('sh', ['-c', `gzip -dc ${join(work, 'a.cpio.gz')} | cpio -tv --quiet`], { encoding: 'utf8' }).trim().split('\n');
  expect(listing.length).toBeGreaterThan(50);
  for (const line of listing) expect(line).toMatch(/^\S+\s+\d+\s+root\s+root\s+\d+\s+Jan\s+1\s+1970\s/);
  const names = listing.map((line) => line.split(/\s+/).pop()!);
  expect(names).toContain('init');
  expect(names).toContain('app/enclave/run.sh');
  expect([...names].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1))).toEqual(names);
});

test('bad arguments are one-line errors', () => {
  const run = spawnSync(BUILD, [join(work, 'x.cpio.gz'), `${work}/missing=app/x`], { encoding: 'utf8' });
  expect(run.status).toBe(66);
  expect(run.stderr).toBe(`build-initramfs.sh: no such input: ${work}/missing\n`);
  expect(spawnSync(BUILD, [join(work, 'x.cpio.gz'), `${REPO_ROOT}/bin=../escape`], { encoding: 'utf8' }).status).toBe(64);
});

test.each([
  ['enclave/run.sh', 'INGRESS_LISTEN'],
  ['enclave/parent/expose.sh', 'LISTEN_HOST'],
  ['enclave/parent/egress-proxy.sh', 'EGRESS_ALLOW_FILE'],
  ['enclave/parent/bootstrap.sh', 'CONFIG_FILE'],
])('%s refuses to start without %s (no vsock default)', (script, variable) => {
  const run = spawnSync(join(REPO_ROOT, script), [], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain(variable);
});
