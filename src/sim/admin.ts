/**
 * The sim's admin HTTP API on its own port (a real network runs its faucet apart from the full
 * node too). JSON in, JSON out; wire types in admin-types.ts.
 *   POST /fund {address, mist?}      → FundResponse        (faucet)
 *   POST /advance-epoch {count?}     → AdvanceEpochResponse
 *   GET  /stats                      → StatsSnapshot       (gRPC calls per method, ids per object read)
 *   POST /stats/reset                → {ok: true}
 *   GET  /network                    → NetworkInfo
 *   GET  /healthz                    → HealthResponse
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { MAX_EPOCH_ADVANCE, type AdvanceEpochResponse, type HealthResponse, type NetworkInfo } from './admin-types.ts';
import { Faucet, FaucetError } from './faucet.ts';
import type { SimNode } from './node.ts';
import type { SimStats } from './stats.ts';

class BadRequest extends Error {}

/** A non-negative integer from JSON: a number or a decimal string. */
function integer(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) return BigInt(value);
  throw new BadRequest(`${field} must be a non-negative integer`);
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new BadRequest('the body must be a JSON object');
  return b as Record<string, unknown>;
}

export function adminApp(node: SimNode, stats: SimStats, faucet: Faucet, network: () => NetworkInfo): express.Express {
  const app = express();
  app.use(express.json({ limit: '16kb' }));

  app.post('/fund', async (req, res) => {
    const { address, mist } = body(req);
    if (typeof address !== 'string') throw new BadRequest('address is required');
    res.json(await faucet.fund(address, integer(mist, 'mist')));
  });

  app.post('/advance-epoch', (req, res) => {
    const count = integer(body(req).count, 'count') ?? 1n;
    if (count < 1n || count > BigInt(MAX_EPOCH_ADVANCE)) throw new BadRequest(`count must be 1..${MAX_EPOCH_ADVANCE}`);
    const epoch = node.ledger.advanceEpoch(Number(count), BigInt(Date.now()));
    const response: AdvanceEpochResponse = { epoch: epoch.epoch.toString() };
    res.json(response);
  });

  app.get('/stats', (_req, res) => {
    res.json(stats.snapshot());
  });

  app.post('/stats/reset', (_req, res) => {
    stats.reset();
    res.json({ ok: true });
  });

  app.get('/network', (_req, res) => {
    res.json(network());
  });

  app.get('/healthz', (_req, res) => {
    const health: HealthResponse = {
      ok: true,
      chainId: node.ledger.genesis.chainId,
      epoch: node.ledger.epoch.epoch.toString(),
      checkpoint: node.ledger.checkpoint.toString(),
    };
    res.json(health);
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const clientError = error instanceof BadRequest || error instanceof FaucetError || (error as { type?: string }).type === 'entity.parse.failed';
    res.status(clientError ? 400 : 500).json({ error: clientError ? (error as Error).message : 'internal error' });
  });
  return app;
}

export async function listen(app: express.Express, host: string, port: number): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
