/**
 * Ledger records rendered as the full node's gRPC messages: objects (with BCS, contents, JSON and
 * coin balance), the daas package with its function descriptors, and ledger events.
 */
import { GrpcTypes } from '@mysten/sui/grpc';
import { normalizeStructTag, normalizeSuiAddress } from '@mysten/sui/utils';
import { decodeStruct, isCoinStruct, coinBalance, objectBcs, structTypeOf, toMoveJson } from '../codec.ts';
import { grpcOwner } from '../exec/effects.ts';
import { FRAMEWORK_FUNCTIONS, FRAMEWORK_PACKAGE_ID, moduleFunctions, type AnyFunctionDescriptor } from '../mirror.ts';
import type { ParamType } from '../package/api.ts';
import type { SimEvent, SimObject } from '../types.ts';
import { toProtoValue } from '../wire.ts';

const { OpenSignatureBody_Type: T, OpenSignature_Reference: Ref, FunctionDescriptor_Visibility: Visibility } = GrpcTypes;

/** Every field of an object; read masks cut it down. */
export function renderObject(object: SimObject): GrpcTypes.Object {
  const base: GrpcTypes.Object = {
    bcs: { name: 'Object', value: objectBcs(object) },
    objectId: object.id,
    version: object.version,
    digest: object.digest,
    owner: grpcOwner(object.owner),
    previousTransaction: object.previousTransaction,
    storageRebate: object.storageRebate,
  };
  if (object.data.kind === 'package') return { ...base, objectType: 'package', package: renderPackage(object) };
  const data = object.data;
  return {
    ...base,
    objectType: data.type,
    hasPublicTransfer: data.hasPublicTransfer,
    contents: { name: data.type, value: data.contents },
    json: toProtoValue(toMoveJson(decodeStruct(data.struct, data.contents))),
    balance: isCoinStruct(data.struct) ? coinBalance(data.contents) : undefined,
  };
}

export function renderEvent(event: SimEvent): GrpcTypes.Event {
  return {
    packageId: event.packageId,
    module: event.module,
    sender: event.sender,
    eventType: event.type,
    contents: { name: event.type, value: event.contents },
    json: toProtoValue(event.json),
    checkpoint: event.checkpoint,
    transactionDigest: event.transactionDigest,
    transactionIndex: 0n, // one transaction per checkpoint
    eventIndex: event.eventIndex,
  };
}

// ---- packages ----------------------------------------------------------------------------

export function renderPackage(object: SimObject): GrpcTypes.Package {
  const modules = object.data.kind === 'package' ? object.data.modules : [];
  return {
    storageId: object.id,
    originalId: object.id,
    version: object.version,
    modules: modules.map((name) => ({
      name,
      datatypes: [],
      functions: moduleFunctions(name).map((f) => renderFunction(f, object.id)),
    })),
    typeOrigins: [],
    linkage: [],
  };
}

/** The framework package as far as the sim implements it (only `nitro_attestation`). */
export function frameworkFunction(module: string, name: string): GrpcTypes.FunctionDescriptor | undefined {
  const fn = FRAMEWORK_FUNCTIONS.find((f) => f.module === module && f.name === name);
  return fn ? renderFunction(fn, FRAMEWORK_PACKAGE_ID) : undefined;
}

function datatype(typeName: string, params: GrpcTypes.OpenSignatureBody[] = []): GrpcTypes.OpenSignatureBody {
  return { type: T.DATATYPE, typeName: normalizeStructTag(typeName), typeParameterInstantiation: params };
}

const TX_CONTEXT: GrpcTypes.OpenSignature = { reference: Ref.MUTABLE, body: datatype('0x2::tx_context::TxContext') };

function paramSignature(type: ParamType, packageId: string): GrpcTypes.OpenSignature {
  if (type.kind === 'pure') {
    const body: Record<typeof type.type, GrpcTypes.OpenSignatureBody> = {
      u8: { type: T.U8, typeParameterInstantiation: [] },
      u64: { type: T.U64, typeParameterInstantiation: [] },
      bool: { type: T.BOOL, typeParameterInstantiation: [] },
      address: { type: T.ADDRESS, typeParameterInstantiation: [] },
      string: datatype('0x1::string::String'),
      'vector<u8>': { type: T.VECTOR, typeParameterInstantiation: [{ type: T.U8, typeParameterInstantiation: [] }] },
    };
    return { body: body[type.type] };
  }
  const reference = type.ref === 'imm' ? Ref.IMMUTABLE : type.ref === 'mut' ? Ref.MUTABLE : undefined;
  const full = type.kind === 'object' ? structTypeOf(type.struct, packageId) : normalizeStructTag(type.struct);
  const [name, param] = full.split('<');
  const body = param ? datatype(name!, [datatype(param.replace(/>$/, ''))]) : datatype(full);
  return { reference, body };
}

/** A function descriptor as `MovePackageService.GetFunction` returns it. */
export function renderFunction(fn: AnyFunctionDescriptor, packageId: string): GrpcTypes.FunctionDescriptor {
  const framework = normalizeSuiAddress(packageId) === FRAMEWORK_PACKAGE_ID;
  const params = fn.params.map((p) => paramSignature(p.type, packageId));
  return {
    name: fn.name,
    // The daas functions are `public fun`; `load_nitro_attestation` is a private `entry fun` without TxContext.
    visibility: framework ? Visibility.PRIVATE : Visibility.PUBLIC,
    isEntry: framework,
    typeParameters: [],
    parameters: framework ? params : [...params, TX_CONTEXT],
    returns: (fn.returns ?? []).map((r) => paramSignature(r, packageId)),
  };
}
