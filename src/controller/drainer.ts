/**
 * Carries out drain plans (src/controller/drain-plan.ts) for revoked nodes. Each draining node gets
 * its own pod informer (list + watch with `fieldSelector=spec.nodeName=<node>`, as a kubelet has), so
 * a pass runs as soon as a pod changes or leaves — no polling LISTs, and "drained" is seen the moment
 * the last pod goes — plus when a backoff ends, and at least every `passIntervalMs`. The informer
 * stops once the node is drained. Evictions across all nodes share a concurrency limit. A 429 puts the pod into per-pod backoff and remembers the PDB that refused it
 * (named by the apiserver, or found by selector), which is what the DrainBlocked condition reports.
 *
 * Nothing here survives a restart, and nothing needs to: the plan is recomputed from the pods that
 * are still on the node, so a new leader simply carries on. Evictions go through the Eviction API,
 * so even two leaders at once could not take more pods than the PDBs allow.
 */
import { DRAIN_POLICY_DEFAULTS, type DrainPolicy } from '../k8s/sealbinding.ts';
import { Informer } from '../k8s/informer.ts';
import { Semaphore } from '../k8s/limit.ts';
import { jsonEqual } from '../k8s/patch.ts';
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
  /** `namespace/name` of the controller's own pod: evicted last from a node it drains (drain-plan.ts). */
  evictLast?: string;
  /** A pass at least this often while draining, even without pod events (default 5 s). */
  passIntervalMs?: number;
  concurrency?: number;
  backoff?: BackoffOptions;
  now?(): number;
  onError?(error: unknown, nodeName: string): void;
  /** A pod a PDB held was deleted after the deadline (not called when it was already gone). */
  onForced?(target: DrainTarget, forced: { pod: string; pdb: string; deadlineSeconds: number }): void;
  /** After each pass (debug logging). */
  onPass?(nodeName: string, summary: { pods: number; evict: number; forceDelete: number; waiting: number; terminating: number; drained: boolean; leader: boolean }): void;
}

interface NodeDrain {
  target: DrainTarget;
  pods: Informer<PodLike> | undefined;
  backoff: Map<string, BackoffEntry>;
  /** Evictions accepted, by pod uid → when: not tried again while the pod is still on its way out. */
  accepted: Map<string, number>;
  facts: DrainFacts | undefined;
  timer: NodeJS.Timeout | undefined;
  /** When the scheduled pass fires (epoch ms), to move it earlier but never later. */
  timerAt: number;
  running: boolean;
  /** Something changed during a running pass: run again right after it. */
  again: boolean;
  stopped: boolean;
}

/** How long an accepted eviction keeps its pod from being tried again. */
const ACCEPTED_TTL_MS = 60_000;

/** Pod events arriving together are handled by one pass. */
const EVENT_DEBOUNCE_MS = 20;

function deadlineOf(target: DrainTarget): number {
  return target.policy?.deadlineSeconds ?? DRAIN_POLICY_DEFAULTS.deadlineSeconds;
}

function podRef(pod: PodLike): PodRef {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

export class Drainer {
  readonly #o: Required<Omit<DrainerOptions, 'onError' | 'onForced' | 'evictLast'>> & Pick<DrainerOptions, 'onError' | 'onForced' | 'evictLast'>;
  readonly #nodes = new Map<string, NodeDrain>();
  readonly #slots: Semaphore;

  constructor(options: DrainerOptions) {
    this.#o = { passIntervalMs: 5000, concurrency: 32, backoff: DEFAULT_BACKOFF, now: Date.now, onPass: () => {}, ...options };
    this.#slots = new Semaphore(this.#o.concurrency);
  }

  /** Starts (or keeps) draining the target's node; a changed policy applies from the next pass. */
  ensure(target: DrainTarget): void {
    const existing = this.#nodes.get(target.nodeName);
    if (existing) {
      existing.target = target;
      // A drained node is looked at again (a resync): a new pod may have landed there since.
      if (!existing.pods) this.#watch(existing);
      return;
    }
    const drain: NodeDrain = { target, pods: undefined, backoff: new Map(), accepted: new Map(), facts: undefined, timer: undefined, timerAt: 0, running: false, again: false, stopped: false };
    this.#nodes.set(target.nodeName, drain);
    this.#watch(drain);
  }

  stop(nodeName: string): void {
    const drain = this.#nodes.get(nodeName);
    if (!drain) return;
    drain.stopped = true;
    clearTimeout(drain.timer);
    drain.pods?.stop();
    drain.pods = undefined;
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

  /** Starts the node's pod informer; its first sync and every pod change trigger a pass. */
  #watch(drain: NodeDrain): void {
    const pods = new Informer<PodLike>(this.#o.kube.podsOnNode(drain.target.nodeName), {
      name: `pods-on-${drain.target.nodeName}`,
      staleAfterMs: 60_000,
      onError: (error) => this.#o.onError?.(error, drain.target.nodeName),
    });
    const changed = () => this.#schedule(drain, EVENT_DEBOUNCE_MS);
    pods.on('add', changed).on('update', changed).on('delete', changed);
    drain.pods = pods;
    void pods.start().then(() => this.#schedule(drain, 0));
  }

  /** Runs a pass after `delay`, unless one is already due sooner. */
  #schedule(drain: NodeDrain, delay: number): void {
    if (drain.stopped) return;
    if (drain.running) {
      drain.again = true;
      return;
    }
    const at = this.#o.now() + delay;
    if (drain.timer && drain.timerAt <= at) return;
    clearTimeout(drain.timer);
    drain.timerAt = at;
    drain.timer = setTimeout(() => {
      drain.timer = undefined;
      void this.#pass(drain);
    }, delay);
    drain.timer.unref();
  }

  async #pass(drain: NodeDrain): Promise<void> {
    if (drain.stopped || drain.running || !drain.pods?.synced) return;
    drain.running = true;
    drain.again = false;
    let drained = false;
    try {
      drained = await this.#passOnce(drain, drain.pods.list());
    } catch (error) {
      this.#o.onError?.(error, drain.target.nodeName);
    } finally {
      drain.running = false;
    }
    if (drain.stopped) return;
    if (drained && !drain.again) {
      drain.pods?.stop();
      drain.pods = undefined;
      return;
    }
    const waits = [...drain.backoff.values()].map((entry) => entry.notBefore - this.#o.now());
    const next = drain.again ? EVENT_DEBOUNCE_MS : Math.min(this.#o.passIntervalMs, ...waits.filter((w) => w > 0));
    this.#schedule(drain, Math.max(EVENT_DEBOUNCE_MS, next));
  }

  async #passOnce(drain: NodeDrain, pods: readonly PodLike[]): Promise<boolean> {
    const { target } = drain;
    const now = this.#o.now();
    const deadlineSeconds = deadlineOf(target);
    const plan = planDrain({
      pods,
      now,
      backoff: drain.backoff,
      accepted: new Set(drain.accepted.keys()),
      deadlineAt: target.revokedAt + deadlineSeconds * 1000,
      forceAfterDeadline: target.policy?.forceAfterDeadline ?? DRAIN_POLICY_DEFAULTS.forceAfterDeadline,
      ...(this.#o.evictLast ? { evictLast: this.#o.evictLast } : {}),
    });
    const present = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    for (const uid of drain.backoff.keys()) if (!present.has(uid)) drain.backoff.delete(uid);
    // A pod whose eviction was accepted and that is still listed after a minute is looked at again.
    for (const [uid, at] of drain.accepted) if (!present.has(uid) || now - at > ACCEPTED_TTL_MS) drain.accepted.delete(uid);
    if (!drain.stopped && this.#o.isLeader()) {
      const grace = target.policy?.gracePeriodSeconds;
      await Promise.all([
        ...plan.evict.map((pod) => this.#slots.run(() => this.#evict(drain, pod, grace))),
        ...plan.forceDelete.map((pod) => this.#slots.run(() => this.#forceDelete(drain, pod, grace))),
      ]);
    }
    this.#updateFacts(drain, pods, plan.drained);
    this.#o.onPass(target.nodeName, {
      pods: pods.length,
      evict: plan.evict.length,
      forceDelete: plan.forceDelete.length,
      waiting: plan.waiting.length,
      terminating: plan.terminating.length,
      drained: plan.drained,
      leader: this.#o.isLeader(),
    });
    return plan.drained;
  }

  async #evict(drain: NodeDrain, pod: PodLike, grace: number | undefined): Promise<void> {
    if (drain.stopped || !this.#o.isLeader()) return;
    const uid = pod.metadata?.uid ?? '';
    const result: EvictionResult = await this.#o.kube.evictPod(podRef(pod), grace);
    this.#o.metrics.eviction(result.result);
    if (result.result === 'evicted' || result.result === 'gone') {
      drain.backoff.delete(uid);
      if (result.result === 'evicted') drain.accepted.set(uid, this.#o.now());
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
    const uid = pod.metadata?.uid ?? '';
    const pdb = drain.backoff.get(uid)?.blockedBy ?? 'unknown';
    const result = await this.#o.kube.deletePod(podRef(pod), grace);
    // 'gone': deleted or replaced meanwhile (another leader, its owner): nothing was forced here.
    this.#o.metrics.eviction(result === 'deleted' ? 'forced' : 'gone');
    drain.backoff.delete(uid);
    drain.accepted.set(uid, this.#o.now());
    if (result === 'deleted') this.#o.onForced?.(drain.target, { pod: objectKey(pod.metadata), pdb, deadlineSeconds: deadlineOf(drain.target) });
  }

  /** Drain facts from the pods seen this pass and the refusals so far; reports a change. */
  #updateFacts(drain: NodeDrain, pods: readonly PodLike[], drained: boolean): void {
    const blocked = pods
      .map((pod) => ({ pod: objectKey(pod.metadata), entry: drain.backoff.get(pod.metadata?.uid ?? '') }))
      .filter((b) => b.entry?.blockedBy)
      .sort((a, b) => a.pod.localeCompare(b.pod))[0];
    const facts: DrainFacts = { drained, ...(blocked && !drained ? { blocked: { pod: blocked.pod, pdb: blocked.entry?.blockedBy ?? '' } } : {}) };
    const changed = !jsonEqual(facts, drain.facts);
    drain.facts = facts;
    if (changed) this.#o.onProgress(drain.target.bindingName);
  }
}
