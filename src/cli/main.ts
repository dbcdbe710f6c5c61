/**
 * `daas-auth`: the one binary. Each command family lives in src/cli/commands/<family>.ts and exports
 * `register(program)`; families.ts lists them (add a family there), program.ts imports only the one a
 * run needs, and this file turns any failure into one line on stderr.
 */
import { reportAndExit } from './errors.ts';
import { createProgram } from './program.ts';

try {
  const program = await createProgram(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  reportAndExit(error);
}
