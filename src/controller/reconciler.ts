/**
 * Reconciles a batch of SealBindings: one batched chain read for the whole batch, then per binding
 * the phase (phase.ts), the node (cordon + taint, or restore; node-plan.ts), the drain (drainer.ts),
 * the status through the status subresource (status.ts) and an Event for every transition.
 *
 * Our own writes race the informers that report them: a reconcile right after a status patch could
 * still see the old status in the informer and announce the same transition twice. So the objects
 * the apiserver returned from our writes are kept until the informer has caught up (compared by
 * resourceVersion, which etcd-backed apiservers issue in increasing order).
 */
import { mergePatchDiff } from '../k8s/patch.ts';
import type { NodeLike } from '../k8s/objects.ts';
import { isStatus } from '../k8s/rest.ts';
import { rightfulBinding, SEALBINDING_API_VERSION, SEALBINDING_KIND, type SealBinding, type SealBindingPhase } from '../k8s/sealbinding.ts';
import type { ObjectReference } from '../k8s/events.ts';
import type { ChainReaderPort } from '../chain/port.ts';
import type { SealTokenView, StakeRecordView } from '../chain/objects.ts';
import type { Drainer } from './drainer.ts';
import type { ControllerKube } from './kube-port.ts';
import type { ControllerMetrics } from './metrics.ts';
import { isCordonedByUs, planRestore, planRevoke, type NodeMergePatch } from './node-plan.ts';
import { evaluateBinding, type BindingChainFacts, type Evaluation } from './phase.ts';
import type { QueueItem } from './queue.ts';
import { computeStatus, isNodeRevoked, transitionEvents, type BindingEvent, type DrainFacts } from './status.ts';
import { DEFAULT_TIERS, type Tier } from '../policy/tiers.ts';

export interface Recorder {
  record(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export interface ReconcilerOptions {
  chain: Pick<ChainReaderPort, 'getStakeRecords' | 'getSealTokens' | 'getEpoch'>;
  kube: ControllerKube;
  /** Informer caches. */
  bindings: { get(name: string): SealBinding | undefined; list(): SealBinding[] };
  nodes: { get(name: string): NodeLike | undefined };
  drainer: Pick<Drainer, 'ensure' | 'stop' | 'facts'>;
  recorder: Recorder;
  metrics: Pick<ControllerMetrics, 'observeReconcile'>;
  tiers?: readonly Tier[];
  expiringWithinEpochs?: bigint;
  /**
   * Nodes the operator exempts (control-plane): never cordoned, tainted or drained, whatever a
   * binding naming them says — and such a binding is Invalid (ExemptNode), so it authorises no kubelet.
   */
  isExemptNode?(name: string, node: NodeLike | undefined): boolean;
  verifiedRefreshMs?: number;
  /** Chain facts younger than this may serve a reconcile that does not ask for a fresh read. */
  factsTtlMs?: number;
  concurrency?: number;
  now?(): number;
  onError?(error: unknown, bindingName: string): void;
}

/** One binding's way through a batch. */
interface Plan {
  name: string;
  binding: SealBinding;
  evaluation: Evaluation;
  phase: SealBindingPhase;
  node: NodeLike | null;
  /** Only the node's rightful binding, on a node that is not exempt, may cordon, drain or restore it. */
  ownsNode: boolean;
  cordonedByUs: boolean;
  failed: boolean;
  seconds: number;
}

interface CachedFacts {
  facts: BindingChainFacts;
  specKey: string;
  at: number;
}

/** Compares two resourceVersions; non-numeric ones are treated as unordered (b wins). */
export function newerOrSame(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) >= BigInt(b);
}

function specKey(binding: SealBinding): string {
  return `${binding.spec.stakeRecord}|${binding.spec.sealToken ?? ''}`;
}

export function bindingRef(binding: SealBinding): ObjectReference {
  return { apiVersion: SEALBINDING_API_VERSION, kind: SEALBINDING_KIND, name: binding.metadata.name ?? '', ...(binding.metadata.uid ? { uid: binding.metadata.uid } : {}) };
}

function nodeRef(node: NodeLike): ObjectReference {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata?.name ?? '', ...(node.metadata?.uid ? { uid: node.metadata.uid } : {}) };
}

/** Events also worth seeing on the Node (`kubectl describe node`). */
const NODE_EVENTS = new Set(['Cordoned', 'Drained', 'DrainBlocked', 'DrainForced', 'Restored']);

export class Reconciler {
  readonly #o: ReconcilerOptions & Required<Pick<ReconcilerOptions, 'verifiedRefreshMs' | 'factsTtlMs' | 'concurrency' | 'now'>>;
  readonly #facts = new Map<string, CachedFacts>();
  readonly #writtenBindings = new Map<string, SealBinding>();
  readonly #writtenNodes = new Map<string, NodeLike>();
  /** Binding name → node name, to stop a drain when its binding disappears. */
  readonly #nodeOf = new Map<string, string>();

  constructor(options: ReconcilerOptions) {
    this.#o = { verifiedRefreshMs: 300_000, factsTtlMs: 30_000, concurrency: 32, now: Date.now, ...options };
  }

  /** Forget everything cached (a new leadership term starts from the cluster's state). */
  reset(): void {
    this.#facts.clear();
    this.#writtenBindings.clear();
    this.#writtenNodes.clear();
  }

  /** Reconciles the batch; returns the names to retry (a failed write, or the chain unreadable). */
  async process(items: readonly QueueItem[]): Promise<string[]> {
    const present: SealBinding[] = [];
    const fresh = new Set<string>();
    for (const item of items) {
      const binding = this.#binding(item.key);
      if (!binding) {
        this.#forget(item.key);
        continue;
      }
      present.push(binding);
      const cached = this.#facts.get(item.key);
      if (item.chain || !cached || cached.specKey !== specKey(binding) || this.#o.now() - cached.at > this.#o.factsTtlMs) fresh.add(item.key);
    }
    await this.#readChain(present.filter((b) => fresh.has(b.metadata.name ?? '')));
    const duplicates = this.#duplicates();
    const plans = present.map((binding) => this.#plan(binding, duplicates.get(binding.metadata.name ?? '')));
    // Nodes first, for the whole batch: cordoning fifty nodes must not wait behind fifty status writes.
    await this.#each(plans, (plan) => this.#nodeStage(plan));
    await this.#each(plans.filter((plan) => !plan.failed), (plan) => this.#statusStage(plan));
    for (const plan of plans) this.#o.metrics.observeReconcile(plan.seconds, plan.failed ? 'error' : 'ok');
    return plans.filter((plan) => plan.failed || this.#facts.get(plan.name)?.facts.record === undefined).map((plan) => plan.name);
  }

  /** Runs `task` over `plans` with the configured concurrency; a failure marks the plan, never throws. */
  async #each(plans: readonly Plan[], task: (plan: Plan) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const plan = plans[next++] as Plan;
        const started = performance.now();
        try {
          await task(plan);
        } catch (error) {
          plan.failed = true;
          this.#o.onError?.(error, plan.name);
        } finally {
          plan.seconds += (performance.now() - started) / 1000;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, plans.length) }, worker));
  }

  #forget(name: string): void {
    this.#facts.delete(name);
    this.#writtenBindings.delete(name);
    const node = this.#nodeOf.get(name);
    this.#nodeOf.delete(name);
    // The binding is gone: stop evicting. The node stays cordoned; nothing says its stake is back.
    if (node) this.#o.drainer.stop(node);
  }

  /** The informer's copy, or the one our last write returned if the informer has not caught up. */
  #binding(name: string): SealBinding | undefined {
    const cached = this.#o.bindings.get(name);
    const written = this.#writtenBindings.get(name);
    if (!cached) return undefined;
    if (!written || written.metadata.uid !== cached.metadata.uid || newerOrSame(cached.metadata.resourceVersion, written.metadata.resourceVersion)) {
      this.#writtenBindings.delete(name);
      return cached;
    }
    return newerOrSame(written.metadata.resourceVersion, cached.metadata.resourceVersion) ? written : cached;
  }

  #node(name: string): NodeLike | undefined {
    const cached = this.#o.nodes.get(name);
    const written = this.#writtenNodes.get(name);
    if (!written) return cached;
    if (!cached || newerOrSame(cached.metadata?.resourceVersion, written.metadata?.resourceVersion)) {
      this.#writtenNodes.delete(name);
      return cached;
    }
    return written;
  }

  async #readChain(bindings: readonly SealBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    const recordIds = [...new Set(bindings.map((b) => b.spec.stakeRecord))];
    const tokenIds = [...new Set(bindings.flatMap((b) => (b.spec.sealToken ? [b.spec.sealToken] : [])))];
    let records: Map<string, StakeRecordView | null> | undefined;
    let tokens: Map<string, SealTokenView | null> | undefined;
    let epoch: bigint | undefined;
    try {
      [records, tokens, epoch] = await Promise.all([
        this.#o.chain.getStakeRecords(recordIds),
        tokenIds.length > 0 ? this.#o.chain.getSealTokens(tokenIds) : Promise.resolve(new Map<string, SealTokenView | null>()),
        this.#o.chain.getEpoch(),
      ]);
    } catch (error) {
      for (const b of bindings) this.#o.onError?.(error, b.metadata.name ?? '');
    }
    const at = this.#o.now();
    for (const b of bindings) {
      const facts: BindingChainFacts = {
        record: records ? (records.get(b.spec.stakeRecord) ?? null) : undefined,
        token: b.spec.sealToken && tokens ? (tokens.get(b.spec.sealToken) ?? null) : undefined,
        epoch,
      };
      // An unavailable answer is stored as stale (at 0), so the next reconcile asks the chain again.
      this.#facts.set(b.metadata.name ?? '', { facts, specKey: specKey(b), at: records ? at : 0 });
    }
  }

  /** Binding name → the older binding that already claims the same node. */
  #duplicates(): Map<string, string> {
    const byNode = new Map<string, SealBinding[]>();
    for (const b of this.#o.bindings.list()) {
      const list = byNode.get(b.spec.nodeName) ?? [];
      list.push(b);
      byNode.set(b.spec.nodeName, list);
    }
    const out = new Map<string, string>();
    for (const list of byNode.values()) {
      if (list.length < 2) continue;
      const first = rightfulBinding(list)?.metadata.name ?? '';
      for (const b of list) if (b.metadata.name !== first) out.set(b.metadata.name ?? '', first);
    }
    return out;
  }

  #plan(binding: SealBinding, duplicateOf: string | undefined): Plan {
    const name = binding.metadata.name ?? '';
    const cachedNode = this.#node(binding.spec.nodeName);
    const exemptNode = this.#o.isExemptNode?.(binding.spec.nodeName, cachedNode) === true;
    const ownsNode = !duplicateOf && !exemptNode;
    // A duplicate's removal must not stop the rightful binding's drain of the same node.
    if (ownsNode) this.#nodeOf.set(name, binding.spec.nodeName);
    else this.#nodeOf.delete(name);
    const facts = this.#facts.get(name)?.facts ?? { record: undefined, token: undefined, epoch: undefined };
    const evaluation = evaluateBinding(binding.spec, facts, {
      tiers: this.#o.tiers ?? DEFAULT_TIERS,
      ...(this.#o.expiringWithinEpochs !== undefined ? { expiringWithinEpochs: this.#o.expiringWithinEpochs } : {}),
      ...(duplicateOf ? { duplicateOf } : {}),
      exemptNode,
    });
    const phase = evaluation.phase ?? binding.status?.phase ?? 'Pending';
    const node = cachedNode ?? null;
    return { name, binding, evaluation, phase, node, ownsNode, cordonedByUs: node ? isCordonedByUs(node) : false, failed: false, seconds: 0 };
  }

  /** Cordon + taint a revoked binding's node, or restore an Active one's. */
  async #nodeStage(plan: Plan): Promise<void> {
    const nodeName = plan.binding.spec.nodeName;
    if (!plan.node || !plan.ownsNode) return;
    if (isNodeRevoked(plan.phase)) {
      const phase = plan.phase;
      plan.node = await this.#patchNode(nodeName, plan.node, (n) => planRevoke(n, phase));
      plan.cordonedByUs = plan.node !== null;
    } else if (plan.phase === 'Active' && plan.cordonedByUs) {
      plan.node = await this.#patchNode(nodeName, plan.node, planRestore);
      plan.cordonedByUs = plan.node ? isCordonedByUs(plan.node) : false;
    }
  }

  /** Start or stop the drain, write the status, announce the transitions. */
  async #statusStage(plan: Plan): Promise<void> {
    const { binding, name, node } = plan;
    const nodeName = binding.spec.nodeName;
    const now = new Date(this.#o.now());
    let drain: DrainFacts | undefined;
    if (!plan.ownsNode) {
      // Not this binding's node to act on (a duplicate, or an exempt node): no drain, started or stopped.
    } else if (isNodeRevoked(plan.phase) && node) {
      const revokedAt = binding.status?.revokedAt ? Date.parse(binding.status.revokedAt) : now.getTime();
      this.#o.drainer.ensure({ nodeName, bindingName: name, policy: binding.spec.drainPolicy, revokedAt });
      drain = this.#o.drainer.facts(nodeName) ?? { drained: false };
    } else if (isNodeRevoked(plan.phase) || plan.phase === 'Active') {
      this.#o.drainer.stop(nodeName);
    }
    const status = computeStatus({
      binding,
      evaluation: plan.evaluation,
      node: { exists: node !== null, cordonedByUs: plan.cordonedByUs },
      ...(drain ? { drain } : {}),
      now,
      verifiedRefreshMs: this.#o.verifiedRefreshMs,
    });
    const patch = mergePatchDiff((binding.status ?? {}) as Record<string, unknown>, status as unknown as Record<string, unknown>);
    if (Object.keys(patch).length === 0) return;
    const written = await this.#o.kube.patchBindingStatus(name, patch);
    if (written?.metadata) this.#writtenBindings.set(name, written);
    this.#announce(binding, node, transitionEvents(binding.status, status));
  }

  /** Records an Event of the drain itself (not a status transition) on the binding and, if a node event, its Node. */
  announceDrainEvent(bindingName: string, nodeName: string, event: BindingEvent): void {
    const binding = this.#binding(bindingName);
    if (binding) this.#announce(binding, this.#node(nodeName) ?? null, [event]);
  }

  #announce(binding: SealBinding, node: NodeLike | null, events: readonly BindingEvent[]): void {
    for (const event of events) {
      void this.#o.recorder.record(bindingRef(binding), event.type, event.reason, event.message);
      if (node && NODE_EVENTS.has(event.reason)) void this.#o.recorder.record(nodeRef(node), event.type, event.reason, event.message);
    }
  }

  /**
   * Applies `plan` to the node with its resourceVersion as precondition; on 409 re-reads the node
   * and plans again (so a taint someone added meanwhile is kept). null when the node is gone.
   */
  async #patchNode(name: string, start: NodeLike, plan: (node: NodeLike) => NodeMergePatch | null): Promise<NodeLike | null> {
    let node: NodeLike | null = start;
    for (let attempt = 0; attempt < 5 && node; attempt++) {
      const patch = plan(node);
      if (!patch) return node;
      try {
        const written = await this.#o.kube.patchNode(name, patch);
        this.#writtenNodes.set(name, written);
        return written;
      } catch (error) {
        if (isStatus(error, 404)) return null;
        if (!isStatus(error, 409)) throw error;
        node = await this.#o.kube.getNode(name);
      }
    }
    if (!node) return null;
    throw new Error(`node ${name} kept changing under 5 conditional patches; will retry`);
  }
}
