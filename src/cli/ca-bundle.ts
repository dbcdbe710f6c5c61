/**
 * The CA bundle a webhook manifest carries (`binding webhook-manifest --ca-file`): only CA
 * certificates, never anything else a mistaken path could point at (a private key would otherwise be
 * copied into a manifest anyone may read). Pure apart from readCaBundleFile.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { UserError } from './errors.ts';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;

/** The PEM text of the CA certificates in `text`, or a UserError naming what is wrong with `what`. */
export function caBundleFromPem(text: string, what: string): string {
  const certificates: string[] = [];
  let rest = text;
  for (const match of text.matchAll(BLOCK)) {
    const [block, label] = match as unknown as [string, string];
    rest = rest.replace(block, '');
    if (/PRIVATE KEY/.test(label)) throw new UserError(`${what} holds a private key; give the CA certificate (PEM)`);
    if (label !== 'CERTIFICATE') throw new UserError(`${what} holds a ${label}, not a CA certificate`);
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      throw new UserError(`${what} holds a certificate that does not parse`);
    }
    if (!certificate.ca) throw new UserError(`${what} holds a certificate that is not a CA (${certificate.subject.replace(/\n/g, ', ')}): give the CA that signed the serving certificate`);
    certificates.push(certificate.toString());
  }
  if (rest.trim() !== '') throw new UserError(`${what} holds text that is not a PEM certificate`);
  if (certificates.length === 0) throw new UserError(`${what} holds no CA certificate (PEM)`);
  return certificates.join('');
}

export function readCaBundleFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read --ca-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return caBundleFromPem(text, `--ca-file ${file}`);
}
