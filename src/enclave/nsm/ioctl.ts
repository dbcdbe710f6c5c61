/**
 * The Linux NSM driver's ioctl (include/uapi/linux/nsm.h; the NSM API crate's src/driver/mod.rs):
 *
 *   struct nsm_iovec { __u64 addr; __u64 len; };
 *   struct nsm_raw   { struct nsm_iovec request; struct nsm_iovec response; };   // 32 bytes
 *   #define NSM_IOCTL_RAW _IOWR(0x0A, 0x0, struct nsm_raw)                        // 0xC0200A00
 *
 * The driver reads `request.len` bytes at `request.addr`, writes the CBOR response at `response.addr`
 * and stores its length back into `response.len`. Pure layout code, so it is tested without a device.
 */

const IOC_NRBITS = 8;
const IOC_TYPEBITS = 8;
const IOC_SIZEBITS = 14;
const IOC_WRITE = 1;
const IOC_READ = 2;

/** Linux `_IOC(dir, type, nr, size)` (asm-generic/ioctl.h). */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  const typeShift = IOC_NRBITS;
  const sizeShift = typeShift + IOC_TYPEBITS;
  const dirShift = sizeShift + IOC_SIZEBITS;
  // >>> 0: the direction bits reach bit 31; keep the result an unsigned 32-bit number.
  return ((dir << dirShift) | (size << sizeShift) | (type << typeShift) | nr) >>> 0;
}

export const NSM_MAGIC = 0x0a;
export const NSM_RAW_SIZE = 32;
export const NSM_IOCTL_RAW = ioc(IOC_READ | IOC_WRITE, NSM_MAGIC, 0, NSM_RAW_SIZE);

export interface IoVec {
  addr: bigint;
  len: number;
}

/** The 32-byte `struct nsm_raw`, little-endian as on every Nitro host (x86_64, aarch64). */
export function encodeNsmRaw(request: IoVec, response: IoVec): Buffer {
  const raw = Buffer.alloc(NSM_RAW_SIZE);
  raw.writeBigUInt64LE(request.addr, 0);
  raw.writeBigUInt64LE(BigInt(request.len), 8);
  raw.writeBigUInt64LE(response.addr, 16);
  raw.writeBigUInt64LE(BigInt(response.len), 24);
  return raw;
}

/** The response length the driver wrote back, bounded by the buffer it was given. */
export function responseLengthOf(raw: Buffer, capacity: number): number {
  const len = raw.readBigUInt64LE(24);
  if (len > BigInt(capacity)) throw new Error(`the NSM driver reported ${len} response bytes for a ${capacity}-byte buffer`);
  return Number(len);
}
