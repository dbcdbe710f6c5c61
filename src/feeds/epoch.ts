/**
 * The process's one epoch clock: reads the chain's epoch on a fixed cadence (a real request each time,
 * not the reader's cached value) and tells every listener — readiness (the chain answers), the
 * authenticator (tokens expire by epoch), the controller (re-check token-bound bindings when it moves).
 */
import { currentEpoch } from '../chain/metrics.ts';

export interface EpochTick {
  epoch?: bigint;
  /** Set when the read failed. */
  error?: unknown;
}

export interface EpochFeed {
  /** Calls `listener` after every read, successful or not; returns the unsubscribe. */
  subscribe(listener: (tick: EpochTick) => void): () => void;
  /** The last read succeeded. */
  up(): boolean;
}

export interface EpochClock extends EpochFeed {
  /** Reads once now, then every interval. */
  start(): Promise<void>;
  stop(): void;
  /** One read now (tests; the timer does it otherwise). */
  tick(): Promise<EpochTick>;
}

export interface EpochClockOptions {
  /** Must reach a full node, e.g. () => { reader.invalidateEpoch(); return reader.getEpoch(); }. */
  read(): Promise<bigint>;
  intervalMs: number;
}

export function createEpochClock(options: EpochClockOptions): EpochClock {
  const listeners = new Set<(tick: EpochTick) => void>();
  let timer: NodeJS.Timeout | undefined;
  let up = false;
  const tick = async (): Promise<EpochTick> => {
    let result: EpochTick;
    try {
      const epoch = await options.read();
      currentEpoch.set(Number(epoch));
      result = { epoch };
    } catch (error) {
      result = { error };
    }
    up = result.error === undefined;
    for (const listener of listeners) listener(result);
    return result;
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    up: () => up,
    tick,
    async start() {
      await tick();
      timer = setInterval(() => void tick(), options.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
