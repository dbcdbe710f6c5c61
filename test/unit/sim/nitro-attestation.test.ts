import { AWS_NITRO_ROOT_G1_PEM, parseNitroDocument } from '../../../src/enclave/attestation/index.ts';
import { loadNitroAttestationForSim, NITRO_ABORT } from '../../../src/sim/nitro-attestation.ts';
import { encodeCoseSign1 } from '../../../src/enclave/attestation/cose.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { MoveAbort } from '../../../src/sim/package/api.ts';
import { SUI_VECTOR_CLOCK_MS, codeOf, eternis, eternisInvalid, evervault, flipped, suiVector } from '../enclave/helpers.ts';

const MINUTE = 60_000n;
const HOUR = 60n * MINUTE;

/** The Move abort code `fn` threw (and that it is sui::nitro_attestation's, package 0x2). */
function abortOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof MoveAbort)) throw error;
    expect(error.module).toBe('nitro_attestation');
    expect(error.packageId).toBe('0x2');
    return error.code;
  }
  throw new Error('expected a MoveAbort, but the call succeeded');
}

describe("sui::nitro_attestation::load_nitro_attestation mirror on real documents", () => {
  test('the fixtures load at their own time, with the fields Sui returns', () => {
    for (const { bytes, at } of [evervault(), eternis()]) {
      const doc = loadNitroAttestationForSim(bytes, BigInt(at.getTime()));
      const strict = parseNitroDocument(bytes);
      expect(doc.moduleId).toBe(strict.moduleId);
      expect(doc.timestampMs).toBe(strict.timestampMs);
      expect(doc.digest).toBe('SHA384');
      expect([...doc.pcrs.keys()]).toEqual([0, 1, 2, 3, 4, 8]); // only the PCRs AWS defines
      for (const [i, value] of doc.pcrs) expect(value).toEqual(strict.pcrs.get(i));
      expect(doc.publicKey).toEqual(strict.publicKey);
      expect(doc.userData).toEqual(strict.userData);
      expect(doc.nonce).toEqual(strict.nonce);
    }
  });

  // Sui's own unit tests (attestation_parse_and_verify, test_over_certificate_expiration)
  test("Sui's test vector: valid ±10 minutes around the clock, EVerifyError ±3 hours", () => {
    const { bytes } = suiVector();
    const clock = BigInt(SUI_VECTOR_CLOCK_MS);
    for (const t of [clock, clock + 10n * MINUTE, clock - 10n * MINUTE]) {
      expect(loadNitroAttestationForSim(bytes, t).pcrs.get(3)).toEqual(parseNitroDocument(bytes).pcrs.get(3));
    }
    expect(abortOf(() => loadNitroAttestationForSim(bytes, clock + 3n * HOUR))).toBe(NITRO_ABORT.VERIFY);
    expect(abortOf(() => loadNitroAttestationForSim(bytes, clock - 3n * HOUR))).toBe(NITRO_ABORT.VERIFY);
  });

  test('malformed bytes abort with EParseError (1)', () => {
    expect(abortOf(() => loadNitroAttestationForSim(Uint8Array.of(0, 0), 0n))).toBe(NITRO_ABORT.PARSE);
  });

  test('eternis-invalid aborts with EVerifyError (2)', () => {
    const { bytes, at } = eternisInvalid();
    expect(abortOf(() => loadNitroAttestationForSim(bytes, BigInt(at.getTime())))).toBe(NITRO_ABORT.VERIFY);
  });

  test('a flipped signature byte aborts with EVerifyError (2)', () => {
    const { bytes, at } = eternis();
    const tampered = flipped(bytes, -5);
    expect(abortOf(() => loadNitroAttestationForSim(tampered, BigInt(at.getTime())))).toBe(NITRO_ABORT.VERIFY);
  });
});

describe('roots are an argument: the simulated NSM is trusted only when passed in', () => {
  const nsm = SimulatedNsm.generate();
  const now = new Date();
  const clock = BigInt(now.getTime());
  const simRoots = [AWS_NITRO_ROOT_G1_PEM, nsm.rootPem];
  const edited = (edit: (p: Map<string, unknown>) => void) => nsm.attest({}, { at: now, mutatePayload: edit });

  test('a simulated document aborts with EVerifyError by default, loads with the extra root', () => {
    const doc = nsm.attest({ publicKey: Uint8Array.of(1, 2, 3) }, { at: now });
    expect(abortOf(() => loadNitroAttestationForSim(doc, clock))).toBe(NITRO_ABORT.VERIFY);
    expect(loadNitroAttestationForSim(doc, clock, simRoots).publicKey).toEqual(Uint8Array.of(1, 2, 3));
    // and the AWS documents still load when the extra root is present
    const { bytes, at } = eternis();
    expect(loadNitroAttestationForSim(bytes, BigInt(at.getTime()), simRoots).moduleId).toContain('i-0bbf1bfe232b8c2ce');
  });

  test('without PCR8 the document aborts with EInvalidPCRsError (3)', () => {
    const doc = edited((p) => (p.get('pcrs') as Map<number, Uint8Array>).delete(8));
    expect(abortOf(() => loadNitroAttestationForSim(doc, clock, simRoots))).toBe(NITRO_ABORT.INVALID_PCRS);
  });

  test.each([
    ['digest SHA256', (p: Map<string, unknown>) => p.set('digest', 'SHA256')],
    ['a 513-byte user_data', (p: Map<string, unknown>) => p.set('user_data', new Uint8Array(513))],
    ['an empty public_key', (p: Map<string, unknown>) => p.set('public_key', new Uint8Array(0))],
    ['an 11-certificate cabundle', (p: Map<string, unknown>) => p.set('cabundle', Array(11).fill(new Uint8Array(64)))],
    ['a 40-byte PCR', (p: Map<string, unknown>) => (p.get('pcrs') as Map<number, Uint8Array>).set(9, new Uint8Array(40))],
    ['an integer map key', (p: Map<unknown, unknown>) => p.set(7, 'x')],
  ])('%s aborts with EParseError (1)', (_name, edit) => {
    expect(abortOf(() => loadNitroAttestationForSim(edited(edit as never), clock, simRoots))).toBe(NITRO_ABORT.PARSE);
  });

  test('a cabundle missing the zonal CA aborts with EVerifyError (2)', () => {
    const doc = edited((p) => p.set('cabundle', (p.get('cabundle') as Uint8Array[]).slice(0, 1)));
    expect(abortOf(() => loadNitroAttestationForSim(doc, clock, simRoots))).toBe(NITRO_ABORT.VERIFY);
  });

  // Where Sui is more lenient than the strict verifier, the mirror follows Sui.
  test('Sui leniencies are mirrored (and the strict verifier rejects the same documents)', () => {
    const lenient = [
      edited((p) => p.set('extra', 1)), // unknown key ignored
      edited((p) => p.set('nonce', 'text')), // a non-bytes optional field reads as None
      edited((p) => p.set('cabundle', (p.get('cabundle') as Uint8Array[]).slice(1))), // root left out of the bundle
    ];
    for (const doc of lenient) expect(() => loadNitroAttestationForSim(doc, clock, simRoots)).not.toThrow();
    expect(loadNitroAttestationForSim(lenient[1]!, clock, simRoots).nonce).toBeNull();
    expect(codeOf(() => parseNitroDocument(lenient[0]!))).toBe('MALFORMED_PAYLOAD');
    expect(codeOf(() => parseNitroDocument(lenient[1]!))).toBe('MALFORMED_PAYLOAD');
  });

  test('PCRs are indexed by position among 0-4 and 8, as Sui does', () => {
    const marked = (n: number) => new Uint8Array(48).fill(n);
    const doc = edited((p) => p.set('pcrs', new Map([8, 0, 1, 2, 3, 4].map((i) => [i, marked(i + 1)]))));
    const pcrs = loadNitroAttestationForSim(doc, clock, simRoots).pcrs;
    expect(pcrs.get(0)).toEqual(marked(9)); // PCR8's value, listed first, lands at index 0
    expect(pcrs.get(8)).toEqual(marked(5));
  });

  test('a re-signed payload with a different algorithm header aborts with EParseError (1)', () => {
    const parsed = parseNitroDocument(nsm.attest({}, { at: now }));
    const es256 = encodeCoseSign1(Uint8Array.of(0xa1, 0x01, 0x26), parsed.cose.payload, parsed.cose.signature, false);
    expect(abortOf(() => loadNitroAttestationForSim(es256, clock, simRoots))).toBe(NITRO_ABORT.PARSE);
  });
});
