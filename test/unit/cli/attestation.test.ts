import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { decodeDocumentInput, parseAt, parsePcrFlags, publicKeyFromFile } from '../../../src/cli/commands/attestation-report.ts';
import { UserError } from '../../../src/cli/errors.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { REPO_ROOT, eternis, eternisInvalid, evervault, suiVector } from '../enclave/helpers.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve(REPO_ROOT, 'src/cli/main.ts'), ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'daas-attestation-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each run starts a Node process that loads every command family: allow for a busy machine. */
const SLOW = 60_000;

describe('input detection', () => {
  const { bytes } = eternis();

  test('raw CBOR, base64, base64url and hex all give the same bytes', () => {
    const b64 = Buffer.from(bytes).toString('base64');
    for (const input of [
      bytes,
      Buffer.from(`${b64}\n`),
      Buffer.from(Buffer.from(bytes).toString('base64url')),
      Buffer.from(Buffer.from(bytes).toString('hex')),
      Buffer.from(`0x${Buffer.from(bytes).toString('hex')}\n`),
      Buffer.from(b64.replace(/.{76}/g, '$&\n')), // wrapped base64
    ]) {
      expect(Buffer.from(decodeDocumentInput(input)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  test('anything else is a one-line user error', () => {
    expect(() => decodeDocumentInput(Buffer.from('hello world'))).toThrow(UserError);
    expect(() => decodeDocumentInput(Buffer.from('aGVsbG8='))).toThrow(/neither CBOR/); // base64, but not of a COSE_Sign1
  });

  test('--at, --pcr and --public-key parsing', () => {
    expect(parseAt('document', bytes).toISOString()).toBe('2024-09-09T19:49:12.400Z');
    expect(parseAt('1731627987382', bytes).getTime()).toBe(1731627987382);
    expect(parseAt('2024-09-09T19:49:12Z', bytes).toISOString()).toBe('2024-09-09T19:49:12.000Z');
    expect(() => parseAt('yesterday', bytes)).toThrow(UserError);
    expect(parsePcrFlags(['0=00ff', '8=0xab']).get(8)).toEqual(Uint8Array.of(0xab));
    expect(() => parsePcrFlags(['32=00'])).toThrow(UserError);
    expect(() => parsePcrFlags(['1=zz'])).toThrow(UserError);
    expect(() => parsePcrFlags(['1=00', '1=01'])).toThrow(UserError);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(publicKeyFromFile(Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })))).equals(der)).toBe(true);
    expect(Buffer.from(publicKeyFromFile(der)).equals(der)).toBe(true);
  });
});

describe('daas-auth attestation verify', () => {
  test('prints a summary of a valid document and exits 0', async () => {
    const { file } = eternis();
    const run = await cli('attestation', 'verify', file, '--at', 'document', '--nonce', '0000000000000000000000000000000000000001', '--allow-debug');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^verified: attestation document is valid at 2024-09-09T19:49:12\.400Z/);
    expect(run.stdout).toContain('i-0bbf1bfe232b8c2ce-enc0191ba35c9d1b77a');
    expect(run.stdout).toContain('sha256:641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b (AWS Nitro Enclaves root G1)');
    expect(run.stdout).toMatch(/PCR3 +671ca1e3/);
  }, SLOW);

  test('names the failed check in one line and exits 1', async () => {
    const invalid = eternisInvalid();
    const run = await cli('attestation', 'verify', invalid.file, '--at', invalid.at.toISOString());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^daas-auth: attestation rejected: SIGNATURE_INVALID: /);
    expect(run.stdout).toBe('');
  }, SLOW);

  test('--output json, a hex file, --pcr mismatch', async () => {
    const vector = suiVector();
    const ok = await cli('--output', 'json', 'attestation', 'verify', vector.file, '--at', String(vector.at.getTime()), '--allow-debug');
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ verified: true, moduleId: 'i-0f73a4b4cb74cc9f2-enc0192e4188fef781d', nonce: null });
    const bad = await cli('--output', 'json', 'attestation', 'verify', vector.file, '--at', String(vector.at.getTime()), '--pcr', `3=${'00'.repeat(48)}`);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ verified: false, code: 'PCR_MISMATCH' });
  }, SLOW);

  test('--root and --public-key with a simulated NSM document (raw CBOR file)', async () => {
    const nsm = SimulatedNsm.generate({ pcrs: new Map([[0, new Uint8Array(48).fill(1)]]) }); // not debug mode
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    writeFileSync(join(dir, 'doc.cbor'), nsm.attest({ publicKey: spki }));
    writeFileSync(join(dir, 'root.pem'), nsm.rootPem);
    writeFileSync(join(dir, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    writeFileSync(join(dir, 'other.pem'), other.export({ type: 'spki', format: 'pem' }));

    const doc = join(dir, 'doc.cbor');
    expect((await cli('attestation', 'verify', doc)).stderr).toMatch(/UNTRUSTED_ROOT/);
    const ok = await cli('attestation', 'verify', doc, '--root', join(dir, 'root.pem'), '--public-key', join(dir, 'key.pem'));
    expect(ok.code).toBe(0);
    const bad = await cli('attestation', 'verify', doc, '--root', join(dir, 'root.pem'), '--public-key', join(dir, 'other.pem'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/PUBLIC_KEY_MISMATCH/);
    expect(readFileSync(doc)[0]).toBe(0x84);
  }, SLOW);

  test('every real AWS fixture verifies at its own time (debug mode allowed) and is refused a day later', async () => {
    for (const fixture of [eternis(), evervault(), suiVector()]) {
      const ok = await cli('attestation', 'verify', fixture.file, '--at', fixture.at.toISOString(), '--allow-debug');
      expect({ file: fixture.file, code: ok.code, stderr: ok.stderr }).toEqual({ file: fixture.file, code: 0, stderr: expect.stringContaining('debug-mode enclave') });
      const later = await cli('attestation', 'verify', fixture.file, '--at', new Date(fixture.at.getTime() + 86_400_000).toISOString(), '--allow-debug');
      expect(later.code).toBe(1);
      expect(later.stderr).toMatch(/CERTIFICATE_NOT_VALID_AT_TIME/);
    }
  }, 3 * SLOW);

  test('a debug-mode document (PCR0-2 zero) without --allow-debug exits non-zero, also in JSON', async () => {
    const { file } = eternis();
    const run = await cli('attestation', 'verify', file, '--at', 'document');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/warning: no --pcr given/);
    expect(run.stderr).toMatch(/^daas-auth: attestation rejected: DEBUG_MODE: .*--allow-debug/m);
    expect(run.stdout).toBe('');
    const json = await cli('--output', 'json', 'attestation', 'verify', file, '--at', 'document');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: false, code: 'DEBUG_MODE' });
  }, SLOW);

  test('no --pcr: a warning, not a refusal, for a non-debug document', async () => {
    const nsm = SimulatedNsm.generate({ pcrs: new Map([[0, new Uint8Array(48).fill(7)], [1, new Uint8Array(48).fill(7)]]) });
    writeFileSync(join(dir, 'prod.cbor'), nsm.attest({}));
    writeFileSync(join(dir, 'prod-root.pem'), nsm.rootPem);
    const run = await cli('attestation', 'verify', join(dir, 'prod.cbor'), '--root', join(dir, 'prod-root.pem'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: no --pcr given/);
    const pinned = await cli('attestation', 'verify', join(dir, 'prod.cbor'), '--root', join(dir, 'prod-root.pem'), '--pcr', `0=${'07'.repeat(48)}`);
    expect(pinned.stderr).toBe('');
  }, SLOW);

  test('bad input is a one-line error', async () => {
    const run = await cli('attestation', 'verify', join(dir, 'missing.cbor'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^daas-auth: cannot read document .*missing\.cbor: ENOENT\n$/);
  }, SLOW);
});
