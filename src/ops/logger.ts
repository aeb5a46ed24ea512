// Structured logs: one JSON object per line with a run id, an event name and fields.
// Every line passes through the redactor, so a secret cannot reach a log even by accident.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LineSink = (level: LogLevel, line: string) => void;
export type Redactor = (text: string) => string;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(sinks: LineSink[], options: { level?: LogLevel; redact?: Redactor; base?: LogFields } = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const redact = options.redact ?? ((t: string) => t);
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, event: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      const line = redact(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v)));
      for (const sink of sinks) sink(level, line);
    };
    return {
      debug: (e, f) => emit('debug', e, f),
      info: (e, f) => emit('info', e, f),
      warn: (e, f) => emit('warn', e, f),
      error: (e, f) => emit('error', e, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}

/** JSON lines to stderr (stdout stays free for command output). */
export const stderrSink: LineSink = (_level, line) => {
  process.stderr.write(line + '\n');
};

/**
 * Appends to `<dir>/mdca-siem-relay.log`, rotating at `maxBytes` into .1 .. .`keep`
 * (the jar's --logsDirectory kept its debug logs there too).
 */
export function rotatingFileSink(dir: string, maxBytes = 10 * 1024 * 1024, keep = 5): LineSink {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'mdca-siem-relay.log');
  let size = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  return (_level, line) => {
    const bytes = Buffer.byteLength(line) + 1;
    if (size + bytes > maxBytes && size > 0) {
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        } catch {
          /* that generation does not exist yet */
        }
      }
      renameSync(file, `${file}.1`);
      size = 0;
    }
    appendFileSync(file, line + '\n', { mode: 0o600 });
    size += bytes;
  };
}

/** Replaces every known secret value (and its URL-encoded form) with [REDACTED]. */
export function secretRedactor(secrets: () => readonly string[]): Redactor {
  return (text) => {
    let out = text;
    for (const s of secrets()) {
      if (s.length < 6) continue;
      for (const form of new Set([s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])) out = out.split(form).join('[REDACTED]');
    }
    return out;
  };
}
