import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Secp256k1Keypair } from '@mysten/sui/keypairs/secp256k1';
import { Secp256r1Keypair } from '@mysten/sui/keypairs/secp256r1';
import { decodeSuiPrivateKey } from '@mysten/sui/cryptography';
import { UserError } from '../../../src/cli/errors.ts';
import { loadSigner, parseKeystore, parseSuiPrivateKey } from '../../../src/cli/keys.ts';

const ed = Ed25519Keypair.generate();
const k1 = Secp256k1Keypair.generate();
const r1 = Secp256r1Keypair.generate();

/** The Sui CLI keystore entry: base64(flag || 32-byte secret). */
function entry(kp: Ed25519Keypair | Secp256k1Keypair | Secp256r1Keypair, flag: number): string {
  const { secretKey } = decodeSuiPrivateKey(kp.getSecretKey());
  return Buffer.from([flag, ...secretKey]).toString('base64');
}

function keystore(entries: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'daas-keys-')), 'sui.keystore');
  writeFileSync(file, typeof entries === 'string' ? entries : JSON.stringify(entries));
  return file;
}

test('parses the three key schemes of a Sui keystore, in order', () => {
  const keys = parseKeystore(JSON.stringify([entry(ed, 0), entry(k1, 1), entry(r1, 2), ed.getSecretKey()]), 'ks');
  expect(keys.map((k) => k.toSuiAddress())).toEqual([ed, k1, r1, ed].map((k) => k.toSuiAddress()));
  expect(keys.map((k) => k.getKeyScheme())).toEqual(['ED25519', 'Secp256k1', 'Secp256r1', 'ED25519']);
});

test.each([
  ['not JSON', 'nope', /not a Sui keystore/],
  ['not an array', '{}', /not a Sui keystore/],
  ['a number entry', '[1]', /entry 1 is not a string/],
  ['a non-base64 entry', '["**"]', /entry 1 is not base64/],
  ['a short entry', JSON.stringify([Buffer.alloc(10).toString('base64')]), /10 bytes; expected 33/],
  ['an unknown flag', JSON.stringify([Buffer.from([9, ...new Uint8Array(32).fill(1)]).toString('base64')]), /unsupported key flag 9/],
])('refuses %s', (_what, text, message) => {
  expect(() => parseKeystore(text, 'ks')).toThrow(message);
});

test('a suiprivkey string round-trips; a bad one is refused without echoing it', () => {
  expect(parseSuiPrivateKey(k1.getSecretKey(), '--key').toSuiAddress()).toBe(k1.toSuiAddress());
  const secretish = `${ed.getSecretKey().slice(0, -3)}xyz`;
  let message = '';
  try {
    parseSuiPrivateKey(secretish, '--key');
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toBe('--key is not a valid suiprivkey1… private key');
});

describe('loadSigner', () => {
  test('--key, then --keystore, then DAAS_KEY', () => {
    expect(loadSigner({ key: ed.getSecretKey(), env: { DAAS_KEY: k1.getSecretKey() } }).toSuiAddress()).toBe(ed.toSuiAddress());
    expect(loadSigner({ keystore: keystore([entry(r1, 2)]), env: { DAAS_KEY: k1.getSecretKey() } }).toSuiAddress()).toBe(
      r1.toSuiAddress(),
    );
    expect(loadSigner({ env: { DAAS_KEY: k1.getSecretKey() } }).toSuiAddress()).toBe(k1.toSuiAddress());
  });

  test('no key at all says where a key can come from', () => {
    expect(() => loadSigner({ env: {} })).toThrow(/no key: pass --key.*--keystore.*DAAS_KEY/);
  });

  test('--key with --keystore is ambiguous', () => {
    expect(() => loadSigner({ key: ed.getSecretKey(), keystore: 'x', env: {} })).toThrow(/both --key and --keystore/);
  });

  test('a keystore of several keys needs --address, and picks by it', () => {
    const file = keystore([entry(ed, 0), entry(k1, 1)]);
    expect(() => loadSigner({ keystore: file, env: {} })).toThrow(
      new RegExp(`holds 2 keys; choose one with --address \\(${ed.toSuiAddress()}, ${k1.toSuiAddress()}\\)`),
    );
    expect(loadSigner({ keystore: file, address: k1.toSuiAddress().toUpperCase().replace('0X', '0x'), env: {} }).toSuiAddress()).toBe(
      k1.toSuiAddress(),
    );
    expect(() => loadSigner({ keystore: file, address: r1.toSuiAddress(), env: {} })).toThrow(/no key for/);
  });

  test('--address must match a --key', () => {
    expect(() => loadSigner({ key: ed.getSecretKey(), address: k1.toSuiAddress(), env: {} })).toThrow(/is for .*not --address/);
    expect(() => loadSigner({ key: ed.getSecretKey(), address: 'bob', env: {} })).toThrow(/not a Sui address/);
  });

  test('an empty or unreadable keystore', () => {
    expect(() => loadSigner({ keystore: keystore([]), env: {} })).toThrow(/holds no keys/);
    expect(() => loadSigner({ keystore: '/nonexistent/sui.keystore', env: {} })).toThrow(/cannot read keystore/);
  });

  test('errors are UserErrors and never contain key material', () => {
    const secret = ed.getSecretKey();
    const attempts = [
      () => loadSigner({ key: `${secret}x`, env: {} }),
      () => loadSigner({ env: { DAAS_KEY: secret.slice(0, 20) } }),
      () => loadSigner({ key: secret, address: k1.toSuiAddress(), env: {} }),
    ];
    for (const attempt of attempts) {
      const error = (() => {
        try {
          attempt();
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a failure');
      })();
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).not.toContain(secret.slice(10, 30));
      expect(error.message).not.toContain('suiprivkey1q');
    }
  });
});
