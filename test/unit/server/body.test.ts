/**
 * The host reads every webhook body with one reader (src/server/body.ts), up to the limit each route
 * declares: the fast path and the express routers alike.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { createApp } from '../../../src/server/app.ts';
import { DEFAULT_BODY_LIMIT } from '../../../src/server/body.ts';
import { createRequestListener } from '../../../src/server/dispatch.ts';

const ADMISSION_PATH = '/admission/nodes';
const ADMISSION_LIMIT = 3 * 1024 * 1024;

let server: Server;
let base: string;
const seen: Record<string, number> = {};

beforeAll(async () => {
  const router = express.Router();
  for (const path of ['/authorize', ADMISSION_PATH]) router.post(path, (req, res) => void res.json({ bytes: (seen[path] = (req.body as Buffer).length) }));
  const listener = createRequestListener({
    app: createApp({ routers: [router], bodyLimits: { [ADMISSION_PATH]: ADMISSION_LIMIT }, metrics: new Registry() }),
    fastRoutes: { '/authenticate': { handle: (_req, res, body) => void res.end(String((seen['/authenticate'] = body.length))), maxBodyBytes: 1024 } },
  });
  server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, bytes: number) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(bytes, 0x20) });

test('a fast route gets the whole body up to its own limit, and 413 past it', async () => {
  expect((await post('/authenticate', 1024)).status).toBe(200);
  expect(seen['/authenticate']).toBe(1024);
  const over = await post('/authenticate', 1025);
  expect(over.status).toBe(413);
  expect(await over.json()).toEqual({ error: 'request body too large' });
});

test('a router path without a declared limit gets the default one', async () => {
  expect((await post('/authorize', DEFAULT_BODY_LIMIT)).status).toBe(200);
  expect(seen['/authorize']).toBe(DEFAULT_BODY_LIMIT);
  expect((await post('/authorize', DEFAULT_BODY_LIMIT + 1)).status).toBe(413);
});

test('a router path with a declared limit gets that one', async () => {
  expect((await post(ADMISSION_PATH, 1024 * 1024)).status).toBe(200);
  expect(seen[ADMISSION_PATH]).toBe(1024 * 1024);
  expect((await post(ADMISSION_PATH, ADMISSION_LIMIT + 1)).status).toBe(413);
});

test('a fast route answers other methods with 405', async () => {
  const reply = await fetch(`${base}/authenticate`);
  expect(reply.status).toBe(405);
  expect(reply.headers.get('allow')).toBe('POST');
});
