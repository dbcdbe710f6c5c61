/**
 * The plugin's behaviour, apart from sockets: the KMS v2 methods kube-apiserver calls and the admin
 * methods (rotate, keys), each timed, counted and turned into a clear gRPC status on refusal. Errors
 * carry what was wrong with the request, never key material.
 */
import { performance } from 'node:perf_hooks';
import { RpcError } from '@protobuf-ts/runtime-rpc';
import type {
  DecryptRequest,
  DecryptResponse,
  EncryptRequest,
  EncryptResponse,
  KeysResponse,
  RotateResponse,
  StatusResponse,
} from './api.ts';
import type { KekBackend } from './backend.ts';
import { KmsError } from './envelope.ts';
import type { Keyring } from './keyring.ts';
import { type KmsOp, recordKeys, recordOp } from './metrics.ts';

/** What Status reports as the API version: "v2" (v2beta1 is the older, equivalent name). */
export const API_VERSION = 'v2';
const SELF_TEST = Buffer.alloc(32, 0x5a);

export interface PluginLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export class KmsPlugin {
  private ring: Keyring;
  private rotation: Promise<RotateResponse> | undefined;
  private readonly backend: KekBackend;
  private readonly log: PluginLog;

  private constructor(backend: KekBackend, ring: Keyring, log: PluginLog) {
    this.backend = backend;
    this.ring = ring;
    this.log = log;
    recordKeys(ring.current.id, ring.keys.length);
  }

  static async open(backend: KekBackend, log: PluginLog): Promise<KmsPlugin> {
    const ring = await backend.load();
    log.info('KEKs loaded', { backend: backend.kind, currentKeyId: ring.current.id, keys: ring.keys.length });
    return new KmsPlugin(backend, ring, log);
  }

  get currentKeyId(): string {
    return this.ring.current.id;
  }

  /** The `v2.KeyManagementService` implementation (protobuf-ts local names). */
  service() {
    return {
      status: this.timed('status', () => this.status()),
      encrypt: this.timed('encrypt', (req: EncryptRequest) => this.encrypt(req)),
      decrypt: this.timed('decrypt', (req: DecryptRequest) => this.decrypt(req)),
    };
  }

  /** The `daasauth.kms.v1.KeyAdmin` implementation. */
  adminService() {
    return {
      rotate: this.timed('rotate', () => this.rotate()),
      keys: async (): Promise<KeysResponse> => ({ currentKeyId: this.ring.current.id, keyIds: this.ring.keys.map((k) => k.id) }),
    };
  }

  status(): StatusResponse {
    // Healthy means the current key wraps and unwraps: the apiserver's readyz follows this.
    const ring = this.ring;
    let healthz = 'ok';
    try {
      const { ciphertext, keyId, annotations } = ring.encrypt(SELF_TEST);
      if (!ring.decrypt(ciphertext, keyId, annotations).equals(SELF_TEST)) healthz = 'self-test: round trip differs';
    } catch (e) {
      healthz = `self-test: ${(e as Error).message}`;
    }
    return { version: API_VERSION, healthz, keyId: ring.current.id };
  }

  encrypt(req: EncryptRequest): EncryptResponse {
    return this.ring.encrypt(req.plaintext);
  }

  decrypt(req: DecryptRequest): DecryptResponse {
    return { plaintext: this.ring.decrypt(req.ciphertext, req.keyId, req.annotations) };
  }

  /** One rotation at a time: a second call while one runs gets the same result. */
  rotate(): Promise<RotateResponse> {
    this.rotation ??= (async () => {
      const previousKeyId = this.ring.current.id;
      try {
        this.ring = await this.backend.rotate(this.ring);
      } finally {
        this.rotation = undefined;
      }
      recordKeys(this.ring.current.id, this.ring.keys.length);
      this.log.info('KEK rotated', { previousKeyId, currentKeyId: this.ring.current.id, keys: this.ring.keys.length });
      return { keyId: this.ring.current.id, previousKeyId };
    })();
    return this.rotation;
  }

  private timed<I, O>(op: KmsOp, fn: (req: I) => O | Promise<O>): (req: I) => Promise<O> {
    return async (req: I) => {
      const start = performance.now();
      try {
        const out = await fn(req);
        recordOp(op, 'ok', (performance.now() - start) / 1000);
        return out;
      } catch (e) {
        const err = toRpcError(e);
        recordOp(op, err.code, (performance.now() - start) / 1000);
        this.log.warn(`${op} refused`, { code: err.code, reason: err.message });
        throw err;
      }
    };
  }
}

function toRpcError(e: unknown): RpcError {
  if (e instanceof KmsError) return new RpcError(e.message, e.code);
  // Not the caller's fault; the message is ours and holds no key material, but keep it to one line.
  return new RpcError(`internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`, 'INTERNAL');
}
