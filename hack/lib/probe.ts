// Readiness probes against the daemons while the test bed starts.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Components that serve a self-signed certificate made in memory (controller-manager, scheduler). */
  insecure?: boolean;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** One GET; rejects on a connection error or after `timeoutMs`. */
export function get(url: string, tls: TlsFiles = {}, timeoutMs = 5000): Promise<ProbeResult> {
  const u = new URL(url);
  const opts =
    u.protocol === 'https:'
      ? {
          ca: tls.ca ? readFileSync(tls.ca) : undefined,
          cert: tls.cert ? readFileSync(tls.cert) : undefined,
          key: tls.key ? readFileSync(tls.key) : undefined,
          rejectUnauthorized: !tls.insecure,
        }
      : {};
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: 'GET', timeout: timeoutMs, ...opts }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Called between attempts; throw from it to give up early (e.g. the daemon died). */
  check?: () => void;
  what: string;
}

/** Polls `url` until it answers 200. */
export async function waitFor200(url: string, tls: TlsFiles, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: string;
  for (;;) {
    opts.check?.();
    try {
      const r = await get(url, tls, 3000);
      if (r.status === 200) return;
      last = `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline)
      throw new Error(`${opts.what} not ready after ${opts.timeoutMs / 1000}s (${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
