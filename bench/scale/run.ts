/**
 * bench/scale: one `daas-auth serve` process with 10,000 SealBindings and their stakes on sui-sim
 * (issue 14, "Must show"). Reports the serve process's RSS (goal ≤ 300 MB), the chain calls of its first
 * full resync as sui-sim's admin /stats counts them (goal ≤ 200), and the time from serve's start to the
 * first Active status (and to the last).
 *
 *   node bench/scale/run.ts [--bindings 10000] [--stakers 8] [--concurrency 64] [--keep] [--out FILE] [--no-write] [--default-heap] [--entry source|bundle]
 *
 * serve runs with the container image's V8 flags (hack/image.ts NODE_FLAGS), as deployed; --default-heap without.
 * --entry (bench/lib/serve-entry.ts): bundle, the default, runs the esbuild bundle the container image ships;
 * source the TypeScript sources (type stripping at load: about 60 MB more).
 *
 * The stakes are real node stakes, `--bindings / 250` programmable transactions of 250 `staking::stake`
 * calls each (as bench/sim-scale does); the bindings go through the real kube-apiserver with parallel
 * requests (bench/slash-drain's helpers) before serve starts, so serve meets a full cluster, as after a
 * restart. No admission webhook is registered (creation is not what is measured) and no Node objects
 * are made: kwok playing 10,000 kubelets would measure kwok on this 2-core machine, not serve; the
 * controller's Node informer is therefore nearly empty (say so with the numbers).
 * The result replaces the scale block of docs/benchmarks.md (unless --no-write).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction } from '@mysten/sui/transactions';
import { startCluster, stopCluster, REPO_ROOT } from '../../hack/cluster.ts';
import { NODE_FLAGS } from '../../hack/image.ts';
import { freePort } from '../../hack/lib/ports.ts';
import { waitFor200 } from '../../hack/lib/probe.ts';
import { isRunning, startDaemon, stopGroups } from '../../hack/lib/procs.ts';
import { decodeEvent } from '../../src/chain/events.ts';
import { MIST_PER_SUI, StakeKind } from '../../src/chain/schema.ts';
import { sealBindingSource } from '../../src/k8s/api.ts';
import { Informer } from '../../src/k8s/informer.ts';
import { KubeRest } from '../../src/k8s/rest.ts';
import type { SealBinding } from '../../src/k8s/sealbinding.ts';
import { SimAdminClient, simClient, startSim, type StatsSnapshot } from '../../src/sim/index.ts';
import { benchLog, docMarkers, rssMb, writeDocBlock } from '../lib/report.ts';
import { describeEntry, SERVE_ENTRIES, serveScript, type ServeEntry } from '../lib/serve-entry.ts';
import { createBindings, installCrd, nodeName, pool, until } from '../slash-drain/cluster.ts';

const { values } = parseArgs({
  options: {
    bindings: { type: 'string', default: '10000' },
    stakers: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '64' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    /** Run serve without the image's V8 flags (hack/image.ts NODE_FLAGS), to see what they save. */
    'default-heap': { type: 'boolean', default: false },
    /** bench/lib/serve-entry.ts: bundle (as the image runs serve) or source. */
    entry: { type: 'string', default: 'bundle' },
  },
  strict: true,
});
const N = Number(values.bindings);
const STAKERS = Number(values.stakers);
const CONCURRENCY = Number(values.concurrency);
if (![N, STAKERS, CONCURRENCY].every((n) => Number.isInteger(n) && n > 0) || !(SERVE_ENTRIES as readonly string[]).includes(values.entry)) {
  process.stderr.write('scale: --bindings, --stakers and --concurrency must be positive integers, --entry source or bundle\n');
  process.exit(2);
}
const ENTRY = values.entry as ServeEntry;
const CALLS_PER_TX = 250;
/** How long after the last Active status the steady-state RSS is read. */
const SETTLE_MS = 60_000;
const CLUSTER_ID = 'bench-scale';
const { begin: BEGIN, end: END } = docMarkers('scale');
const log = benchLog('scale');

type Client = ReturnType<typeof simClient>;
interface Network {
  packageId: string;
  poolId: string;
}
interface Stake {
  node: string;
  owner: string;
  stakeRecord: string;
}

/** One transaction of `nodes.length` node stakes of 1 SUI by `key`; the records from its StakeCreated events. */
async function stakeBulk(client: Client, network: Network, key: Ed25519Keypair, nodes: readonly string[]): Promise<Stake[]> {
  const tx = new Transaction();
  for (const node of nodes) {
    const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(MIST_PER_SUI)]);
    tx.moveCall({ target: `${network.packageId}::staking::stake`, arguments: [tx.object(network.poolId), coin!, tx.pure.u8(StakeKind.node), tx.pure.string(node)] });
  }
  const result = await client.core.signAndExecuteTransaction({ transaction: tx, signer: key, include: { effects: true, events: true } });
  if (result.$kind !== 'Transaction') throw new Error(`stake failed: ${JSON.stringify(result.FailedTransaction?.status)}`);
  const t = result.Transaction;
  const stakes = (t.events ?? []).flatMap((event, index) => {
    const decoded = decodeEvent({ eventType: event.eventType, contents: event.bcs, transactionDigest: t.digest, checkpoint: null, eventIndex: index }, network.packageId, '');
    return decoded?.name === 'StakeCreated' ? [{ node: decoded.fields.node_id, owner: decoded.fields.staker, stakeRecord: decoded.fields.record_id }] : [];
  });
  if (stakes.length !== nodes.length) throw new Error(`expected ${nodes.length} StakeCreated events, got ${stakes.length}`);
  return stakes;
}

async function stakeAll(client: Client, admin: SimAdminClient, network: Network, nodes: readonly string[]): Promise<Stake[]> {
  const keys = Array.from({ length: STAKERS }, () => Ed25519Keypair.generate());
  const perKey = Math.ceil(nodes.length / STAKERS);
  for (const key of keys) await admin.fund(key.toSuiAddress(), BigInt(perKey + 10) * MIST_PER_SUI);
  const out: Stake[] = [];
  // Each key in sequence (its gas coin serialises its transactions), the keys in parallel.
  await pool(keys, keys.length, async (key, k) => {
    const mine = nodes.slice(k * perKey, (k + 1) * perKey);
    for (let i = 0; i < mine.length; i += CALLS_PER_TX) {
      out.push(...(await stakeBulk(client, network, key, mine.slice(i, i + CALLS_PER_TX))));
      if (out.length % 2500 < CALLS_PER_TX) log(`  ${out.length} stakes`);
    }
  });
  return out;
}

/** The serve process's own memory figures from its /metrics (prom-client's process and Node metrics), MB. */
async function memoryBreakdown(url: string, ca: string): Promise<Record<string, number>> {
  const { request } = await import('node:https');
  const text = await new Promise<string>((resolve, reject) => {
    request(url, { ca: readFileSync(ca) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
  const pick = (suffix: string, label = '') => {
    const line = text.split('\n').find((l) => !l.startsWith('#') && new RegExp(`${suffix}${label ? `\\{[^}]*${label}[^}]*\\}` : ''} `).test(l));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) / 1048576 : NaN;
  };
  return {
    heapUsed: pick('nodejs_heap_size_used_bytes'),
    heapTotal: pick('nodejs_heap_size_total_bytes'),
    external: pick('nodejs_external_memory_bytes'),
    oldSpaceUsed: pick('nodejs_heap_space_size_used_bytes', 'space="old"'),
    codeSpaceUsed: pick('nodejs_heap_space_size_used_bytes', 'space="code"'),
    newSpaceTotal: pick('nodejs_heap_space_size_total_bytes', 'space="new"'),
  };
}

function objectReads(stats: StatsSnapshot): { calls: number; ids: number; maxIds: number } {
  const perCall = Object.values(stats.objectIdsPerCall).flat();
  return { calls: perCall.length, ids: perCall.reduce((a, b) => a + b, 0), maxIds: Math.max(0, ...perCall) };
}

interface Result {
  bindings: number;
  stakeSeconds: number;
  createSeconds: number;
  serveReadyMs: number;
  firstActiveMs: number;
  allActiveMs: number;
  rssMb: number;
  peakRssMb: number;
  /** Every gRPC call serve made from its start until all were Active (pollers included). */
  resyncCalls: number;
  resyncCallsByMethod: Record<string, number>;
  objectReadCalls: number;
  objectIdsRead: number;
  maxIdsPerCall: number;
  loadAvg: { start: number; end: number };
  /** From serve's /metrics once all are Active, MB. */
  memory: Record<string, number>;
  /** RSS and /metrics SETTLE_MS after all were Active. */
  settledRssMb: number;
  settledMemory: Record<string, number>;
}

function docBlock(r: Result): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const byMethod = Object.entries(r.resyncCallsByMethod).map(([m, n]) => `${m.split('/').pop()} ${n}`).join(', ');
  return [
    BEGIN,
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model.trim()} (${os.cpus().length} cores, shared; 1-min load ${f(r.loadAvg.start, 2)} at start, ${f(r.loadAvg.end, 2)} at the end), Node ${process.version}: one \`daas-auth serve\` process (${describeEntry(ENTRY)}; V8 flags \`${values['default-heap'] ? 'none' : NODE_FLAGS.join(' ')}\`; authn webhook, SealBinding watch, controller), sui-sim on loopback, the test bed's kube-apiserver. ${r.bindings} node stakes in ${f(r.stakeSeconds)} s (${CALLS_PER_TX} \`staking::stake\` calls per transaction, ${STAKERS} stakers in parallel); ${r.bindings} SealBindings created through kube-apiserver (${CONCURRENCY} requests in flight) in ${f(r.createSeconds)} s, before serve starts. No Node objects (see bench/scale/run.ts).`,
    '',
    '| measure | value | goal |',
    '|---|---:|---:|',
    `| serve RSS once all ${r.bindings} are Active | ${f(r.rssMb)} MB | ≤ 300 MB |`,
    `| serve RSS ${SETTLE_MS / 1000} s later (steady state: watches and pollers only) | ${f(r.settledRssMb)} MB | ≤ 300 MB |`,
    `| serve peak RSS (VmHWM) | ${f(r.peakRssMb)} MB | |`,
    `| chain calls of the first full resync: object reads | ${r.objectReadCalls} calls (${r.objectIdsRead} ids, ≤ ${r.maxIdsPerCall} per call) | ≤ 200 |`,
    `| every chain call of serve, start → all Active (resync, epoch reads, event and readiness pollers) | ${r.resyncCalls} | |`,
    `| serve start → /readyz 200 | ${f(r.serveReadyMs / 1000, 2)} s | |`,
    `| serve start → first Active status | ${f(r.firstActiveMs / 1000, 2)} s | |`,
    `| serve start → all ${r.bindings} Active | ${f(r.allActiveMs / 1000, 2)} s | |`,
    '',
    `Chain calls by method: ${byMethod}. Serve's memory (its /metrics, MB) when all were Active: ${Object.entries(r.memory).map(([k, v]) => `${k} ${f(v)}`).join(', ')}; ${SETTLE_MS / 1000} s later: ${Object.entries(r.settledMemory).map(([k, v]) => `${k} ${f(v)}`).join(', ')}.`,
    END,
  ].join('\n');
}

async function main(): Promise<void> {
  const loadStart = os.loadavg()[0] ?? 0;
  const stateDir = mkdtempSync(join(os.tmpdir(), 'scale-sim-'));
  const sim = await startSim({ stateDir, quiet: true });
  const admin = new SimAdminClient(sim.adminUrl);
  const client = simClient(sim.rpcUrl);
  const clusterName = `bench-scale-${process.pid}`;
  const port = await freePort();
  const cluster = await startCluster({ name: clusterName, webhookUrl: `https://127.0.0.1:${port}/authenticate`, ownerPid: values.keep ? undefined : process.pid, log });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const rest = await KubeRest.fromKubeConfig(kc, { maxSockets: CONCURRENCY });
  let servePid: number | undefined;
  let watch: Informer<SealBinding> | undefined;
  try {
    await installCrd(rest);
    const nodes = Array.from({ length: N }, (_, i) => nodeName(i));
    log(`${N} node stakes…`);
    let t = Date.now();
    const stakes = await stakeAll(client, admin, sim.network, nodes);
    const stakeSeconds = (Date.now() - t) / 1000;
    log(`staked in ${stakeSeconds.toFixed(1)} s; ${N} SealBindings…`);
    t = Date.now();
    await createBindings(rest, stakes, CONCURRENCY);
    const createSeconds = (Date.now() - t) / 1000;
    log(`created in ${createSeconds.toFixed(1)} s`);

    // Watch from outside serve: the first Active status, and when every binding is Active.
    let firstActiveAt: number | undefined;
    let active = 0;
    watch = new Informer(sealBindingSource(rest), { name: 'bench-scale' });
    const onBinding = (b: SealBinding, old?: SealBinding) => {
      if (b.status?.phase === 'Active' && old?.status?.phase !== 'Active') {
        firstActiveAt ??= Date.now();
        active++;
      }
    };
    watch.on('add', (b) => onBinding(b)).on('update', onBinding);
    await watch.start();

    const configFile = join(stateDir, 'daas-auth.yaml');
    const logFile = join(stateDir, 'daas-auth.log');
    writeFileSync(configFile, JSON.stringify({
      network: { name: 'local', stateDir },
      clusters: [{ id: CLUSTER_ID, apiAudiences: cluster.apiAudiences }],
      server: { host: '127.0.0.1', port, tlsCertFile: cluster.webhook.servingCertFile, tlsKeyFile: cluster.webhook.servingKeyFile, clientCaFile: cluster.webhook.clientCaFile },
      kubernetes: { kubeconfig: cluster.kubeconfig },
      log: { level: 'warn' },
    }));
    const entry = await serveScript(ENTRY, REPO_ROOT);
    await admin.resetStats();
    const startedAt = Date.now();
    const pid = (servePid = startDaemon({ name: 'daas-auth serve', cmd: process.execPath, args: [...(values['default-heap'] ? [] : NODE_FLAGS), entry, '--config', configFile, 'serve'], log: logFile, cwd: REPO_ROOT }));
    await waitFor200(`https://127.0.0.1:${port}/readyz`, { ca: cluster.webhook.caFile }, {
      timeoutMs: 300_000,
      what: 'daas-auth serve /readyz',
      check: () => {
        if (!isRunning(pid)) throw new Error(`serve exited:\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`);
      },
    });
    const serveReadyMs = Date.now() - startedAt;
    log(`serve ready in ${(serveReadyMs / 1000).toFixed(1)} s`);
    await until(`${N} bindings Active`, () => active >= N, 900_000, 200);
    const allActiveMs = Date.now() - startedAt;
    const stats = await admin.stats();
    const memory = rssMb(pid);
    const breakdown = await memoryBreakdown(`https://127.0.0.1:${port}/metrics`, cluster.webhook.caFile);
    // Then the steady state: the same process SETTLE_MS later, serving nothing but its watches and pollers.
    log(`all Active; RSS ${memory.rss.toFixed(1)} MB; settling ${SETTLE_MS / 1000} s…`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settled = rssMb(pid);
    const settledBreakdown = await memoryBreakdown(`https://127.0.0.1:${port}/metrics`, cluster.webhook.caFile);
    const reads = objectReads(stats);
    const result: Result = {
      bindings: N,
      stakeSeconds,
      createSeconds,
      serveReadyMs,
      firstActiveMs: (firstActiveAt as number) - startedAt,
      allActiveMs,
      rssMb: memory.rss,
      peakRssMb: memory.peak,
      resyncCalls: stats.totalCalls,
      resyncCallsByMethod: stats.calls,
      objectReadCalls: reads.calls,
      objectIdsRead: reads.ids,
      maxIdsPerCall: reads.maxIds,
      loadAvg: { start: loadStart, end: os.loadavg()[0] ?? 0 },
      memory: breakdown,
      settledRssMb: settled.rss,
      settledMemory: settledBreakdown,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    if (!values['no-write']) writeDocBlock('scale', docBlock(result), '## bench/scale: 10,000 SealBindings in one serve process (issue 14)');
  } finally {
    watch?.stop();
    if (servePid) await stopGroups([servePid]);
    rest.close();
    if (!values.keep) await stopCluster(clusterName);
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
