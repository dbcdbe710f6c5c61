/**
 * A Kubernetes Event recorder (core/v1 Events, which `kubectl describe` and `kubectl events` show).
 * client-node has none. Like client-go's recorder it aggregates: the same event for the same object
 * within `aggregateWindowMs` bumps `count` and `lastTimestamp` on the existing Event instead of
 * creating another. Events of cluster-scoped objects (SealBindings, Nodes) live in `default`, as
 * client-go puts them. Recording never throws: an Event is a report, never a reason to fail work.
 */
import { randomBytes } from 'node:crypto';
import { Semaphore } from './limit.ts';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  namespace?: string;
  resourceVersion?: string;
}

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface EventSink {
  create(namespace: string, event: CoreEvent): Promise<unknown>;
  /** JSON merge patch of an existing Event. */
  patch(namespace: string, name: string, patch: Partial<CoreEvent>): Promise<unknown>;
}

export interface EventRecorderOptions {
  sink: EventSink;
  component: string;
  instance: string;
  aggregateWindowMs?: number;
  maxTracked?: number;
  /** Event writes in flight at most (default 4): reports must not crowd out the work they report. */
  concurrency?: number;
  /** Events waiting beyond this many are dropped (default 1000), as client-go's broadcaster does. */
  maxPending?: number;
  now?(): number;
  onError?(error: unknown): void;
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  readonly #o: Required<Omit<EventRecorderOptions, 'onError'>> & Pick<EventRecorderOptions, 'onError'>;
  readonly #seen = new Map<string, { name: string; namespace: string; count: number; first: string; at: number }>();
  readonly #salt = randomBytes(2).toString('hex');
  readonly #slots: Semaphore;
  #pending = 0;
  #closed = false;
  /** Events dropped because too many were waiting, or after close(). */
  dropped = 0;
  #counter = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = { aggregateWindowMs: 600_000, maxTracked: 4096, concurrency: 4, maxPending: 1000, now: Date.now, ...options };
    this.#slots = new Semaphore(this.#o.concurrency);
  }

  /** Stops writing: Events still waiting are dropped (the process is going away). */
  close(): void {
    this.#closed = true;
  }

  async record(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (this.#closed || this.#pending >= this.#o.maxPending) {
      this.dropped++;
      return;
    }
    this.#pending++;
    try {
      await this.#record(ref, type, reason, message);
    } finally {
      this.#pending--;
    }
  }

  /** Runs `write` in an Event slot, unless the recorder was closed while it waited. */
  #write(write: () => Promise<unknown>): Promise<unknown> {
    return this.#slots.run(async () => {
      if (this.#closed) {
        this.dropped++;
        return undefined;
      }
      return write();
    });
  }

  async #record(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = this.#o.now();
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const key = JSON.stringify([ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', type, reason, text]);
    const seen = this.#seen.get(key);
    try {
      if (seen && now - seen.at < this.#o.aggregateWindowMs) {
        seen.count++;
        seen.at = now;
        const patch = { count: seen.count, lastTimestamp: stamp };
        await this.#write(() => this.#o.sink.patch(seen.namespace, seen.name, patch));
        return;
      }
      const namespace = ref.namespace || 'default';
      const name = this.#eventName(ref.name, now);
      const event: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: ref,
        reason,
        message: text,
        type,
        source: { component: this.#o.component, host: this.#o.instance },
        reportingComponent: this.#o.component,
        reportingInstance: this.#o.instance,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      };
      // Remembered before the write, so a repeat arriving meanwhile aggregates instead of duplicating.
      this.#remember(key, { name, namespace, count: 1, first: stamp, at: now });
      await this.#write(() => this.#o.sink.create(namespace, event));
    } catch (error) {
      // A patch of an Event that was garbage-collected fails; the next occurrence creates a new one.
      this.#seen.delete(key);
      this.#o.onError?.(error);
    }
  }

  /**
   * `<object>.<hex>` like client-go, made unique per recorder by a counter (two Events in the same
   * millisecond, or a Node and a SealBinding of the same name, must not collide) and across replicas
   * by a random prefix.
   */
  #eventName(objectName: string, now: number): string {
    this.#counter = (this.#counter + 1) % 0x10000;
    return `${objectName}.${now.toString(16)}${this.#salt}${this.#counter.toString(16).padStart(4, '0')}`;
  }

  #remember(key: string, entry: { name: string; namespace: string; count: number; first: string; at: number }): void {
    if (this.#seen.size >= this.#o.maxTracked) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(key, entry);
  }
}
