/**
 * Connections to Sui full nodes: one unmodified `SuiGrpcClient` (native gRPC transport) per
 * configured endpoint, and failover across them. A call goes to the endpoint that last answered;
 * when that endpoint does not answer (see isTransient), the same call is tried on the next ones,
 * and the first that answers becomes the one used from then on. A definitive answer (including a
 * definitive error such as "object not found") is never retried elsewhere.
 *
 * Every attempt is reported to the call hooks (method, endpoint, result, seconds), which the
 * metrics module turns into daas_auth_chain_* series.
 */
import { ChannelCredentials } from '@grpc/grpc-js';
import { GrpcTransport } from '@protobuf-ts/grpc-transport';
import { SuiGrpcClient } from '@mysten/sui/grpc';
import { ChainUnavailableError, isTransient } from './errors.ts';

/** `ok`: answered; `error`: answered with an error (not retried); `unavailable`: did not answer. */
export type CallResult = 'ok' | 'error' | 'unavailable';
export type CallHook = (method: string, endpoint: string, result: CallResult, seconds: number) => void;

/** One endpoint's client and how to release its connection. */
export interface Endpoint {
  url: string;
  client: SuiGrpcClient;
  close(): void;
}

export interface ChainClientOptions {
  /** Deadline of each RPC (default 10 s). */
  timeoutMs?: number;
  /** Network label handed to SuiGrpcClient (only used by the SDK for name-service defaults). */
  network?: string;
  onCall?: CallHook;
  /** Makes the client for one endpoint (tests inject fakes); default: createGrpcEndpoint. */
  connect?: (url: string, opts: { timeoutMs: number; network: string }) => Endpoint;
}

export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
export const MAX_RECONNECT_BACKOFF_MS = 5_000;

/** A SuiGrpcClient over @grpc/grpc-js: plaintext for http:// URLs, TLS for https://. */
export function createGrpcEndpoint(url: string, opts: { timeoutMs: number; network: string }): Endpoint {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'https:';
  const host = parsed.port ? parsed.host : `${parsed.host}:${tls ? 443 : 80}`;
  const transport = new GrpcTransport({
    host,
    channelCredentials: tls ? ChannelCredentials.createSsl() : ChannelCredentials.createInsecure(),
    timeout: opts.timeoutMs,
    // grpc-js backs reconnects off up to 120 s: after a long outage of the full node a returned chain went
    // unseen for up to two minutes (test/e2e/sim-outage.test.ts). Retry a lost connection at least every 5 s.
    clientOptions: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS },
  });
  const client = new SuiGrpcClient({ network: opts.network, transport });
  return { url, client, close: () => transport.close() };
}

export class ChainClient {
  readonly #endpoints: Endpoint[];
  readonly #hooks: CallHook[] = [];
  #current = 0;

  constructor(urls: readonly string[], opts: ChainClientOptions = {}) {
    if (urls.length === 0) throw new Error('ChainClient needs at least one endpoint');
    const connect = opts.connect ?? createGrpcEndpoint;
    const settings = { timeoutMs: opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS, network: opts.network ?? 'custom' };
    this.#endpoints = urls.map((url) => connect(url, settings));
    if (opts.onCall) this.#hooks.push(opts.onCall);
  }

  /** Adds a hook called after every attempt; returns a function that removes it. */
  addCallHook(hook: CallHook): () => void {
    this.#hooks.push(hook);
    return () => {
      const at = this.#hooks.indexOf(hook);
      if (at >= 0) this.#hooks.splice(at, 1);
    };
  }

  get endpoints(): string[] {
    return this.#endpoints.map((e) => e.url);
  }

  /** The endpoint calls go to first. */
  get currentEndpoint(): string {
    return this.#endpoints[this.#current]!.url;
  }

  /**
   * Runs `fn` against the current endpoint, failing over to the others while endpoints do not
   * answer. Throws ChainUnavailableError when none answers; rethrows definitive errors as they are.
   * `fn` may be run more than once, so it must be safe to repeat (reads, or executing the same
   * signed transaction bytes, which Sui deduplicates by digest).
   */
  async call<T>(method: string, fn: (client: SuiGrpcClient, endpoint: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    let lastError: unknown;
    for (let i = 0; i < this.#endpoints.length; i++) {
      const index = (this.#current + i) % this.#endpoints.length;
      const endpoint = this.#endpoints[index]!;
      const started = performance.now();
      try {
        const result = await fn(endpoint.client, endpoint.url);
        this.#report(method, endpoint.url, 'ok', started);
        this.#current = index;
        return result;
      } catch (error) {
        if (!isTransient(error)) {
          this.#report(method, endpoint.url, 'error', started);
          throw error;
        }
        this.#report(method, endpoint.url, 'unavailable', started);
        failures.push(`${endpoint.url}: ${firstLine(error)}`);
        lastError = error;
      }
    }
    throw new ChainUnavailableError(`no Sui endpoint answered ${method} (${failures.join('; ')})`, this.endpoints, {
      cause: lastError,
    });
  }

  close(): void {
    for (const endpoint of this.#endpoints) endpoint.close();
  }

  #report(method: string, endpoint: string, result: CallResult, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    for (const hook of this.#hooks) {
      try {
        hook(method, endpoint, result, seconds);
      } catch {
        // a metrics hook must never break a chain call
      }
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}
