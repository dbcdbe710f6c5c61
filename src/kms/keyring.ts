/**
 * The KEKs a plugin holds: one current (new data keys are wrapped under it) and every older one, kept so
 * that what was wrapped before a rotation still unwraps. Immutable: rotation makes a new ring, so a
 * request in flight sees one consistent set.
 */
import { timingSafeEqual } from 'node:crypto';
import { ALG, ALG_ANNOTATION, type Kek, KmsError, parseCiphertext, unwrap, wrap } from './envelope.ts';

export class Keyring {
  readonly keys: readonly Kek[];
  readonly current: Kek;

  constructor(keys: readonly Kek[], currentId: string) {
    const current = keys.find((k) => k.id === currentId);
    if (!current) throw new Error(`the current key ${currentId} is not among the keys held`);
    if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('a key is held twice');
    this.keys = keys;
    this.current = current;
  }

  /** A ring with `kek` added and made current; the old keys stay for decryption. */
  rotated(kek: Kek): Keyring {
    return new Keyring([...this.keys, kek], kek.id);
  }

  private find(fingerprint: Buffer): Kek | undefined {
    return this.keys.find((k) => timingSafeEqual(k.fingerprint, fingerprint));
  }

  encrypt(plaintext: Uint8Array): { ciphertext: Buffer; keyId: string; annotations: Record<string, Uint8Array> } {
    return {
      ciphertext: wrap(this.current, plaintext),
      keyId: this.current.id,
      annotations: { [ALG_ANNOTATION]: Buffer.from(ALG) },
    };
  }

  /**
   * `keyId` and `annotations` are what the apiserver stored with the ciphertext and hands back; each must
   * agree with the ciphertext, so a mixed-up or doctored record is refused rather than half-trusted.
   */
  decrypt(ciphertext: Uint8Array, keyId: string, annotations: Record<string, Uint8Array>): Buffer {
    const parsed = parseCiphertext(ciphertext);
    checkAnnotations(annotations);
    const kek = this.find(parsed.fingerprint);
    const named = `kek-${parsed.fingerprint.toString('hex')}`;
    if (keyId !== '' && keyId !== named)
      throw new KmsError('INVALID_ARGUMENT', `key id ${JSON.stringify(keyId.slice(0, 80))} does not match the ciphertext's key ${named}`);
    if (!kek)
      throw new KmsError('NOT_FOUND', `ciphertext was wrapped under ${named}, which this plugin does not hold (a different KEK?)`);
    return unwrap(kek, parsed);
  }
}

function checkAnnotations(annotations: Record<string, Uint8Array>): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (key !== ALG_ANNOTATION) throw new KmsError('INVALID_ARGUMENT', `unknown annotation ${JSON.stringify(key.slice(0, 80))}`);
    if (Buffer.from(value).toString() !== ALG)
      throw new KmsError('INVALID_ARGUMENT', `unsupported algorithm in ${ALG_ANNOTATION}: ${JSON.stringify(Buffer.from(value).toString().slice(0, 40))}`);
  }
}
