/** One-line, non-zero-exit error reporting for every CLI command: never a stack trace for bad input. */

/** An error whose message is already fit for the user (names the problem and, if possible, the fix). */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function reportAndExit(error: unknown): never {
  if (error instanceof UserError) {
    process.stderr.write(`daas-auth: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`daas-auth: ${message.split('\n')[0]}\n`);
  if (process.env.DAAS_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
}
