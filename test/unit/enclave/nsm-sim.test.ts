import { X509Certificate } from 'node:crypto';
import { parseNitroDocument, verifyNitroDocument } from '../../../src/enclave/attestation/index.ts';
import { loadNitroAttestationForSim, NITRO_ABORT } from '../../../src/sim/nitro-attestation.ts';
import { SimulatedNsm } from '../../../src/enclave/nsm-sim/index.ts';
import { MoveAbort } from '../../../src/sim/package/api.ts';
import { codeOf } from './helpers.ts';

const at = new Date('2030-01-01T12:00:00.000Z');
const nsm = SimulatedNsm.generate({ validFrom: new Date('2029-01-01T00:00:00Z') });

describe('simulated NSM', () => {
  test('issues documents of the AWS shape', () => {
    const bytes = nsm.attest({ nonce: Uint8Array.of(1), userData: Uint8Array.of(2), publicKey: Uint8Array.of(3) }, { at });
    expect(Buffer.from(bytes.subarray(0, 6)).toString('hex')).toBe('8444a1013822'); // untagged, {1: -35}
    const doc = parseNitroDocument(bytes);
    expect(doc.moduleId).toBe(nsm.moduleId);
    expect(doc.timestampMs).toBe(BigInt(at.getTime()));
    expect([...doc.pcrs.keys()]).toEqual([...Array(16).keys()]);
    for (const pcr of doc.pcrs.values()) expect(pcr.length).toBe(48);
    expect(doc.cabundle).toHaveLength(2);
    expect([doc.nonce, doc.userData, doc.publicKey]).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
  });

  test('its certificates are real X.509 that OpenSSL accepts as a chain', () => {
    const doc = parseNitroDocument(nsm.attest({}, { at }));
    const [root, zonal] = doc.cabundle.map((der) => new X509Certificate(der));
    const leaf = new X509Certificate(doc.certificate);
    expect(root!.ca && zonal!.ca && !leaf.ca).toBe(true);
    expect(root!.verify(root!.publicKey) && zonal!.verify(root!.publicKey) && leaf.verify(zonal!.publicKey)).toBe(true);
    expect(leaf.checkIssued(zonal!) && zonal!.checkIssued(root!)).toBe(true);
    expect(new Date(leaf.validTo).getTime() - at.getTime()).toBe(3 * 60 * 60 * 1000); // a three-hour leaf
  });

  test('verifies against its own root, never against the AWS root', () => {
    const bytes = nsm.attest({ nonce: Uint8Array.of(9) }, { at });
    expect(verifyNitroDocument(bytes, { at, roots: [nsm.rootPem], nonce: Uint8Array.of(9) }).chain).toHaveLength(3);
    expect(codeOf(() => verifyNitroDocument(bytes, { at }))).toBe('UNTRUSTED_ROOT');
    let abort: unknown;
    try {
      loadNitroAttestationForSim(bytes, BigInt(at.getTime()));
    } catch (error) {
      abort = error;
    }
    expect(abort).toBeInstanceOf(MoveAbort);
    expect((abort as MoveAbort).code).toBe(NITRO_ABORT.VERIFY);
  });

  test('another simulated NSM root is not this one', () => {
    const other = SimulatedNsm.generate({ validFrom: new Date('2029-01-01T00:00:00Z') });
    expect(codeOf(() => verifyNitroDocument(nsm.attest({}, { at }), { at, roots: [other.rootPem] }))).toBe('UNTRUSTED_ROOT');
  });

  test('its leaf expires like a real one', () => {
    const bytes = nsm.attest({}, { at });
    const later = new Date(at.getTime() + 3 * 60 * 60 * 1000 + 1000);
    expect(codeOf(() => verifyNitroDocument(bytes, { at: later, roots: [nsm.rootPem] }))).toBe('CERTIFICATE_NOT_VALID_AT_TIME');
  });

  test('PCR values are configurable and attested', () => {
    const pcr0 = new Uint8Array(48).fill(0xab);
    const custom = SimulatedNsm.generate({ pcrs: new Map([[0, pcr0]]) });
    const now = new Date();
    const doc = verifyNitroDocument(custom.attest({}, { at: now }), {
      at: now,
      roots: [custom.rootPem],
      expectedPcrs: new Map([[0, pcr0]]),
    });
    expect(doc.pcrs.get(1)).toEqual(new Uint8Array(48));
    expect(() => SimulatedNsm.generate({ pcrs: new Map([[0, new Uint8Array(32)]]) })).toThrow(/48-byte/);
  });

  test('refuses oversized request fields as the NSM does', () => {
    expect(() => nsm.attest({ nonce: new Uint8Array(513) }, { at })).toThrow(/InvalidArgument/);
    expect(() => nsm.attest({ userData: new Uint8Array(513) }, { at })).toThrow(/InvalidArgument/);
    expect(() => nsm.attest({ publicKey: new Uint8Array(1025) }, { at })).toThrow(/InvalidArgument/);
  });

  test('state round trip: a restarted NSM issues documents under the same root', () => {
    const state = JSON.parse(JSON.stringify(nsm.toState())) as ReturnType<SimulatedNsm['toState']>;
    const restarted = SimulatedNsm.fromState(state);
    expect(restarted.rootPem).toBe(nsm.rootPem);
    expect(restarted.moduleId).toBe(nsm.moduleId);
    expect(() => verifyNitroDocument(restarted.attest({}, { at }), { at, roots: [nsm.rootPem] })).not.toThrow();
    const other = SimulatedNsm.generate().toState();
    expect(() => SimulatedNsm.fromState({ ...state, zonalKeyPem: other.zonalKeyPem })).toThrow(/does not match/);
  });
});
