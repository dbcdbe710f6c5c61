/**
 * The plugin over its real unix sockets with @grpc/grpc-js, called the way kube-apiserver calls it: the
 * methods, rotation through the admin socket, and bad input answered with a clear status while the
 * server keeps serving.
 */
import { Client, credentials, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecryptResponse, EncryptResponse, KeysResponse, RotateResponse, StatusResponse } from '../../../src/kms/api.ts';
import { KeyAdmin, KeyManagementService, unixClient, type UnixClient } from '../../../src/kms/client.ts';
import { createKeyringFile, fileBackend } from '../../../src/kms/file-backend.ts';
import { KmsPlugin } from '../../../src/kms/plugin.ts';
import { startKmsServer, type KmsServerHandle } from '../../../src/kms/server.ts';
import { registry } from '../../../src/metrics/registry.ts';
import { silentLogger } from '../../../src/log/index.ts';

let dir: string;
let server: KmsServerHandle;
let kms: UnixClient;
let admin: UnixClient;

async function start(keyring: string, socket: string): Promise<KmsServerHandle> {
  const plugin = await KmsPlugin.open(fileBackend(keyring), silentLogger());
  return startKmsServer(plugin, { socket, adminSocket: `${socket}.admin` });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kms-srv-'));
  createKeyringFile(join(dir, 'keyring.json'));
  server = await start(join(dir, 'keyring.json'), join(dir, 'kms.sock'));
  kms = unixClient(join(dir, 'kms.sock'));
  admin = unixClient(join(dir, 'kms.sock.admin'));
});

afterAll(async () => {
  kms.close();
  admin.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = () => kms.call<object, StatusResponse>(KeyManagementService, 'Status', {});
const encrypt = (plaintext: Uint8Array) => kms.call<object, EncryptResponse>(KeyManagementService, 'Encrypt', { plaintext, uid: 'u' });
const decrypt = (e: Partial<EncryptResponse>) =>
  kms.call<object, DecryptResponse>(KeyManagementService, 'Decrypt', { ciphertext: e.ciphertext, keyId: e.keyId ?? '', annotations: e.annotations ?? {}, uid: 'u' });

async function refused(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  const e = (await p.then(
    () => undefined,
    (err: ServiceError) => err,
  )) as ServiceError | undefined;
  if (!e) throw new Error('expected the call to be refused');
  return { code: e.code, details: e.details };
}

describe('daas-auth kms over its unix socket', () => {
  it('serves Status, Encrypt and Decrypt; the sockets are 0600', async () => {
    const st = await status();
    expect(st).toEqual({ version: 'v2', healthz: 'ok', keyId: expect.stringMatching(/^kek-[0-9a-f]{32}$/) });
    const seed = randomBytes(32);
    const enc = await encrypt(seed);
    expect(enc.keyId).toBe(st.keyId);
    expect(Buffer.from((await decrypt(enc)).plaintext)).toEqual(seed);
    expect(statSync(join(dir, 'kms.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'kms.sock.admin')).mode & 0o777).toBe(0o600);
  });

  it('answers bad input with a clear status and keeps serving', async () => {
    const enc = await encrypt(randomBytes(32));
    const ct = Buffer.from(enc.ciphertext);
    const tampered = Buffer.from(ct);
    tampered[ct.length - 20]! ^= 0x01;

    const foreignDir = mkdtempSync(join(tmpdir(), 'kms-foreign-'));
    createKeyringFile(join(foreignDir, 'k.json'));
    const foreign = await start(join(foreignDir, 'k.json'), join(foreignDir, 's.sock'));
    const other = unixClient(join(foreignDir, 's.sock'));
    const foreignEnc = await other.call<object, EncryptResponse>(KeyManagementService, 'Encrypt', { plaintext: randomBytes(32) });
    other.close();
    await foreign.stop();
    rmSync(foreignDir, { recursive: true, force: true });

    expect(await refused(decrypt(foreignEnc))).toEqual({ code: grpcStatus.NOT_FOUND, details: expect.stringMatching(/which this plugin does not hold/) });
    expect(await refused(decrypt({ ...enc, ciphertext: ct.subarray(0, ct.length - 1) }))).toEqual({
      code: grpcStatus.INVALID_ARGUMENT,
      details: expect.stringMatching(/failed authentication/),
    });
    expect(await refused(decrypt({ ...enc, ciphertext: ct.subarray(0, 20) }))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/too short/) });
    expect(await refused(decrypt({ ...enc, ciphertext: tampered }))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/tampered/) });
    expect(await refused(encrypt(new Uint8Array(600)))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/over the 512-byte limit/) });
    expect(await refused(decrypt({ ciphertext: new Uint8Array(2000) }))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/over the 1024-byte limit/) });
    // Far over any message the API sends: refused by gRPC before the plugin parses it.
    expect((await refused(encrypt(new Uint8Array(1024 * 1024)))).code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
    expect((await refused(rawCall(join(dir, 'kms.sock'), Buffer.from([0xff, 0xff, 0xff])))).code).toBe(grpcStatus.INTERNAL);

    expect((await status()).healthz).toBe('ok');
    expect(Buffer.from((await decrypt(enc)).plaintext).length).toBe(32);
    const metrics = await registry.getSingleMetricAsString('daas_auth_kms_operations_total');
    expect(metrics).toMatch(/op="decrypt",result="NOT_FOUND"/);
    expect(metrics).toMatch(/op="encrypt",result="INVALID_ARGUMENT"/);
  });

  it('rotates through the admin socket: new key current, old ciphertexts still decrypt', async () => {
    const before = await status();
    const old = await encrypt(Buffer.from('before rotation'));
    const rotated = await admin.call<object, RotateResponse>(KeyAdmin, 'Rotate', {});
    expect(rotated.previousKeyId).toBe(before.keyId);
    expect((await status()).keyId).toBe(rotated.keyId);
    const fresh = await encrypt(Buffer.from('after rotation'));
    expect(fresh.keyId).toBe(rotated.keyId);
    expect(Buffer.from((await decrypt(old)).plaintext).toString()).toBe('before rotation');
    const keys = await admin.call<object, KeysResponse>(KeyAdmin, 'Keys', {});
    expect(keys.currentKeyId).toBe(rotated.keyId);
    expect(keys.keyIds).toEqual(expect.arrayContaining([before.keyId, rotated.keyId]));
    // The apiserver's socket does not offer rotation.
    expect((await refused(kms.call(KeyAdmin, 'Rotate', {}))).code).toBe(grpcStatus.UNIMPLEMENTED);
  });

  it('replaces a stale socket file but refuses one another server answers on', async () => {
    const stale = join(dir, 'stale.sock');
    // A process killed on its socket (as a crashed plugin is) leaves the file behind, answering no one.
    const holder = spawn(process.execPath, ['-e', 'require("node:net").createServer().listen(process.argv[1])', stale], { stdio: 'ignore' });
    const exited = new Promise((r) => holder.once('exit', r));
    await waitForFile(stale);
    await expect(start(join(dir, 'keyring.json'), stale)).rejects.toThrow(/in use: another plugin is serving on it/);
    holder.kill('SIGKILL');
    await exited;
    expect(lstatSync(stale).isSocket()).toBe(true);
    const again = await start(join(dir, 'keyring.json'), stale);
    await again.stop();
    writeFileSync(join(dir, 'plain'), '');
    await expect(start(join(dir, 'keyring.json'), join(dir, 'plain'))).rejects.toThrow(/exists and is not a socket/);
  });
});

async function waitForFile(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Status call whose body is not protobuf at all. */
function rawCall(socket: string, body: Buffer): Promise<unknown> {
  const client = new Client(`unix:${socket}`, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      '/v2.KeyManagementService/Decrypt',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (error, out) => {
        client.close();
        if (error) reject(error);
        else resolve(out);
      },
    ),
  );
}
