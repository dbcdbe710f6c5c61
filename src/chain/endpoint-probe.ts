/**
 * Asks every configured Sui endpoint for the current epoch on a timer, each through a client of its own.
 *
 * Why: ChainClient stays on the endpoint that last answered, so after a failover the others get no traffic
 * and their reachability (daas_auth_chain_endpoint_up, read by the chain alerts) would stay at whatever their
 * last request said — an endpoint that came back would alert forever, one that died unnoticed until needed.
 * One cheap call per endpoint per interval keeps each endpoint's state current. Results go to the same call
 * hook as every other request (method `probe`); failures are only recorded, never thrown.
 */
import { ChainClient, endpointLabel, type ChainClientOptions } from './client.ts';

export interface EndpointProbeOptions extends Pick<ChainClientOptions, 'timeoutMs' | 'onCall' | 'connect'> {
  intervalMs: number;
}

export class EndpointProbe {
  readonly #clients: ChainClient[];
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(urls: readonly string[], options: EndpointProbeOptions) {
    const { intervalMs, ...clientOptions } = options;
    this.#intervalMs = intervalMs;
    // Each client holds one endpoint (its own #0): report it under its position in the configuration.
    const { onCall, ...rest } = clientOptions;
    this.#clients = urls.map(
      (url, index) =>
        new ChainClient([url], { ...rest, ...(onCall ? { onCall: (method, _own, result, seconds) => onCall(method, endpointLabel(index), result, seconds) } : {}) }),
    );
  }

  /** One round now (not awaited), then one every interval. */
  start(): void {
    void this.round();
    this.#timer = setInterval(() => void this.round(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Probes every endpoint once, concurrently; resolves when all have answered or failed. */
  async round(): Promise<void> {
    await Promise.all(
      this.#clients.map((client) =>
        client.call('probe', async (c) => (await c.ledgerService.getEpoch({ readMask: { paths: ['epoch'] } })).response).then(
          () => undefined,
          () => undefined, // recorded by the call hook; nothing else to do
        ),
      ),
    );
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const client of this.#clients) client.close();
  }
}
