/**
 * Connections to Sui full nodes: one unmodified `SuiGrpcClient` (native gRPC transport) per
 * configured endpoint, and failover across them (the model: MystenLabs/walrus failover.rs). A call
 * goes to the endpoint that last answered; when that endpoint does not answer (see isTransient), or
 * answers from another chain or from behind the checkpoint already acted on (see consistency.ts), the
 * same call is tried on the next ones, and the first acceptable answer makes its endpoint the one
 * used from then on. A definitive answer (including a definitive error such as "object not found")
 * is never retried elsewhere.
 *
 * Endpoints are named by their position in the configuration (`#0`, `#1`, …) everywhere outside
 * this module — error messages, logs, metric labels — never by URL: a configured URL may carry
 * credentials or an internal address. Every attempt is reported to the call hooks (method,
 * endpoint label, result, seconds), which the metrics module turns into daas_auth_chain_* series.
 */
import { ChannelCredentials } from '@grpc/grpc-js';
import { GrpcTransport } from '@protobuf-ts/grpc-transport';
import { SuiGrpcClient } from '@mysten/sui/grpc';
import { checkedTransport, ChainWatermark, refusalOf, type RefusalReason } from './consistency.ts';
import { ChainUnavailableError, grpcCode, isTransient } from './errors.ts';

/**
 * `ok`: answered; `error`: answered with an error (not retried); `unavailable`: did not answer;
 * `lagging` / `wrong_chain` / `no_headers`: answered, but the answer was refused (consistency.ts).
 */
export type CallResult = 'ok' | 'error' | 'unavailable' | RefusalReason;
/** `endpoint` is the endpoint's label (`#0`, `#1`, …), never its URL. */
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
  /** The expected `x-sui-chain-id`; without it the first answer pins the chain. */
  chainId?: string;
  /** Network label handed to SuiGrpcClient (only used by the SDK for name-service defaults). */
  network?: string;
  onCall?: CallHook;
  /** Makes the client for one endpoint (tests inject fakes); default: createGrpcEndpoint. */
  connect?: (url: string, opts: EndpointOptions) => Endpoint;
}

export interface EndpointOptions {
  timeoutMs: number;
  network: string;
  /** Shared by all endpoints of one ChainClient: every answer must pass it. */
  watermark: ChainWatermark;
}

export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
export const MAX_RECONNECT_BACKOFF_MS = 5_000;

/** The name of the endpoint at `index` of the configuration, used instead of its URL. */
export function endpointLabel(index: number): string {
  return `#${index}`;
}

/**
 * A SuiGrpcClient over @grpc/grpc-js (plaintext for http:// URLs, TLS for https://) whose answers
 * must pass `opts.watermark`.
 */
export function createGrpcEndpoint(url: string, opts: EndpointOptions): Endpoint {
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
  const client = new SuiGrpcClient({ network: opts.network, transport: checkedTransport(transport, opts.watermark) });
  return { url, client, close: () => transport.close() };
}

export class ChainClient {
  readonly #endpoints: Endpoint[];
  readonly #hooks: CallHook[] = [];
  readonly #watermark: ChainWatermark;
  #current = 0;

  constructor(urls: readonly string[], opts: ChainClientOptions = {}) {
    if (urls.length === 0) throw new Error('ChainClient needs at least one endpoint');
    const connect = opts.connect ?? createGrpcEndpoint;
    this.#watermark = new ChainWatermark(opts.chainId);
    const settings = {
      timeoutMs: opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS,
      network: opts.network ?? 'custom',
      watermark: this.#watermark,
    };
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

  /** The configured URLs, for this process's own use: never log or report them (use `labels`). */
  get endpoints(): string[] {
    return this.#endpoints.map((e) => e.url);
  }

  /** `#0`, `#1`, …: how endpoints are named in messages, logs and metrics. */
  get labels(): string[] {
    return this.#endpoints.map((_, index) => endpointLabel(index));
  }

  /** The chain id answers must carry and the highest checkpoint height acted on so far. */
  get watermark(): { chainId: string | undefined; checkpointHeight: bigint } {
    return { chainId: this.#watermark.chainId, checkpointHeight: this.#watermark.height };
  }

  /** The endpoint calls go to first. */
  get currentEndpoint(): string {
    return this.#endpoints[this.#current]!.url;
  }

  /**
   * Runs `fn` against the current endpoint, failing over to the others while endpoints do not
   * answer acceptably. Throws ChainUnavailableError when none does; rethrows definitive errors.
   * `fn` may be run more than once, so it must be safe to repeat (reads, or executing the same
   * signed transaction bytes, which Sui deduplicates by digest).
   */
  async call<T>(method: string, fn: (client: SuiGrpcClient, endpoint: string) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    let lastError: unknown;
    const order = this.#endpoints.map((_, i) => (this.#current + i) % this.#endpoints.length);
    const retried = new Set<number>();
    for (const index of order) {
      const endpoint = this.#endpoints[index]!;
      const label = endpointLabel(index);
      const started = performance.now();
      try {
        const result = await fn(endpoint.client, endpoint.url);
        this.#report(method, label, 'ok', started);
        this.#current = index;
        return result;
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal && !isTransient(error)) {
          this.#report(method, label, 'error', started);
          throw error;
        }
        this.#report(method, label, refusal?.reason ?? 'unavailable', started);
        // Concurrent calls can come back out of order: an answer begun before a newer one was
        // accepted is refused, but the same node asked again answers from its newer state. A node
        // that really lags is refused again.
        if (refusal?.reason === 'lagging' && !retried.has(index)) {
          retried.add(index);
          order.push(index);
        }
        failures.push(`endpoint ${label}: ${refusal?.message ?? failureKind(error)}`);
        lastError = error;
      }
    }
    throw new ChainUnavailableError(`no Sui endpoint answered ${method} acceptably (${failures.join('; ')})`, this.labels, {
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

/**
 * What kind of failure an endpoint had (`UNAVAILABLE`, `ECONNREFUSED`, `TimeoutError`), without the
 * error's text: gRPC and socket messages name the address they tried.
 */
function failureKind(error: unknown): string {
  const rpc = grpcCode(error);
  if (rpc !== undefined) return rpc;
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    if (typeof name === 'string' && name !== 'Error') return name;
  }
  return 'no answer';
}
