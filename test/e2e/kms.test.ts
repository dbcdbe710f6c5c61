// Secrets at rest under daas-auth's KMS v2 plugin, through the real kube-apiserver and etcd: what etcd
// holds, rotation, the plugin going away and coming back (with its own KEK or another), and bad input.
// The plugin must be configured when kube-apiserver starts, so this file runs a cluster of its own, with
// `daas-auth kms` (the real CLI, file KEK) as a process the test stops and restarts.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { REPO_ROOT, restartComponent } from '../../hack/cluster.ts';
import { run } from '../../hack/lib/run.ts';
import type { EncryptResponse, StatusResponse } from '../../src/kms/api.ts';
import { e2eEnv, uniqueName, waitFor } from './harness/index.ts';
import { holdsNoRunOf, KmsBed, PREFIX, STATUS_POLL_TIMEOUT_MS } from './kms-bed.ts';

let bed: KmsBed;
const kek = (name: string) => ['--kek-file', join(bed.dir, name), '--create'];
const startPlugin = (kekFile: string) => bed.startPlugin(kek(kekFile), bed.socket);
const kmsReadyz = () => bed.health('/readyz/kms-providers');
const readyz = () => bed.health('/readyz');

let ns: string;
const written: { name: string; value: string }[] = [];
let firstKey: string;
let secondKey: string;

beforeAll(async () => {
  const dir = join(e2eEnv().runDir, 'kms');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  bed = new KmsBed('kms', dir, join(dir, 'kms.sock'));
  await startPlugin('kek-a.json');
  await bed.startCluster();
  ns = uniqueName('kms');
  await bed.ctl(['create', 'namespace', ns]);
});

afterAll(async () => {
  await bed.stop();
});

describe('Secrets under the daas-auth KMS v2 plugin', () => {
  test('a Secret is stored as k8s:enc:kms:v2:<provider>: plus ciphertext holding no run of the plaintext, and reads back intact', async () => {
    firstKey = (await bed.call<StatusResponse>('Status', {})).keyId;
    const value = `hunter2-${randomBytes(24).toString('hex')}`;
    await bed.createSecret(ns, 'first', value);
    written.push({ name: 'first', value });

    const { raw, obj } = await bed.stored(ns, 'first');
    expect(raw.subarray(0, PREFIX.length).toString()).toBe(PREFIX);
    expect(holdsNoRunOf(raw, value)).toBe(true);
    expect(holdsNoRunOf(raw, Buffer.from(value).toString('base64'))).toBe(true);
    expect(obj.keyID).toBe(firstKey);
    expect(Buffer.from(obj.annotations['alg.kms.daas.io'] ?? []).toString()).toBe('aes-256-gcm/v1');
    expect(await bed.readSecret(ns, 'first')).toBe(value);
    expect(await kmsReadyz()).toBe(200);
  });

  test('after `kms rotate` the apiserver picks the new key up, new Secrets use it, old ones still read, a rewrite moves them', async () => {
    const r = await run(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'kms', 'rotate', '--socket', bed.socket]);
    expect(r).toEqual(expect.objectContaining({ code: 0 }));
    secondKey = (await bed.call<StatusResponse>('Status', {})).keyId;
    expect(secondKey).not.toBe(firstKey);
    expect(r.stdout).toContain(`current key ${secondKey} (was ${firstKey}`);

    // The apiserver learns the key id from its Status poll; until then it keeps writing under the old one.
    await waitFor(
      'kube-apiserver to write under the rotated key',
      async () => {
        const probe = uniqueName('probe');
        await bed.createSecret(ns, probe, 'probe');
        const { obj } = await bed.stored(ns, probe);
        await bed.ctl(['-n', ns, 'delete', 'secret', probe]);
        return obj.keyID === secondKey;
      },
      { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 2000 },
    );
    const value = `after-rotation-${randomBytes(16).toString('hex')}`;
    await bed.createSecret(ns, 'second', value);
    written.push({ name: 'second', value });
    expect((await bed.stored(ns, 'second')).obj.keyID).toBe(secondKey);

    expect((await bed.stored(ns, 'first')).obj.keyID).toBe(firstKey);
    expect(await bed.readSecret(ns, 'first')).toBe(written[0]!.value);
    await bed.rewriteSecret(ns, 'first');
    expect((await bed.stored(ns, 'first')).obj.keyID).toBe(secondKey);
    expect(await bed.readSecret(ns, 'first')).toBe(written[0]!.value);

    // One Secret stays under the first key, for the restarts below.
    const old = `old-key-${randomBytes(16).toString('hex')}`;
    await bed.createSecret(ns, 'third', old);
    written.push({ name: 'third', value: old });
  });

  test('plugin stopped: reads and writes go on, /readyz/kms-providers turns unhealthy, and recovers when it returns', async () => {
    await bed.stopPlugin();
    const value = `while-down-${randomBytes(8).toString('hex')}`;
    await bed.createSecret(ns, 'while-down', value);
    written.push({ name: 'while-down', value });
    for (const s of written) expect(await bed.readSecret(ns, s.name)).toBe(s.value);

    await waitFor('/readyz/kms-providers to fail', async () => (await kmsReadyz()) !== 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });

    await startPlugin('kek-a.json');
    await waitFor('/readyz/kms-providers to recover', async () => (await kmsReadyz()) === 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });
    for (const s of written) expect(await bed.readSecret(ns, s.name)).toBe(s.value);
  });

  test('plugin restarted with the same KEK: every Secret reads, even with the apiserver cold (nothing cached)', async () => {
    await restartComponent(bed.clusterName(), 'kube-apiserver');
    for (const s of written) expect(await bed.readSecret(ns, s.name)).toBe(s.value);
    for (const s of written) expect((await bed.decryptStored((await bed.stored(ns, s.name)).obj)).plaintext.length).toBe(32);
  });

  test('bad input to the running plugin: truncated, tampered, oversized, wrong key id — each a clear gRPC error, no crash', async () => {
    const { obj } = await bed.stored(ns, 'first');
    const ct = Buffer.from(obj.encryptedDEKSource);
    const call = (ciphertext: Uint8Array, keyId = obj.keyID) => bed.refusal('Decrypt', { ciphertext, keyId, annotations: obj.annotations });
    const tampered = Buffer.from(ct);
    tampered[ct.length - 1]! ^= 0x80;

    expect(await call(ct.subarray(0, ct.length - 5))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/failed authentication/) });
    expect(await call(ct.subarray(0, 10))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/too short \(truncated\?\)/) });
    expect(await call(tampered)).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/tampered/) });
    expect(await call(Buffer.concat([ct, Buffer.alloc(2000)]))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/over the 1024-byte limit/) });
    expect((await bed.refusal('Encrypt', { plaintext: new Uint8Array(1 << 20) })).code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
    expect(await call(ct, 'kek-someone-else')).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/does not match the ciphertext's key/) });

    expect(bed.pluginRunning()).toBe(true);
    expect((await bed.call<StatusResponse>('Status', {})).healthz).toBe('ok');
    expect(Buffer.from((await bed.decryptStored(obj)).plaintext).length).toBe(32);
    expect((await bed.call<EncryptResponse>('Encrypt', { plaintext: randomBytes(32) })).keyId).toBe(secondKey);
  });

  test('plugin started with a different KEK: a clear error on decrypt, and the data under the old KEK is still there', async () => {
    await bed.stopPlugin();
    await startPlugin('kek-b.json');
    const third = (await bed.stored(ns, 'third')).obj;
    expect(await bed.refusal('Decrypt', { ciphertext: third.encryptedDEKSource, keyId: third.keyID, annotations: third.annotations })).toEqual({
      code: grpcStatus.NOT_FOUND,
      details: `ciphertext was wrapped under ${secondKey}, which this plugin does not hold (a different KEK?)`,
    });

    // A cold apiserver has only the plugin to decrypt with. It serves, but refuses to turn ready (its
    // Secrets cache cannot be filled) and a read fails naming the key; nothing is dropped or rewritten.
    const refusal = await bed.coldReadRefusal(ns, 'third');
    expect(refusal).toContain(secondKey);
    expect(await readyz()).not.toBe(200);
    expect((await bed.stored(ns, 'third')).obj.keyID).toBe(secondKey);

    // With the right KEK back, the apiserver turns ready and the same Secret reads again: no silent loss.
    await bed.stopPlugin();
    await startPlugin('kek-a.json');
    await waitFor('kube-apiserver to turn ready with the right KEK', async () => (await readyz()) === 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });
    for (const s of written) expect(await bed.readSecret(ns, s.name)).toBe(s.value);
  });
});
