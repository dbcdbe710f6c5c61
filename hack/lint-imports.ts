// The import-graph lint (`npm run lint` runs it after eslint): the layer table in .dependency-cruiser.mjs,
// checked by dependency-cruiser, plus the one folder cycle it cannot see.
//
//   node hack/lint-imports.ts [--root DIR] [--baseline FILE]
//
// Folder cycles inside a room are checked here (rule `no-folder-cycle`), not by dependency-cruiser: its
// folder-scope `circular` rule adds each module to all its parent folders, so a cycle between a file and the
// sub-folder beside it (src/sim/txcodec.ts -> src/sim/grpc/wire.ts, src/sim/grpc/errors.ts ->
// src/sim/txcodec.ts) never shows, and its baseline cannot hold folder violations. Cycles between rooms need
// an arrow the layer rules forbid, so they are reported as that arrow.
//
// --baseline FILE (written by `npx depcruise src --baseline`) softens the violations it lists: for a branch that
// is moving code across rooms. The repository keeps none.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(REPO, '.dependency-cruiser.mjs');

export interface ImportLint {
  /** One line per violation, dependency-cruiser's own report first. */
  report: string;
  errors: number;
  /** Violations the baseline lists (arrows other branches are still moving). */
  known: number;
}

/** Cruises `root`/src with the repository's rules; `baseline` softens the listed known violations. */
export async function lintImports(root: string, baseline?: string): Promise<ImportLint> {
  const options = await extractDepcruiseOptions(CONFIG);
  options.baseDir = root;
  if (baseline) options.knownViolations = JSON.parse(readFileSync(baseline, 'utf8'));
  const cruised = await cruise(['src'], options, { extensions: ['.ts', '.js', '.json'] });
  const result = cruised.output as ICruiseResult;
  const rules = await format(result, { outputType: 'err' });
  const cycles = roomCycles(result);
  const lines = cycles.map((cycle) => `  error no-folder-cycle: ${cycle}`);
  return {
    report: [String(rules.output).trimEnd(), ...lines].filter(Boolean).join('\n'),
    errors: result.summary.error + cycles.length,
    known: result.summary.ignore ?? 0,
  };
}

/**
 * Cycles inside one room between its sub-folders and the files that sit beside them. Each sub-folder is one
 * node, each file directly in a folder that has sub-folders is its own node (a sub-folder may use its parent's
 * shared types, which may not use it back). Cycles across rooms are the layer rules' business.
 */
export function roomCycles(result: ICruiseResult): string[] {
  const sources = result.modules.map((m) => m.source).filter((s) => s.startsWith('src/'));
  const parents = new Set(sources.flatMap((s) => ancestors(dirname(s))));
  const node = (source: string) => (parents.has(dirname(source)) ? source : dirname(source));
  const room = (source: string) => source.split('/')[1];
  const edges = new Map<string, Map<string, string>>();
  for (const mod of result.modules) {
    if (!mod.source.startsWith('src/')) continue;
    for (const dep of mod.dependencies) {
      const [from, to] = [node(mod.source), node(dep.resolved)];
      if (from === to || !dep.resolved.startsWith('src/') || room(mod.source) !== room(dep.resolved)) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${mod.source} → ${dep.resolved}`);
      edges.set(from, out);
    }
  }
  const seen = new Set<string>();
  const cycles: string[] = [];
  for (const start of [...edges.keys()].sort()) {
    if (seen.has(start)) continue;
    const loop = pathBetween(edges, start, start);
    if (!loop) continue;
    loop.forEach((arrow) => seen.add(node(arrow.split(' → ')[0] ?? '')));
    cycles.push(loop.join(', '));
  }
  return cycles;
}

/** The folder itself and every folder above it up to src/ (exclusive of the folder's own files). */
function ancestors(folder: string): string[] {
  const parts = folder.split('/');
  return parts.slice(1, -1).map((_, i) => parts.slice(0, i + 2).join('/'));
}

/** Breadth-first path of node edges from `from` to `to`, as example module arrows; undefined if none. */
function pathBetween(edges: Map<string, Map<string, string>>, from: string, to: string): string[] | undefined {
  const via = new Map<string, string[]>([[from, []]]);
  const queue = [from];
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const [next, example] of edges.get(at) ?? []) {
      const path = [...(via.get(at) ?? []), example];
      if (next === to) return path;
      if (via.has(next)) continue;
      via.set(next, path);
      queue.push(next);
    }
  }
  return undefined;
}

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a.startsWith('--') && !['--root', '--baseline', '--help'].includes(a));
  if (args.includes('--help')) {
    process.stdout.write('usage: node hack/lint-imports.ts [--root DIR] [--baseline FILE]\n');
    return 0;
  }
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]} (see --help)`);
  const root = resolve(flag(args, '--root') ?? REPO);
  const baseline = flag(args, '--baseline');
  const { report, errors, known } = await lintImports(root, baseline);
  if (errors > 0) {
    process.stderr.write(`${report}\nimport graph: ${errors} violation(s) of the layering (docs/architecture.md)\n`);
    return 1;
  }
  const listed = known > 0 && baseline ? ` (${known} known, listed in ${relative(REPO, baseline)}: remove each as its branch lands)` : '';
  process.stdout.write(`import graph: no violations of the layering${listed}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`lint-imports: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
