/**
 * What `daas-auth serve` checks before it starts anything (no chain client, no watch, no listener):
 * the TLS files exist, are PEM of the right kind and the key belongs to the certificate; the listen
 * host is an IP address or a host name. Each error names the flag (or variable / config key) and
 * the file, so a typo in a deployment reads as one line instead of a TLS stack trace minutes later.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UserError } from './errors.ts';

export interface ServeEndpoint {
  host: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  clientCaFile?: string;
}

/** Where each setting came from, for the error: e.g. `--tls-cert` or `server.tlsCertFile (--config)`. */
export type SourceNames = Record<keyof ServeEndpoint, string>;

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function preflightServe(server: ServeEndpoint, names: SourceNames): void {
  if (!isIP(server.host) && !HOST_NAME.test(server.host)) {
    throw new UserError(`${names.host} "${server.host}" is not an IP address or host name`);
  }
  const cert = certificates(server.tlsCertFile, names.tlsCertFile)[0]!;
  const keyText = read(server.tlsKeyFile, names.tlsKeyFile);
  let key;
  try {
    key = createPrivateKey(keyText);
  } catch {
    throw new UserError(`${names.tlsKeyFile} ${server.tlsKeyFile} is not a PEM private key`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new UserError(`${names.tlsKeyFile} ${server.tlsKeyFile} is not the key of the certificate in ${server.tlsCertFile}`);
  }
  if (server.clientCaFile !== undefined) certificates(server.clientCaFile, names.clientCaFile);
}

function read(file: string, name: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${name} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Every PEM certificate in a file; at least one. */
function certificates(file: string, name: string): X509Certificate[] {
  const blocks = read(file, name).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UserError(`${name} ${file} holds no PEM certificate`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new UserError(`${name} ${file} holds a malformed certificate`);
    }
  });
}
