// A logger for tests whose every line goes through the redaction guard, for code that takes a logger and
// would otherwise log into nothing (createLogger([])): what the relay logs is checked like what it prints.
import { createLogger, type LineSink, type Logger, type LogLevel } from '../../src/ops/logger.js';
import { recordForGuard } from './secrets.js';

export const guardSink: LineSink = (_level, line) => recordForGuard(`${line}\n`);

export function guardedLogger(options: { level?: LogLevel } = {}): Logger {
  return createLogger([guardSink], { level: options.level ?? 'debug' });
}
