// The `enclave` KEK backend as it is deployed: `daas-auth kms --backend enclave` runs where only a relay
// reaches its socket, and kube-apiserver connects to the relay's end on the "parent". The relay is a plain
// byte relay of unix-socket connections, standing in for the socat pair UNIX-LISTEN → VSOCK-CONNECT (parent)
// and VSOCK-LISTEN → UNIX-CONNECT (enclave): AF_VSOCK may not be opened on these machines, and there is no
// /dev/nsm, hence --outside-enclave. Also shown, as docs/kms.md says: the KEK lives only in the enclave's
// memory, so an enclave restart loses it, and a cold apiserver can no longer read what was written under it.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { StatusResponse } from '../../src/kms/api.ts';
import { e2eEnv, uniqueName } from './harness/index.ts';
import { holdsNoRunOf, KmsBed } from './kms-bed.ts';

let bed: KmsBed;
let inside: string;
let relay: Server;
const open = new Set<Socket>();
let ns: string;

/** Every connection to `from` is piped to a new connection to `to`, both ways, until either side closes. */
function startRelay(from: string, to: string): Promise<Server> {
  const server = createServer((parent) => {
    const enclave = connect(to);
    for (const s of [parent, enclave]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        parent.destroy();
        enclave.destroy();
      });
    }
    parent.pipe(enclave).pipe(parent);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(from, () => resolve(server));
  });
}

const startEnclavePlugin = () => bed.startPlugin(['--backend', 'enclave', '--outside-enclave'], inside);

beforeAll(async () => {
  const dir = join(e2eEnv().runDir, 'kms-enclave');
  mkdirSync(join(dir, 'enclave'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'parent'), { recursive: true, mode: 0o700 });
  inside = join(dir, 'enclave', 'kms.sock');
  bed = new KmsBed('kms-enclave', dir, join(dir, 'parent', 'kms.sock'));
  await startEnclavePlugin();
  relay = await startRelay(bed.socket, inside);
  await bed.startCluster();
  ns = uniqueName('kms-enc');
  await bed.ctl(['create', 'namespace', ns]);
});

afterAll(async () => {
  await bed.stop();
  for (const s of open) s.destroy();
  await new Promise((r) => relay?.close(r));
});

describe('the enclave backend behind a relay', () => {
  let enclaveKey: string;
  const value = `enclave-${randomBytes(20).toString('hex')}`;

  test("kube-apiserver reaches the plugin through the relay: Secrets are stored under the enclave's key and read back", async () => {
    enclaveKey = (await bed.call<StatusResponse>('Status', {})).keyId;
    await bed.createSecret(ns, 'sealed', value);
    const { raw, obj } = await bed.stored(ns, 'sealed');
    expect(obj.keyID).toBe(enclaveKey);
    expect(holdsNoRunOf(raw, value)).toBe(true);
    expect(await bed.readSecret(ns, 'sealed')).toBe(value);
    expect(await bed.health('/readyz/kms-providers')).toBe(200);
  });

  test('an enclave restart loses the in-memory KEK: the plugin and a cold apiserver refuse, naming the lost key', async () => {
    await bed.stopPlugin();
    await startEnclavePlugin();
    const fresh = (await bed.call<StatusResponse>('Status', {})).keyId;
    expect(fresh).not.toBe(enclaveKey);
    const { obj } = await bed.stored(ns, 'sealed');
    expect(await bed.refusal('Decrypt', { ciphertext: obj.encryptedDEKSource, keyId: obj.keyID, annotations: obj.annotations })).toEqual({
      code: grpcStatus.NOT_FOUND,
      details: `ciphertext was wrapped under ${enclaveKey}, which this plugin does not hold (a different KEK?)`,
    });

    // Still cached in the running apiserver; gone for good once it restarts. This is why sealing is needed.
    expect(await bed.readSecret(ns, 'sealed')).toBe(value);
    const refusal = await bed.coldReadRefusal(ns, 'sealed');
    expect(refusal).toContain(enclaveKey);
    expect((await bed.stored(ns, 'sealed')).obj.keyID).toBe(enclaveKey);
  });
});
