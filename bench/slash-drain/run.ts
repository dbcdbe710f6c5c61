/**
 * bench/slash-drain: N kwok nodes with SealBindings and P pods each; slash the stakes behind S of
 * them and measure, per slashed node, the time from its slash to (a) our taint on the node and
 * (b) its last pod gone. Goal (issue 5): S = 50 of N = 1,000 with P = 10 → all cordoned within 2 s
 * and drained within 10 s.
 *
 *   node bench/slash-drain/run.ts [--nodes 1000] [--pods 10] [--slash 50] [--chain sim|stub]
 *                                 [--keep] [--out FILE] [--no-write]
 *
 * The result replaces the slash-drain block of docs/benchmarks.md (unless --no-write).
 *
 * --chain sim (default): sui-sim over loopback, real stakes, the controller as its own process
 *   (`daas-auth serve --mode controller`), slashes as real transactions by the AdminCap holder.
 * --chain stub: an in-memory chain and the controller in this process; isolates the Kubernetes side.
 *
 * The cluster is the test bed's (hack/cluster.ts), started for the run and stopped afterwards
 * unless --keep.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startCluster, stopCluster } from '../../hack/cluster.ts';
import { nodeSource } from '../../src/k8s/api.ts';
import { Informer } from '../../src/k8s/informer.ts';
import type { PodLike } from '../../src/k8s/objects.ts';
import { KubeRest } from '../../src/k8s/rest.ts';
import { createBindings, createNodes, createPods, installCrd, NAMESPACE, nodeName, Observer, until } from './cluster.ts';
import { stubChain, type ChainDriver } from './chain.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10' },
    slash: { type: 'string', default: '50' },
    chain: { type: 'string', default: 'sim' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.nodes);
const P = Number(values.pods);
const S = Number(values.slash);

function log(line: string): void {
  process.stderr.write(`[slash-drain ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(latencies: number[]) {
  const s = [...latencies].sort((a, b) => a - b);
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s.at(-1) ?? NaN };
}

const DOC = new URL('../../docs/benchmarks.md', import.meta.url);
const BEGIN = '<!-- slash-drain:begin -->';
const END = '<!-- slash-drain:end -->';

interface Result {
  chain: string | undefined;
  cordonMsFromOwnSlash: ReturnType<typeof summary>;
  drainMsFromOwnSlash: ReturnType<typeof summary>;
  allCordonedMsAfterLastSlash: number;
  allDrainedMsAfterLastSlash: number;
  slashSpreadMs: number;
  otherNodesUntouched: boolean;
  machine: { cpus: number; loadAvg1m: number };
}

function docSection(r: Result, loadAtStart: number): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const met = r.cordonMsFromOwnSlash.max <= 2000 && r.drainMsFromOwnSlash.max <= 10_000;
  return [
    BEGIN,
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores, 1-min load ${loadAtStart.toFixed(2)} at start, ${r.machine.loadAvg1m} at the end), Node ${process.versions.node}, chain \`${r.chain}\`: ${N} kwok nodes with SealBindings, ${P} pods each (${N * P} pods), ${S} slashed${r.chain === 'sim' ? ' in one transaction' : ' at once'}.`,
    '',
    '| from the slash to | p50 s | p95 s | max s | goal |',
    '|---|---:|---:|---:|---:|',
    `| node cordoned and tainted | ${s(r.cordonMsFromOwnSlash.p50)} | ${s(r.cordonMsFromOwnSlash.p95)} | ${s(r.cordonMsFromOwnSlash.max)} | ≤ 2 s |`,
    `| node drained (last pod gone) | ${s(r.drainMsFromOwnSlash.p50)} | ${s(r.drainMsFromOwnSlash.p95)} | ${s(r.drainMsFromOwnSlash.max)} | ≤ 10 s |`,
    '',
    `All ${S} cordoned ${s(r.allCordonedMsAfterLastSlash)} s and drained ${s(r.allDrainedMsAfterLastSlash)} s after the slash; the other ${N - S} nodes kept all their pods: ${r.otherNodesUntouched ? 'yes' : 'NO'}. Goal ${met ? '**met**' : '**not met**'}.`,
    END,
  ].join('\n');
}

function writeDoc(section: string): void {
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const next = start >= 0 && end > start ? `${doc.slice(0, start)}${section}${doc.slice(end + END.length)}` : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
}

const loadAtStart = os.loadavg()[0] ?? 0;

async function main(): Promise<void> {
  const clusterName = `bench-slash-${process.pid}`;
  log(`cluster ${clusterName}…`);
  const cluster = await startCluster({ name: clusterName, ownerPid: values.keep ? undefined : process.pid, log });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const rest = await KubeRest.fromKubeConfig(kc, { maxSockets: 64 });
  let driver: ChainDriver | undefined;
  try {
    await installCrd(rest);
    const nodes = Array.from({ length: N }, (_, i) => nodeName(i));
    driver = values.chain === 'stub' ? stubChain() : await (await import('./sim-chain.ts')).simChain({ log });
    log(`${N} node stakes…`);
    const t0 = Date.now();
    const stakes = await driver.stakeNodes(nodes);
    log(`staked in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${N} nodes, ${N * P} pods, ${N} bindings…`);
    const t1 = Date.now();
    await createNodes(rest, N);
    await createPods(rest, nodes, P);
    await createBindings(rest, nodes.map((node) => ({ node, owner: stakes.owners.get(node) as string, stakeRecord: stakes.records.get(node) as string })));
    log(`created in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    const nodeInformer = new Informer(nodeSource(rest), { name: 'bench-nodes' });
    const podPath = `/api/v1/namespaces/${NAMESPACE}/pods`;
    const podInformer = new Informer<PodLike>(
      {
        list: async () => {
          const items: PodLike[] = [];
          let cont: string | undefined;
          let rv: string;
          do {
            const page = await rest.request<{ items: PodLike[]; metadata: { continue?: string; resourceVersion: string } }>('GET', podPath, { query: { limit: 1000, continue: cont } });
            items.push(...page.items);
            rv = page.metadata.resourceVersion;
            cont = page.metadata.continue || undefined;
          } while (cont);
          return { items, resourceVersion: rv };
        },
        watch: (q, onEvent) => rest.watch<PodLike>(podPath, q, onEvent),
      },
      { name: 'bench-pods' },
    );
    const observer = new Observer(nodeInformer, podInformer);
    await Promise.all([nodeInformer.start(), podInformer.start()]);
    await until(`${N * P} pods on their nodes`, () => podInformer.list().length >= N * P, 300_000, 500);

    log('controller…');
    await driver.startController(cluster);
    await until(`${N} bindings Active`, async () => {
      const list = await rest.request<{ items: Array<{ status?: { phase?: string } }> }>('GET', '/apis/daas.io/v1alpha1/sealbindings');
      return list.items.filter((b) => b.status?.phase === 'Active').length === N;
    }, 300_000, 1000);
    log('all bindings Active; slashing…');

    // Spread the victims over the fleet.
    const victims = Array.from({ length: S }, (_, i) => nodes[Math.floor((i * N) / S)] as string);
    observer.watch(victims);
    const slashedAt = await driver.slash(victims.map((n) => stakes.records.get(n) as string));
    const atOf = (node: string) => slashedAt.get(stakes.records.get(node) as string) as number;
    const firstSlash = Math.min(...slashedAt.values());
    const lastSlash = Math.max(...slashedAt.values());
    await until(`${S} nodes cordoned`, () => victims.every((n) => observer.cordonedAt.has(n)), 60_000, 20);
    await until(`${S} nodes drained`, () => victims.every((n) => observer.drainedAt.has(n)), 120_000, 20);
    const cordon = summary(victims.map((n) => (observer.cordonedAt.get(n) as number) - atOf(n)));
    const drain = summary(victims.map((n) => (observer.drainedAt.get(n) as number) - atOf(n)));
    const allCordoned = Math.max(...victims.map((n) => observer.cordonedAt.get(n) as number)) - lastSlash;
    const allDrained = Math.max(...victims.map((n) => observer.drainedAt.get(n) as number)) - lastSlash;
    const untouched = nodes.filter((n) => !victims.includes(n)).every((n) => observer.podsOn(n) === P);
    const result = {
      nodes: N,
      podsPerNode: P,
      slashed: S,
      chain: values.chain,
      slashSpreadMs: lastSlash - firstSlash,
      cordonMsFromOwnSlash: cordon,
      drainMsFromOwnSlash: drain,
      allCordonedMsAfterLastSlash: allCordoned,
      allDrainedMsAfterLastSlash: allDrained,
      otherNodesUntouched: untouched,
      goal: { cordonMs: 2000, drainMs: 10_000, met: cordon.max <= 2000 && drain.max <= 10_000 },
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadAvg1m: Number(os.loadavg()[0]?.toFixed(2)) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    if (!values['no-write']) writeDoc(docSection(result, loadAtStart));
    nodeInformer.stop();
    podInformer.stop();
  } finally {
    await driver?.stop();
    rest.close();
    if (!values.keep) await stopCluster(clusterName);
  }
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
