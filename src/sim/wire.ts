/**
 * Small well-known protobuf shapes the SDK's `GrpcTypes` does not export by name:
 * `google.protobuf.Value` (the `json` fields) and `google.protobuf.Timestamp`. It sits below the gRPC
 * services, the executor and the transaction codec, which all use it, so none of them imports another
 * through it (it imports nothing of the sim).
 */
import type { GrpcTypes } from '@mysten/sui/grpc';

export type ProtoValue = NonNullable<GrpcTypes.Event['json']>;
export type ProtoTimestamp = NonNullable<GrpcTypes.ExecutedTransaction['timestamp']>;

/** JSON value → `google.protobuf.Value` (bigints become decimal strings, as the full node renders u64). */
export function toProtoValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { kind: { oneofKind: 'nullValue', nullValue: 0 } };
  if (typeof value === 'string') return { kind: { oneofKind: 'stringValue', stringValue: value } };
  if (typeof value === 'bigint') return { kind: { oneofKind: 'stringValue', stringValue: value.toString() } };
  if (typeof value === 'number') return { kind: { oneofKind: 'numberValue', numberValue: value } };
  if (typeof value === 'boolean') return { kind: { oneofKind: 'boolValue', boolValue: value } };
  if (Array.isArray(value)) return { kind: { oneofKind: 'listValue', listValue: { values: value.map(toProtoValue) } } };
  const fields = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toProtoValue(v)]));
  return { kind: { oneofKind: 'structValue', structValue: { fields } } };
}

/** `google.protobuf.Value` → JSON value. */
export function fromProtoValue(value: ProtoValue): unknown {
  const kind = value.kind;
  switch (kind.oneofKind) {
    case 'stringValue':
      return kind.stringValue;
    case 'numberValue':
      return kind.numberValue;
    case 'boolValue':
      return kind.boolValue;
    case 'listValue':
      return kind.listValue.values.map(fromProtoValue);
    case 'structValue':
      return Object.fromEntries(Object.entries(kind.structValue.fields).map(([k, v]) => [k, fromProtoValue(v)]));
    default:
      return null;
  }
}

export function protoTimestamp(ms: bigint): ProtoTimestamp {
  return { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 };
}

export function timestampToMs(ts: ProtoTimestamp): bigint {
  return ts.seconds * 1000n + BigInt(Math.floor(ts.nanos / 1_000_000));
}
