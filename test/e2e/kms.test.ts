// Secrets at rest under daas-auth's KMS v2 plugin, through the real kube-apiserver and etcd: what etcd
// holds, rotation, the plugin going away and coming back (with its own KEK or another), and bad input.
// The plugin must be configured when kube-apiserver starts, so this file runs a cluster of its own, with
// `daas-auth kms` (the real CLI, file KEK) as a process the test stops and restarts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { MessageType, ScalarType } from '@protobuf-ts/runtime';
import { REPO_ROOT, restartComponent, startCluster, stopCluster, type ClusterInfo } from '../../hack/cluster.ts';
import { waitForSocket } from '../../hack/lib/kms.ts';
import { get } from '../../hack/lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import { run } from '../../hack/lib/run.ts';
import type { DecryptResponse, EncryptResponse, StatusResponse } from '../../src/kms/api.ts';
import { KeyManagementService, unixClient } from '../../src/kms/client.ts';
import { e2eEnv, kubectl, uniqueName, waitFor } from './harness/index.ts';

const PROVIDER = 'daas-auth';
const PREFIX = `k8s:enc:kms:v2:${PROVIDER}:`;
/** The apiserver polls the plugin's Status about every 20 s when healthy; give it a few rounds. */
const STATUS_POLL_TIMEOUT_MS = 120_000;

/** kube-apiserver's storage format after the prefix (k8s.io/apiserver …/envelope/kmsv2/v2/api.proto). */
interface EncryptedObject {
  encryptedData: Uint8Array;
  keyID: string;
  encryptedDEKSource: Uint8Array;
  annotations: { [key: string]: Uint8Array };
  encryptedDEKSourceType: number;
}
const EncryptedObject = new MessageType<EncryptedObject>('v2.EncryptedObject', [
  { no: 1, name: 'encryptedData', kind: 'scalar', T: ScalarType.BYTES },
  { no: 2, name: 'keyID', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'encryptedDEKSource', kind: 'scalar', T: ScalarType.BYTES },
  { no: 4, name: 'annotations', kind: 'map', K: ScalarType.STRING, V: { kind: 'scalar', T: ScalarType.BYTES } },
  { no: 5, name: 'encryptedDEKSourceType', kind: 'scalar', T: ScalarType.INT32 },
]);

let dir: string;
let socket: string;
let cluster: ClusterInfo;
let plugin: number | undefined;
const clusterName = () => `e2e-${e2eEnv().runId}-kms`;

/** `daas-auth kms` on the test's socket with `kekFile`, in its own process group; waits until it listens. */
async function startPlugin(kekFile: string): Promise<number> {
  const log = join(dir, 'plugin.log');
  const pid = startDaemon({
    name: 'daas-auth kms',
    cmd: process.execPath,
    args: [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'kms', '--socket', socket, '--kek-file', kekFile, '--create'],
    log,
    cwd: REPO_ROOT,
  });
  plugin = pid;
  await waitForSocket(`${socket}.admin`, {
    timeoutMs: 60_000,
    what: 'daas-auth kms',
    check: () => {
      if (!isRunning(pid)) throw new Error(`daas-auth kms exited:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    },
  });
  return pid;
}

async function stopPlugin(): Promise<void> {
  if (plugin !== undefined) await stopGroups([plugin]);
  plugin = undefined;
}

/** The raw value etcd holds for a Secret, read over etcd's HTTP gateway on loopback. */
async function etcdValue(ns: string, name: string): Promise<Buffer> {
  const key = Buffer.from(`/registry/secrets/${ns}/${name}`).toString('base64');
  const res = await fetch(`http://127.0.0.1:${cluster.ports.etcdClient}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key }) });
  const body = (await res.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  if (value === undefined) throw new Error(`etcd holds no ${ns}/${name}`);
  return Buffer.from(value, 'base64');
}

async function stored(ns: string, name: string): Promise<{ raw: Buffer; obj: EncryptedObject }> {
  const raw = await etcdValue(ns, name);
  if (!raw.subarray(0, PREFIX.length).equals(Buffer.from(PREFIX))) throw new Error(`${ns}/${name} is not KMS v2 encrypted: ${JSON.stringify(raw.subarray(0, 40).toString('latin1'))}`);
  return { raw, obj: EncryptedObject.fromBinary(raw.subarray(PREFIX.length)) };
}

const ctl = async (args: string[], input?: string) => {
  const r = await kubectl(args, { cluster, input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
};

async function createSecret(ns: string, name: string, value: string): Promise<void> {
  await ctl(['-n', ns, 'create', 'secret', 'generic', name, `--from-literal=value=${value}`]);
}

async function readSecret(ns: string, name: string): Promise<string> {
  return Buffer.from(await ctl(['-n', ns, 'get', 'secret', name, '-o', 'jsonpath={.data.value}']), 'base64').toString();
}

/** Rewrites a Secret unchanged: kube-apiserver stores it again under its current key. */
async function rewriteSecret(ns: string, name: string): Promise<void> {
  await ctl(['-n', ns, 'replace', '-f', '-'], await ctl(['-n', ns, 'get', 'secret', name, '-o', 'json']));
}

async function pluginCall<O>(method: string, input: object): Promise<O> {
  const client = unixClient(socket);
  try {
    return await client.call<object, O & object>(KeyManagementService, method, input);
  } finally {
    client.close();
  }
}

async function pluginRefusal(method: string, input: object): Promise<{ code: number; details: string }> {
  const e = await pluginCall(method, input).then(
    () => undefined,
    (err: ServiceError) => err,
  );
  if (!e) throw new Error(`${method} was not refused`);
  return { code: e.code, details: e.details };
}

const decryptStored = (obj: EncryptedObject) =>
  pluginCall<DecryptResponse>('Decrypt', { ciphertext: obj.encryptedDEKSource, keyId: obj.keyID, annotations: obj.annotations, uid: 'e2e' });

async function readyzStatus(path: string): Promise<number> {
  const admin = { ca: cluster.caFile, cert: cluster.admin.certFile, key: cluster.admin.keyFile };
  return (await get(`${cluster.server}${path}`, admin, 5000)).status;
}
const kmsReadyz = () => readyzStatus('/readyz/kms-providers');
const readyz = () => readyzStatus('/readyz');

/** No run of `len` bytes of `plaintext` appears in `haystack`. */
function holdsNoRunOf(haystack: Buffer, plaintext: string, len = 6): boolean {
  const p = Buffer.from(plaintext);
  for (let i = 0; i + len <= p.length; i++) if (haystack.includes(p.subarray(i, i + len))) return false;
  return true;
}

let ns: string;
const written: { name: string; value: string }[] = [];
let firstKey: string;
let secondKey: string;

beforeAll(async () => {
  dir = join(e2eEnv().runDir, 'kms');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  socket = join(dir, 'kms.sock');
  await startPlugin(join(dir, 'kek-a.json'));
  const log = (line: string) => process.stderr.write(`[e2e kms] ${line}\n`);
  cluster = await startCluster({ name: clusterName(), kms: { socket, providerName: PROVIDER }, ownerPid: process.pid, log });
  ns = uniqueName('kms');
  await ctl(['create', 'namespace', ns]);
});

afterAll(async () => {
  await stopCluster(clusterName());
  await stopPlugin();
});

describe('Secrets under the daas-auth KMS v2 plugin', () => {
  test('a Secret is stored as k8s:enc:kms:v2:<provider>: plus ciphertext holding no run of the plaintext, and reads back intact', async () => {
    firstKey = (await pluginCall<StatusResponse>('Status', {})).keyId;
    const value = `hunter2-${randomBytes(24).toString('hex')}`;
    await createSecret(ns, 'first', value);
    written.push({ name: 'first', value });

    const { raw, obj } = await stored(ns, 'first');
    expect(raw.subarray(0, PREFIX.length).toString()).toBe(PREFIX);
    expect(holdsNoRunOf(raw, value)).toBe(true);
    expect(holdsNoRunOf(raw, Buffer.from(value).toString('base64'))).toBe(true);
    expect(obj.keyID).toBe(firstKey);
    expect(Buffer.from(obj.annotations['alg.kms.daas.io'] ?? []).toString()).toBe('aes-256-gcm/v1');
    expect(await readSecret(ns, 'first')).toBe(value);
    expect(await kmsReadyz()).toBe(200);
  });

  test('after `kms rotate` the apiserver picks the new key up, new Secrets use it, old ones still read, a rewrite moves them', async () => {
    const r = await run(process.execPath, [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'kms', 'rotate', '--socket', socket]);
    expect(r).toEqual(expect.objectContaining({ code: 0 }));
    secondKey = (await pluginCall<StatusResponse>('Status', {})).keyId;
    expect(secondKey).not.toBe(firstKey);
    expect(r.stdout).toContain(`current key ${secondKey} (was ${firstKey}`);

    // The apiserver learns the key id from its Status poll; until then it keeps writing under the old one.
    await waitFor(
      'kube-apiserver to write under the rotated key',
      async () => {
        const probe = uniqueName('probe');
        await createSecret(ns, probe, 'probe');
        const { obj } = await stored(ns, probe);
        await ctl(['-n', ns, 'delete', 'secret', probe]);
        return obj.keyID === secondKey;
      },
      { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 2000 },
    );
    const value = `after-rotation-${randomBytes(16).toString('hex')}`;
    await createSecret(ns, 'second', value);
    written.push({ name: 'second', value });
    expect((await stored(ns, 'second')).obj.keyID).toBe(secondKey);

    expect((await stored(ns, 'first')).obj.keyID).toBe(firstKey);
    expect(await readSecret(ns, 'first')).toBe(written[0]!.value);
    await rewriteSecret(ns, 'first');
    expect((await stored(ns, 'first')).obj.keyID).toBe(secondKey);
    expect(await readSecret(ns, 'first')).toBe(written[0]!.value);

    // One Secret stays under the first key, for the restarts below.
    const old = `old-key-${randomBytes(16).toString('hex')}`;
    await createSecret(ns, 'third', old);
    written.push({ name: 'third', value: old });
  });

  test('plugin stopped: reads and writes go on, /readyz/kms-providers turns unhealthy, and recovers when it returns', async () => {
    await stopPlugin();
    const value = `while-down-${randomBytes(8).toString('hex')}`;
    await createSecret(ns, 'while-down', value);
    written.push({ name: 'while-down', value });
    for (const s of written) expect(await readSecret(ns, s.name)).toBe(s.value);

    await waitFor('/readyz/kms-providers to fail', async () => (await kmsReadyz()) !== 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });

    await startPlugin(join(dir, 'kek-a.json'));
    await waitFor('/readyz/kms-providers to recover', async () => (await kmsReadyz()) === 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });
    for (const s of written) expect(await readSecret(ns, s.name)).toBe(s.value);
  });

  test('plugin restarted with the same KEK: every Secret reads, even with the apiserver cold (nothing cached)', async () => {
    await restartComponent(clusterName(), 'kube-apiserver');
    for (const s of written) expect(await readSecret(ns, s.name)).toBe(s.value);
    for (const s of written) expect((await decryptStored((await stored(ns, s.name)).obj)).plaintext.length).toBe(32);
  });

  test('bad input to the running plugin: foreign, truncated, tampered, oversized — each a clear gRPC error, no crash', async () => {
    const { obj } = await stored(ns, 'first');
    const ct = Buffer.from(obj.encryptedDEKSource);
    const call = (ciphertext: Uint8Array, keyId = obj.keyID) => pluginRefusal('Decrypt', { ciphertext, keyId, annotations: obj.annotations });
    const tampered = Buffer.from(ct);
    tampered[ct.length - 1]! ^= 0x80;

    expect(await call(ct.subarray(0, ct.length - 5))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/failed authentication/) });
    expect(await call(ct.subarray(0, 10))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/too short \(truncated\?\)/) });
    expect(await call(tampered)).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/tampered/) });
    expect(await call(Buffer.concat([ct, Buffer.alloc(2000)]))).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/over the 1024-byte limit/) });
    expect((await pluginRefusal('Encrypt', { plaintext: new Uint8Array(1 << 20) })).code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
    expect(await call(ct, 'kek-someone-else')).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: expect.stringMatching(/does not match the ciphertext's key/) });

    expect(isRunning(plugin!)).toBe(true);
    expect((await pluginCall<StatusResponse>('Status', {})).healthz).toBe('ok');
    expect(Buffer.from((await decryptStored(obj)).plaintext).length).toBe(32);
    expect((await pluginCall<EncryptResponse>('Encrypt', { plaintext: randomBytes(32) })).keyId).toBe(secondKey);
  });

  test('plugin started with a different KEK: a clear error on decrypt, and the data under the old KEK is still there', async () => {
    await stopPlugin();
    await startPlugin(join(dir, 'kek-b.json'));
    const third = (await stored(ns, 'third')).obj;
    expect(await pluginRefusal('Decrypt', { ciphertext: third.encryptedDEKSource, keyId: third.keyID, annotations: third.annotations })).toEqual({
      code: grpcStatus.NOT_FOUND,
      details: `ciphertext was wrapped under ${secondKey}, which this plugin does not hold (a different KEK?)`,
    });

    // A cold apiserver has only the plugin to decrypt with. It serves, but refuses to turn ready (its
    // Secrets cache cannot be filled) and a read fails naming the key; nothing is dropped or rewritten.
    await restartComponent(clusterName(), 'kube-apiserver', { probe: 'livez' });
    const refusal = await waitFor(
      'a read to fail with the plugin naming the key it lacks',
      async () => {
        const r = await kubectl(['-n', ns, 'get', 'secret', 'third', '-o', 'name'], { cluster });
        return r.code !== 0 && /which this plugin does not hold/.test(r.stderr) ? r.stderr : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(refusal).toContain(secondKey);
    expect(await readyz()).not.toBe(200);
    expect((await stored(ns, 'third')).obj.keyID).toBe(secondKey);

    // With the right KEK back, the apiserver turns ready and the same Secret reads again: no silent loss.
    await stopPlugin();
    await startPlugin(join(dir, 'kek-a.json'));
    await waitFor('kube-apiserver to turn ready with the right KEK', async () => (await readyz()) === 200, { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 });
    for (const s of written) expect(await readSecret(ns, s.name)).toBe(s.value);
  });
});
