/**
 * Readiness: the webhook is ready only while the chain answers (and, when kubelet tokens are served,
 * once the SealBinding informer has listed). A probe reads the epoch every few seconds; any answer
 * marks the chain up, any failure marks it down until the next answer. Liveness (/healthz) is
 * separate and only says the process serves HTTP.
 */
import { currentEpoch } from '../chain/metrics.ts';

export interface ReadinessCheck {
  name: string;
  ok(): boolean;
}

export interface ChainProbeOptions {
  /** Something that must reach a full node, e.g. () => reader.getEpoch(). */
  probe(): Promise<bigint>;
  intervalMs: number;
  onChange?(up: boolean, error?: unknown): void;
  /** Every epoch the probe reads. */
  onEpoch?(epoch: bigint): void;
}

export class ChainProbe implements ReadinessCheck {
  readonly name = 'chain';
  #up = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #options: ChainProbeOptions;

  constructor(options: ChainProbeOptions) {
    this.#options = options;
  }

  ok(): boolean {
    return this.#up;
  }

  /** Probes once now, then every interval. */
  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async check(): Promise<boolean> {
    try {
      const epoch = await this.#options.probe();
      currentEpoch.set(Number(epoch));
      this.#set(true);
      this.#options.onEpoch?.(epoch);
    } catch (error) {
      this.#set(false, error);
    }
    return this.#up;
  }

  #set(up: boolean, error?: unknown): void {
    if (up !== this.#up) this.#options.onChange?.(up, error);
    this.#up = up;
  }
}
