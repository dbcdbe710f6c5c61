/**
 * A list-watch cache with a watchdog. @kubernetes/client-node's informer stops for good on some
 * errors and can sit on a dead connection without noticing; this one:
 *
 * - relists (diffing against the cache, so deletes missed while disconnected are still delivered)
 *   on start, on `410 Gone`, after repeated watch failures, when nothing at all — no event, no
 *   bookmark, no reconnect — happened for `staleAfterMs`, and every `relistIntervalMs` regardless;
 * - restarts a watch the server ended normally at once, and a failed one with capped backoff;
 * - asks the server to end each watch after a while (`timeoutSeconds`) and to send bookmarks, so a
 *   quiet but healthy watch still shows signs of life well inside `staleAfterMs`.
 *
 * Every watch or list belongs to a session number; anything arriving for an older session is
 * dropped, so a slow old stream can never overwrite the results of a newer relist.
 */
import { objectKey, type ObjectMeta } from './objects.ts';
import type { WatchEvent, WatchHandle } from './rest.ts';

export interface InformerObject {
  metadata?: Pick<ObjectMeta, 'name' | 'namespace' | 'resourceVersion'>;
}

export interface ListWatchSource<T> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  watch(query: { resourceVersion: string; timeoutSeconds: number; allowWatchBookmarks: true }, onEvent: (event: WatchEvent<T>) => void): WatchHandle;
}

export interface InformerOptions<T = unknown> {
  /** For logs and metrics. */
  name: string;
  relistIntervalMs?: number;
  staleAfterMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** After this many watch failures in a row, relist instead of re-watching. */
  relistAfterFailures?: number;
  onError?(error: unknown, what: 'list' | 'watch'): void;
  /** Called after each successful (re)list, with why. */
  onRelist?(reason: string): void;
  now?(): number;
  /** Start the watchdog timer (tests drive `checkWatchdog` themselves). Default true. */
  timers?: boolean;
  /**
   * Shrinks each object before it is cached and handed to handlers (client-go's SetTransform):
   * keep only what the consumers read. Runs after the default trim (trimForCache).
   */
  transform?(object: T): T;
}

type Handler<T> = (object: T, old?: T) => void;

/** See Informer.staleness(). */
export type InformerStaleness = 'stopped' | 'not_listed' | 'failing' | 'silent';

/** Annotation `kubectl apply` writes: a second copy of the whole object, never read from a cache. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops from an object what no consumer of a cache reads but every object carries: the server-side
 * apply bookkeeping (`metadata.managedFields`, often larger than the spec and status together) and
 * kubectl's last-applied copy. At 10,000 SealBindings this is most of the cache (docs/benchmarks.md).
 * Mutates and returns the object (it was just parsed from the wire and is not shared yet).
 */
export function trimForCache<T extends InformerObject>(object: T): T {
  const meta = object.metadata as { managedFields?: unknown; annotations?: Record<string, string> } | undefined;
  if (!meta) return object;
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED in meta.annotations) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return object;
}

export function objectKeyOf(object: InformerObject): string {
  return objectKey(object.metadata);
}

export class Informer<T extends InformerObject> {
  readonly name: string;
  readonly #source: ListWatchSource<T>;
  readonly #options: Required<Omit<InformerOptions<T>, 'onError' | 'onRelist' | 'name' | 'transform'>> & Pick<InformerOptions<T>, 'onError' | 'onRelist' | 'transform'>;
  readonly #handlers = { add: [] as Handler<T>[], update: [] as Handler<T>[], delete: [] as Handler<T>[] };
  #cache = new Map<string, T>();
  #resourceVersion = '';
  #session = 0;
  #watch: WatchHandle | undefined;
  #stopped = true;
  #synced = false;
  #failures = 0;
  #lastActivity = 0;
  #lastList = 0;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #relisting: Promise<void> | undefined;

  constructor(source: ListWatchSource<T>, options: InformerOptions<T>) {
    this.name = options.name;
    this.#source = source;
    this.#options = {
      relistIntervalMs: 300_000,
      staleAfterMs: 120_000,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      relistAfterFailures: 3,
      now: Date.now,
      timers: true,
      ...options,
    };
  }

  on(event: 'add' | 'update' | 'delete', handler: Handler<T>): this {
    this.#handlers[event].push(handler);
    return this;
  }

  get synced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** When the server last showed this informer is connected: a list, a watch event or bookmark, a clean watch end. */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /**
   * Why the cache cannot be trusted to mirror the server right now, or undefined when it can: it
   * has listed, no list or watch failure is outstanding (a failure is cleared by the next list or
   * watch event), and the server was heard from within `staleAfterMs`. Consumers that must fail
   * closed on a possibly deleted object (the authn binding index) check this on every lookup.
   */
  staleness(): InformerStaleness | undefined {
    if (this.#stopped) return 'stopped';
    if (!this.#synced) return 'not_listed';
    if (this.#failures > 0) return 'failing';
    if (this.#options.now() - this.#lastActivity > this.#options.staleAfterMs) return 'silent';
    return undefined;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  /** Resolves after the first successful list (retrying until then, or until stop()). */
  async start(): Promise<void> {
    this.#stopped = false;
    if (this.#options.timers) {
      const every = Math.max(50, Math.floor(this.#options.staleAfterMs / 4));
      this.#timer = setInterval(() => this.checkWatchdog(), every);
      this.#timer.unref();
    }
    while (!this.#stopped && !this.#synced) {
      await this.relist('start');
      if (!this.#synced && !this.#stopped) await sleep(this.#retryDelay());
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#session++;
    this.#watch?.abort();
    this.#watch = undefined;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
  }

  /** Relists if the watch went quiet for too long or the periodic relist is due. */
  checkWatchdog(): void {
    if (this.#stopped || !this.#synced || this.#relisting) return;
    const now = this.#options.now();
    if (now - this.#lastActivity > this.#options.staleAfterMs) void this.relist('stale');
    else if (now - this.#lastList > this.#options.relistIntervalMs) void this.relist('periodic');
  }

  /** Lists, reconciles the cache (emitting add/update/delete), and starts a fresh watch. */
  relist(reason: string): Promise<void> {
    this.#relisting ??= this.#doRelist(reason).finally(() => (this.#relisting = undefined));
    return this.#relisting;
  }

  async #doRelist(reason: string): Promise<void> {
    const session = ++this.#session;
    this.#watch?.abort();
    this.#watch = undefined;
    clearTimeout(this.#retry);
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await this.#source.list();
    } catch (error) {
      this.#options.onError?.(error, 'list');
      this.#failures++;
      if (this.#synced) this.#scheduleRetry(session, 'relist');
      return;
    }
    if (session !== this.#session || this.#stopped) return;
    this.#replace(listed.items);
    this.#resourceVersion = listed.resourceVersion;
    this.#lastList = this.#lastActivity = this.#options.now();
    this.#failures = 0;
    this.#synced = true;
    this.#options.onRelist?.(reason);
    this.#startWatch(session);
  }

  /** What the cache keeps of an object from the server. */
  #slim(object: T): T {
    const trimmed = trimForCache(object);
    return this.#options.transform ? this.#options.transform(trimmed) : trimmed;
  }

  #replace(items: T[]): void {
    const next = new Map(items.map((item) => [objectKeyOf(item), this.#slim(item)] as const));
    for (const [key, old] of this.#cache) if (!next.has(key)) this.#emit('delete', old);
    const previous = this.#cache;
    this.#cache = next;
    for (const [key, item] of next) {
      const old = previous.get(key);
      if (!old) this.#emit('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.#emit('update', item, old);
    }
  }

  #startWatch(session: number): void {
    const staleS = this.#options.staleAfterMs / 1000;
    // Server-side end of each watch between 1/4 and 1/2 of the stale limit, so reconnects prove life.
    const timeoutSeconds = Math.max(1, Math.floor(staleS / 4 + Math.random() * (staleS / 4)));
    let handle: WatchHandle;
    try {
      handle = this.#source.watch({ resourceVersion: this.#resourceVersion, timeoutSeconds, allowWatchBookmarks: true }, (event) => this.#onEvent(session, event));
    } catch (error) {
      this.#watchEnded(session, error);
      return;
    }
    this.#watch = handle;
    handle.done.then(
      () => this.#watchEnded(session, undefined),
      (error: unknown) => this.#watchEnded(session, error),
    );
  }

  #onEvent(session: number, event: WatchEvent<T>): void {
    if (session !== this.#session || this.#stopped) return;
    this.#lastActivity = this.#options.now();
    this.#failures = 0;
    const object = event.type === 'ERROR' || event.type === 'BOOKMARK' ? event.object : this.#slim(event.object);
    if (event.type === 'ERROR') {
      // A Status inside the stream; 410 Gone means our resourceVersion is too old: relist.
      const code = (object as { code?: number }).code;
      if (code === 410) void this.relist('gone');
      return;
    }
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const key = objectKeyOf(object);
    const old = this.#cache.get(key);
    if (event.type === 'DELETED') {
      if (this.#cache.delete(key)) this.#emit('delete', object);
      return;
    }
    this.#cache.set(key, object);
    if (!old) this.#emit('add', object);
    else this.#emit('update', object, old);
  }

  #watchEnded(session: number, error: unknown): void {
    if (session !== this.#session || this.#stopped) return;
    this.#watch = undefined;
    if ((error as { status?: number } | undefined)?.status === 410) {
      void this.relist('gone');
      return;
    }
    if (error === undefined) {
      this.#lastActivity = this.#options.now();
      this.#startWatch(session);
      return;
    }
    this.#options.onError?.(error, 'watch');
    this.#failures++;
    this.#scheduleRetry(session, this.#failures >= this.#options.relistAfterFailures ? 'relist' : 'watch');
  }

  #retryDelay(): number {
    return Math.min(this.#options.retryMaxMs, this.#options.retryBaseMs * 2 ** Math.min(this.#failures, 16));
  }

  #scheduleRetry(session: number, what: 'watch' | 'relist'): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (session !== this.#session || this.#stopped) return;
      if (what === 'relist') void this.relist('failures');
      else this.#startWatch(session);
    }, this.#retryDelay());
    this.#retry.unref();
  }

  #emit(event: 'add' | 'update' | 'delete', object: T, old?: T): void {
    for (const handler of this.#handlers[event]) {
      try {
        handler(object, old);
      } catch (error) {
        this.#options.onError?.(error, 'watch');
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
