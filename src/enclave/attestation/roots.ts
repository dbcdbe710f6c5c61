/**
 * Trust anchors. The AWS Nitro Enclaves root G1 is pinned here (the same PEM AWS publishes at
 * https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip), and its SHA-256 is checked
 * on first use so an edit of the text cannot silently change the anchor.
 */
import { DerError, readSingle, TAG } from './der.ts';
import { sha256Hex } from './bytes.ts';

export const AWS_NITRO_ROOT_G1_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b';

export const AWS_NITRO_ROOT_G1_PEM = `
-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----`.trim();

/** A trust anchor as callers hand it in: PEM text (one or more CERTIFICATE blocks) or DER bytes. */
export type RootInput = string | Uint8Array;

/** DER certificates from PEM text. Strict: only CERTIFICATE blocks, valid base64, at least one. */
export function pemCertificatesToDer(pem: string): Uint8Array[] {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) throw new DerError('no PEM block found');
  return blocks.map(([, label, body]) => {
    if (label !== 'CERTIFICATE') throw new DerError(`PEM block '${label}' is not a CERTIFICATE`);
    const b64 = body!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new DerError('PEM body is not base64');
    const der = new Uint8Array(Buffer.from(b64, 'base64'));
    readSingle(der, TAG.SEQUENCE); // one complete DER SEQUENCE, nothing after it
    return der;
  });
}

let awsRoot: Uint8Array | undefined;

/** The pinned AWS root as DER, checked against its published SHA-256. */
export function awsNitroRootDer(): Uint8Array {
  if (!awsRoot) {
    const [der] = pemCertificatesToDer(AWS_NITRO_ROOT_G1_PEM);
    if (!der || sha256Hex(der) !== AWS_NITRO_ROOT_G1_SHA256) {
      throw new Error('the embedded AWS Nitro root does not match its pinned SHA-256');
    }
    awsRoot = der;
  }
  return awsRoot;
}

/** DER of every root in `roots` (PEM may hold several certificates); the AWS root when omitted. */
export function resolveRoots(roots?: readonly RootInput[]): Uint8Array[] {
  if (roots === undefined) return [awsNitroRootDer()];
  const out = roots.flatMap((root) => (typeof root === 'string' ? pemCertificatesToDer(root) : [root]));
  if (out.length === 0) throw new Error('at least one trusted root is required');
  return out;
}
