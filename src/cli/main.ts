/**
 * `daas-auth`: the one binary. Each command family lives in src/cli/commands/<family>.ts and exports
 * `register(program)`; families.ts lists them (add a family there), program.ts imports only the one a
 * run needs, and this file turns any failure into one line on stderr. No top-level await: the
 * single-file binary (hack/build-bin.ts) bundles this file as CommonJS.
 */
import { reportAndExit } from './errors.ts';
import { createProgram } from './program.ts';

async function run(argv: readonly string[]): Promise<void> {
  try {
    const program = await createProgram(argv.slice(2));
    await program.parseAsync([...argv]);
  } catch (error) {
    reportAndExit(error);
  }
}

void run(process.argv);
