/**
 * The authn webhook's SealBinding index through the real kube-apiserver, when its connection to the
 * apiserver breaks. An in-process `serve` (authn component only, on the run's sui-sim) reaches the
 * apiserver through a loopback TCP relay the test can cut, as a network partition would:
 * - while cut, node tokens are refused at once, cached or fresh, even for a binding that still exists
 *   (the index may be out of date), the index says why in the log and in
 *   daas_auth_sealbinding_index_stale, and user tokens are unaffected;
 * - a binding deleted while cut is never honoured: when the relay is restored, the relist delivers
 *   the delete, the other node's token is accepted again, and the log says the index is current.
 */
import { writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { authnComponent } from '../../src/authn/component.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log/index.ts';
import { startServe, type Serving } from '../../src/server/serve.ts';
import { get } from '../../hack/lib/probe.ts';
import { adminKubeConfig, e2eEnv, uniqueName, waitFor } from './harness/index.ts';
import { bearer, closeReviewAgent, review, staker } from './authn-support.ts';
import { closeKube, createBinding, deleteBinding, stakeNode, waitForPhase, type NodeStaker } from './binding-support.ts';

/** A TCP relay to the apiserver that can drop every connection and refuse new ones, then resume. */
class Relay {
  readonly #server: Server;
  readonly #open = new Set<Socket>();
  #cut = false;

  constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (this.#cut) return void client.destroy();
      const upstream = connect(target.port, target.host);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.#open.add(a);
        a.on('close', () => {
          this.#open.delete(a);
          b.destroy();
        });
        a.on('error', () => b.destroy());
        a.pipe(b);
      }
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve((this.#server.address() as { port: number }).port)));
  }

  cut(): void {
    this.#cut = true;
    for (const socket of this.#open) socket.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

interface NodeCase {
  node: string;
  staker: NodeStaker;
  token: string;
}

let relay: Relay;
let serving: Serving;
const logLines: Array<{ level: string; message: string; cause?: string; via?: string }> = [];
const url = () => serving.url;
const authenticated = async (token: string) => (await review(token, { url: url() })).body.status.authenticated;
const staleMetric = async () => /^daas_auth_sealbinding_index_stale (\d)$/m.exec((await get(`${url()}/metrics`, { ca: e2eEnv().cluster.webhook.caFile })).body)?.[1];

async function boundNode(prefix: string): Promise<NodeCase> {
  const node = uniqueName(prefix);
  const s = await stakeNode(node);
  const { tokenId } = await s.writer.createSealToken(s.recordId);
  await createBinding(node, { nodeName: node, owner: s.address, stakeRecord: s.recordId, sealToken: tokenId });
  await waitForPhase(node, 'Active');
  return { node, staker: s, token: await bearer(s.key, tokenId, { node }) };
}

beforeAll(async () => {
  const { cluster, sim, runDir } = e2eEnv();
  const apiserver = new URL(cluster.server);
  relay = new Relay({ host: apiserver.hostname, port: Number(apiserver.port) });
  const relayPort = await relay.listen();
  const kc = adminKubeConfig();
  const kubeconfigFile = join(runDir, `authn-bindings-relay-${relayPort}.kubeconfig`);
  const current = kc.getCurrentCluster()!;
  kc.clusters = kc.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://${apiserver.hostname}:${relayPort}` } : c));
  writeFileSync(kubeconfigFile, kc.exportConfig());

  const stream = new PassThrough();
  createInterface({ input: stream }).on('line', (line) => {
    if (line.trim()) logLines.push(JSON.parse(line));
  });
  const config = loadConfig({
    env: {},
    flags: {
      network: { name: 'local', stateDir: sim.stateDir, eventPollMs: 200 },
      clusters: [{ id: 'daas-e2e', apiAudiences: cluster.apiAudiences }],
      server: {
        host: '127.0.0.1',
        port: 0,
        tlsCertFile: cluster.webhook.servingCertFile,
        tlsKeyFile: cluster.webhook.servingKeyFile,
        clientCaFile: cluster.webhook.clientCaFile,
      },
      kubernetes: { kubeconfig: kubeconfigFile, watchBindings: true },
    },
  });
  serving = await startServe(config, createLogger({ stream }), [authnComponent]);
});

afterAll(async () => {
  closeReviewAgent();
  await serving?.close();
  await relay?.close();
  await closeKube();
});

it('refuses node tokens while the binding watch is cut, and honours no binding deleted meanwhile', async () => {
  const kept = await boundNode('kept');
  const deleted = await boundNode('deleted');
  const user = await staker(1);
  const userToken = await bearer(user.key, user.tokenId);
  // Both nodes authenticate (and are cached) once the index has seen their Active bindings.
  for (const { token } of [kept, deleted]) await waitFor('the node token to authenticate', () => authenticated(token), { timeoutMs: 30_000 });
  expect(await staleMetric()).toBe('0');

  relay.cut();
  await waitFor('the index to go stale', async () => (await staleMetric()) === '1', { timeoutMs: 15_000 });
  // Both bindings still exist, but the index cannot know: not accepted, cached identities included,
  // and answered as "could not check" (with error, so kube-apiserver does not cache a refusal).
  const couldNotCheck = { authenticated: false, error: expect.stringMatching(/SealBinding index may be out of date/) };
  expect((await review(kept.token, { url: url() })).body.status).toEqual(couldNotCheck);
  expect((await review(deleted.token, { url: url() })).body.status).toEqual(couldNotCheck);
  expect(await authenticated(userToken)).toBe(true);
  expect(logLines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/SealBinding index may be out of date/), cause: 'failing' }));

  // Deleted behind the webhook's back (the admin's own connection is not relayed).
  await deleteBinding(deleted.node);
  // Still cut: nothing changes, however long it lasts.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await authenticated(kept.token)).toBe(false);

  relay.restore();
  await waitFor('the kept node to be accepted again', () => authenticated(kept.token), { timeoutMs: 30_000 });
  expect(await staleMetric()).toBe('0');
  expect(await authenticated(deleted.token)).toBe(false);
  expect(logLines).toContainEqual(expect.objectContaining({ level: 'info', message: expect.stringMatching(/SealBinding index current/), via: 'failures relist' }));

  await deleteBinding(kept.node);
  kept.staker.writer.close();
  deleted.staker.writer.close();
  user.writer.close();
}, 180_000);
