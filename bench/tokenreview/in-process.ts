/**
 * The handlers alone, without TLS or HTTP: the webhook's warm handler and the echo handler called in
 * one process with the same minimal request and response objects, alternately, many times; prints
 * each one's best µs per call. What the webhook adds over a bare JSON echo, free of the network
 * stack's cost and of most of the noise a shared machine adds to run.ts.
 *
 *   node bench/tokenreview/in-process.ts [--rounds 12] [--calls 300000]
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { DEFAULT_BODY_LIMIT, readBody, type FastRoute, type RequestHandler } from '../../src/server/index.ts';
import { echoHandler } from './echo.ts';
import { makeFixture } from './fixture.ts';
import { benchRoute } from './handler.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ROUNDS = arg('rounds', 12);
const CALLS = arg('calls', 300_000);
const TOKENS = 64;

const { fixture, bodies } = await makeFixture(TOKENS);
const payloads = bodies.map((body) => Buffer.from(body));
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
// The webhook as the host runs it (src/server/dispatch.ts): the host's body reader, then the route.
const hosted = (route: FastRoute): RequestHandler => (req, res) => readBody(req, res, route.maxBodyBytes ?? DEFAULT_BODY_LIMIT, (body) => route.handle(req, res, body));
const handlers: Record<string, RequestHandler> = { echo: echoHandler, 'daas-auth warm': hosted(benchRoute(fixture, 600, sink)) };

let answered = 0;
const socket = { remoteAddress: '127.0.0.1', authorized: false };
const res = {
  writeHead() {
    return res;
  },
  end() {
    answered++;
    return res;
  },
  on() {},
} as unknown as ServerResponse;

function call(handler: RequestHandler, body: Buffer): void {
  const req = Object.assign(new EventEmitter(), {
    method: 'POST',
    url: '/authenticate',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    socket,
  }) as unknown as IncomingMessage;
  handler(req, res);
  req.emit('data', body);
  req.emit('end');
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** µs per call; yields to the event loop now and then so batched audit lines and timers run as in a server. */
async function time(handler: RequestHandler): Promise<number> {
  answered = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    call(handler, payloads[i % TOKENS]!);
    if (i % 1000 === 999) await turn();
  }
  await turn();
  if (answered !== CALLS) throw new Error(`only ${answered} of ${CALLS} calls were answered synchronously: is the cache warm?`);
  return Number(process.hrtime.bigint() - started) / CALLS / 1000;
}

// Warm-up: fills the decision cache (the first call of each token reads the in-memory chain) and the JIT.
for (const body of payloads) call(handlers['daas-auth warm']!, body);
await new Promise((resolve) => setTimeout(resolve, 200));
for (const handler of Object.values(handlers)) for (let i = 0; i < 50_000; i++) call(handler, payloads[i % TOKENS]!);

const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, handler] of Object.entries(handlers)) best[name] = Math.min(best[name] ?? Infinity, await time(handler));
}
for (const [name, us] of Object.entries(best)) process.stdout.write(`${name}: ${us.toFixed(2)} µs per call (best of ${ROUNDS} rounds of ${CALLS})\n`);
process.stdout.write(`webhook minus echo: ${(best['daas-auth warm']! - best.echo!).toFixed(2)} µs per call\n`);
process.exit(0);
