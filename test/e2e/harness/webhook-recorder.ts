// A stand-in token webhook for the test bed until `daas-auth serve` takes its place: HTTPS with the
// cluster-issued serving certificate, only kube-apiserver's client certificate admitted, every TokenReview
// answered `authenticated: false` and recorded (token hashed) in a JSON-lines file tests can read.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { WebhookCall } from './env.ts';

export interface RecorderOptions {
  port: number;
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  callsFile: string;
}

const MAX_BODY = 1 << 20;

function parseReview(body: string): { apiVersion: string; token: string; audiences: string[] } | undefined {
  try {
    const r = JSON.parse(body) as {
      apiVersion?: unknown;
      kind?: unknown;
      spec?: { token?: unknown; audiences?: unknown };
    };
    if (r.kind !== 'TokenReview' || typeof r.apiVersion !== 'string' || typeof r.spec?.token !== 'string')
      return undefined;
    const aud = Array.isArray(r.spec.audiences)
      ? r.spec.audiences.filter((a): a is string => typeof a === 'string')
      : [];
    return { apiVersion: r.apiVersion, token: r.spec.token, audiences: aud };
  } catch {
    return undefined;
  }
}

export function startRecorder(opts: RecorderOptions): Promise<Server> {
  writeFileSync(opts.callsFile, '');
  const server = createServer(
    {
      cert: readFileSync(opts.certFile),
      key: readFileSync(opts.keyFile),
      ca: readFileSync(opts.clientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        const review =
          req.method === 'POST' ? parseReview(Buffer.concat(chunks).toString('utf8')) : undefined;
        if (!review) {
          res.writeHead(400).end();
          return;
        }
        const call: WebhookCall = {
          at: new Date().toISOString(),
          apiVersion: review.apiVersion,
          tokenSha256: createHash('sha256').update(review.token).digest('hex'),
          audiences: review.audiences,
          clientCn: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''),
        };
        appendFileSync(opts.callsFile, `${JSON.stringify(call)}\n`);
        const answer = {
          apiVersion: review.apiVersion,
          kind: 'TokenReview',
          status: { authenticated: false },
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    },
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve(server));
  });
}

export function stopRecorder(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export function readWebhookCalls(callsFile: string): WebhookCall[] {
  if (!existsSync(callsFile)) return [];
  return readFileSync(callsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WebhookCall);
}
