/**
 * The hand-written descriptors of src/kms/api.ts against k8s.io/kms's api.proto itself (loaded with
 * protobufjs): same services, methods, field numbers, names and types, and each side decodes what the
 * other encodes.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { DecryptRequest, EncryptResponse, KeyManagementService, StatusResponse } from '../../../src/kms/api.ts';

const PROTO = join(import.meta.dirname, '../../../src/kms/api.proto');
const root = protobuf.loadSync(PROTO);
/** Field names as the .proto spells them (protobufjs camel-cases them by default). */
const asWritten = new protobuf.Root().loadSync(PROTO, { keepCase: true });
const service = root.lookupService('v2.KeyManagementService');

/** A protobuf-ts field as `no name type`, the way protobufjs names types. */
function describeOurs(field: (typeof DecryptRequest.fields)[number]): string {
  const scalar = (t: number) => ({ 9: 'string', 12: 'bytes' })[t] ?? `scalar#${t}`;
  if (field.kind === 'map') return `${field.no} ${field.name} map<${scalar(field.K)},${field.V.kind === 'scalar' ? scalar(field.V.T) : '?'}>`;
  if (field.kind === 'scalar') return `${field.no} ${field.name} ${scalar(field.T)}`;
  return `${field.no} ${field.name} ${field.kind}`;
}

function describeProto(type: protobuf.Type): string[] {
  return type.fieldsArray.map((f) =>
    f instanceof protobuf.MapField ? `${f.id} ${f.name} map<${f.keyType},${f.type}>` : `${f.id} ${f.name} ${f.type}`,
  );
}

describe('src/kms/api.ts matches k8s.io/kms apis/v2/api.proto', () => {
  it('has the same methods with the same message types', () => {
    const theirs = service.methodsArray.map((m) => `${m.name}(${m.requestType}) ${m.responseType}`);
    const ours = KeyManagementService.methods.map((m) => `${m.name}(${m.I.typeName.slice(3)}) ${m.O.typeName.slice(3)}`);
    expect(ours.sort()).toEqual(theirs.sort());
  });

  it.each(KeyManagementService.methods.flatMap((m) => [m.I, m.O]).map((t) => [t.typeName, t] as const))(
    '%s has the same fields',
    (name, type) => {
      const theirs = asWritten.lookupType(name);
      expect(type.fields.map(describeOurs)).toEqual(describeProto(theirs));
    },
  );

  it('decodes what protobufjs encodes, and the other way round', () => {
    const theirs = root.lookupType('v2.DecryptRequest');
    const msg = { ciphertext: Buffer.from([1, 2, 3]), uid: 'u-1', keyId: 'kek-1', annotations: { 'alg.kms.daas.io': Buffer.from('x') } };
    const decoded = DecryptRequest.fromBinary(theirs.encode(theirs.fromObject(msg)).finish());
    expect(Buffer.from(decoded.ciphertext)).toEqual(msg.ciphertext);
    expect({ uid: decoded.uid, keyId: decoded.keyId, alg: Buffer.from(decoded.annotations['alg.kms.daas.io']!).toString() }).toEqual({ uid: 'u-1', keyId: 'kek-1', alg: 'x' });

    const enc = EncryptResponse.toBinary({ ciphertext: new Uint8Array([9, 8]), keyId: 'kek-2', annotations: { 'a.b': new Uint8Array([7]) } });
    const back = root.lookupType('v2.EncryptResponse').toObject(root.lookupType('v2.EncryptResponse').decode(enc), { bytes: Array });
    expect(back).toEqual({ ciphertext: [9, 8], keyId: 'kek-2', annotations: { 'a.b': [7] } });

    const status = root.lookupType('v2.StatusResponse').toObject(root.lookupType('v2.StatusResponse').decode(StatusResponse.toBinary({ version: 'v2', healthz: 'ok', keyId: 'k' })));
    expect(status).toEqual({ version: 'v2', healthz: 'ok', keyId: 'k' });
  });
});
