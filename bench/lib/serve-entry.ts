/**
 * The script a bench runs `daas-auth serve` from: `bundle` (the default) is the esbuild bundle the
 * container image and the npm package run (hack/lib/bundle.ts), built now from the working tree;
 * `source` is bin/daas-auth.js on the TypeScript sources, as the test bed runs it.
 */
import { join } from 'node:path';
import { bundleCli } from '../../hack/lib/bundle.ts';

export type ServeEntry = 'bundle' | 'source';

export const SERVE_ENTRIES: readonly ServeEntry[] = ['bundle', 'source'];

export function describeEntry(entry: ServeEntry): string {
  return entry === 'bundle' ? 'the bundle the container image runs' : 'the TypeScript sources through bin/daas-auth.js';
}

export async function serveScript(entry: ServeEntry, root: string): Promise<string> {
  if (entry === 'source') return join(root, 'bin', 'daas-auth.js');
  const out = join(root, 'dist', 'daas-auth-bench.cjs');
  await bundleCli({ root, out, commit: 'bench' });
  return out;
}
