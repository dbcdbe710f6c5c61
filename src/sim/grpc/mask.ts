/**
 * `google.protobuf.FieldMask` read masks, as the full node honours them: a response carries only the
 * fields named (snake_case paths, `a.b.c` into nested messages and through repeated fields), plus
 * the defaults of the method when the request names none. Works on the SDK's protobuf-ts message
 * objects (camelCase properties); the result is re-created through the message type so that every
 * repeated field is an array again.
 */

interface MessageTypeLike<T> {
  create(value?: Partial<T>): T;
}

type Tree = Map<string, Tree | true>;

const camel = (segment: string) => segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function buildTree(paths: readonly string[]): Tree {
  const root: Tree = new Map();
  for (const path of paths) {
    let node = root;
    const segments = path.split('.').filter(Boolean).map(camel);
    segments.forEach((segment, i) => {
      if (i === segments.length - 1) {
        node.set(segment, true);
        return;
      }
      const next = node.get(segment);
      if (next === true) return; // a parent already selected whole
      const child: Tree = next ?? new Map();
      node.set(segment, child);
      node = child;
    });
  }
  return root;
}

function pick(value: unknown, tree: Tree | true): unknown {
  if (tree === true || value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item) => pick(item, tree));
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = pick(field, sub);
  }
  return out;
}

/** `message` restricted to `paths` (or `defaults` when the request gave none). */
export function applyMask<T extends object>(type: MessageTypeLike<T>, message: T, paths: readonly string[] | undefined, defaults: readonly string[]): T {
  const effective = paths && paths.length > 0 ? paths : defaults;
  if (effective.includes('*')) return message;
  return type.create(pick(message, buildTree(effective)) as Partial<T>);
}

/** Whether a mask (or its defaults) selects `path` or anything below it. */
export function maskSelects(paths: readonly string[] | undefined, defaults: readonly string[], path: string): boolean {
  const effective = paths && paths.length > 0 ? paths : defaults;
  return effective.some((p) => p === '*' || p === path || p.startsWith(`${path}.`) || path.startsWith(`${p}.`));
}
