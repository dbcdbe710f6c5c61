/**
 * The exec plugin's cache-miss fast path for ed25519 keys (the Sui default): signs a personal message
 * with OpenSSL through node:crypto instead of loading the Sui SDK, whose module graph (three curves,
 * BCS, the transaction builder's helpers) costs most of a miss. Byte for byte the same signature as the
 * SDK's (ed25519 is deterministic; test/unit/cli/ed25519-signer.test.ts compares them): the digest is
 * blake2b-256 of the personal-message intent `[3, 0, 0]`, the ULEB128 length and the message; the
 * serialized signature is `0x00 || signature || public key`.
 *
 * Only the plain cases take this path — one suiprivkey (--key or DAAS_KEY) or the chosen entry of a
 * keystore, of scheme ed25519; anything else (other schemes, ambiguous or broken sources) answers
 * undefined, and the SDK path signs or explains the problem exactly as before.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { blake2b } from '@noble/hashes/blake2.js';
import { bech32 } from '@scure/base';
import type { PersonalMessageSigner } from '../token/make.ts';
import type { KeySources } from './keys.ts';
import { isFullSuiAddress } from '../policy/formats.ts';

/** DER PKCS#8 header of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_FLAG = 0;
const PERSONAL_MESSAGE_INTENT = [3, 0, 0];

export class Ed25519Signer implements PersonalMessageSigner {
  readonly #key: KeyObject;
  readonly publicKey: Uint8Array;
  readonly #address: string;

  constructor(seed: Uint8Array) {
    this.#key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = new Uint8Array(createPublicKey(this.#key).export({ format: 'der', type: 'spki' }).subarray(-32));
    this.#address = `0x${Buffer.from(blake2b(Uint8Array.of(ED25519_FLAG, ...this.publicKey), { dkLen: 32 })).toString('hex')}`;
  }

  toSuiAddress(): string {
    return this.#address;
  }

  async signPersonalMessage(message: Uint8Array): Promise<{ signature: string }> {
    const digest = blake2b(Uint8Array.of(...PERSONAL_MESSAGE_INTENT, ...uleb128(message.length), ...message), { dkLen: 32 });
    const signature = sign(null, digest, this.#key);
    return { signature: Buffer.concat([Buffer.of(ED25519_FLAG), signature, this.publicKey]).toString('base64') };
  }
}

function uleb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** The ed25519 signer these sources name, when that is plain; undefined sends the caller to the SDK. */
export function plainEd25519Signer(sources: KeySources): Ed25519Signer | undefined {
  try {
    const seed = sources.keystore ? (sources.key ? undefined : keystoreSeed(sources.keystore, sources.address)) : privkeySeed(sources.key ?? sources.env?.DAAS_KEY);
    if (!seed) return undefined;
    const signer = new Ed25519Signer(seed);
    if (sources.address && !sameAddress(signer.toSuiAddress(), sources.address)) return undefined;
    return signer;
  } catch {
    return undefined;
  }
}

/** The seed of a `suiprivkey1…` string of scheme ed25519. */
function privkeySeed(text: string | undefined): Uint8Array | undefined {
  if (!text) return undefined;
  const { prefix, words } = bech32.decode(text.trim() as `${string}1${string}`);
  const bytes = bech32.fromWords(words);
  return prefix === 'suiprivkey' && bytes.length === 33 && bytes[0] === ED25519_FLAG ? bytes.slice(1) : undefined;
}

/** The seed of the keystore entry the CLI would choose (the one for `address`, or the only one). */
function keystoreSeed(file: string, address: string | undefined): Uint8Array | undefined {
  const entries: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(entries) || entries.length === 0 || entries.some((e) => typeof e !== 'string')) return undefined;
  const seeds = (entries as string[]).map((entry) => {
    if (entry.startsWith('suiprivkey')) return privkeySeed(entry);
    const bytes = Buffer.from(entry, 'base64');
    return /^[A-Za-z0-9+/]+={0,2}$/.test(entry) && bytes.length === 33 && bytes[0] === ED25519_FLAG ? new Uint8Array(bytes.subarray(1)) : undefined;
  });
  // A keystore with any other kind of entry is left to the SDK path, which knows every scheme.
  if (seeds.some((s) => s === undefined)) return undefined;
  if (!address) return seeds.length === 1 ? seeds[0] : undefined;
  return seeds.find((seed) => sameAddress(new Ed25519Signer(seed!).toSuiAddress(), address));
}

function sameAddress(a: string, b: string): boolean {
  return isFullSuiAddress(b) && a === b.toLowerCase();
}
