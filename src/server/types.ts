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
  fastRoutes?: Record<string, RequestHandler>;
  /** Public endpoints that are not webhooks: no client certificate, no rate limit (AppOptions.openRouters). */
  openRouters?: Router[];
  readiness?: ReadinessCheck[];
  stop?(): Promise<void> | void;
}

export interface ServeComponent {
  name: string;
  start(context: ServeContext): Promise<StartedComponent>;
}
