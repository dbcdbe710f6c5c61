/**
 * Counters the admin API reports (`GET /stats`): gRPC calls per method, and for the object-reading
 * methods how many object ids each call asked for — what tests use to prove batching.
 */

export interface StatsSnapshot {
  /** Full gRPC method name (`sui.rpc.v2.LedgerService/BatchGetObjects`) → number of calls. */
  calls: Record<string, number>;
  /** Method → the number of object ids each call read, in call order. */
  objectIdsPerCall: Record<string, number[]>;
  totalCalls: number;
}

export class SimStats {
  private calls = new Map<string, number>();
  private objectReads = new Map<string, number[]>();

  countCall(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  countObjectReads(method: string, ids: number): void {
    this.objectReads.set(method, [...(this.objectReads.get(method) ?? []), ids]);
  }

  snapshot(): StatsSnapshot {
    return {
      calls: Object.fromEntries(this.calls),
      objectIdsPerCall: Object.fromEntries(this.objectReads),
      totalCalls: [...this.calls.values()].reduce((a, b) => a + b, 0),
    };
  }

  reset(): void {
    this.calls = new Map();
    this.objectReads = new Map();
  }
}
