/**
 * Patch bodies and their content types. @kubernetes/client-node sends patches as JSON-patch unless told
 * otherwise, so every patch call in this code base names its type through `patchOptions()`.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export type PatchType = 'merge' | 'strategic' | 'json';

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: PatchStrategy.MergePatch,
  strategic: PatchStrategy.StrategicMergePatch,
  json: PatchStrategy.JsonPatch,
};

export function patchContentType(type: PatchType): string {
  return CONTENT_TYPES[type];
}

/** Request options for a typed-API patch call with an explicit Content-Type. */
export function patchOptions(type: PatchType): ReturnType<typeof setHeaderOptions> {
  return setHeaderOptions('Content-Type', CONTENT_TYPES[type]);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON with object keys sorted at every level. The apiserver hands custom resources back with their
 * keys in its own order, so comparing plain JSON.stringify output would call equal values different
 * (and rewrite a status on every resync).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * An RFC 7386 JSON merge patch that turns `from` into `to`: changed keys carry their new value, removed
 * keys carry null, objects recurse, arrays are replaced whole. `{}` when equal. Values are assumed to
 * be JSON (no undefined inside arrays, no null meant as a value — merge patch cannot say "set null").
 */
export function mergePatchDiff(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, Json> {
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const before = from[key];
    if (isObject(before) && isObject(value)) {
      const inner = mergePatchDiff(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!jsonEqual(before, value)) {
      patch[key] = JSON.parse(JSON.stringify(value)) as Json;
    }
  }
  return patch;
}
