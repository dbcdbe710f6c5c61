/**
 * The server's request listener: hot paths (POST /authenticate) go straight to their plain Node
 * handler, everything else to the express app from createApp. Express costs more per request than
 * the whole TLS + HTTP exchange of a warm TokenReview, so the webhook path does not pay it.
 * Webhook paths are guarded the same way on both sides (guardWebhook): client certificate, rate limit.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestHandler } from './types.ts';
import { admitRequest, type RateLimiter } from './rate-limit.ts';

export interface WebhookGuard {
  /** Refuse requests whose TLS client certificate did not verify against the client CA. */
  requireClientCert?: boolean;
  /** Per-client rate limit (rate-limit.ts). */
  limiter?: RateLimiter;
}

export interface DispatchOptions extends WebhookGuard {
  app: RequestListener;
  fastRoutes?: Record<string, RequestHandler>;
}

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
    const handler = routes.get(query < 0 ? url : url.slice(0, query));
    if (!handler) return options.app(req, res);
    if (guardWebhook(options, req, res)) handler(req, res);
  };
}
