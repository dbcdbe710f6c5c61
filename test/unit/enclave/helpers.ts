/** Shared test inputs: the real documents of ../shared/fixtures/attestation and the Sui test vector. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttestationError, type AttestationErrorCode } from '../../../src/enclave/attestation/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../..');
/** CI checks out ../shared beside the clone; the fixtures are never copied into the repository. */
export const SHARED_FIXTURES = resolve(REPO_ROOT, '../shared/fixtures/attestation');
export const SUI_VECTOR_FILE = resolve(here, 'fixtures/sui-2024-11-14.hex');

export interface Fixture {
  file: string;
  bytes: Uint8Array;
  /** The document's own timestamp (its README): the time to verify it "as of". */
  at: Date;
}

function fixture(name: string, iso: string): Fixture {
  const file = resolve(SHARED_FIXTURES, name);
  const bytes = new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  return { file, bytes, at: new Date(iso) };
}

export const evervault = (): Fixture => fixture('evervault-2023-09-18.b64', '2023-09-18T15:03:30.860Z');
export const eternis = (): Fixture => fixture('eternis-2024-09-09.b64', '2024-09-09T19:49:12.400Z');
export const eternisInvalid = (): Fixture => fixture('eternis-invalid-2024-07-23.b64', '2024-07-23T21:29:40.771Z');

/** MystenLabs/sui crates/sui-types/src/unit_tests/nitro_attestation_tests.rs, FIXED_VALID_ATTESTATION. */
export const SUI_VECTOR_CLOCK_MS = 1731627987382;
export function suiVector(): Fixture {
  const bytes = new Uint8Array(Buffer.from(readFileSync(SUI_VECTOR_FILE, 'utf8').trim(), 'hex'));
  return { file: SUI_VECTOR_FILE, bytes, at: new Date(SUI_VECTOR_CLOCK_MS) };
}

/** Runs `fn` and returns the AttestationError code it threw; fails the test if it did not throw one. */
export function codeOf(fn: () => unknown): AttestationErrorCode {
  try {
    fn();
  } catch (error) {
    if (error instanceof AttestationError) return error.code;
    throw error;
  }
  throw new Error('expected an AttestationError, but the call succeeded');
}

/** A copy of `bytes` with the first occurrence of `needle` XOR-ed at byte `offset` within it. */
export function flipInside(bytes: Uint8Array, needle: Uint8Array, offset = 0): Uint8Array {
  const at = Buffer.from(bytes).indexOf(Buffer.from(needle));
  if (at < 0) throw new Error('needle not found');
  return flipped(bytes, at + offset);
}

/** A copy of `bytes` with byte `index` (negative: from the end) XOR-ed with `mask`. */
export function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = index < 0 ? copy.length + index : index;
  copy[i] = copy[i]! ^ mask;
  return copy;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
