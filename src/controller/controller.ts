/**
 * The SealBinding controller, wired: the process's SealBinding watcher (src/feeds, shared with the
 * webhooks) and a Node informer, a Lease for leader election, and — while leading — the work queue,
 * the chain events of the process's event feed, the ticks of its epoch clock (seal tokens expire when
 * the epoch moves, which no event announces), a periodic full resync, and the drainer. Standbys keep
 * their informers warm and ignore the feeds.
 *
 * Everything the controller decides is recomputed from the cluster and the chain (status,
 * node taints and annotations, pods still on a node), so restarts and leader changes need no
 * hand-over: a new leader resyncs every binding and carries on where the last one stopped.
 */
import os from 'node:os';
import { DEFAULT_ADMISSION_CONFIG, type AdmissionConfig } from '../config/admission.ts';
import { isExemptNode } from '../policy/exemptions.ts';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { eventSink, leaseClient, nodeSource, sealBindingSource } from '../k8s/api.ts';
import { EventRecorder } from '../k8s/events.ts';
import { Informer } from '../k8s/informer.ts';
import { LeaderElector } from '../k8s/leader.ts';
import { jsonEqual } from '../k8s/patch.ts';
import type { NodeLike } from '../k8s/objects.ts';
import type { KubeRest } from '../k8s/rest.ts';
import type { SealBinding, SealBindingPhase } from '../k8s/sealbinding.ts';
import type { EpochFeed } from '../feeds/epoch.ts';
import type { EventFeed } from '../feeds/events.ts';
import type { ChainEvent } from '../chain/events.ts';
import type { ChainReaderPort } from '../chain/port.ts';
import { Drainer } from './drainer.ts';
import { kubePort, type ControllerKube } from './kube-port.ts';
import { countExpiringSoon, createControllerMetrics, type ControllerMetrics } from './metrics.ts';
import { hasRevokedTaint } from './node-plan.ts';
import { BatchQueue } from './queue.ts';
import { Reconciler } from './reconciler.ts';
import { drainForcedEvent } from './status.ts';
import type { Tier } from '../policy/tiers.ts';

/** Chain events that can change a binding's phase. */
export const WATCHED_EVENTS = ['StakeSlashed', 'UnstakeRequested', 'StakeWithdrawn', 'StakeToppedUp', 'StakeCreated', 'SealTokenCreated', 'SealTokenRevoked'] as const;

export interface ControllerTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resyncMs: number;
  retryMs: number;
  drainPassMs: number;
  informerStaleMs: number;
  informerRelistMs: number;
  batchWindowMs: number;
}

export const DEFAULT_TIMINGS: ControllerTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  resyncMs: 60_000,
  retryMs: 2_000,
  drainPassMs: 1_000,
  informerStaleMs: 120_000,
  informerRelistMs: 300_000,
  batchWindowMs: 10,
};

export interface ControllerOptions {
  rest: KubeRest;
  chain: ChainReaderPort;
  /** The process's chain event feed (src/feeds/events.ts): acted on while leading. */
  events: EventFeed;
  /** The process's epoch clock (src/feeds/epoch.ts): acted on while leading. */
  epochs: EpochFeed;
  /**
   * The process's SealBinding informer (src/feeds/bindings.ts), started and stopped by its owner;
   * absent: the controller runs one of its own (benches that run the controller alone).
   */
  bindings?: Informer<SealBinding>;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  /** `namespace/name` of the pod this controller runs in, if any: drained last from its own node. */
  ownPod?: string;
  timings?: Partial<ControllerTimings>;
  evictionConcurrency?: number;
  tiers?: readonly Tier[];
  expiringWithinEpochs?: bigint;
  /** Exempt node names and labels (the admission config's): the controller never acts on such a node. */
  exemptions?: Pick<AdmissionConfig, 'exemptNodeNames' | 'exemptNodeLabels'>;
  registry?: Registry;
  metrics?: ControllerMetrics;
  /** Replace the cluster operations (tests); default: the apiserver through `rest`. */
  kube?: ControllerKube;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/** The stake record and seal token ids a chain event names. */
export function idsOfEvent(event: ChainEvent): string[] {
  const fields = event.fields;
  return [
    'record_id' in fields ? fields.record_id : undefined,
    'token_id' in fields ? fields.token_id : undefined,
  ].filter((v): v is string => v !== undefined);
}

function nodeSchedulingChanged(node: NodeLike, old?: NodeLike): boolean {
  if (!old) return true;
  return node.spec?.unschedulable !== old.spec?.unschedulable || !jsonEqual(node.spec?.taints ?? [], old.spec?.taints ?? []) || !jsonEqual(node.metadata?.annotations ?? {}, old.metadata?.annotations ?? {});
}

export class SealBindingController {
  readonly identity: string;
  readonly bindings: Informer<SealBinding>;
  readonly nodes: Informer<NodeLike>;
  readonly metrics: ControllerMetrics;
  readonly #o: ControllerOptions;
  readonly #t: ControllerTimings;
  readonly #queue: BatchQueue;
  readonly #drainer: Drainer;
  readonly #reconciler: Reconciler;
  readonly #elector: LeaderElector;
  readonly #recorder: EventRecorder;
  readonly #ownsBindings: boolean;
  #unsubscribe: Array<() => void> = [];
  #timers: NodeJS.Timeout[] = [];
  #epoch: bigint | undefined;
  #started = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#t = { ...DEFAULT_TIMINGS, ...options.timings };
    this.identity = options.identity ?? `${os.hostname()}_${randomBytes(4).toString('hex')}`;
    this.metrics = options.metrics ?? createControllerMetrics(options.registry);
    const log = options.log ?? (() => {});
    const kube = options.kube ?? kubePort(options.rest);
    const informerOptions = { staleAfterMs: this.#t.informerStaleMs, relistIntervalMs: this.#t.informerRelistMs };
    this.#ownsBindings = !options.bindings;
    this.bindings =
      options.bindings ??
      new Informer(sealBindingSource(options.rest), {
        name: 'sealbindings',
        ...informerOptions,
        onError: (error, what) => log('warn', `sealbinding ${what} failed`, { error: String(error) }),
      });
    this.nodes = new Informer(nodeSource(options.rest), {
      name: 'nodes',
      ...informerOptions,
      onError: (error, what) => log('warn', `node ${what} failed`, { error: String(error) }),
    });
    this.#queue = new BatchQueue({
      batchWindowMs: this.#t.batchWindowMs,
      process: async (items) => {
        const started = performance.now();
        const retry = await this.#reconciler.process(items);
        log('debug', 'reconciled', { bindings: items.length, retry: retry.length, ms: Math.round(performance.now() - started) });
        for (const name of retry) this.#queue.addAfter(name, this.#t.retryMs, true);
        this.#updateGauges();
      },
      onError: (error) => log('error', 'reconcile batch failed', { error: String(error) }),
    });
    this.#drainer = new Drainer({
      kube,
      metrics: this.metrics,
      isLeader: () => this.#elector.isLeader,
      ...(options.ownPod ? { evictLast: options.ownPod } : {}),
      onProgress: (name) => this.#queue.add(name, false),
      passIntervalMs: this.#t.drainPassMs,
      concurrency: options.evictionConcurrency ?? 64,
      onError: (error, node) => log('warn', 'drain pass failed', { node, error: String(error) }),
      onForced: (target, { pod, pdb, deadlineSeconds }) => this.#reconciler.announceDrainEvent(target.bindingName, target.nodeName, drainForcedEvent(pod, pdb, deadlineSeconds)),
      onPass: (node, summary) => log('debug', 'drain pass', { node, ...summary }),
    });
    const recorder = (this.#recorder = new EventRecorder({
      sink: eventSink(options.rest),
      component: 'daas-auth-controller',
      instance: this.identity,
      onError: (error) => log('warn', 'recording an Event failed', { error: String(error) }),
    }));
    this.#reconciler = new Reconciler({
      chain: options.chain,
      kube,
      bindings: this.bindings,
      nodes: this.nodes,
      drainer: this.#drainer,
      recorder,
      metrics: this.metrics,
      ...(options.tiers ? { tiers: options.tiers } : {}),
      ...(options.expiringWithinEpochs !== undefined ? { expiringWithinEpochs: options.expiringWithinEpochs } : {}),
      isExemptNode: (name, node) => isExemptNode(options.exemptions ?? DEFAULT_ADMISSION_CONFIG, name, node?.metadata?.labels),
      onError: (error, name) => log('warn', 'reconcile failed', { binding: name, error: String(error) }),
    });
    this.#elector = new LeaderElector({
      client: leaseClient(options.rest),
      namespace: options.leaseNamespace ?? 'kube-system',
      name: options.leaseName ?? 'daas-auth-controller',
      identity: this.identity,
      leaseDurationMs: this.#t.leaseDurationMs,
      renewDeadlineMs: this.#t.renewDeadlineMs,
      retryPeriodMs: this.#t.retryPeriodMs,
      onStartedLeading: () => {
        log('info', 'became leader', { identity: this.identity });
        this.#startLeading();
      },
      onStoppedLeading: () => {
        log('info', 'stopped leading', { identity: this.identity });
        this.#stopLeading();
      },
      onError: (error) => log('warn', 'leader election call failed', { error: String(error) }),
    });
    this.#wireInformers();
  }

  get isLeader(): boolean {
    return this.#elector.isLeader;
  }

  /** Informers synced (the process can answer for the cluster it sees). */
  get ready(): boolean {
    return this.bindings.synced && this.nodes.synced;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = [
      this.#o.events.subscribe(WATCHED_EVENTS, (event) => this.#onChainEvent(event)),
      this.#o.epochs.subscribe((tick) => this.#onEpoch(tick)),
    ];
    await Promise.all([this.#ownsBindings ? this.bindings.start() : undefined, this.nodes.start()]);
    this.#elector.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#elector.stop();
    this.#stopLeading();
    this.#recorder.close();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    if (this.#ownsBindings) this.bindings.stop();
    this.nodes.stop();
  }

  /** Reconcile every binding now (tests, operators after an outage). */
  resyncAll(chain = true): void {
    for (const b of this.bindings.list()) this.#queue.add(b.metadata.name ?? '', chain);
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #wireInformers(): void {
    this.bindings.on('add', (b) => this.#enqueue(b.metadata.name, true));
    this.bindings.on('update', (b, old) => {
      if (b.metadata.generation !== old?.metadata.generation || b.metadata.deletionTimestamp) this.#enqueue(b.metadata.name, true);
    });
    this.bindings.on('delete', (b) => this.#enqueue(b.metadata.name, false));
    const onNode = (node: NodeLike, old?: NodeLike) => {
      if (!nodeSchedulingChanged(node, old)) return;
      for (const b of this.bindings.list()) if (b.spec.nodeName === node.metadata?.name) this.#enqueue(b.metadata.name, false);
    };
    this.nodes.on('add', (n) => onNode(n));
    this.nodes.on('update', onNode);
    this.nodes.on('delete', (n) => onNode(n));
  }

  #enqueue(name: string | undefined, chain: boolean): void {
    if (name && this.#elector.isLeader) this.#queue.add(name, chain);
  }

  #startLeading(): void {
    this.metrics.setLeader(true);
    this.#reconciler.reset();
    this.#queue.start();
    this.resyncAll(true);
    // The first epoch tick of a term has nothing to compare with, and the epoch may have moved since the
    // resync that started the term read the chain: it counts as a move.
    this.#epoch = undefined;
    this.#timers.push(setInterval(() => this.resyncAll(true), this.#t.resyncMs));
    for (const timer of this.#timers) timer.unref();
  }

  #stopLeading(): void {
    this.metrics.setLeader(false);
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#queue.stop();
    this.#drainer.stopAll();
  }

  #onChainEvent(event: ChainEvent): void {
    if (!this.#elector.isLeader) return; // a standby hears the shared feed too; the next term's resync covers it
    const ids = new Set(idsOfEvent(event));
    if (ids.size === 0) return;
    for (const b of this.bindings.list()) {
      if (ids.has(b.spec.stakeRecord) || (b.spec.sealToken && ids.has(b.spec.sealToken))) this.#enqueue(b.metadata.name, true);
    }
  }

  /** Seal tokens expire by epoch, and no event says so: re-check token-bound bindings when it moves. */
  #onEpoch({ epoch, error }: { epoch?: bigint; error?: unknown }): void {
    if (!this.#elector.isLeader) return;
    this.metrics.setChainReachable(error === undefined);
    if (epoch === undefined) return;
    if (epoch !== this.#epoch) {
      for (const b of this.bindings.list()) if (b.spec.sealToken) this.#enqueue(b.metadata.name, true);
    }
    this.#epoch = epoch;
  }

  #updateGauges(): void {
    const phases = new Map<SealBindingPhase, number>();
    for (const b of this.bindings.list()) {
      const phase = b.status?.phase ?? 'Pending';
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
    }
    this.metrics.setBindingPhases(phases);
    this.metrics.setExpiringSoon(countExpiringSoon(this.bindings.list()));
    const cordoned = this.nodes.list().filter(hasRevokedTaint).length;
    this.metrics.setNodes(cordoned, this.#drainer.draining());
  }
}
