/**
 * The chain side of the slash-drain benchmark, behind one interface: the stub (in-memory chain, the
 * controller in this process) here; sui-sim in sim-chain.ts.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterInfo } from '../../hack/cluster.ts';
import type { ChainEvent } from '../../src/chain/events.ts';
import type { SealTokenView, StakeRecordView } from '../../src/chain/objects.ts';
import { SealBindingController } from '../../src/controller/controller.ts';
import { kubePort, type ControllerKube } from '../../src/controller/kube-port.ts';
import { KubeRest } from '../../src/k8s/rest.ts';

export interface Stakes {
  /** node name → StakeRecord id */
  records: Map<string, string>;
  /** node name → the staker's address */
  owners: Map<string, string>;
}

export interface ChainDriver {
  stakeNodes(nodes: readonly string[]): Promise<Stakes>;
  startController(cluster: ClusterInfo): Promise<void>;
  /** Slashes each record; returns record id → epoch ms its slash was confirmed. */
  slash(recordIds: readonly string[]): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

function hexId(n: number, prefix: string): string {
  return `0x${prefix}${n.toString(16).padStart(64 - prefix.length, '0')}`;
}

export function stubChain(): ChainDriver {
  const owner = `0x${'a'.repeat(64)}`;
  const records = new Map<string, StakeRecordView>();
  const listeners = new Set<(event: ChainEvent) => void>();
  let controller: SealBindingController | undefined;
  let rest: KubeRest | undefined;
  const chain = {
    getStakeRecords: async (ids: readonly string[]) => new Map(ids.map((id) => [id, records.get(id) ?? null] as const)),
    getSealTokens: async (ids: readonly string[]) => new Map<string, SealTokenView | null>(ids.map((id) => [id, null] as const)),
    getEpoch: async () => 1n,
  };
  // The controller's feeds (src/feeds in serve): events pushed by slash() below; the epoch never moves.
  const events = {
    subscribe(_names: readonly string[], onEvent: (event: ChainEvent) => void) {
      listeners.add(onEvent);
      return () => void listeners.delete(onEvent);
    },
  };
  const epochs = { subscribe: () => () => {}, up: () => true };
  return {
    async stakeNodes(nodes) {
      const out = new Map<string, string>();
      const owners = new Map<string, string>();
      nodes.forEach((node, i) => {
        const id = hexId(i + 1, 'b');
        out.set(node, id);
        owners.set(node, owner);
        records.set(id, { id, poolId: hexId(0, 'c'), staker: owner, nodeId: node, amount: 2_000_000_000n, kind: 'node', status: 'active', stakedEpoch: 1n, unlockEpoch: 8n, slashedAmount: 0n, version: '1' });
      });
      return { records: out, owners };
    },
    async startController(cluster) {
      const kc = new KubeConfig();
      kc.loadFromFile(cluster.kubeconfig);
      rest = await KubeRest.fromKubeConfig(kc);
      controller = new SealBindingController({
        rest,
        chain,
        events,
        epochs,
        ...(process.env.BENCH_TRACE ? { kube: timedKube(kubePort(rest)) } : {}),
        identity: 'bench-stub',
        log: (level, message, fields) => {
          if (level !== 'info' || process.env.BENCH_TRACE) process.stderr.write(`[controller ${new Date().toISOString().slice(11, 23)}] ${level} ${message} ${JSON.stringify(fields ?? {})}\n`);
        },
      });
      await controller.start();
    },
    async slash(ids) {
      const at = new Map<string, number>();
      for (const id of ids) {
        const record = records.get(id);
        if (!record) throw new Error(`no stake ${id}`);
        records.set(id, { ...record, status: 'slashed', amount: record.amount / 2n, slashedAmount: record.amount / 2n });
        at.set(id, Date.now());
        const fields = { record_id: id, staker: record.staker, slashed_amount: String(record.amount / 2n), remaining: String(record.amount / 2n), reason: 'bench', epoch: '1' };
        const event: ChainEvent = { name: 'StakeSlashed', fields, txDigest: '', checkpoint: null, eventIndex: 0, cursor: String(at.size) };
        for (const listener of listeners) listener(event);
      }
      return at;
    },
    async stop() {
      if (process.env.BENCH_TRACE) printTimings();
      await controller?.stop();
      rest?.close();
    },
  };
}

const timings = new Map<string, number[]>();

/** BENCH_TRACE=1: every cluster call of the controller timed, summarised at the end. */
function timedKube(kube: ControllerKube): ControllerKube {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(kube) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    if (name === 'podsOnNode') {
      wrapped[name] = fn; // returns a list-watch source, not a promise
      continue;
    }
    wrapped[name] = async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await fn(...args);
      } finally {
        const list = timings.get(name) ?? [];
        list.push(performance.now() - start);
        timings.set(name, list);
      }
    };
  }
  return wrapped as unknown as ControllerKube;
}

function printTimings(): void {
  for (const [name, list] of timings) {
    const sorted = [...list].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(0);
    process.stderr.write(`[trace] ${name}: n=${list.length} p50=${at(0.5)}ms p95=${at(0.95)}ms max=${at(1)}ms\n`);
  }
}
