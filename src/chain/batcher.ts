/**
 * Coalescing, batching loader (the DataLoader idea, without a cache):
 * - concurrent loads of one key share one in-flight request (coalescing);
 * - keys asked for within one short window are fetched together, at most `maxBatch` per call
 *   (Sui full nodes take up to 50 ids per BatchGetObjects), the batches running concurrently.
 * Results are not kept after a request settles: freshness is the caller's business.
 */

export interface BatchLoaderOptions {
  /** Most keys per fetch call (default 50). */
  maxBatch?: number;
  /** 0 (default): flush on setImmediate, i.e. after the current turn's I/O callbacks; >0: a timer. */
  windowMs?: number;
}

/** Fetches a batch; must return an entry for every key it was given. */
export type FetchBatch<V> = (keys: string[]) => Promise<Map<string, V>>;

interface Waiter<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

export class BatchLoader<V> {
  readonly #fetch: FetchBatch<V>;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  /** Keys queued for the next flush, each with the promise handed out for it. */
  #queue = new Map<string, { promise: Promise<V>; waiter: Waiter<V> }>();
  /** Keys whose fetch is running: later loads join it. */
  readonly #inflight = new Map<string, Promise<V>>();
  #scheduled = false;

  constructor(fetch: FetchBatch<V>, opts: BatchLoaderOptions = {}) {
    this.#fetch = fetch;
    this.#maxBatch = opts.maxBatch ?? 50;
    this.#windowMs = opts.windowMs ?? 0;
    if (!Number.isInteger(this.#maxBatch) || this.#maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  }

  load(key: string): Promise<V> {
    const running = this.#inflight.get(key) ?? this.#queue.get(key)?.promise;
    if (running) return running;
    let waiter!: Waiter<V>;
    const promise = new Promise<V>((resolve, reject) => (waiter = { resolve, reject }));
    this.#queue.set(key, { promise, waiter });
    this.#schedule();
    return promise;
  }

  /** Loads several keys; the map is keyed by the keys as given (duplicates collapse). */
  async loadMany(keys: Iterable<string>): Promise<Map<string, V>> {
    const unique = [...new Set(keys)];
    const values = await Promise.all(unique.map((key) => this.load(key)));
    return new Map(unique.map((key, i) => [key, values[i]!]));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const flush = () => {
      this.#scheduled = false;
      this.#flush();
    };
    if (this.#windowMs > 0) setTimeout(flush, this.#windowMs);
    else setImmediate(flush);
  }

  #flush(): void {
    const queued = [...this.#queue.entries()];
    this.#queue = new Map();
    for (let at = 0; at < queued.length; at += this.#maxBatch) {
      void this.#run(queued.slice(at, at + this.#maxBatch));
    }
  }

  async #run(batch: Array<[string, { promise: Promise<V>; waiter: Waiter<V> }]>): Promise<void> {
    for (const [key, { promise }] of batch) this.#inflight.set(key, promise);
    try {
      const keys = batch.map(([key]) => key);
      const results = await this.#fetch(keys);
      for (const [key, { waiter }] of batch) {
        if (results.has(key)) waiter.resolve(results.get(key)!);
        else waiter.reject(new Error(`batch fetch returned no result for ${key}`));
      }
    } catch (error) {
      for (const [, { waiter }] of batch) waiter.reject(error);
    } finally {
      for (const [key] of batch) this.#inflight.delete(key);
    }
  }
}
