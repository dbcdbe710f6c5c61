/**
 * Carries out drain plans (src/controller/drain-plan.ts) for revoked nodes: one loop per node, a
 * pass every `passIntervalMs` until only skipped pods are left. Evictions across all nodes share a
 * concurrency limit. A 429 puts the pod into per-pod backoff and remembers the PDB that refused it
 * (named by the apiserver, or found by selector), which is what the DrainBlocked condition reports.
 *
 * Nothing here survives a restart, and nothing needs to: the plan is recomputed from the pods that
 * are still on the node, so a new leader simply carries on. Evictions go through the Eviction API,
 * so even two leaders at once could not take more pods than the PDBs allow.
 */
import { DRAIN_POLICY_DEFAULTS, type DrainPolicy } from '../k8s/sealbinding.ts';
import { objectKey, type PodLike } from '../k8s/objects.ts';
import { DEFAULT_BACKOFF, nextBackoff, type BackoffEntry, type BackoffOptions } from './backoff.ts';
import { planDrain } from './drain-plan.ts';
import type { ControllerKube, EvictionResult, PodRef } from './kube-port.ts';
import type { ControllerMetrics } from './metrics.ts';
import { pdbNameFromStatus, pdbsSelectingPod } from './pdb.ts';
import type { DrainFacts } from './status.ts';

export interface DrainTarget {
  nodeName: string;
  bindingName: string;
  policy: DrainPolicy | undefined;
  /** Epoch ms the revocation was first seen (status.revokedAt); the deadline counts from here. */
  revokedAt: number;
}

export interface DrainerOptions {
  kube: ControllerKube;
  metrics: Pick<ControllerMetrics, 'eviction'>;
  /** The drain state of a binding's node changed: recompute its status. */
  onProgress(bindingName: string): void;
  /** Called before each eviction round: only the leader evicts. */
  isLeader(): boolean;
  passIntervalMs?: number;
  concurrency?: number;
  backoff?: BackoffOptions;
  now?(): number;
  onError?(error: unknown, nodeName: string): void;
}

interface NodeDrain {
  target: DrainTarget;
  backoff: Map<string, BackoffEntry>;
  facts: DrainFacts | undefined;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  stopped: boolean;
}

/** A tiny counting semaphore shared by every node's evictions. */
class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

function podRef(pod: PodLike): PodRef {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

export class Drainer {
  readonly #o: Required<Omit<DrainerOptions, 'onError'>> & Pick<DrainerOptions, 'onError'>;
  readonly #nodes = new Map<string, NodeDrain>();
  readonly #slots: Semaphore;

  constructor(options: DrainerOptions) {
    this.#o = { passIntervalMs: 1000, concurrency: 32, backoff: DEFAULT_BACKOFF, now: Date.now, ...options };
    this.#slots = new Semaphore(this.#o.concurrency);
  }

  /** Starts (or keeps) draining the target's node; a changed policy applies from the next pass. */
  ensure(target: DrainTarget): void {
    const existing = this.#nodes.get(target.nodeName);
    if (existing) {
      existing.target = target;
      if (!existing.running && !existing.timer && existing.facts?.drained) this.#schedule(existing, 0);
      return;
    }
    const drain: NodeDrain = { target, backoff: new Map(), facts: undefined, timer: undefined, running: false, stopped: false };
    this.#nodes.set(target.nodeName, drain);
    this.#schedule(drain, 0);
  }

  stop(nodeName: string): void {
    const drain = this.#nodes.get(nodeName);
    if (!drain) return;
    drain.stopped = true;
    clearTimeout(drain.timer);
    this.#nodes.delete(nodeName);
  }

  stopAll(): void {
    for (const name of [...this.#nodes.keys()]) this.stop(name);
  }

  facts(nodeName: string): DrainFacts | undefined {
    return this.#nodes.get(nodeName)?.facts;
  }

  /** Nodes being drained that still have pods to move. */
  draining(): number {
    let count = 0;
    for (const drain of this.#nodes.values()) if (!drain.facts?.drained) count++;
    return count;
  }

  #schedule(drain: NodeDrain, delay: number): void {
    clearTimeout(drain.timer);
    drain.timer = setTimeout(() => {
      drain.timer = undefined;
      void this.#pass(drain);
    }, delay);
    drain.timer.unref();
  }

  async #pass(drain: NodeDrain): Promise<void> {
    if (drain.stopped || drain.running) return;
    drain.running = true;
    let drained = false;
    try {
      drained = await this.#passOnce(drain);
    } catch (error) {
      this.#o.onError?.(error, drain.target.nodeName);
    } finally {
      drain.running = false;
    }
    if (!drain.stopped && !drained) this.#schedule(drain, this.#o.passIntervalMs);
  }

  async #passOnce(drain: NodeDrain): Promise<boolean> {
    const { target } = drain;
    const pods = await this.#o.kube.listPodsOnNode(target.nodeName);
    const now = this.#o.now();
    const deadlineSeconds = target.policy?.deadlineSeconds ?? DRAIN_POLICY_DEFAULTS.deadlineSeconds;
    const plan = planDrain({
      pods,
      now,
      backoff: drain.backoff,
      deadlineAt: target.revokedAt + deadlineSeconds * 1000,
      forceAfterDeadline: target.policy?.forceAfterDeadline ?? DRAIN_POLICY_DEFAULTS.forceAfterDeadline,
    });
    const present = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    for (const uid of drain.backoff.keys()) if (!present.has(uid)) drain.backoff.delete(uid);
    if (!drain.stopped && this.#o.isLeader()) {
      const grace = target.policy?.gracePeriodSeconds;
      await Promise.all([
        ...plan.evict.map((pod) => this.#slots.run(() => this.#evict(drain, pod, grace))),
        ...plan.forceDelete.map((pod) => this.#slots.run(() => this.#forceDelete(drain, pod, grace))),
      ]);
    }
    this.#updateFacts(drain, pods, plan.drained);
    return plan.drained;
  }

  async #evict(drain: NodeDrain, pod: PodLike, grace: number | undefined): Promise<void> {
    if (drain.stopped || !this.#o.isLeader()) return;
    const uid = pod.metadata?.uid ?? '';
    const result: EvictionResult = await this.#o.kube.evictPod(podRef(pod), grace);
    this.#o.metrics.eviction(result.result);
    if (result.result === 'evicted' || result.result === 'gone') {
      drain.backoff.delete(uid);
      return;
    }
    const now = this.#o.now();
    if (result.result === 'blocked') {
      const pdb = pdbNameFromStatus(result.status) ?? (await this.#pdbBySelector(pod));
      drain.backoff.set(uid, nextBackoff(drain.backoff.get(uid), now, this.#o.backoff, `${pod.metadata?.namespace}/${pdb}`));
    } else {
      drain.backoff.set(uid, nextBackoff(drain.backoff.get(uid), now, this.#o.backoff));
      this.#o.onError?.(new Error(`eviction of ${objectKey(pod.metadata)} failed: ${result.status} ${result.message}`), drain.target.nodeName);
    }
  }

  async #pdbBySelector(pod: PodLike): Promise<string> {
    try {
      const names = pdbsSelectingPod(await this.#o.kube.listPdbs(pod.metadata?.namespace ?? ''), pod);
      return names.length > 0 ? names.join(',') : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  async #forceDelete(drain: NodeDrain, pod: PodLike, grace: number | undefined): Promise<void> {
    if (drain.stopped || !this.#o.isLeader()) return;
    await this.#o.kube.deletePod(podRef(pod), grace);
    this.#o.metrics.eviction('forced');
    drain.backoff.delete(pod.metadata?.uid ?? '');
  }

  /** Drain facts from the pods seen this pass and the refusals so far; reports a change. */
  #updateFacts(drain: NodeDrain, pods: readonly PodLike[], drained: boolean): void {
    const blocked = pods
      .map((pod) => ({ pod: objectKey(pod.metadata), entry: drain.backoff.get(pod.metadata?.uid ?? '') }))
      .filter((b) => b.entry?.blockedBy)
      .sort((a, b) => a.pod.localeCompare(b.pod))[0];
    const facts: DrainFacts = { drained, ...(blocked && !drained ? { blocked: { pod: blocked.pod, pdb: blocked.entry?.blockedBy ?? '' } } : {}) };
    const changed = JSON.stringify(facts) !== JSON.stringify(drain.facts);
    drain.facts = facts;
    if (changed) this.#o.onProgress(drain.target.bindingName);
  }
}
