/**
 * Keeps failover from going back in time or to another chain. A Sui full node answers every gRPC
 * call with response headers naming its chain (`x-sui-chain-id`, the genesis checkpoint digest) and
 * how far it has synced (`x-sui-checkpoint-height`, also `x-sui-epoch`). A ChainClient keeps one
 * ChainWatermark for all its endpoints: the chain id it expects (configured, or pinned by the first
 * answer) and the highest checkpoint height of an answer it has accepted. An answer from another
 * chain, from a node behind that height, or without the headers is refused before its body is used,
 * so a lagging full node can never undo a slash the product has already seen; the client then tries
 * the next endpoint (docs/chain.md, "Failover").
 *
 * Only unary calls are checked: they carry every object read, the epoch and transaction execution.
 * Event streams are followed by cursor, so a lagging node can delay an event but not take one back.
 */
import { UnaryCall, type RpcMetadata, type RpcTransport } from '@protobuf-ts/runtime-rpc';

export const HEADERS = {
  chainId: 'x-sui-chain-id',
  chain: 'x-sui-chain',
  checkpointHeight: 'x-sui-checkpoint-height',
  epoch: 'x-sui-epoch',
} as const;

/** Why an answer was refused; also the `result` label of daas_auth_chain_requests_total. */
export type RefusalReason = 'lagging' | 'wrong_chain' | 'no_headers';

/** An endpoint answered, but its answer must not be used. ChainClient fails over on it. */
export class EndpointRefusedError extends Error {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string) {
    super(message);
    this.name = 'EndpointRefusedError';
    this.reason = reason;
  }
}

/** The EndpointRefusedError in an error's cause chain, if any. */
export function refusalOf(error: unknown): EndpointRefusedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EndpointRefusedError) return e;
  }
  return undefined;
}

function header(headers: RpcMetadata, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  return text === undefined || text === '' ? undefined : text;
}

const U64 = /^(0|[1-9]\d{0,19})$/;

export class ChainWatermark {
  #chainId: string | undefined;
  #height = -1n;

  /** `chainId`: the expected `x-sui-chain-id`; without it the first accepted answer pins it. */
  constructor(chainId?: string) {
    this.#chainId = chainId;
  }

  /** The highest checkpoint height accepted so far (-1 before the first answer). */
  get height(): bigint {
    return this.#height;
  }

  get chainId(): string | undefined {
    return this.#chainId;
  }

  /** Accepts the headers of one answer (raising the watermark) or throws EndpointRefusedError. */
  admit(headers: RpcMetadata): void {
    const chainId = header(headers, HEADERS.chainId);
    const heightText = header(headers, HEADERS.checkpointHeight);
    if (chainId === undefined || heightText === undefined || !U64.test(heightText)) {
      throw new EndpointRefusedError('no_headers', `the answer lacks valid ${HEADERS.chainId} / ${HEADERS.checkpointHeight} headers`);
    }
    if (this.#chainId !== undefined && chainId !== this.#chainId) {
      throw new EndpointRefusedError('wrong_chain', `the endpoint serves chain ${chainId}, not ${this.#chainId}`);
    }
    const height = BigInt(heightText);
    if (height < this.#height) {
      throw new EndpointRefusedError('lagging', `the endpoint is at checkpoint ${height}, behind checkpoint ${this.#height} already acted on`);
    }
    this.#chainId = chainId;
    this.#height = height;
  }
}

/**
 * `transport` with every unary call's response held back until its headers pass `watermark`.
 * The returned call rejects (headers and response) with EndpointRefusedError when they do not.
 */
export function checkedTransport(transport: RpcTransport, watermark: ChainWatermark): RpcTransport {
  return {
    mergeOptions: (options) => transport.mergeOptions(options),
    unary: (method, input, options) => {
      const call = transport.unary(method, input, options);
      const headers = call.headers.then((h) => {
        watermark.admit(h);
        return h;
      });
      const response = headers.then(() => call.response);
      // Whoever awaits only part of the call must not leave an unhandled rejection behind.
      for (const promise of [headers, response, call.status, call.trailers]) promise.catch(() => {});
      return new UnaryCall(method, call.requestHeaders, call.request, headers, response, call.status, call.trailers);
    },
    serverStreaming: (method, input, options) => transport.serverStreaming(method, input, options),
    clientStreaming: (method, options) => transport.clientStreaming(method, options),
    duplex: (method, options) => transport.duplex(method, options),
  };
}
