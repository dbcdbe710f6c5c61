// The esbuild bundle of the CLI: src/cli/main.ts and everything it can import, as one CommonJS file that
// needs no node_modules beside it. The npm package (dist/daas-auth.cjs), the single-file binary
// (hack/build-bin.ts) and the container image (hack/image.ts) all run it: no TypeScript is stripped at
// load, which saves start-up time and about 60 MB of RSS in `serve` (bench/scale, docs/benchmarks.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface BundleOptions {
  /** A checkout: its src/cli/main.ts is bundled, its package.json gives the version. */
  root: string;
  out: string;
  /** What `daas-auth version` prints as the commit. */
  commit: string;
}

export async function bundleCli({ root, out, commit }: BundleOptions): Promise<void> {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // Fewer bytes to load and deserialize at every start (the exec plugin runs on every kubectl call);
    // names are kept because errors and checks read constructor names.
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      __DAAS_BUILD__: JSON.stringify({ version, commit }),
      // CommonJS has no import.meta; a few dependencies build a require from it.
      'import.meta.url': '__daas_import_meta_url',
    },
    banner: { js: 'var __daas_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    // Native add-ons cannot live in the bundle; their JavaScript fallbacks are used instead.
    external: ['cbor-extract', 'bufferutil', 'utf-8-validate'],
  });
}
