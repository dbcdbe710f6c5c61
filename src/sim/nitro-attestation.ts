/**
 * sui-sim's mirror of `sui::nitro_attestation::load_nitro_attestation` (MystenLabs/sui,
 * crates/sui-types/src/nitro_attestation.rs and sui-move-natives crypto/nitro_attestation.rs).
 * Same checks, same abort codes:
 *   1 EParseError        the COSE envelope or the payload map breaks Sui's parse rules;
 *   2 EVerifyError       leaf key / COSE signature / certificate chain at the clock time fails;
 *   3 EInvalidPCRsError  the document does not hold exactly PCRs 0, 1, 2, 3, 4 and 8.
 * Sui's rules differ from the strict verifier in small ways, kept here on purpose: unknown payload
 * keys are ignored, an optional field that is not a byte string reads as None, only PCRs 0-4 and 8 are
 * returned (indexed by position, as Sui does), cabundle[0] only has to be issued by the root, and the
 * document timestamp is not compared with the clock.
 */
import { MoveAbort, type NitroAttestation } from './package/api.ts';
import { verifyCertificateChain } from '../enclave/attestation/chain.ts';
import { decodeCoseSign1, verifyCoseSignature } from '../enclave/attestation/cose.ts';
import { bytesOf, certificateOf, decodePayloadMap, digestOf, moduleIdOf, pcrValueOf, timestampOf } from '../enclave/attestation/document.ts';
import { fail } from '../enclave/attestation/errors.ts';
import { resolveRoots, type RootInput } from '../enclave/attestation/roots.ts';
import { DOCUMENT_LIMITS as L, type CoseSign1 } from '../enclave/attestation/types.ts';

export const NITRO_ABORT = { NOT_SUPPORTED: 0, PARSE: 1, VERIFY: 2, INVALID_PCRS: 3 } as const;

/** The PCR indices Sui returns, in this order (AWS defines PCR0-4 and PCR8). */
const SUI_PCR_INDICES = [0, 1, 2, 3, 4, 8] as const;

interface SuiDocument {
  cose: CoseSign1;
  result: NitroAttestation;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
  /** PCR values of indices 0-4 and 8, in map order, as Sui collects them. */
  pcrValues: Uint8Array[];
}

/**
 * @param roots trust anchors; default the pinned AWS root only. sui-sim passes the simulated NSM's
 *   root in addition ONLY when it was started with an explicit option for local runs.
 */
export function loadNitroAttestationForSim(
  document: Uint8Array,
  clockTimestampMs: bigint,
  roots?: readonly RootInput[],
): NitroAttestation {
  const anchors = resolveRoots(roots);
  const doc = stage(NITRO_ABORT.PARSE, () => parseAsSui(document));
  stage(NITRO_ABORT.VERIFY, () => {
    // Sui: i64 milliseconds / 1000 → ASN1Time seconds.
    const nowSeconds = Number(BigInt.asIntN(64, clockTimestampMs) / 1000n);
    const chain = verifyCertificateChain(doc.certificate, doc.cabundle, anchors, nowSeconds, { requireRootInBundle: false });
    verifyCoseSignature(doc.cose, chain[chain.length - 1]!);
  });
  if (doc.pcrValues.length !== SUI_PCR_INDICES.length) abort(NITRO_ABORT.INVALID_PCRS);
  doc.result.pcrs = new Map(doc.pcrValues.map((value, i) => [SUI_PCR_INDICES[i]!, value]));
  return doc.result;
}

function stage<T>(code: number, run: () => T): T {
  try {
    return run();
  } catch {
    return abort(code); // fail closed: any failure in a stage is that stage's abort
  }
}

function abort(code: number): never {
  throw new MoveAbort('nitro_attestation', code, '0x2');
}

function parseAsSui(bytes: Uint8Array): SuiDocument {
  const cose = decodeCoseSign1(bytes);
  const map = decodePayloadMap(cose.payload, false); // duplicate keys: the last one wins, as in Sui's HashMap
  return {
    cose,
    certificate: certificateOf(map.get('certificate'), 'certificate'),
    cabundle: cabundleOf(map.get('cabundle')),
    pcrValues: pcrValuesOf(map.get('pcrs')),
    result: {
      moduleId: moduleIdOf(map.get('module_id')),
      timestampMs: timestampOf(map.get('timestamp')),
      digest: digestOf(map.get('digest')),
      pcrs: new Map(),
      publicKey: optionalBytes(map.get('public_key'), 'public_key', 1, L.maxPublicKey),
      userData: optionalBytes(map.get('user_data'), 'user_data', 0, L.maxUserData),
      nonce: optionalBytes(map.get('nonce'), 'nonce', 0, L.maxNonce),
    },
  };
}

/** Sui: a value that is not a byte string is None; a byte string must fit its bounds. */
function optionalBytes(value: unknown, field: string, min: number, max: number): Uint8Array | null {
  return value instanceof Uint8Array ? bytesOf(value, field, min, max) : null;
}

function cabundleOf(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > L.maxCabundle) fail('MALFORMED_PAYLOAD', 'invalid cabundle');
  return value.map((cert: unknown, i) => certificateOf(cert, `cabundle[${i}]`));
}

function pcrValuesOf(value: unknown): Uint8Array[] {
  if (!(value instanceof Map) || value.size > L.maxPcrs) return fail('MALFORMED_PAYLOAD', 'invalid pcrs');
  const values: Uint8Array[] = [];
  for (const [key, pcr] of value as Map<unknown, unknown>) {
    if (typeof key !== 'number' && typeof key !== 'bigint') fail('MALFORMED_PAYLOAD', 'invalid PCR key format');
    const bytes = pcrValueOf(pcr, String(key));
    if (key < 0) fail('MALFORMED_PAYLOAD', 'invalid PCR index');
    if ((SUI_PCR_INDICES as readonly number[]).includes(Number(key))) values.push(bytes);
  }
  return values;
}
