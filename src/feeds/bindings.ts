/**
 * The process's one SealBinding watcher (a shared feed of `serve`): the authn webhook, the admission
 * webhook and the controller all read it. An in-memory index by node name,
 * kept current by the watchdog informer of src/k8s/informer.ts (list + watch on the cluster-scoped
 * CRD, relist on failure or silence), and change notifications so the decision cache can drop a
 * node's entries the moment its binding changes.
 *
 * Fail closed: while the index may be out of date — not listed yet, a list or watch failed and no
 * relist has succeeded since, or nothing heard from the apiserver for `staleAfterMs` — `forNode`
 * answers undefined, so node tokens are refused (`no_active_binding`) rather than accepted on a
 * binding that may have been deleted meanwhile. User tokens do not depend on the index. The state is
 * logged on every change (through onHealthChange) and exported as daas_auth_sealbinding_index_stale.
 */
import { sealBindingSource } from '../k8s/api.ts';
import { Informer, type InformerStaleness, type ListWatchSource } from '../k8s/informer.ts';
import type { KubeRest } from '../k8s/rest.ts';
import { rightfulBinding, type SealBinding } from '../k8s/sealbinding.ts';
import { relistsTotal, reportIndexStaleness } from './metrics.ts';

export interface BindingSource {
  /**
   * The binding that holds `node` (rightfulBinding: the oldest naming it; later duplicates, which the
   * controller marks Invalid, are ignored); undefined when none, or for a node the operator exempts.
   */
  forNode(node: string): SealBinding | undefined;
  /** Every binding naming `node` (admission's lookups); undefined while the index may be out of date. */
  allForNode?(node: string): readonly SealBinding[] | undefined;
  /** Calls `listener(nodeName)` after any binding for that node is added, changed or deleted. */
  onChange(listener: (nodeName: string) => void): () => void;
  /** Whether the initial list has arrived (readiness). */
  synced(): boolean;
  /** Why `forNode` refuses everything right now (the index may be out of date); absent or undefined: it does not. */
  staleness?(): InformerStaleness | undefined;
  /** Calls `listener` whenever the index turns stale or current again (for logs). */
  onHealthChange?(listener: (change: BindingHealthChange) => void): () => void;
}

export type { InformerStaleness };

export type BindingHealthChange =
  /** Node tokens are refused from now on; `detail` is the last list or watch error when `cause` is 'failing'. */
  | { current: false; cause: InformerStaleness; detail?: string }
  /** Node tokens are checked against the index again; `via` is the relist that brought it back. */
  | { current: true; staleForMs: number; via: string; bindings: number };

/** The index itself; the informer feeds it, tests fill it directly. */
export class BindingIndex implements BindingSource {
  readonly #byNode = new Map<string, Map<string, SealBinding>>();
  readonly #listeners = new Set<(nodeName: string) => void>();
  #synced = false;

  forNode(node: string): SealBinding | undefined {
    const bindings = this.#byNode.get(node);
    return bindings ? rightfulBinding(bindings.values()) : undefined;
  }

  allForNode(node: string): readonly SealBinding[] {
    return [...(this.#byNode.get(node)?.values() ?? [])];
  }

  onChange(listener: (nodeName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  synced(): boolean {
    return this.#synced;
  }

  markSynced(): void {
    this.#synced = true;
  }

  upsert(binding: SealBinding): void {
    const name = binding.metadata.name ?? '';
    // nodeName is immutable, but an old copy under another node must not linger if it ever changes.
    for (const [node, bindings] of this.#byNode) {
      if (node !== binding.spec?.nodeName && bindings.delete(name)) this.#changed(node, bindings);
    }
    const node = binding.spec?.nodeName;
    if (typeof node !== 'string') return;
    let bindings = this.#byNode.get(node);
    if (!bindings) this.#byNode.set(node, (bindings = new Map()));
    bindings.set(name, binding);
    this.#changed(node, bindings);
  }

  remove(binding: SealBinding): void {
    const name = binding.metadata.name ?? '';
    for (const [node, bindings] of this.#byNode) if (bindings.delete(name)) this.#changed(node, bindings);
  }

  #changed(node: string, bindings: Map<string, SealBinding>): void {
    if (bindings.size === 0) this.#byNode.delete(node);
    for (const listener of this.#listeners) listener(node);
  }
}

// ---- the watched index --------------------------------------------------------------------------

export interface InformerBindings extends BindingSource {
  /** The informer under the index: the controller reacts to its add/update/delete and lists it (no second watch). */
  readonly informer: Informer<SealBinding>;
  /** Resolves after the first list attempt, successful or not; later attempts go on in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  staleness(): InformerStaleness | undefined;
  onHealthChange(listener: (change: BindingHealthChange) => void): () => void;
  /** Runs the informer's watchdog and the health check now (their timers do it otherwise). */
  check(): void;
}

export interface WatchedBindingsOptions {
  /** Every list or watch failure (the informer retries by itself). */
  onError?(error: unknown): void;
  /** Silence from the apiserver after which the index counts as stale and is relisted. */
  staleAfterMs?: number;
  relistIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  now?(): number;
  /** Start the watchdog and health-check timers (tests call check() instead). Default true. */
  timers?: boolean;
  /** Called by stop(), after the informer stopped (closes the connection pool). */
  onStop?(): void;
  /** Node names the operator exempts (control-plane): forNode never answers for them, so no kubelet token can become such a node. */
  isExemptNode?(node: string): boolean;
}

/** Server-side watch timeouts are a quarter to half of this, so a healthy watch reconnects well inside it. */
const DEFAULT_STALE_AFTER_MS = 60_000;
/** How often the health is re-evaluated for logs when nothing else happens (lookups never wait for it). */
const HEALTH_TICK_MS = 1_000;

/** A BindingSource over any list/watch source, through the watchdog informer; fails closed while stale. */
export function watchedBindings(source: ListWatchSource<SealBinding>, options: WatchedBindingsOptions = {}): InformerBindings {
  const now = options.now ?? Date.now;
  const index = new BindingIndex();
  const listeners = new Set<(change: BindingHealthChange) => void>();
  let firstAttempt: (() => void) | undefined;
  let lastError: string | undefined;
  let lastRelist = 'start';
  let current = false;
  let since = now();
  let stopping = false;
  let tick: NodeJS.Timeout | undefined;

  const informer = new Informer<SealBinding>(source, {
    name: 'sealbindings',
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    relistIntervalMs: options.relistIntervalMs ?? 300_000,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 10_000,
    // Recover through a list, never a bare re-watch: only a list proves nothing was missed.
    relistAfterFailures: 1,
    now,
    timers: options.timers ?? true,
    onError: (error, what) => {
      lastError = `${what}: ${(error as Error)?.message ?? String(error)}`;
      options.onError?.(error);
      if (what === 'list') firstAttempt?.();
      queueMicrotask(check); // the informer counts the failure right after this call
    },
    onRelist: (reason) => {
      lastRelist = reason;
      relistsTotal.inc({ reason });
      index.markSynced();
      firstAttempt?.();
      check();
    },
  });
  // The informer is typed with the SealBinding JSON the apiserver sends.
  informer.on('add', (binding) => index.upsert(binding));
  informer.on('update', (binding) => index.upsert(binding));
  informer.on('delete', (binding) => index.remove(binding));

  /** Emits a health change when the informer's staleness flipped since the last check. */
  function check(): void {
    if (stopping) return;
    const cause = informer.staleness();
    if ((cause === undefined) === current) return;
    const at = now();
    const change: BindingHealthChange =
      cause === undefined
        ? { current: true, staleForMs: at - since, via: lastRelist, bindings: informer.list().length }
        : { current: false, cause, ...(cause === 'failing' && lastError ? { detail: lastError } : {}) };
    current = cause === undefined;
    since = at;
    for (const listener of listeners) listener(change);
  }

  const bindings: InformerBindings = {
    informer,
    forNode: (node) => (informer.staleness() === undefined && options.isExemptNode?.(node) !== true ? index.forNode(node) : undefined),
    allForNode: (node) => (informer.staleness() === undefined ? index.allForNode(node) : undefined),
    onChange: (listener) => index.onChange(listener),
    synced: () => index.synced(),
    staleness: () => informer.staleness(),
    onHealthChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    check: () => {
      informer.checkWatchdog();
      check();
    },
    start: async () => {
      stopping = false;
      reportIndexStaleness(bindings);
      if (options.timers ?? true) tick = setInterval(check, HEALTH_TICK_MS).unref();
      const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
      informer.start().catch((error: unknown) => options.onError?.(error));
      await attempted;
      firstAttempt = undefined;
    },
    stop: async () => {
      stopping = true;
      clearInterval(tick);
      informer.stop();
      firstAttempt?.();
      options.onStop?.();
    },
  };
  return bindings;
}

/** The index over the cluster's `sealbindings.daas.io`, through the process's one Kubernetes client. */
export function informerBindings(rest: KubeRest, onError: (error: unknown) => void = () => {}, options: WatchedBindingsOptions = {}): InformerBindings {
  return watchedBindings(sealBindingSource(rest), { ...options, onError });
}

/** One log line for a health change: what happened and what it means for node tokens. */
export function describeHealthChange(change: BindingHealthChange): { level: 'info' | 'warn'; message: string; meta: Record<string, unknown> } {
  if (change.current) {
    return {
      level: 'info',
      message: 'SealBinding index current: node tokens are checked against it again',
      meta: { staleSeconds: Math.round(change.staleForMs / 100) / 10, via: `${change.via} relist`, bindings: change.bindings },
    };
  }
  const why: Record<InformerStaleness, string> = {
    not_listed: 'not listed yet',
    failing: 'the SealBinding list or watch failed; relisting',
    silent: 'nothing heard from the apiserver for too long; relisting',
    stopped: 'stopped',
  };
  return {
    level: 'warn',
    message: 'SealBinding index may be out of date: node tokens are refused until it is relisted',
    meta: { cause: change.cause, why: why[change.cause], ...(change.detail ? { error: change.detail } : {}) },
  };
}
