/** A small HTTPS client for server tests: real TLS, keep-alive, optional client certificate. */
import { Agent, request } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  peer?: PeerCertificate;
}

export interface ClientOptions {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  keepAlive?: boolean;
}

export function httpsClient(baseUrl: string, options: ClientOptions) {
  const agent = new Agent({ keepAlive: options.keepAlive ?? true, ca: options.ca, cert: options.cert, key: options.key, maxSockets: 64 });
  const send = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(`${baseUrl}${path}`, { method, agent, headers }, (res) => {
        // Read the peer now: a keep-alive socket is detached from the response once it ends.
        const peer = (res.socket as TLSSocket | null)?.getPeerCertificate?.();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
            peer,
          });
        });
      });
      req.on('error', reject);
      req.on('socket', (socket) => socket.setNoDelay(true));
      if (body !== undefined) req.end(body);
      else req.end();
    });
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body: string | Buffer, contentType = 'application/json') => send('POST', path, body, { 'content-type': contentType }),
    review: (body: unknown) => send('POST', '/authenticate', JSON.stringify(body), { 'content-type': 'application/json' }),
    close: () => agent.destroy(),
  };
}

export function tokenReview(token: string, apiVersion = 'authentication.k8s.io/v1', audiences?: string[]) {
  return {
    apiVersion,
    kind: 'TokenReview',
    metadata: { creationTimestamp: null },
    spec: { token, ...(audiences ? { audiences } : {}) },
    status: { user: {} },
  };
}
