/**
 * Preloaded with `node --import` by import-graph.test.ts: records the URL of every module the
 * process resolves — ES imports and CommonJS requires alike (module.registerHooks sees both) — and
 * writes them as a JSON array to the file named by DAAS_IMPORT_LOG when the process exits.
 */
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    seen.add(resolved.url);
    return resolved;
  },
});

process.on('exit', () => {
  const file = process.env.DAAS_IMPORT_LOG;
  if (file) writeFileSync(file, JSON.stringify([...seen]));
});
