// The webhook in a (substitute) Nitro Enclave, end to end through the real parts: sui-sim on loopback,
// a real kube-apiserver whose token webhook kubeconfig is the one `daas-auth attestation fetch
// --kubeconfig-out` wrote, the parent relay (enclave/parent/expose.sh, socat) and the enclave's own
// init (enclave/run.sh) in a network namespace with only loopback, the vsock hops as unix sockets.
// What cannot be shown here (AF_VSOCK, EIF boot, real PCRs, /dev/nsm): docs/enclave.md.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { startCluster, stopCluster, REPO_ROOT, type ClusterInfo } from '../../hack/cluster.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import { run } from '../../hack/lib/run.ts';
import { freePort, releasePorts } from '../../hack/lib/ports.ts';
import { get } from '../../hack/lib/probe.ts';
import { resolveNetwork } from '../../src/chain/network.ts';
import { MIST_PER_SUI } from '../../src/chain/schema.ts';
import { ChainWriter } from '../../src/chain/writer.ts';
import { parseNitroDocument } from '../../src/enclave/attestation/index.ts';
import { SimulatedNsm } from '../../src/enclave/nsm-sim/index.ts';
import { spkiOfCertificate } from '../../src/enclave/route/request.ts';
import { SimAdminClient, startSim, type SimHandle } from '../../src/sim/index.ts';
import { makeSealToken, newClaims } from '../../src/token/index.ts';
import { e2eEnv, kubectl } from './harness/index.ts';
import { E2E_API_AUDIENCE } from './harness/daas-serve.ts';
import { mkdirPrivate, NETNS_PREFIX, parseSocatHexLog, startEnclaveBed, sweepEnclaveBeds, type EnclaveBed } from './enclave-support.ts';

const CLUSTER_ID = 'enclave-e2e';
const pcr = (byte: number) => new Uint8Array(48).fill(byte);
const IMAGE_PCRS = new Map([[0, pcr(0x10)], [1, pcr(0x11)], [2, pcr(0x12)]]);
const pcrFlags = (pcrs: Map<number, Uint8Array>) => [...pcrs].flatMap(([i, v]) => ['--pcr', `${i}=${Buffer.from(v).toString('hex')}`]);

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let nsm: SimulatedNsm;
let sim: SimHandle;
let bed: EnclaveBed;
let cluster: ClusterInfo;
let rootPem: string;

/** `daas-auth …` as a user runs it, against this file's sim (keys through the environment, not argv). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Cli> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/daas-auth.js'), ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: dir, DAAS_SIM_STATE: join(dir, 'sim'), ...env } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const fetchArgs = (url: string, ...more: string[]) => ['attestation', 'fetch', '--url', url, '--root', rootPem, ...pcrFlags(IMAGE_PCRS), ...more];

beforeAll(async () => {
  dir = mkdirPrivate(join(e2eEnv().runDir, `enclave-${process.pid}`));
  nsm = SimulatedNsm.generate({ pcrs: IMAGE_PCRS });
  const nsmState = join(dir, 'nsm-state.json');
  writeFileSync(nsmState, JSON.stringify(nsm.toState()), { mode: 0o600 });
  makeClientPki(dir);
  rootPem = join(dir, 'nsm-root.pem');
  writeFileSync(rootPem, nsm.rootPem);
  // This file's own sim: it trusts the simulated NSM's root for load_nitro_attestation (the run's sim does not).
  sim = await startSim({ stateDir: join(dir, 'sim'), quiet: true, nitroExtraRoots: [nsm.rootPem] });
  bed = await startEnclaveBed({
    simRpcPort: Number(new URL(sim.rpcUrl).port),
    packageId: sim.network.packageId,
    poolId: sim.network.poolId,
    clusterId: CLUSTER_ID,
    apiAudiences: [E2E_API_AUDIENCE],
    nsmStateFile: nsmState,
    clientCaFile: join(dir, 'client-ca.crt'),
  });
  const client = ['--client-cert', join(dir, 'apiserver.crt'), '--client-key', join(dir, 'apiserver.key')];
  const fetched = await cli(fetchArgs(bed.relayUrl, '--kubeconfig-out', join(dir, 'webhook.kubeconfig'), '--document-out', join(dir, 'doc.cbor'), ...client));
  if (fetched.code !== 0) throw new Error(`attestation fetch failed: ${fetched.stderr}\n${bed.logs()}`);
  cluster = await startCluster({
    name: `enclave-${process.pid}`,
    webhookUrl: `${bed.relayUrl}/authenticate`,
    webhookConfigFile: join(dir, 'webhook.kubeconfig'),
    tokenCacheTtl: '0s',
    ownerPid: process.pid,
    log: () => {},
  });
}, 300_000);

afterAll(async () => {
  if (cluster) await stopCluster(cluster.name);
  await bed?.stop();
  await sim?.stop();
}, 120_000);

/** A CA and kube-apiserver's client certificate under it (the webhook trusts the CA for /authenticate). */
function makeClientPki(into: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: into, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=apiserver-client-ca', '-keyout', 'client-ca.key', '-out', 'client-ca.crt');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr');
  writeFileSync(join(into, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', 'apiserver.csr', '-CA', 'client-ca.crt', '-CAkey', 'client-ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'client.ext', '-out', 'apiserver.crt');
  chmodSync(join(into, 'apiserver.key'), 0o600);
}

/** Whether a TCP connection to 127.0.0.1:port (on the host) is accepted. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}

async function stakerToken(): Promise<{ address: string; token: string }> {
  const key = Ed25519Keypair.generate();
  await new SimAdminClient(sim.adminUrl).fund(key.toSuiAddress(), 10n * MIST_PER_SUI);
  const writer = new ChainWriter(resolveNetwork('local', { stateDir: join(dir, 'sim') }), key);
  try {
    const { recordId } = await writer.stake({ mist: 3n * MIST_PER_SUI, kind: 'user' });
    const { tokenId } = await writer.createSealToken(recordId);
    const token = await makeSealToken(key, newClaims({ cluster: CLUSTER_ID, sub: key.toSuiAddress(), sealToken: tokenId, ttlSeconds: 600 }));
    return { address: key.toSuiAddress(), token };
  } finally {
    writer.close();
  }
}

describe('the webhook in the enclave, through the parent relay', () => {
  test('attestation fetch wrote a kubeconfig pinning exactly the attested certificate, 0600', () => {
    expect(statSync(join(dir, 'webhook.kubeconfig')).mode & 0o777).toBe(0o600);
    const kubeconfig = readFileSync(join(dir, 'webhook.kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: ${bed.relayUrl}/authenticate`);
    expect(kubeconfig).toContain(`client-certificate: ${join(dir, 'apiserver.crt')}`);
    const pinned = Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)![1]!, 'base64').toString();
    const enclaveCert = readFileSync(join(bed.dir, 'enclave-state/tls.crt'), 'utf8');
    expect(pinned.trim()).toBe(enclaveCert.trim());
    // …and the document it verified binds that certificate's key (the key made inside the enclave).
    const attested = parseNitroDocument(readFileSync(join(dir, 'doc.cbor'))).publicKey!;
    expect(Buffer.from(attested).equals(Buffer.from(spkiOfCertificate(enclaveCert)))).toBe(true);
  });

  test('kubectl --token=seal_… auth whoami: apiserver → parent relay → enclave → sui:<addr>', async () => {
    const { address, token } = await stakerToken();
    const r = await kubectl(['auth', 'whoami', '-o', 'json'], { token, cluster });
    expect(r.stderr).toBe('');
    const review = JSON.parse(r.stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo.username).toBe(`sui:${address}`);
    expect(review.status.userInfo.groups).toContain('daas:tier:developer');

    // What the relay carried: TLS records only — no token, no TokenReview JSON.
    const { toEnclave, fromEnclave } = parseSocatHexLog(readFileSync(bed.captureFile, 'utf8'));
    const up = Buffer.concat(toEnclave);
    const down = Buffer.concat(fromEnclave);
    expect(up.length).toBeGreaterThan(token.length);
    expect(down.length).toBeGreaterThan(500);
    expect(toEnclave.some((chunk) => chunk[0] === 0x16 && chunk[1] === 0x03)).toBe(true); // TLS handshake records
    for (const needle of [token, token.slice(5, 60), 'TokenReview', 'authentication.k8s.io', address, 'userInfo']) {
      expect(up.includes(needle)).toBe(false);
      expect(down.includes(needle)).toBe(false);
    }
  });

  test('a relay that swaps in its own TLS endpoint (man in the middle) is refused by attestation fetch', async () => {
    const mitmPort = await freePort();
    const key = join(dir, 'mitm.key');
    const cert = join(dir, 'mitm.crt');
    const openssl = await new Promise<number>((done) =>
      execFile('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=mitm', '-keyout', key, '-out', cert], (e) => done(e ? 1 : 0)),
    );
    expect(openssl).toBe(0);
    chmodSync(key, 0o600);
    const pid = startDaemon({
      name: 'mitm',
      cmd: 'socat',
      args: [`OPENSSL-LISTEN:${mitmPort},bind=127.0.0.1,reuseaddr,fork,cert=${cert},key=${key},verify=0`, `OPENSSL:127.0.0.1:${bed.relayPort},verify=0`],
      log: join(dir, 'mitm.log'),
    });
    try {
      while (!(await portOpen(mitmPort))) await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await cli(fetchArgs(`https://127.0.0.1:${mitmPort}`, '--kubeconfig-out', join(dir, 'mitm.kubeconfig')));
      // The document came through (a real one, from the enclave) but binds the enclave's key, not the relay's.
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^daas-auth: attestation rejected: PUBLIC_KEY_MISMATCH: /m);
      expect(() => readFileSync(join(dir, 'mitm.kubeconfig'))).toThrow(/ENOENT/);
    } finally {
      await stopGroups([pid]);
      releasePorts([mitmPort]);
    }
  });

  test('attestation fetch refuses the wrong PCRs and, for a simulated document, the AWS root; it reports what is served', async () => {
    const wrongPcr = await cli(['attestation', 'fetch', '--url', bed.relayUrl, '--root', rootPem, '--pcr', `0=${'ab'.repeat(48)}`]);
    expect(wrongPcr.code).toBe(1);
    expect(wrongPcr.stderr).toMatch(/attestation rejected: PCR_MISMATCH/);
    const awsRoot = await cli(['attestation', 'fetch', '--url', bed.relayUrl, ...pcrFlags(IMAGE_PCRS)]);
    expect(awsRoot.code).toBe(1);
    expect(awsRoot.stderr).toMatch(/attestation rejected: UNTRUSTED_ROOT/);
    const ok = await cli(['--output', 'json', ...fetchArgs(bed.relayUrl)]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true, served: { v: 1, packageId: sim.network.packageId, clusters: [CLUSTER_ID] } });
  });

  test('POST /authenticate without the apiserver client certificate is refused; /attestation needs none', async () => {
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'seal_x.y' } });
    const status = await new Promise<number>((done, fail) => {
      const req = httpsRequest(`${bed.relayUrl}/authenticate`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.end(review);
    });
    expect(status).toBe(401);
  });

  test('GET /attestation through the relay: bad or oversized nonces are 400', async () => {
    for (const query of ['', '?nonce=zz', `?nonce=${'00'.repeat(513)}`]) {
      expect((await get(`${bed.relayUrl}/attestation${query}`, { insecure: true })).status).toBe(400);
    }
    expect((await get(`${bed.relayUrl}/attestation?nonce=${'00'.repeat(512)}`, { insecure: true })).status).toBe(200);
  });
});

describe('inside the enclave only allow-listed endpoints are reachable', () => {
  const probe = (host: string, port: number) =>
    bed.exec(process.execPath, [
      '-e',
      `const s=require('net').connect(${port},'${host}');s.setTimeout(3000);s.on('connect',()=>{console.log('connected');s.destroy()});s.on('error',e=>{console.log(e.code);});s.on('timeout',()=>{console.log('timeout');s.destroy()})`,
    ]);

  test('sui-sim through the egress forwarder: a real chain read from inside works', async () => {
    const simPort = Number(new URL(sim.rpcUrl).port);
    expect((await probe('127.0.0.1', simPort)).stdout.trim()).toBe('connected');
    // The CLI inside the namespace reads the EnclaveConfig object through the forwarder.
    const show = await bed.exec('env', [
      `DAAS_PACKAGE_ID=${sim.network.packageId}`,
      `DAAS_POOL_ID=${sim.network.poolId}`,
      `DAAS_ENCLAVE_CONFIG_ID=${sim.network.enclaveConfigId}`,
      process.execPath,
      join(REPO_ROOT, 'bin/daas-auth.js'),
      '--network',
      `http://127.0.0.1:${simPort}`,
      'enclave',
      'show',
    ]);
    expect(show.stderr).toBe('');
    expect(show.stdout).toContain(`config: ${sim.network.enclaveConfigId}`);
  });

  test('anything else is not: the sim admin port, the apiserver, an outside address', async () => {
    const adminPort = Number(new URL(sim.adminUrl).port);
    expect((await probe('127.0.0.1', adminPort)).stdout.trim()).toBe('ECONNREFUSED');
    expect((await probe('127.0.0.1', cluster.ports.apiserver)).stdout.trim()).toBe('ECONNREFUSED');
    expect((await probe('10.1.2.3', 443)).stdout.trim()).toBe('ENETUNREACH');
    expect((await probe('8.8.8.8', 53)).stdout.trim()).toBe('ENETUNREACH');
    // …while the same ports answer on the host: the namespace, not the ports, is what blocks them.
    const onHost = (await portOpen(adminPort)) ? 'connected' : 'refused';
    expect(onHost).toBe('connected');
    const links = await bed.exec('ip', ['-o', 'link']);
    expect(links.stdout.trim().split('\n').map((l) => l.split(':')[1]!.trim())).toEqual(['lo']);
  });
});

describe('on chain: the enclave registry on sui-sim', () => {
  const adminEnv = () => ({ DAAS_KEY: sim.network.adminKey });

  test('register through the two-command PTB; show; attestation fetch --check-chain', async () => {
    const set = await cli(['--network', 'local', 'enclave', 'set-pcrs', ...pcrFlags(IMAGE_PCRS)], adminEnv());
    expect(set.stderr.split('\n').filter((l) => l.startsWith('daas-auth:'))).toEqual([]);
    expect(set.code).toBe(0);

    const registrar = Ed25519Keypair.generate();
    await new SimAdminClient(sim.adminUrl).fund(registrar.toSuiAddress(), 5n * MIST_PER_SUI);
    const doc = join(dir, 'fresh.cbor');
    const fetched = await cli(fetchArgs(bed.relayUrl, '--document-out', doc));
    expect(fetched.code).toBe(0);
    const reg = await cli(['--network', 'local', '--output', 'json', 'enclave', 'register', doc], { DAAS_KEY: registrar.getSecretKey() });
    expect(reg.code).toBe(0);
    const { enclave } = JSON.parse(reg.stdout) as { enclave: string };

    const show = await cli(['--network', 'local', '--output', 'json', 'enclave', 'show', '--enclave', enclave]);
    const view = JSON.parse(show.stdout) as Record<string, string>;
    expect(view.publicKey).toBe(Buffer.from(parseNitroDocument(readFileSync(doc)).publicKey!).toString('hex'));
    expect(view.pcr0).toBe('10'.repeat(48));
    expect(view.registeredBy).toBe(registrar.toSuiAddress());

    const checked = await cli(['--network', 'local', ...fetchArgs(bed.relayUrl, '--check-chain', enclave)]);
    expect(checked.stderr).not.toMatch(/rejected|check-chain/);
    expect(checked.code).toBe(0);
    const unknown = await cli(['--network', 'local', ...fetchArgs(bed.relayUrl, '--check-chain', sim.network.poolId)]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--check-chain: .* is not an Enclave/);
  });

  test('a document with other PCRs aborts with EPcrMismatch', async () => {
    // Same NSM (root, keys), another image: PCR0 differs. Sui wants exactly PCRs 0-4 and 8 present, as NSMs give.
    const state = nsm.toState();
    const other = SimulatedNsm.fromState({ ...state, pcrs: { ...state.pcrs, 0: 'ee'.repeat(48) } });
    const file = join(dir, 'other-pcrs.cbor');
    writeFileSync(file, other.attest({ publicKey: new Uint8Array(91).fill(1) }));
    const registrar = Ed25519Keypair.generate();
    await new SimAdminClient(sim.adminUrl).fund(registrar.toSuiAddress(), 5n * MIST_PER_SUI);
    const reg = await cli(['--network', 'local', 'enclave', 'register', file], { DAAS_KEY: registrar.getSecretKey() });
    expect(reg.code).toBe(1);
    expect(reg.stderr).toMatch(/^daas-auth: refused by the chain: enclave_registry::EPcrMismatch in enclave_registry::register_enclave$/m);
  });

  test("a simulated document is refused on a sim that trusts only the AWS root (the run's sim)", async () => {
    const run = e2eEnv().sim;
    const registrar = Ed25519Keypair.generate();
    await new SimAdminClient(run.adminUrl).fund(registrar.toSuiAddress(), 5n * MIST_PER_SUI);
    const reg = await cli(['--network', 'local', 'enclave', 'register', join(dir, 'doc.cbor')], { DAAS_KEY: registrar.getSecretKey(), DAAS_SIM_STATE: run.stateDir });
    expect(reg.code).toBe(1);
    expect(reg.stderr).toMatch(/^daas-auth: refused by the chain: nitro_attestation::EVerifyError \(the document does not verify against the chain's roots/m);
  });
});

describe('clean-up after a killed run', () => {
  test('a namespace, relay and directory whose owner pid is gone are swept by name prefix', async () => {
    const deadPid = 4_194_305; // above Linux's PID_MAX_LIMIT (2^22): never a running process
    const netns = `${NETNS_PREFIX}${deadPid}-0`;
    const staleDir = join(tmpdir(), `${NETNS_PREFIX}${deadPid}-x`);
    mkdirPrivate(staleDir);
    const pid = startDaemon({ name: 'stale relay', cmd: 'sleep', args: ['300'], log: join(staleDir, 'relay.log'), env: { PATH: process.env.PATH ?? '', STALE: staleDir } });
    writeFileSync(join(staleDir, 'pids'), `${pid}\n`);
    await run('ip', ['netns', 'add', netns]);
    const swept = await sweepEnclaveBeds();
    expect(swept).toEqual(expect.arrayContaining([netns, staleDir]));
    expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(netns);
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(staleDir)).toBe(false);
    // …and the live bed of this run is left alone.
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(bed.netns);
  });
});
