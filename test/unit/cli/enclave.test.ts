// `daas-auth enclave …` and `attestation fetch` on bad input: one line, exit 1, before any network is
// looked up (the chain paths run in test/e2e/enclave.test.ts); nitro_attestation aborts in words.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { imagePcrs } from '../../../src/cli/commands/enclave.ts';
import { UserError } from '../../../src/cli/errors.ts';
import { ChainTxError } from '../../../src/chain/errors.ts';
import { explainNitroAbort } from '../../../src/enclave/registry.ts';
import { REPO_ROOT } from '../enclave/helpers.ts';

const empty = mkdtempSync(join(tmpdir(), 'daas-enclave-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve(REPO_ROOT, 'bin/daas-auth.js'), ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, DAAS_SIM_STATE: empty } }, (error, _stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

test('imagePcrs wants exactly PCR0-2 of 48 bytes', () => {
  const hex = (b: string) => b.repeat(48);
  expect(imagePcrs([`0=${hex('01')}`, `1=${hex('02')}`, `2=${hex('03')}`]).map((p) => p[0])).toEqual([1, 2, 3]);
  expect(() => imagePcrs([`0=${hex('01')}`, `1=${hex('02')}`])).toThrow(UserError);
  expect(() => imagePcrs([`0=${hex('01')}`, `1=${hex('02')}`, `3=${hex('03')}`])).toThrow(UserError);
  expect(() => imagePcrs([`0=${hex('01')}`, `1=${hex('02')}`, `2=0102`])).toThrow(/48 bytes/);
});

test.each([
  [['enclave', 'set-pcrs', '--pcr', '0=00'], /^daas-auth: --pcr 0=HEX --pcr 1=HEX --pcr 2=HEX are needed/],
  [['enclave', 'register', '/nonexistent/doc.cbor'], /^daas-auth: cannot read document \/nonexistent\/doc\.cbor: ENOENT$/],
  [['enclave', 'show', '--enclave', 'zz'], /^daas-auth: --enclave zz is not an object id/],
  [['attestation', 'fetch', '--url', 'http://127.0.0.1:1'], /^daas-auth: --url must be https/],
  [['attestation', 'fetch', '--url', 'not a url'], /^daas-auth: --url not a url is not a URL$/],
  [['attestation', 'fetch', '--url', 'https://127.0.0.1:1'], /^daas-auth: attestation fetch: cannot connect to 127\.0\.0\.1:1: /],
  [['attestation', 'fetch', '--url', 'https://127.0.0.1:1', '--client-cert', 'a'], /^daas-auth: --client-cert and --client-key go together$/],
])('%j → one line, exit 1', async (args, message) => {
  const run = await cli(...args);
  expect(run.code).toBe(1);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(message);
}, 60_000);

test('nitro_attestation aborts are named; other errors pass unchanged', () => {
  const raw = new ChainTxError('moveAbort', 'refused by the chain: Move abort 3 in 0x2::nitro_attestation::load_nitro_attestation', { digest: 'D' });
  const named = explainNitroAbort(raw) as ChainTxError;
  expect(named.message).toBe('refused by the chain: nitro_attestation::EInvalidPCRsError (the document does not hold PCRs 0-4 and 8)');
  expect(named).toMatchObject({ abort: 'nitro_attestation::EInvalidPCRsError', digest: 'D', kind: 'moveAbort' });
  const ours = new ChainTxError('moveAbort', 'refused by the chain: enclave_registry::EPcrMismatch in enclave_registry::register_enclave');
  expect(explainNitroAbort(ours)).toBe(ours);
  const other = new Error('x');
  expect(explainNitroAbort(other)).toBe(other);
});
