/**
 * What the host hands a component and what a component hands back: the only types a component imports
 * from src/server. The host knows no component; the `serve` command (src/cli/commands/serve.ts) lists them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import type { ChainReader } from '../chain/reader.ts';
import type { Config } from '../config/schema.ts';
import type { Feeds } from '../feeds/index.ts';
import type { Logger } from '../log/index.ts';

/** A plain Node request handler (the hot path skips express: dispatch.ts). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A webhook's handler on the hot path: the host has checked the client certificate and the rate limit
 * and read the body up to the route's limit (body.ts) before calling it.
 */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface FastRoute {
  handle: WebhookHandler;
  /** Bytes the host reads at most (413 past it); default body.ts DEFAULT_BODY_LIMIT. */
  maxBodyBytes?: number;
}

export interface ReadinessCheck {
  name: string;
  ok(): boolean;
}

export interface ServeContext {
  config: Config;
  logger: Logger;
  reader: ChainReader;
  /** The process's shared feeds: one Kubernetes client, one SealBinding watcher, one event feed, one epoch clock. */
  feeds: Feeds;
}

export interface StartedComponent {
  routers?: Router[];
  /** Hot paths served by a plain Node handler ahead of express (see dispatch.ts). */
  fastRoutes?: Record<string, FastRoute>;
  /**
   * Body limits of the routers' paths (bytes; default body.ts DEFAULT_BODY_LIMIT). The host reads every
   * webhook body and hands the routers the raw bytes as `req.body` (a Buffer).
   */
  bodyLimits?: Record<string, number>;
  /** Public endpoints that are not webhooks: no client certificate, no rate limit (AppOptions.openRouters). */
  openRouters?: Router[];
  readiness?: ReadinessCheck[];
  stop?(): Promise<void> | void;
}

export interface ServeComponent {
  name: string;
  start(context: ServeContext): Promise<StartedComponent>;
}
