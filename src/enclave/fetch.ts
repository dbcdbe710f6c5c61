/**
 * The client side of GET /attestation: one TLS connection, whose presented certificate is recorded
 * and over which the document is then asked for, so the key the document binds can be compared with
 * the key of *this* connection (a relay that terminates TLS itself shows another key). The server's
 * certificate is not trusted up front (it is usually self-signed inside the enclave): trust comes from
 * the attestation, checked by the caller. I/O only; the checks live in verifyNitroDocument.
 */
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { dump } from 'js-yaml';
import { ATTESTATION_PATH } from './route/request.ts';

export interface FetchedAttestation {
  /** The certificate the server presented on the connection the document came over (PEM). */
  certificatePem: string;
  /** Its DER SubjectPublicKeyInfo: what the document's public_key must equal. */
  presentedSpki: Uint8Array;
  document: Uint8Array;
}

/** A document is ~4.5 KiB; anything far larger is not one. */
const MAX_BODY = 64 * 1024;

/** A client certificate to present, for a webhook that asks every connection for one. */
export interface ClientIdentity {
  cert: Buffer;
  key: Buffer;
}

export async function fetchAttestation(base: URL, nonce: Uint8Array, client?: ClientIdentity, timeoutMs = 15_000): Promise<FetchedAttestation> {
  const socket = await openTls(base, timeoutMs, client);
  try {
    const peer = socket.getPeerX509Certificate();
    if (!peer) throw new Error(`${base.host} presented no certificate`);
    const document = await getOver(socket, base, `${ATTESTATION_PATH}?nonce=${Buffer.from(nonce).toString('hex')}`, timeoutMs);
    return { certificatePem: peer.toString(), presentedSpki: spki(peer), document };
  } finally {
    socket.destroy();
  }
}

function openTls(base: URL, timeoutMs: number, client?: ClientIdentity): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const host = base.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({
      host,
      port: Number(base.port || 443),
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      // Deliberately unverified here: the attestation document is what authenticates this key.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      ...(client ? { cert: client.cert, key: client.key } : {}),
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake with ${base.host} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${base.host}: ${error.message}`));
    });
  });
}

/** One HTTP/1.1 GET over the already-open socket (no agent, no second connection). */
function getOver(socket: TLSSocket, base: URL, path: string, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // No agent: with createConnection and no agent, Node sends the request over exactly this socket.
    const req = request({ host: base.hostname, port: base.port, path, method: 'GET', createConnection: () => socket, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`the attestation response is larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) reject(new Error(`GET ${ATTESTATION_PATH} answered ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`));
        else resolve(new Uint8Array(body));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${base.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function spki(cert: X509Certificate): Uint8Array {
  return new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
}

export interface WebhookKubeconfigInput {
  /** The TokenReview URL kube-apiserver calls (through the parent's relay). */
  server: string;
  /** Exactly the certificate the attested connection presented: the only one trusted. */
  certificatePem: string;
  /** kube-apiserver's client certificate and key files, when the webhook requires one. */
  clientCertFile?: string;
  clientKeyFile?: string;
}

/** kube-apiserver's --authentication-token-webhook-config-file, pinning the attested certificate. */
export function webhookKubeconfig(input: WebhookKubeconfigInput): string {
  const user: Record<string, string> = {};
  if (input.clientCertFile) user['client-certificate'] = input.clientCertFile;
  if (input.clientKeyFile) user['client-key'] = input.clientKeyFile;
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'daas-auth-enclave', cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.certificatePem).toString('base64') } }],
    users: [{ name: 'kube-apiserver', user }],
    contexts: [{ name: 'webhook', context: { cluster: 'daas-auth-enclave', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  });
}
