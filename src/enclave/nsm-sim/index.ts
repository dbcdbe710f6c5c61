/**
 * A simulated Nitro Secure Module for local runs and tests. It answers the NSM `Attestation` request
 * ({public_key, user_data, nonce}) with a document of the real shape — untagged COSE_Sign1, ES384, the
 * AWS payload map with 16 PCRs, a fresh three-hour leaf under a zonal CA under a root — but its root
 * is a generated TEST root. A document from it never verifies against the pinned AWS root; sui-sim
 * accepts it only when started with an explicit option that passes `rootPem` as an extra root.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Encoder } from 'cbor-x';
import { bytesEqual, fromHex, toHex } from '../attestation/bytes.ts';
import { encodeCoseSign1, ES384_PROTECTED_HEADER, sigStructure } from '../attestation/cose.ts';
import { pemCertificatesToDer } from '../attestation/roots.ts';
import { checkAttestationRequest, type AttestationRequest } from '../nsm/protocol.ts';
import { OID, parseCertificate } from '../attestation/x509.ts';
import { buildCertificate, type NameSpec } from './x509-builder.ts';

export type { AttestationRequest } from '../nsm/protocol.ts';

export interface AttestOptions {
  /** Document time (default: now). The leaf is valid from one minute before to three hours after. */
  at?: Date;
  /** Wrap in CBOR tag 18 (real NSMs do not). */
  tagged?: boolean;
  /** Encode the payload as an indefinite-length map, as NSMs do since 2025. */
  indefiniteLengthMap?: boolean;
  /** Tests only: edit the payload map (any key/value) before it is encoded and signed. */
  mutatePayload?: (payload: Map<string, unknown>) => void;
}

/** Everything needed to restart the same simulated NSM (keys in PKCS#8 PEM: a TEST secret, nothing more). */
export interface SimulatedNsmState {
  version: 1;
  moduleId: string;
  /** PCR index → hex. */
  pcrs: Record<string, string>;
  rootCertPem: string;
  rootKeyPem: string;
  zonalCertPem: string;
  zonalKeyPem: string;
}

export interface GenerateOptions {
  moduleId?: string;
  /** PCR values to set (48 bytes each); the other of PCR0-15 stay zero, as in debug mode. */
  pcrs?: ReadonlyMap<number, Uint8Array>;
  /** Start of the CA validity (default: one day ago); the CAs live 30 years. */
  validFrom?: Date;
}

const PCR_COUNT = 16;
const PCR_LENGTH = 48;
const LEAF_LIFETIME_MS = 3 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 30 * 365 * 24 * 60 * 60 * 1000;
const ORG: NameSpec = [
  [OID.COUNTRY, 'US'],
  [OID.ORGANIZATION, 'daas-auth'],
  [OID.ORGANIZATIONAL_UNIT, 'simulated NSM (TEST ONLY)'],
];
const ROOT_NAME: NameSpec = [...ORG, [OID.COMMON_NAME, 'daas-auth simulated nitro root (TEST ONLY)']];
const ZONAL_NAME: NameSpec = [...ORG, [OID.COMMON_NAME, 'daas-auth simulated nitro zonal CA (TEST ONLY)']];

const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

interface Authority {
  cert: Uint8Array;
  key: KeyObject;
}

export class SimulatedNsm {
  readonly moduleId: string;
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  private readonly root: Authority;
  private readonly zonal: Authority;

  private constructor(moduleId: string, pcrs: ReadonlyMap<number, Uint8Array>, root: Authority, zonal: Authority) {
    this.moduleId = moduleId;
    this.pcrs = pcrs;
    this.root = root;
    this.zonal = zonal;
  }

  /** A new test PKI: a root and a zonal CA with fresh P-384 keys. */
  static generate(options: GenerateOptions = {}): SimulatedNsm {
    const from = options.validFrom ?? new Date(Date.now() - 24 * 60 * 60 * 1000);
    const until = new Date(from.getTime() + CA_LIFETIME_MS);
    const rootKeys = p384();
    const zonalKeys = p384();
    const rootCert = buildCertificate({
      subject: ROOT_NAME,
      issuer: ROOT_NAME,
      notBefore: from,
      notAfter: until,
      subjectKey: rootKeys.publicKey,
      signingKey: rootKeys.privateKey,
      ca: true,
    });
    const zonalCert = buildCertificate({
      subject: ZONAL_NAME,
      issuer: ROOT_NAME,
      notBefore: from,
      notAfter: until,
      subjectKey: zonalKeys.publicKey,
      signingKey: rootKeys.privateKey,
      ca: true,
      pathLen: 0,
    });
    const moduleId = options.moduleId ?? `i-${randomBytes(8).toString('hex')}-enc${randomBytes(8).toString('hex')}`;
    return new SimulatedNsm(
      moduleId,
      defaultPcrs(options.pcrs),
      { cert: rootCert, key: rootKeys.privateKey },
      { cert: zonalCert, key: zonalKeys.privateKey },
    );
  }

  static fromState(state: SimulatedNsmState): SimulatedNsm {
    if (state.version !== 1) throw new Error(`unsupported simulated NSM state version ${String(state.version)}`);
    const pcrs = new Map(Object.entries(state.pcrs).map(([i, hex]) => [Number(i), fromHex(hex, `PCR${i}`)]));
    return new SimulatedNsm(state.moduleId, pcrs, authority(state.rootCertPem, state.rootKeyPem), authority(state.zonalCertPem, state.zonalKeyPem));
  }

  toState(): SimulatedNsmState {
    return {
      version: 1,
      moduleId: this.moduleId,
      pcrs: Object.fromEntries([...this.pcrs].map(([i, v]) => [String(i), toHex(v)])),
      rootCertPem: toPem(this.root.cert),
      rootKeyPem: this.root.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      zonalCertPem: toPem(this.zonal.cert),
      zonalKeyPem: this.zonal.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }

  /** The TEST root as PEM: the extra root a sim run may be told to trust. */
  get rootPem(): string {
    return toPem(this.root.cert);
  }

  get rootDer(): Uint8Array {
    return this.root.cert;
  }

  /** The NSM `Attestation` request: returns the COSE_Sign1 document bytes. */
  attest(request: AttestationRequest = {}, options: AttestOptions = {}): Uint8Array {
    checkAttestationRequest(request); // the real NSM refuses oversized fields (InvalidArgument); so does this one
    const at = options.at ?? new Date();
    const leafKeys = p384();
    const leafCert = buildCertificate({
      subject: [...ORG, [OID.COMMON_NAME, `${this.moduleId}.sim`]],
      issuer: ZONAL_NAME,
      notBefore: new Date(at.getTime() - 60_000),
      notAfter: new Date(at.getTime() + LEAF_LIFETIME_MS),
      subjectKey: leafKeys.publicKey,
      signingKey: this.zonal.key,
      ca: false,
    });
    const payload = new Map<string, unknown>([
      ['module_id', this.moduleId],
      ['digest', 'SHA384'],
      ['timestamp', BigInt(at.getTime())], // a bigint encodes as uint64 (a number would become a float)
      ['pcrs', new Map(this.pcrs)],
      ['certificate', leafCert],
      ['cabundle', [this.root.cert, this.zonal.cert]],
      ['public_key', request.publicKey ?? null],
      ['user_data', request.userData ?? null],
      ['nonce', request.nonce ?? null],
    ]);
    options.mutatePayload?.(payload);
    const payloadBytes = encodePayload(payload, options.indefiniteLengthMap ?? false);
    const signature = sign('sha384', sigStructure(ES384_PROTECTED_HEADER, payloadBytes), {
      key: leafKeys.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return encodeCoseSign1(ES384_PROTECTED_HEADER, payloadBytes, signature, options.tagged ?? false);
  }
}

function encodePayload(payload: Map<string, unknown>, indefinite: boolean): Uint8Array {
  if (!indefinite) return new Uint8Array(encoder.encode(payload));
  const parts: Uint8Array[] = [Uint8Array.of(0xbf)];
  for (const [key, value] of payload) parts.push(encoder.encode(key), encoder.encode(value));
  parts.push(Uint8Array.of(0xff));
  return new Uint8Array(Buffer.concat(parts));
}

function defaultPcrs(overrides: ReadonlyMap<number, Uint8Array> = new Map()): Map<number, Uint8Array> {
  const pcrs = new Map<number, Uint8Array>();
  for (let i = 0; i < PCR_COUNT; i++) pcrs.set(i, new Uint8Array(PCR_LENGTH));
  for (const [i, value] of overrides) {
    if (!Number.isInteger(i) || i < 0 || i >= PCR_COUNT || value.length !== PCR_LENGTH) {
      throw new Error(`PCR${i} must be an index 0..${PCR_COUNT - 1} with a ${PCR_LENGTH}-byte value`);
    }
    pcrs.set(i, new Uint8Array(value));
  }
  return pcrs;
}

function p384(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
}

function authority(certPem: string, keyPem: string): Authority {
  const [cert] = pemCertificatesToDer(certPem);
  if (!cert) throw new Error('simulated NSM state has no certificate');
  const key = createPrivateKey(keyPem);
  // the key must belong to the certificate, or every document would fail to verify later
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  if (!bytesEqual(spki, parseCertificate(cert, 'simulated NSM state').spki)) {
    throw new Error('simulated NSM state: a private key does not match its certificate');
  }
  return { cert, key };
}

function toPem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
