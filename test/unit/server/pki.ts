/** A throwaway PKI for server tests (openssl CLI): a CA, a serving cert for 127.0.0.1 and client certs. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPki {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  client: { cert: Buffer; key: Buffer };
  /** A second client certificate from the same CA, CN other-apiserver (another cluster's apiserver). */
  otherClient: { cert: Buffer; key: Buffer };
  /** A client certificate from a different CA. */
  stranger: { cert: Buffer; key: Buffer };
  ca: Buffer;
  /** Makes another serving pair signed by the same CA (for reload tests). */
  newServingPair(name: string): { certFile: string; keyFile: string };
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
const CLIENT_EXT = 'extendedKeyUsage=clientAuth\n';

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'daas-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'ca', 'server', 'daas-auth', SERVER_EXT);
  makeLeaf(dir, 'ca', 'client', 'kube-apiserver', CLIENT_EXT);
  makeLeaf(dir, 'other-ca', 'stranger', 'kube-apiserver', CLIENT_EXT);
  makeLeaf(dir, 'ca', 'other-client', 'other-apiserver', CLIENT_EXT);
  const read = (name: string) => readFileSync(path.join(dir, name));
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
    client: { cert: read('client.crt'), key: read('client.key') },
    stranger: { cert: read('stranger.crt'), key: read('stranger.key') },
    otherClient: { cert: read('other-client.crt'), key: read('other-client.key') },
    ca: read('ca.crt'),
    newServingPair(name: string) {
      makeLeaf(dir, 'ca', name, `daas-auth-${name}`, SERVER_EXT);
      return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
    },
  };
}
