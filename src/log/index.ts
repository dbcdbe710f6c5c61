/**
 * The process's logger: one JSON object per line on stderr (stdout stays free for command output).
 * Every room logs through the `Logger` interface below — the serve context hands each component one —
 * and never writes to the console itself; only the CLI prints user-facing output. winston is behind it
 * (createLogger) and no room imports winston. Secrets never reach it: callers log a token's short hash
 * (tokenHash), never the token.
 */
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

/** What a room may use: the four levels, and `log` when the level is computed. */
export interface Logger {
  error(message: string, fields?: LogFields): unknown;
  warn(message: string, fields?: LogFields): unknown;
  info(message: string, fields?: LogFields): unknown;
  debug(message: string, fields?: LogFields): unknown;
  log(level: LogLevel, message: string, fields?: LogFields): unknown;
  /** True for silentLogger(): the audit log goes quiet with it (audit.ts). */
  readonly silent?: boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (tests capture them); default stderr. */
  stream?: NodeJS.WritableStream;
  /** `component` field on every line. */
  component?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  return winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'daas-auth', ...(options.component ? { component: options.component } : {}) },
    transports: [transport],
  });
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
