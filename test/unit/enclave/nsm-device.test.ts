// The real-NSM module without a real NSM: the CBOR request/response of the Attestation call, the
// `struct nsm_raw` layout and ioctl number, and the koffi ioctl path itself against /dev/null (which
// answers ENOTTY). /dev/nsm is never opened here.
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Decoder, Encoder } from 'cbor-x';
import { DeviceNsm, nsmRoundTrip } from '../../../src/enclave/nsm/device.ts';
import { encodeNsmRaw, ioc, NSM_IOCTL_RAW, NSM_RAW_SIZE, responseLengthOf } from '../../../src/enclave/nsm/ioctl.ts';
import { decodeAttestationResponse, encodeAttestationRequest, NsmError } from '../../../src/enclave/nsm/protocol.ts';
import { openNsm } from '../../../src/enclave/nsm/index.ts';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

describe('NSM Attestation request (CBOR, as serde_cbor encodes the NSM API Request enum)', () => {
  test('is {"Attestation": {user_data, nonce, public_key}} with byte strings, absent fields null', () => {
    const bytes = encodeAttestationRequest({ publicKey: Uint8Array.of(1, 2), nonce: Uint8Array.of(9) });
    // a1 (map 1) 6b "Attestation" a3 (map 3) 69 "user_data" f6 (null) 65 "nonce" 41 09 6a "public_key" 42 01 02
    expect(Buffer.from(bytes).toString('hex')).toBe(
      'a16b4174746573746174696f6ea369757365725f64617461f6656e6f6e636541096a7075626c69635f6b6579420102',
    );
    const decoded = decoder.decode(bytes) as Map<string, Map<string, unknown>>;
    expect([...decoded.get('Attestation')!.keys()]).toEqual(['user_data', 'nonce', 'public_key']);
  });

  test('oversized fields are refused before the device sees them', () => {
    expect(() => encodeAttestationRequest({ nonce: new Uint8Array(513) })).toThrow(/InvalidArgument: nonce is 513 bytes/);
    expect(() => encodeAttestationRequest({ userData: new Uint8Array(513) })).toThrow(NsmError);
    expect(() => encodeAttestationRequest({ publicKey: new Uint8Array(1025) })).toThrow(NsmError);
    expect(() => encodeAttestationRequest({ nonce: new Uint8Array(512), userData: new Uint8Array(512), publicKey: new Uint8Array(1024) })).not.toThrow();
  });
});

describe('NSM Attestation response', () => {
  const respond = (value: unknown) => new Uint8Array(encoder.encode(value));

  test('{"Attestation": {"document": bstr}} yields the document bytes', () => {
    const doc = Uint8Array.of(0x84, 1, 2, 3);
    expect(decodeAttestationResponse(respond(new Map([['Attestation', new Map([['document', doc]])]])))).toEqual(doc);
  });

  test('{"Error": code} throws NsmError with that code', () => {
    let error: unknown;
    try {
      decodeAttestationResponse(respond(new Map([['Error', 'InvalidArgument']])));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NsmError);
    expect((error as NsmError).code).toBe('InvalidArgument');
  });

  test.each([
    ['not CBOR', Uint8Array.of(0xff, 0x00)],
    ['another request kind', respond(new Map([['DescribePCR', new Map([['lock', false]])]]))],
    ['a document that is text', respond(new Map([['Attestation', new Map([['document', 'x']])]]))],
    ['an empty document', respond(new Map([['Attestation', new Map([['document', new Uint8Array()]])]]))],
    ['two top-level keys', respond(new Map<string, unknown>([['Attestation', new Map()], ['Error', 'x']]))],
    ['trailing bytes', Uint8Array.of(...respond(new Map([['Attestation', new Map([['document', Uint8Array.of(1)]])]])), 0)],
  ])('%s is InvalidResponse', (_what, bytes) => {
    expect(() => decodeAttestationResponse(bytes)).toThrow(/InvalidResponse/);
  });
});

describe('struct nsm_raw and NSM_IOCTL_RAW', () => {
  test('the ioctl number is _IOWR(0x0A, 0, 32) = 0xC0200A00', () => {
    expect(NSM_IOCTL_RAW).toBe(0xc0200a00);
    expect(ioc(1, 0x0a, 0, 32)).toBe(0x40200a00); // _IOW: only the write bit
  });

  test('matches the C layout: two {u64 addr; u64 len} iovecs, 32 bytes, little-endian', () => {
    const iovec = koffi.struct('nsm_iovec_t', { addr: 'uint64_t', len: 'uint64_t' });
    const raw = koffi.struct('nsm_raw_t', { request: iovec, response: iovec });
    expect(koffi.sizeof(raw)).toBe(NSM_RAW_SIZE);
    expect(koffi.offsetof(raw, 'response')).toBe(16);
    const bytes = encodeNsmRaw({ addr: 0x1122334455667788n, len: 0x40 }, { addr: 0x99n, len: 0x3000 });
    expect(bytes.toString('hex')).toBe('8877665544332211' + '4000000000000000' + '9900000000000000' + '0030000000000000');
  });

  test('the addresses point at the buffers (read back through memcpy from the address)', () => {
    const libc = koffi.load('libc.so.6');
    const memcpy = libc.func('void *memcpy(void *dst, uint64_t src, size_t n)') as (dst: Buffer, src: bigint, n: number) => unknown;
    const request = Buffer.from('attestation request');
    const raw = encodeNsmRaw({ addr: koffi.address(request), len: request.length }, { addr: 0n, len: 0 });
    const copy = Buffer.alloc(request.length);
    memcpy(copy, raw.readBigUInt64LE(0), Number(raw.readBigUInt64LE(8)));
    expect(copy.toString()).toBe('attestation request');
  });

  test('the response length is read back and bounded by the buffer', () => {
    const raw = encodeNsmRaw({ addr: 1n, len: 1 }, { addr: 2n, len: 4470 });
    expect(responseLengthOf(raw, 0x3000)).toBe(4470);
    raw.writeBigUInt64LE(0x3001n, 24);
    expect(() => responseLengthOf(raw, 0x3000)).toThrow(/0x3000|12289/);
  });
});

describe('the device path (never /dev/nsm)', () => {
  test('the ioctl really runs: on /dev/null it fails with ENOTTY as a clear NsmError', () => {
    const fd = openSync('/dev/null', 'r+');
    try {
      expect(() => nsmRoundTrip(fd, encodeAttestationRequest({ nonce: Uint8Array.of(1) }))).toThrow(/IoctlFailed: .*errno 25/);
    } finally {
      closeSync(fd);
    }
  });

  test('a missing device is a one-line "not inside a Nitro Enclave?" error', () => {
    expect(() => new DeviceNsm('/nonexistent/nsm')).toThrow(/NSM Unavailable: cannot open \/nonexistent\/nsm \(ENOENT\)/);
    expect(() => openNsm({ nsm: 'device', device: '/nonexistent/nsm' })).toThrow(NsmError);
  });
});
