/**
 * A deliberately simple reader of the package's Move text (the files are prettier-formatted, which
 * keeps declarations on predictable lines): modules, `const E…` abort codes, struct field lists,
 * `public fun` signatures and `#[test]` function names. Enough to hold src/chain/schema.ts, the
 * sim's mirror and the Move code to one shape; the prettier parse check covers the syntax.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CONTRACTS = `${ROOT}contracts`;

export interface MoveFile {
  path: string;
  module: string;
  text: string;
}

function read(dir: string): MoveFile[] {
  return readdirSync(`${CONTRACTS}/${dir}`)
    .filter((name) => name.endsWith('.move'))
    .sort()
    .map((name) => {
      const path = `${CONTRACTS}/${dir}/${name}`;
      const text = readFileSync(path, 'utf8');
      const module = /^module daas::(\w+);/m.exec(text)?.[1];
      if (!module) throw new Error(`${path}: no \`module daas::…;\` line`);
      return { path, module, text };
    });
}

export const sourceFiles = (): MoveFile[] => read('sources');
export const testFiles = (): MoveFile[] => read('tests');

/** Text with `//` comments removed (doc comments included), so that they cannot fake a declaration. */
function code(text: string): string {
  return text.replace(/\/\/.*$/gm, '');
}

/** `const EName: u64 = N;` → { EName: N }. */
export function abortCodes(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of code(text).matchAll(/^const (E[A-Z]\w*): u64 = (\d+);/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** `const NAME: type = value;` of any type → { NAME: 'value' } (numeric underscores removed). */
export function constants(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of code(text).matchAll(/^const (\w+): \w+ = ([^;]+);/gm)) out[m[1]!] = m[2]!.replace(/_/g, '');
  return out;
}

/** `public struct Name has … { field: T, … }` → { Name: [field, …] } in declaration order. */
export function structFields(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of code(text).matchAll(/^public struct (\w+) has [\w, ]+ \{([^}]*)\}/gm)) {
    out[m[1]!] = [...m[2]!.matchAll(/^\s*(\w+):/gm)].map((f) => f[1]!);
  }
  return out;
}

export interface MoveParam {
  name: string;
  type: string;
}

/** `public fun name(p: T, …)` → { name: [{name, type}, …] }, the trailing TxContext left out. */
export function publicFunctions(text: string): Record<string, MoveParam[]> {
  const out: Record<string, MoveParam[]> = {};
  for (const m of code(text).matchAll(/^public fun (\w+)\(([^)]*)\)/gm)) {
    const params = m[2]!
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const [name, type] = p.split(/:\s*/) as [string, string];
        return { name, type };
      });
    out[m[1]!] = params.filter((p) => !/^&(mut )?TxContext$/.test(p.type));
  }
  return out;
}

/** Names of the `#[test…]` functions of a test module, in order. */
export function testNames(text: string): string[] {
  return [...code(text).matchAll(/^#\[test[^\]]*\]\s*\nfun (\w+)\(/gm)].map((m) => m[1]!);
}

/** Names of the plain `#[test]` functions (those expected to succeed). */
export function successTestNames(text: string): string[] {
  return [...code(text).matchAll(/^#\[test\]\s*\nfun (\w+)\(/gm)].map((m) => m[1]!);
}

/** The body of `fun name(…) … { … }` up to the closing brace at the start of a line. */
export function functionBody(text: string, name: string): string {
  const m = new RegExp(`^(?:public )?fun ${name}\\([^)]*\\)[^{]*\\{([\\s\\S]*?)^\\}`, 'm').exec(code(text));
  if (!m) throw new Error(`no function ${name}`);
  return m[1]!;
}

/** The `b"…"` byte-string literals of a piece of Move, in order. */
export function byteStrings(text: string): string[] {
  return [...text.matchAll(/b"([^"]*)"/g)].map((m) => m[1]!);
}
