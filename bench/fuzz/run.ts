/**
 * `npm run fuzz -- --cases 1000000 [--seed N] [--https-share 0.05] [--out FILE]`: random and mutated
 * seal tokens, TokenReview bodies and AdmissionReview bodies against the running webhook (world.ts:
 * the real request listener, authenticator and admission validators over an in-memory chain that
 * vouches for every seed staker). Not part of `npm test` (test/unit/server/fuzz.test.ts runs a
 * 100,000-case version of the token and body parts).
 *
 * Most cases are handed to the request listener in-process (the same function the HTTPS server
 * calls, with a socket that presents the home cluster's verified client certificate): fast enough
 * that a million cases fit in well under an hour on a shared machine. Every AdmissionReview (12 % of
 * cases) and a sample of the TokenReviews (--https-share, default 5 %) go over real HTTPS with a client certificate, through TLS, the HTTP
 * parser, the guard and express.
 *
 * Oracle: a review is an invalid acceptance when it answers `authenticated: true` for any token that
 * is not byte for byte one of the valid seeds. Also counted: HTTP 5xx, "could not check" answers
 * (the chain never fails here, so one means an internal error), admission 500 verdicts, and uncaught
 * exceptions or rejections (crashes). The valid seeds are sent now and then and must be accepted, so
 * a refusal of everything would be noticed. Exit 1 unless all of those are 0.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fc from 'fast-check';
import { ADMISSION_PATHS } from '../../src/admission/router.ts';
import { startHttpsServer } from '../../src/server/index.ts';
import { httpsClient } from '../../test/unit/server/client.ts';
import { makeTestPki } from '../../test/unit/server/pki.ts';
import { admissionReviewBody, CLAIM_BREAKS, mutatedToken, randomToken, tokenReviewBody } from './arbitraries.ts';
import { buildWorld, HOME, PEER } from './world.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`fuzz: --${name} needs a non-negative number\n`);
    process.exit(2);
  }
  return value;
};
if (process.argv.includes('--help')) {
  process.stdout.write('npm run fuzz -- [--cases 1000000] [--seed 20261207] [--https-share 0.05] [--workers 1] [--out report.json]\n');
  process.exit(0);
}
const CASES = arg('cases', 1_000_000);
const SEED = arg('seed', 20_261_207);
const HTTPS_SHARE = arg('https-share', 0.05);
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? process.argv[outAt + 1] : undefined;
const WORKERS = Math.max(1, Math.floor(arg('workers', 1)));
const CHUNK = 2_000;

/**
 * --workers N: N processes of this script, each with its share of the cases and its own seed (a
 * shared machine schedules processes, not one event loop); their reports are summed.
 */
if (WORKERS > 1) {
  const shares = Array.from({ length: WORKERS }, (_, k) => Math.floor(CASES / WORKERS) + (k < CASES % WORKERS ? 1 : 0));
  const script = new URL(import.meta.url).pathname;
  const reports = await Promise.all(
    shares.map(async (cases, k) => {
      // Progress lines (stderr) pass through; the report is the child's stdout.
      const child = spawn(process.execPath, [script, '--cases', String(cases), '--seed', String(SEED + k * 1_000_000_007), '--https-share', String(HTTPS_SHARE)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      await new Promise((resolve) => child.once('close', resolve));
      try {
        return JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        return { crashes: 1, examples: [`worker ${k} gave no report`] };
      }
    }),
  );
  const sum: Record<string, unknown> = { workers: WORKERS, seeds: reports.map((r) => r.seed), seconds: Math.max(...reports.map((r) => Number(r.seconds))) };
  for (const report of reports) {
    for (const [key, value] of Object.entries(report)) {
      if (typeof value === 'number' && key !== 'seed' && key !== 'seconds' && key !== 'httpsShare') sum[key] = ((sum[key] as number) ?? 0) + value;
    }
    const byStatus = (sum.byStatus ??= {}) as Record<string, number>;
    for (const [status, n] of Object.entries((report.byStatus ?? {}) as Record<string, number>)) byStatus[status] = (byStatus[status] ?? 0) + n;
    sum.examples = [...((sum.examples as string[]) ?? []), ...((report.examples as string[]) ?? [])];
  }
  Object.assign(sum, { httpsShare: HTTPS_SHARE, node: process.version });
  const text = `${JSON.stringify(sum, null, 2)}\n`;
  process.stdout.write(text);
  if (OUT) writeFileSync(OUT, text);
  const bad = ['invalidAcceptances', 'status5xx', 'crashes', 'transient', 'admission500', 'validSeedRefusals'].some((key) => sum[key] !== 0);
  process.exit(bad || sum.cases !== CASES ? 1 : 0);
}

const counts = {
  cases: 0,
  inProcess: 0,
  https: 0,
  tokenReviews: 0,
  admissionReviews: 0,
  signedClaimBreaks: 0,
  accepted: 0,
  invalidAcceptances: 0,
  validSeedRefusals: 0,
  status5xx: 0,
  transient: 0,
  admission500: 0,
  crashes: 0,
  byStatus: {} as Record<string, number>,
};
const examples: string[] = [];
const note = (what: string, detail: string) => {
  if (examples.length < 20) examples.push(`${what}: ${detail.slice(0, 2000)}`);
};
process.on('uncaughtException', (error) => {
  counts.crashes++;
  note('uncaught exception', String(error?.stack ?? error));
});
process.on('unhandledRejection', (error) => {
  counts.crashes++;
  note('unhandled rejection', String((error as Error)?.stack ?? error));
});

const now = Math.floor(Date.now() / 1000);
const world = await buildWorld(now);
const validTokens = world.valid.map((seed) => seed.token);
const validSet = new Set(validTokens);
const pki = makeTestPki();
const server = await startHttpsServer({ app: world.listener, port: 0, host: '127.0.0.1', tls: { certFile: pki.certFile, keyFile: pki.keyFile, clientCaFile: pki.caFile } });
const client = httpsClient(server.url, { ca: pki.ca, cert: pki.client.cert, key: pki.client.key });

// The home apiserver's connection, as the TLS server hands it to the listener.
const homeSocket = { authorized: true, encrypted: true, remoteAddress: '127.0.0.1', getPeerCertificate: () => ({ subject: { CN: HOME.clientCommonNames![0] } }) };

/** One request through the listener in-process: its status and body. */
function inProcess(path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    let status = 0;
    const res = {
      writeHead(code: number) {
        status = code;
        return res;
      },
      end(text?: string) {
        resolve({ status, text: text ?? '' });
        return res;
      },
      on() {
        return res;
      },
      destroy() {
        resolve({ status: -1, text: '' });
      },
    } as unknown as ServerResponse;
    const req = Object.assign(new EventEmitter(), {
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      socket: homeSocket,
      resume() {},
      destroy() {},
    }) as unknown as IncomingMessage;
    world.listener(req, res);
    req.emit('data', body);
    req.emit('end');
  });
}

type Case = { kind: 'token'; token: string } | { kind: 'body'; body: string } | { kind: 'admission'; body: string; path: string } | { kind: 'signed'; seed: number; breakAt: number };

const anyToken = fc.oneof({ weight: 3, arbitrary: randomToken }, { weight: 6, arbitrary: mutatedToken(validTokens) }, { weight: 1, arbitrary: fc.constantFrom(...world.invalidSeeds.map((s) => s.token)) });
const cases: fc.Arbitrary<Case> = fc.oneof(
  { weight: 40, arbitrary: anyToken.map((token) => ({ kind: 'token' as const, token })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(world.valid.length - 1), fc.nat(CLAIM_BREAKS.length - 1)).map(([seed, breakAt]) => ({ kind: 'signed' as const, seed, breakAt })) },
  { weight: 46, arbitrary: tokenReviewBody(anyToken).map((body) => ({ kind: 'body' as const, body })) },
  { weight: 12, arbitrary: fc.tuple(admissionReviewBody, fc.constantFrom(ADMISSION_PATHS.sealBindings, ADMISSION_PATHS.nodes)).map(([body, path]) => ({ kind: 'admission' as const, body, path })) },
);

const reviewOf = (token: string) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });

/** Judges a TokenReview answer to `body`; `mustAccept` for the valid seeds. */
function judgeReview(body: string, status: number, text: string, mustAccept = false): void {
  counts.tokenReviews++;
  counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
  if (status >= 500 || status < 0) {
    counts.status5xx++;
    note(`HTTP ${status}`, body);
    return;
  }
  let reply: { status?: { authenticated?: boolean; error?: string } } | undefined;
  try {
    reply = status === 200 ? JSON.parse(text) : undefined;
  } catch {
    counts.status5xx++;
    note('unparseable 200 answer', text);
    return;
  }
  if (reply?.status?.error !== undefined) {
    counts.transient++;
    note('could-not-check answer', `${reply.status.error} for ${body}`);
  }
  const accepted = reply?.status?.authenticated === true;
  if (mustAccept && !accepted) {
    counts.validSeedRefusals++;
    note('valid seed refused', text);
  }
  if (!accepted) return;
  counts.accepted++;
  let token: unknown;
  try {
    token = JSON.parse(body).spec?.token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !validSet.has(token)) {
    counts.invalidAcceptances++;
    note('INVALID ACCEPTANCE', body);
  }
}

function judgeAdmission(body: string, status: number, text: string): void {
  counts.admissionReviews++;
  counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
  if (status >= 500 || status < 0) {
    counts.status5xx++;
    note(`admission HTTP ${status}`, body);
    return;
  }
  if (status === 200 && /"code":500/.test(text)) {
    counts.admission500++;
    note('admission validator failure', body);
  }
}

async function send(path: string, body: string, overHttps: boolean): Promise<{ status: number; text: string }> {
  if (overHttps) {
    counts.https++;
    const reply = await client.post(path, body);
    return { status: reply.status, text: reply.text };
  }
  counts.inProcess++;
  return inProcess(path, Buffer.from(body));
}

async function run(one: Case, overHttps: boolean): Promise<void> {
  counts.cases++;
  if (one.kind === 'admission') {
    const { status, text } = await send(one.path, one.body, true);
    judgeAdmission(one.body, status, text);
    return;
  }
  let body: string;
  if (one.kind === 'signed') {
    counts.signedClaimBreaks++;
    const seed = world.valid[one.seed]!;
    const json = CLAIM_BREAKS[one.breakAt]!(seed.claims, JSON.stringify(seed.claims), now);
    const segment = Buffer.from(json).toString('base64url');
    const { signature } = await seed.signer.signPersonalMessage(new TextEncoder().encode(segment));
    body = reviewOf(`seal_${segment}.${Buffer.from(signature, 'base64').toString('base64url')}`);
  } else body = one.kind === 'token' ? reviewOf(one.token) : one.body;
  const { status, text } = await send('/authenticate', body, overHttps);
  judgeReview(body, status, text);
}

/** The seeds themselves: every valid one accepted, every invalid one refused, in both transports. */
async function checkSeeds(overHttps: boolean): Promise<void> {
  for (const token of validTokens) {
    const body = reviewOf(token);
    const { status, text } = await send('/authenticate', body, overHttps);
    judgeReview(body, status, text, true);
  }
  for (const { token } of world.invalidSeeds) {
    const body = reviewOf(token);
    const { status, text } = await send('/authenticate', body, overHttps);
    judgeReview(body, status, text);
  }
}

const started = performance.now();
process.stderr.write(`fuzz: ${CASES} cases, seed ${SEED}, home cluster ${HOME.id} (peer ${PEER.id}), HTTPS share ${HTTPS_SHARE}\n`);
await checkSeeds(false);
await checkSeeds(true);
const httpsEvery = HTTPS_SHARE > 0 ? Math.max(1, Math.round(1 / HTTPS_SHARE)) : Infinity;
let index = 0;
for (let done = 0; done < CASES; done += CHUNK) {
  const batch = fc.sample(cases, { numRuns: Math.min(CHUNK, CASES - done), seed: SEED + done });
  // In-process cases one after another (they share one event loop anyway); HTTPS ones 32 at a time.
  const remote: Array<Promise<void>> = [];
  for (const one of batch) {
    const overHttps = one.kind !== 'admission' && index++ % httpsEvery === 0;
    if (one.kind === 'admission' || overHttps) {
      remote.push(run(one, true));
      if (remote.length >= 32) await Promise.all(remote.splice(0));
    } else await run(one, false);
  }
  await Promise.all(remote);
  if ((done / CHUNK) % 25 === 0) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`fuzz: ${counts.cases} cases in ${seconds.toFixed(0)} s (${Math.round(counts.cases / seconds)}/s); invalid acceptances ${counts.invalidAcceptances}, 5xx ${counts.status5xx}, crashes ${counts.crashes}\n`);
  }
}
await checkSeeds(false);
const seconds = (performance.now() - started) / 1000;
client.close();
await server.close();
world.close();

const report = { ...counts, seconds: Math.round(seconds), seed: SEED, httpsShare: HTTPS_SHARE, node: process.version, examples };
const text = `${JSON.stringify(report, null, 2)}\n`;
process.stdout.write(text);
if (OUT) writeFileSync(OUT, text);
const clean = counts.invalidAcceptances === 0 && counts.status5xx === 0 && counts.crashes === 0 && counts.transient === 0 && counts.admission500 === 0 && counts.validSeedRefusals === 0;
process.exit(clean ? 0 : 1);
