/**
 * The process's logger: winston, one JSON object per line on stderr (stdout stays free for command
 * output). Secrets never reach it: callers log a token's short hash (tokenHash), never the token.
 */
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

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
