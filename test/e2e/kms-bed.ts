// What test/e2e/kms*.test.ts share: a cluster of their own whose kube-apiserver encrypts Secrets through a
// `daas-auth kms` process the test starts and stops (the real CLI), raw reads of etcd over its HTTP gateway
// on loopback, and calls to the plugin as the apiserver makes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import { MessageType, ScalarType } from '@protobuf-ts/runtime';
import { REPO_ROOT, restartComponent, startCluster, stopCluster, type ClusterInfo } from '../../hack/cluster.ts';
import { waitForSocket } from '../../hack/lib/kms.ts';
import { get } from '../../hack/lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import type { DecryptResponse } from '../../src/kms/api.ts';
import { KeyManagementService, unixClient } from '../../src/kms/client.ts';
import { e2eEnv, kubectl, waitFor } from './harness/index.ts';

export const PROVIDER = 'daas-auth';
export const PREFIX = `k8s:enc:kms:v2:${PROVIDER}:`;
/** The apiserver polls the plugin's Status about every 20 s when healthy; give it a few rounds. */
export const STATUS_POLL_TIMEOUT_MS = 120_000;

/** kube-apiserver's storage format after the prefix (k8s.io/apiserver …/envelope/kmsv2/v2/api.proto). */
export interface EncryptedObject {
  encryptedData: Uint8Array;
  keyID: string;
  encryptedDEKSource: Uint8Array;
  annotations: { [key: string]: Uint8Array };
  encryptedDEKSourceType: number;
}
export const EncryptedObject = new MessageType<EncryptedObject>('v2.EncryptedObject', [
  { no: 1, name: 'encryptedData', kind: 'scalar', T: ScalarType.BYTES },
  { no: 2, name: 'keyID', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'encryptedDEKSource', kind: 'scalar', T: ScalarType.BYTES },
  { no: 4, name: 'annotations', kind: 'map', K: ScalarType.STRING, V: { kind: 'scalar', T: ScalarType.BYTES } },
  { no: 5, name: 'encryptedDEKSourceType', kind: 'scalar', T: ScalarType.INT32 },
]);

/** No run of `len` bytes of `plaintext` appears in `haystack`. */
export function holdsNoRunOf(haystack: Buffer, plaintext: string, len = 6): boolean {
  const p = Buffer.from(plaintext);
  for (let i = 0; i + len <= p.length; i++) if (haystack.includes(p.subarray(i, i + len))) return false;
  return true;
}

export class KmsBed {
  readonly name: string;
  readonly dir: string;
  /** Where kube-apiserver connects (the plugin's own socket, or a relay's). */
  readonly socket: string;
  cluster!: ClusterInfo;
  private plugin: number | undefined;

  constructor(name: string, dir: string, socket: string) {
    this.name = name;
    this.dir = dir;
    this.socket = socket;
  }

  /** The cluster, told to use `this.socket`; the plugin (or relay) must already listen there. */
  async startCluster(): Promise<void> {
    const log = (line: string) => process.stderr.write(`[e2e ${this.name}] ${line}\n`);
    this.cluster = await startCluster({ name: this.clusterName(), kms: { socket: this.socket, providerName: PROVIDER }, ownerPid: process.pid, log });
  }

  clusterName(): string {
    return `e2e-${e2eEnv().runId}-${this.name}`;
  }

  async stop(): Promise<void> {
    await stopCluster(this.clusterName());
    await this.stopPlugin();
  }

  /** `daas-auth kms <args>` in its own process group; waits until its admin socket listens. */
  async startPlugin(args: string[], socket: string): Promise<void> {
    const log = join(this.dir, 'plugin.log');
    const pid = startDaemon({
      name: 'daas-auth kms',
      cmd: process.execPath,
      args: [join(REPO_ROOT, 'bin', 'daas-auth.js'), 'kms', '--socket', socket, ...args],
      log,
      cwd: REPO_ROOT,
    });
    this.plugin = pid;
    await waitForSocket(`${socket}.admin`, {
      timeoutMs: 60_000,
      what: 'daas-auth kms',
      check: () => {
        if (!isRunning(pid)) throw new Error(`daas-auth kms exited:\n${readFileSync(log, 'utf8').slice(-2000)}`);
      },
    });
  }

  pluginRunning(): boolean {
    return this.plugin !== undefined && isRunning(this.plugin);
  }

  async stopPlugin(): Promise<void> {
    if (this.plugin !== undefined) await stopGroups([this.plugin]);
    this.plugin = undefined;
  }

  /** The raw value etcd holds for a Secret, read over etcd's HTTP gateway on loopback. */
  async etcdValue(ns: string, name: string): Promise<Buffer> {
    const key = Buffer.from(`/registry/secrets/${ns}/${name}`).toString('base64');
    const res = await fetch(`http://127.0.0.1:${this.cluster.ports.etcdClient}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key }) });
    const value = ((await res.json()) as { kvs?: { value: string }[] }).kvs?.[0]?.value;
    if (value === undefined) throw new Error(`etcd holds no ${ns}/${name}`);
    return Buffer.from(value, 'base64');
  }

  async stored(ns: string, name: string): Promise<{ raw: Buffer; obj: EncryptedObject }> {
    const raw = await this.etcdValue(ns, name);
    if (!raw.subarray(0, PREFIX.length).equals(Buffer.from(PREFIX)))
      throw new Error(`${ns}/${name} is not KMS v2 encrypted: ${JSON.stringify(raw.subarray(0, 40).toString('latin1'))}`);
    return { raw, obj: EncryptedObject.fromBinary(raw.subarray(PREFIX.length)) };
  }

  async ctl(args: string[], input?: string): Promise<string> {
    const r = await kubectl(args, { cluster: this.cluster, input });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async createSecret(ns: string, name: string, value: string): Promise<void> {
    await this.ctl(['-n', ns, 'create', 'secret', 'generic', name, `--from-literal=value=${value}`]);
  }

  async readSecret(ns: string, name: string): Promise<string> {
    return Buffer.from(await this.ctl(['-n', ns, 'get', 'secret', name, '-o', 'jsonpath={.data.value}']), 'base64').toString();
  }

  /** Rewrites a Secret unchanged: kube-apiserver stores it again under its current key. */
  async rewriteSecret(ns: string, name: string): Promise<void> {
    await this.ctl(['-n', ns, 'replace', '-f', '-'], await this.ctl(['-n', ns, 'get', 'secret', name, '-o', 'json']));
  }

  /** A KMS v2 call on the apiserver's socket, as the apiserver makes it. */
  async call<O>(method: string, input: object): Promise<O> {
    const client = unixClient(this.socket);
    try {
      return await client.call<object, O & object>(KeyManagementService, method, input);
    } finally {
      client.close();
    }
  }

  async refusal(method: string, input: object): Promise<{ code: number; details: string }> {
    const e = await this.call(method, input).then(
      () => undefined,
      (err: ServiceError) => err,
    );
    if (!e) throw new Error(`${method} was not refused`);
    return { code: e.code, details: e.details };
  }

  decryptStored(obj: EncryptedObject): Promise<DecryptResponse> {
    return this.call<DecryptResponse>('Decrypt', { ciphertext: obj.encryptedDEKSource, keyId: obj.keyID, annotations: obj.annotations, uid: 'e2e' });
  }

  /**
   * Restarts kube-apiserver (its data-key cache empty) without waiting for readiness, which it cannot
   * reach while a Secret is undecryptable, and returns kubectl's error once a read of `name` fails with
   * the plugin saying it lacks the key.
   */
  async coldReadRefusal(ns: string, name: string): Promise<string> {
    await restartComponent(this.clusterName(), 'kube-apiserver', { probe: 'livez' });
    return waitFor(
      `a read of ${ns}/${name} to fail with the plugin naming the key it lacks`,
      async () => {
        const r = await kubectl(['-n', ns, 'get', 'secret', name, '-o', 'name'], { cluster: this.cluster });
        return r.code !== 0 && /which this plugin does not hold/.test(r.stderr) ? r.stderr : undefined;
      },
      { timeoutMs: STATUS_POLL_TIMEOUT_MS, intervalMs: 1000 },
    );
  }

  /** HTTP status of an apiserver health path, e.g. /readyz/kms-providers. */
  async health(path: string): Promise<number> {
    const admin = { ca: this.cluster.caFile, cert: this.cluster.admin.certFile, key: this.cluster.admin.keyFile };
    return (await get(`${this.cluster.server}${path}`, admin, 5000)).status;
  }
}
