/**
 * The server's request listener: hot paths (POST /authenticate) go straight to their plain Node
 * handler, everything else to the express app from createApp. Express costs more per request than
 * the whole TLS + HTTP exchange of a warm TokenReview, so the webhook path does not pay it.
 * Webhook paths are guarded the same way on both sides (guardWebhook): client certificate, rate limit,
 * and their bodies are read by the one body reader (body.ts) up to each route's limit.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_BODY_LIMIT, readBody } from './body.ts';
import type { FastRoute } from './types.ts';
import { admitRequest, type RateLimiter } from './rate-limit.ts';

export interface WebhookGuard {
  /** Refuse requests whose TLS client certificate did not verify against the client CA. */
  requireClientCert?: boolean;
  /** Per-client rate limit (rate-limit.ts). */
  limiter?: RateLimiter;
}

export interface DispatchOptions extends WebhookGuard {
  app: RequestListener;
  fastRoutes?: Record<string, FastRoute>;
}

const USE_POST = JSON.stringify({ error: 'use POST' });
const NO_CERT = JSON.stringify({ error: 'a client certificate signed by the configured CA is required' });

/** True when the request may reach a webhook handler; otherwise it has been answered (401 / 429). */
export function guardWebhook(guard: WebhookGuard, req: IncomingMessage, res: ServerResponse): boolean {
  if (guard.requireClientCert && !(req.socket as TLSSocket).authorized) {
    res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(NO_CERT) }).end(NO_CERT);
    req.resume();
    return false;
  }
  return admitRequest(guard.limiter, req, res);
}

export function createRequestListener(options: DispatchOptions): RequestListener {
  const routes = new Map(Object.entries(options.fastRoutes ?? {}));
  if (routes.size === 0) return options.app;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = routes.get(query < 0 ? url : url.slice(0, query));
    if (!route) return options.app(req, res);
    if (!guardWebhook(options, req, res)) return;
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'POST' }).end(USE_POST);
      req.resume();
      return;
    }
    readBody(req, res, route.maxBodyBytes ?? DEFAULT_BODY_LIMIT, (body) => route.handle(req, res, body));
  };
}
