// What every long-running CLI command shares: exit codes, the process logger, the schedule it
// follows, and stopping cleanly on SIGINT/SIGTERM.
import { CronExpressionParser } from 'cron-parser';
import { RelayError } from '../errors.js';
import { createLogger, rotatingFileSink, secretRedactor, stderrSink, type LineSink, type Logger } from '../ops/logger.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** stderr (and a rotating file under `logsDir`); `secrets` are masked in every line, whoever's they are. */
export function processLogger(level: string | undefined, secrets: () => readonly string[], logsDir: string | undefined): Logger {
  const sinks: LineSink[] = [stderrSink];
  if (logsDir) sinks.push(rotatingFileSink(logsDir));
  return createLogger(sinks, { redact: secretRedactor(secrets), level: (level as 'debug' | undefined) ?? 'info' });
}

export async function sleepUntil(when: number, stopped: () => boolean): Promise<void> {
  while (!stopped() && Date.now() < when) await new Promise((r) => setTimeout(r, Math.min(500, when - Date.now())));
}

/** The run loop's schedule. loadConfig has already checked RELAY_SCHEDULE as NCRONTAB; this keeps any
 *  disagreement with cron-parser a named configuration error rather than a crash. */
export function cronSchedule(expression: string, from?: number): ReturnType<typeof CronExpressionParser.parse> {
  try {
    return CronExpressionParser.parse(expression, { tz: 'UTC', ...(from === undefined ? {} : { currentDate: new Date(from) }) });
  } catch (err) {
    throw new RelayError('CONFIG_INVALID', 'config', `RELAY_SCHEDULE: "${expression}" is not a schedule the run loop can follow (${(err as Error).message})`);
  }
}

/** Until `release()`: SIGINT/SIGTERM make `stopped()` true (the run stops after the batch in flight), logged once. */
export function stopOnSignals(log: Logger): { stopped: () => boolean; release: () => void } {
  let stop = false;
  const onSignal = () => {
    stop = true;
    log.info('relay.stopping', { reason: 'signal' });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stopped: () => stop,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
