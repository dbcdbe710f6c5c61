/**
 * Counters the admin API reports (`GET /stats`): gRPC calls per method, and for the object-reading
 * methods how many object ids each call asked for — what tests use to prove batching. Also when each
 * call came and which event filters ListEvents was asked with: how a test counts a client's pollers
 * (one poller has one filter and one steady cadence; test/e2e/serve-shared-feeds.test.ts).
 */

export interface StatsSnapshot {
  /** Full gRPC method name (`sui.rpc.v2.LedgerService/BatchGetObjects`) → number of calls. */
  calls: Record<string, number>;
  /** Method → the number of object ids each call read, in call order. */
  objectIdsPerCall: Record<string, number[]>;
  totalCalls: number;
  /** Method → when each call arrived, ms since the counters were last reset (the first MAX_TIMES calls). */
  callTimesMs: Record<string, number[]>;
  /** The distinct ListEvents filters since the last reset, each as its sorted event types joined by ','. */
  eventFilters: string[];
}

/** Call times kept per method: enough for minutes of polling, bounded for a long-running sim. */
const MAX_TIMES = 10_000;

export class SimStats {
  private calls = new Map<string, number>();
  private objectReads = new Map<string, number[]>();
  private times = new Map<string, number[]>();
  private filters = new Set<string>();
  private since = performance.now();

  countCall(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let times = this.times.get(method);
    if (!times) this.times.set(method, (times = []));
    if (times.length < MAX_TIMES) times.push(Math.round(performance.now() - this.since));
  }

  noteEventFilter(eventTypes: readonly string[]): void {
    this.filters.add([...eventTypes].sort().join(','));
  }

  countObjectReads(method: string, ids: number): void {
    this.objectReads.set(method, [...(this.objectReads.get(method) ?? []), ids]);
  }

  snapshot(): StatsSnapshot {
    return {
      calls: Object.fromEntries(this.calls),
      objectIdsPerCall: Object.fromEntries(this.objectReads),
      totalCalls: [...this.calls.values()].reduce((a, b) => a + b, 0),
      callTimesMs: Object.fromEntries(this.times),
      eventFilters: [...this.filters],
    };
  }

  reset(): void {
    this.calls = new Map();
    this.objectReads = new Map();
    this.times = new Map();
    this.filters = new Set();
    this.since = performance.now();
  }
}
