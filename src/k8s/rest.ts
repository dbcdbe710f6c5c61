/**
 * A small JSON client for the Kubernetes API: requests, and watch streams read line by line.
 *
 * Why not the typed API classes of @kubernetes/client-node 2.x: they build a new undici Agent for
 * every request (no connection reuse, a TLS handshake per call — a drain of hundreds of pods pays it
 * hundreds of times), send patches as JSON-patch unless told otherwise, hand back Dates in some
 * fields and raw JSON in others, and wrap API errors so the `Status` body (which names the PDB that
 * refused an eviction) must be dug out of a string. KubeConfig from the library still loads the
 * kubeconfig and supplies credentials (token files, exec plugins, client certificates); this client
 * keeps one keep-alive HTTPS agent and speaks plain JSON with explicit content types.
 */
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

/** A Kubernetes `Status` object, as far as callers read it. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: Array<{ type?: string; message?: string; field?: string }>; retryAfterSeconds?: number };
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly body: KubeStatus | undefined;
  constructor(method: string, path: string, status: number, body: KubeStatus | undefined) {
    super(`${method} ${path.split('?')[0]}: ${status} ${body?.reason ?? ''} ${body?.message ?? ''}`.trim());
    this.status = status;
    this.body = body;
  }
}

export function isStatus(error: unknown, ...codes: number[]): error is KubeApiError {
  return error instanceof KubeApiError && codes.includes(error.status);
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json for bodies; patches must name theirs. */
  contentType?: string;
  timeoutMs?: number;
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends (server closed, aborted or failed); rejects on a non-200 start. */
  done: Promise<void>;
  abort(): void;
}

interface Credentials {
  headers: Record<string, string>;
  at: number;
}

/** Credentials are re-read at most this often (exec plugins and token files rotate). */
const CREDENTIALS_TTL_MS = 5_000;

/** Clients made by this process so far: each names itself in its User-Agent, so the apiserver's audit log can count them. */
let clientsMade = 0;

export class KubeRest {
  readonly server: URL;
  readonly #kc: KubeConfig;
  readonly #agent: http.Agent;
  /** `daas-auth/<pid>.<n>`: which process and which of its clients sent a request (audit logs). */
  readonly userAgent: string;
  #credentials: Credentials | undefined;

  private constructor(kc: KubeConfig, server: URL, agent: http.Agent) {
    this.#kc = kc;
    this.server = server;
    this.#agent = agent;
    this.userAgent = `daas-auth/${process.pid}.${++clientsMade}`;
  }

  static async fromKubeConfig(kc: KubeConfig, options: { maxSockets?: number } = {}): Promise<KubeRest> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const server = new URL(cluster.server);
    const tls: https.AgentOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const common = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    const agent =
      server.protocol === 'https:'
        ? new https.Agent({
            ...common,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            pfx: tls.pfx,
            passphrase: tls.passphrase,
            servername: tls.servername,
            ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
          })
        : new http.Agent(common);
    return new KubeRest(kc, server, agent);
  }

  close(): void {
    this.#agent.destroy();
  }

  async #headers(): Promise<Record<string, string>> {
    if (this.#credentials && Date.now() - this.#credentials.at < CREDENTIALS_TTL_MS) return this.#credentials.headers;
    const opts: { headers?: Record<string, string>; auth?: string } = {};
    await this.#kc.applyToHTTPSOptions(opts as https.RequestOptions);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.#credentials = { headers, at: Date.now() };
    return headers;
  }

  #url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  async #send(method: string, url: URL, options: RequestOptions, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.userAgent, ...(await this.#headers()) };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.#agent, signal }, resolve);
      req.on('error', reject);
      if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: timed out after ${options.timeoutMs} ms`)));
      req.end(payload);
    });
  }

  /** One request; the parsed JSON body of a 2xx, else KubeApiError carrying the `Status`. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.#url(path, options.query);
    const res = await this.#send(method, url, { timeoutMs: 30_000, ...options });
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    const json = parseJson(text);
    if (status < 200 || status >= 300) throw new KubeApiError(method, path, status, json as KubeStatus | undefined);
    return json as T;
  }

  /**
   * Opens a watch (`?watch=1`) and calls `onEvent` per line. The caller restarts it when `done`
   * settles; that is the informer's job (src/k8s/informer.ts), with its watchdog.
   */
  watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    const controller = new AbortController();
    const url = this.#url(path, { ...query, watch: 1 });
    const done = (async () => {
      const res = await this.#send('GET', url, {}, controller.signal);
      if (res.statusCode !== 200) {
        const body = parseJson(await readBody(res)) as KubeStatus | undefined;
        throw new KubeApiError('WATCH', path, res.statusCode ?? 0, body);
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (!line.trim()) continue;
          const event = parseJson(line) as WatchEvent<T> | undefined;
          if (event && typeof event.type === 'string') onEvent(event);
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    })();
    return { done, abort: () => controller.abort() };
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
