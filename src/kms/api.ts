/**
 * The wire types of the Kubernetes KMS v2 API (`k8s.io/kms` `apis/v2/api.proto`, copied beside this
 * file from k8s.io/kms v0.34.4) and of the plugin's own admin service, as protobuf-ts reflection
 * descriptors: the shape `protoc --ts_out` would emit, written out because the messages are few and
 * flat. test/unit/kms/api.test.ts loads api.proto with protobufjs and checks every field number, type
 * and name here against it, and that each side decodes what the other encodes.
 */
import { MessageType, RepeatType, ScalarType } from '@protobuf-ts/runtime';
import { ServiceType } from '@protobuf-ts/runtime-rpc';

const string = (no: number, name: string, localName: string) =>
  ({ no, name, localName, kind: 'scalar', T: ScalarType.STRING }) as const;
const bytes = (no: number, name: string, localName: string) =>
  ({ no, name, localName, kind: 'scalar', T: ScalarType.BYTES }) as const;
const annotations = (no: number) =>
  ({ no, name: 'annotations', kind: 'map', K: ScalarType.STRING, V: { kind: 'scalar', T: ScalarType.BYTES } }) as const;

export type StatusRequest = object;
export interface StatusResponse {
  version: string;
  healthz: string;
  keyId: string;
}
export interface DecryptRequest {
  ciphertext: Uint8Array;
  uid: string;
  keyId: string;
  annotations: { [key: string]: Uint8Array };
}
export interface DecryptResponse {
  plaintext: Uint8Array;
}
export interface EncryptRequest {
  plaintext: Uint8Array;
  uid: string;
}
export interface EncryptResponse {
  ciphertext: Uint8Array;
  keyId: string;
  annotations: { [key: string]: Uint8Array };
}

export const StatusRequest = new MessageType<StatusRequest>('v2.StatusRequest', []);
export const StatusResponse = new MessageType<StatusResponse>('v2.StatusResponse', [
  string(1, 'version', 'version'),
  string(2, 'healthz', 'healthz'),
  string(3, 'key_id', 'keyId'),
]);
export const DecryptRequest = new MessageType<DecryptRequest>('v2.DecryptRequest', [
  bytes(1, 'ciphertext', 'ciphertext'),
  string(2, 'uid', 'uid'),
  string(3, 'key_id', 'keyId'),
  annotations(4),
]);
export const DecryptResponse = new MessageType<DecryptResponse>('v2.DecryptResponse', [bytes(1, 'plaintext', 'plaintext')]);
export const EncryptRequest = new MessageType<EncryptRequest>('v2.EncryptRequest', [
  bytes(1, 'plaintext', 'plaintext'),
  string(2, 'uid', 'uid'),
]);
export const EncryptResponse = new MessageType<EncryptResponse>('v2.EncryptResponse', [
  bytes(1, 'ciphertext', 'ciphertext'),
  string(2, 'key_id', 'keyId'),
  annotations(3),
]);

/** `v2.KeyManagementService`: what kube-apiserver calls. */
export const KeyManagementService = new ServiceType('v2.KeyManagementService', [
  { name: 'Status', options: {}, I: StatusRequest, O: StatusResponse },
  { name: 'Decrypt', options: {}, I: DecryptRequest, O: DecryptResponse },
  { name: 'Encrypt', options: {}, I: EncryptRequest, O: EncryptResponse },
]);

// ---- the plugin's admin service (ours, on a separate socket: rotation is not the apiserver's to call) ----

export type RotateRequest = object;
export interface RotateResponse {
  /** The key id that is current now. */
  keyId: string;
  /** The key id that was current before; still held, for decryption. */
  previousKeyId: string;
}
export type KeysRequest = object;
export interface KeysResponse {
  currentKeyId: string;
  /** Every key id held, oldest first. */
  keyIds: string[];
}

export const RotateRequest = new MessageType<RotateRequest>('daasauth.kms.v1.RotateRequest', []);
export const RotateResponse = new MessageType<RotateResponse>('daasauth.kms.v1.RotateResponse', [
  string(1, 'key_id', 'keyId'),
  string(2, 'previous_key_id', 'previousKeyId'),
]);
export const KeysRequest = new MessageType<KeysRequest>('daasauth.kms.v1.KeysRequest', []);
export const KeysResponse = new MessageType<KeysResponse>('daasauth.kms.v1.KeysResponse', [
  string(1, 'current_key_id', 'currentKeyId'),
  { no: 2, name: 'key_ids', localName: 'keyIds', kind: 'scalar', T: ScalarType.STRING, repeat: RepeatType.UNPACKED },
]);

/** `daasauth.kms.v1.KeyAdmin`: `daas-auth kms rotate` and `kms keys`, on the admin socket. */
export const KeyAdmin = new ServiceType('daasauth.kms.v1.KeyAdmin', [
  { name: 'Rotate', options: {}, I: RotateRequest, O: RotateResponse },
  { name: 'Keys', options: {}, I: KeysRequest, O: KeysResponse },
]);
