// GET /attestation through the real express app (plain HTTP on loopback; TLS is the server's concern):
// the document binds the certificate's key, echoes the nonce, carries user_data; bad nonces are 400;
// the rate limit answers 429 with Retry-After; the age metric moves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyNitroDocument } from '../../../src/enclave/attestation/index.ts';
import { simulatedNsm } from '../../../src/enclave/nsm-sim/open.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { attestationRouter } from '../../../src/enclave/route/component.ts';
import { decodeUserData, encodeUserData, parseNonceParam, spkiOfCertificate } from '../../../src/enclave/route/request.ts';
import { registry } from '../../../src/metrics/registry.ts';
import { createApp } from '../../../src/server/app.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'daas-attest-route-'));
const certFile = path.join(dir, 'tls.crt');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'tls.key'), '-out', certFile, '-days', '1', '-subj', '/CN=enclave'], { stdio: 'pipe' });
const sim = SimulatedNsm.generate({ pcrs: new Map([[0, new Uint8Array(48).fill(0xa0)]]) });
const userData = encodeUserData({ v: 1, packageId: '0xabc', clusters: ['prod'] });

let server: Server;
let base: string;
let clock = 1_000_000;

beforeAll(async () => {
  const router = attestationRouter({ nsm: simulatedNsm(sim), userData, certFile, ratePerMinute: 3, logger: { warn: () => undefined } as never, now: () => clock });
  server = createServer(createApp({ openRouters: [router] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('GET /attestation', () => {
  test('a fresh document: public_key = the certificate key, nonce echoed, user_data, simulated root only', async () => {
    const res = await fetch(`${base}/attestation?nonce=00ff10`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/cbor');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const document = new Uint8Array(await res.arrayBuffer());
    const verified = verifyNitroDocument(document, {
      at: new Date(),
      roots: [sim.rootPem],
      nonce: Uint8Array.of(0, 0xff, 0x10),
      publicKey: spkiOfCertificate(readFileSync(certFile)),
      expectedPcrs: new Map([[0, new Uint8Array(48).fill(0xa0)]]),
    });
    expect(decodeUserData(verified.userData)).toEqual({ v: 1, packageId: '0xabc', clusters: ['prod'] });
    expect(() => verifyNitroDocument(document, { at: new Date() })).toThrow(/UNTRUSTED_ROOT/);
    const age = /^daas_auth_attestation_age_seconds (\S+)$/m.exec(await registry.getSingleMetricAsString('daas_auth_attestation_age_seconds'));
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(0);
    expect(Number(age?.[1])).toBeLessThan(60); // the document just issued, not the gauge's unset state
  });

  test.each([
    ['missing', '', 'nonce is required'],
    ['empty', '?nonce=', 'nonce is required'],
    ['odd length', '?nonce=abc', 'must be hex'],
    ['not hex', '?nonce=zz', 'must be hex'],
    ['513 bytes', `?nonce=${'ab'.repeat(513)}`, 'longer than 512'],
    ['given twice', '?nonce=aa&nonce=bb', 'nonce is required'],
  ])('bad nonce (%s) → 400', async (_what, query, message) => {
    const res = await fetch(`${base}/attestation${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(message);
  });

  test('512-byte nonce is accepted; the rate limit then answers 429 with Retry-After, and refills', async () => {
    clock += 120_000; // a full bucket (3)
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/attestation?nonce=${'ab'.repeat(512)}`)).status).toBe(200);
    const limited = await fetch(`${base}/attestation?nonce=01`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    clock += 20_000;
    expect((await fetch(`${base}/attestation?nonce=01`)).status).toBe(200);
  });
});

describe('pieces', () => {
  test('parseNonceParam', () => {
    expect(parseNonceParam('0A0b')).toEqual({ nonce: Uint8Array.of(10, 11) });
    expect(parseNonceParam(['aa'])).toEqual({ error: expect.stringContaining('required') });
  });

  test('user_data round-trips strictly and is bounded', () => {
    expect(decodeUserData(new TextEncoder().encode('{"v":1,"packageId":"0x1","clusters":["a"],"x":1}'))).toBeNull();
    expect(decodeUserData(new TextEncoder().encode('{"v":2,"packageId":"0x1","clusters":[]}'))).toBeNull();
    expect(decodeUserData(Uint8Array.of(0xff))).toBeNull();
    expect(() => encodeUserData({ v: 1, packageId: '0x1', clusters: Array.from({ length: 60 }, (_, i) => `cluster-${i}`) })).toThrow(/NSM allows 512/);
  });

});
