/**
 * A de-duplicating, batching work queue. Keys added while a batch runs wait for the next batch (a
 * key is never processed twice at once); keys added within `batchWindowMs` of each other share one
 * batch, so fifty bindings hit by one slash cost one batched chain read, not fifty.
 */

export interface QueueItem {
  key: string;
  /** Re-read the chain for this key (else cached chain facts may do). */
  chain: boolean;
}

export interface BatchQueueOptions {
  process(items: QueueItem[]): Promise<void>;
  batchWindowMs?: number;
  maxBatch?: number;
  onError?(error: unknown): void;
}

export class BatchQueue {
  readonly #o: Required<Omit<BatchQueueOptions, 'onError'>> & Pick<BatchQueueOptions, 'onError'>;
  #pending = new Map<string, QueueItem>();
  #delayed = new Map<string, NodeJS.Timeout>();
  #running = false;
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #idle: Array<() => void> = [];

  constructor(options: BatchQueueOptions) {
    this.#o = { batchWindowMs: 10, maxBatch: 500, ...options };
  }

  get size(): number {
    return this.#pending.size;
  }

  start(): void {
    this.#running = true;
    this.#kick();
  }

  /** Stops taking batches and forgets pending and delayed keys (a new leader starts from a resync). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const timer of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#pending.clear();
  }

  add(key: string, chain = true): void {
    const previous = this.#pending.get(key);
    this.#pending.set(key, { key, chain: chain || (previous?.chain ?? false) });
    this.#kick();
  }

  /** Adds `key` after `ms` (retries, drain progress); a later addAfter for the same key wins. */
  addAfter(key: string, ms: number, chain = false): void {
    clearTimeout(this.#delayed.get(key));
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      if (this.#running) this.add(key, chain);
    }, ms);
    timer.unref();
    this.#delayed.set(key, timer);
  }

  /** Resolves once nothing is pending or running (tests, graceful stop). */
  idle(): Promise<void> {
    if (!this.#busy && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #kick(): void {
    if (!this.#running || this.#busy || this.#timer || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#runBatch();
    }, this.#o.batchWindowMs);
  }

  async #runBatch(): Promise<void> {
    if (!this.#running || this.#busy) return;
    const batch = [...this.#pending.values()].slice(0, this.#o.maxBatch);
    for (const item of batch) this.#pending.delete(item.key);
    this.#busy = true;
    try {
      await this.#o.process(batch);
    } catch (error) {
      this.#o.onError?.(error);
    } finally {
      this.#busy = false;
    }
    if (this.#pending.size > 0) this.#kick();
    else for (const resolve of this.#idle.splice(0)) resolve();
  }
}
