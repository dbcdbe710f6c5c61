/**
 * The real NSM: `/dev/nsm` inside a Nitro Enclave, reached with one ioctl through koffi (Node has no
 * ioctl of its own). Only used when configured (`attestation.nsm: device`); on a machine without the
 * device the open fails with a clear error. Calls are synchronous and short (the NSM answers in
 * milliseconds), and the route that uses them is rate-limited.
 */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encodeNsmRaw, NSM_IOCTL_RAW, responseLengthOf } from './ioctl.ts';
import { decodeAttestationResponse, encodeAttestationRequest, NsmError, NSM_RESPONSE_MAX_SIZE, type AttestationRequest } from './protocol.ts';

export const NSM_DEVICE_PATH = '/dev/nsm';

type Ioctl = (fd: number, request: number, arg: Buffer) => number;

interface Native {
  ioctl: Ioctl;
  address(buffer: Buffer): bigint;
  errno(): number;
}

let native: Native | undefined;

/** koffi is loaded on first use only: nothing else in daas-auth needs a native module. */
function loadNative(): Native {
  if (native) return native;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const libc = koffi.load('libc.so.6');
  native = {
    ioctl: libc.func('int ioctl(int fd, unsigned long request, void *arg)') as Ioctl,
    address: (buffer) => koffi.address(buffer),
    errno: () => koffi.errno(),
  };
  return native;
}

/** One raw NSM round trip on an open descriptor: request bytes in, response bytes out. */
export function nsmRoundTrip(fd: number, request: Uint8Array): Uint8Array {
  const lib = loadNative();
  const requestBuffer = Buffer.from(request);
  const responseBuffer = Buffer.alloc(NSM_RESPONSE_MAX_SIZE);
  const raw = encodeNsmRaw(
    { addr: lib.address(requestBuffer), len: requestBuffer.length },
    { addr: lib.address(responseBuffer), len: responseBuffer.length },
  );
  if (lib.ioctl(fd, NSM_IOCTL_RAW, raw) !== 0) {
    throw new NsmError('IoctlFailed', `ioctl NSM_IOCTL_RAW failed with errno ${lib.errno()}`);
  }
  return responseBuffer.subarray(0, responseLengthOf(raw, responseBuffer.length));
}

export class DeviceNsm {
  readonly kind = 'device' as const;
  readonly #fd: number;

  constructor(path = NSM_DEVICE_PATH) {
    try {
      this.#fd = openSync(path, 'r+');
    } catch (error) {
      throw new NsmError('Unavailable', `cannot open ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): not inside a Nitro Enclave?`);
    }
  }

  attest(request: AttestationRequest): Uint8Array {
    return decodeAttestationResponse(nsmRoundTrip(this.#fd, encodeAttestationRequest(request)));
  }

  close(): void {
    closeSync(this.#fd);
  }
}
