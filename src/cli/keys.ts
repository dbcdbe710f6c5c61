/**
 * Where the CLI's signing key comes from: `--key suiprivkey1…`, `--keystore FILE [--address A]`
 * (the Sui CLI keystore: a JSON array of base64 `flag || 32-byte secret`), or `DAAS_KEY`.
 * Flags win over the environment; `--key` together with `--keystore` is refused as ambiguous.
 * Ed25519, Secp256k1 and Secp256r1 keys are supported. No message ever contains key material.
 */
import { readFileSync } from 'node:fs';
import { decodeSuiPrivateKey, type Keypair } from '@mysten/sui/cryptography';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { normalizeSuiAddress } from '@mysten/sui/utils';
import { UserError } from './errors.ts';
import { isSuiIdInput } from '../policy/formats.ts';

export interface KeySources {
  key?: string;
  keystore?: string;
  address?: string;
  env?: Record<string, string | undefined>;
}

/** Signature flag (first byte of a keystore entry / suiprivkey payload) → keypair class. */
const BY_FLAG: Record<number, { scheme: string; fromSecretKey(secret: Uint8Array): Keypair }> = {
  0: { scheme: 'ED25519', fromSecretKey: (s) => Ed25519Keypair.fromSecretKey(s) },
  1: { scheme: 'Secp256k1', fromSecretKey: (s) => Secp256k1Keypair.fromSecretKey(s) },
  2: { scheme: 'Secp256r1', fromSecretKey: (s) => Secp256r1Keypair.fromSecretKey(s) },
};

const BY_SCHEME = new Map(Object.values(BY_FLAG).map((entry) => [entry.scheme, entry]));

/** `keys new --scheme` values, as the Sui CLI spells them. */
export const KEY_SCHEMES = ['ed25519', 'secp256k1', 'secp256r1'] as const;
export type KeyScheme = (typeof KEY_SCHEMES)[number];

const GENERATE: Record<KeyScheme, { flag: number; generate(): Keypair }> = {
  ed25519: { flag: 0, generate: () => Ed25519Keypair.generate() },
  secp256k1: { flag: 1, generate: () => Secp256k1Keypair.generate() },
  secp256r1: { flag: 2, generate: () => Secp256r1Keypair.generate() },
};

/** The scheme name of a keypair (`ED25519`, `Secp256k1`, `Secp256r1`), as the Sui SDK names it. */
export function keypairScheme(keypair: Keypair): string {
  return keypair.getKeyScheme();
}

/** A new key and its Sui keystore entry (base64 of flag || 32-byte secret). */
export function newKeystoreEntry(scheme: KeyScheme): { keypair: Keypair; entry: string } {
  const { flag, generate } = GENERATE[scheme];
  const keypair = generate();
  const { secretKey } = decodeSuiPrivateKey(keypair.getSecretKey());
  return { keypair, entry: Buffer.from([flag, ...secretKey]).toString('base64') };
}

/** A keypair from a `suiprivkey1…` string; `what` names the source in errors (never the value). */
export function parseSuiPrivateKey(text: string, what: string): Keypair {
  let decoded: { scheme: string; secretKey: Uint8Array };
  try {
    decoded = decodeSuiPrivateKey(text.trim());
  } catch {
    throw new UserError(`${what} is not a valid suiprivkey1… private key`);
  }
  const entry = BY_SCHEME.get(decoded.scheme);
  if (!entry) throw new UserError(`${what}: unsupported key scheme ${decoded.scheme ?? 'unknown'} (use ed25519, secp256k1 or secp256r1)`);
  return fromSecret(entry, decoded.secretKey, what);
}

/** Every key of a Sui keystore file's contents, in file order. */
export function parseKeystore(text: string, source: string): Keypair[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new UserError(`${source} is not a Sui keystore (expected a JSON array of base64 keys)`);
  }
  if (!Array.isArray(entries)) throw new UserError(`${source} is not a Sui keystore (expected a JSON array of base64 keys)`);
  return entries.map((entry, index) => {
    const what = `${source} entry ${index + 1}`;
    if (typeof entry !== 'string') throw new UserError(`${what} is not a string`);
    if (entry.startsWith('suiprivkey')) return parseSuiPrivateKey(entry, what);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(entry)) throw new UserError(`${what} is not base64`);
    const bytes = Buffer.from(entry, 'base64');
    if (bytes.length !== 33) throw new UserError(`${what} has ${bytes.length} bytes; expected 33 (flag and 32-byte secret)`);
    const scheme = BY_FLAG[bytes[0]!];
    if (!scheme) throw new UserError(`${what}: unsupported key flag ${bytes[0]} (use ed25519, secp256k1 or secp256r1)`);
    return fromSecret(scheme, new Uint8Array(bytes.subarray(1)), what);
  });
}

function fromSecret(entry: { fromSecretKey(secret: Uint8Array): Keypair }, secret: Uint8Array, what: string): Keypair {
  try {
    return entry.fromSecretKey(secret);
  } catch {
    throw new UserError(`${what} is not a valid private key`);
  }
}

/** The signer the CLI uses, from flags or the environment; a clear error if none or ambiguous. */
export function loadSigner(sources: KeySources): Keypair {
  const env = sources.env ?? process.env;
  if (sources.key && sources.keystore) {
    throw new UserError('both --key and --keystore given: use one of them');
  }
  let keypair: Keypair;
  if (sources.keystore) {
    keypair = fromKeystoreFile(sources.keystore, sources.address);
  } else if (sources.key) {
    keypair = parseSuiPrivateKey(sources.key, '--key');
  } else if (env.DAAS_KEY) {
    keypair = parseSuiPrivateKey(env.DAAS_KEY, 'DAAS_KEY');
  } else {
    throw new UserError('no key: pass --key suiprivkey1…, --keystore FILE [--address A], or set DAAS_KEY');
  }
  if (sources.address && !sameAddress(keypair.toSuiAddress(), sources.address)) {
    throw new UserError(`the key given is for ${keypair.toSuiAddress()}, not --address ${sources.address}`);
  }
  return keypair;
}

function fromKeystoreFile(file: string, address: string | undefined): Keypair {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cannot read keystore ${file}`);
  }
  const keys = parseKeystore(text, file);
  if (keys.length === 0) throw new UserError(`keystore ${file} holds no keys`);
  if (address) {
    const hit = keys.find((k) => sameAddress(k.toSuiAddress(), address));
    if (!hit) throw new UserError(`keystore ${file} holds no key for ${address}`);
    return hit;
  }
  if (keys.length > 1) {
    const list = keys.map((k) => k.toSuiAddress()).join(', ');
    throw new UserError(`keystore ${file} holds ${keys.length} keys; choose one with --address (${list})`);
  }
  return keys[0]!;
}

function sameAddress(a: string, b: string): boolean {
  if (!isSuiIdInput(b)) throw new UserError(`--address ${b} is not a Sui address (0x + 64 hex digits)`);
  return normalizeSuiAddress(a) === normalizeSuiAddress(b.toLowerCase());
}
