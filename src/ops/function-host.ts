// What the Function entry points need from the Functions host: the time budget from host.json
// and a log sink into the invocation's log (which goes to Application Insights).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LineSink } from './logger.js';

/** Flex Consumption's default functionTimeout. */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** `functionTimeout` of host.json ("hh:mm:ss"; -1 = unbounded) in ms, from the app root. */
export function functionTimeoutMs(appRoot = process.cwd()): number {
  try {
    const host = JSON.parse(readFileSync(path.join(appRoot, 'host.json'), 'utf8')) as { functionTimeout?: string };
    const m = /^(\d+):(\d{2}):(\d{2})$/.exec(host.functionTimeout ?? '');
    if (!m) return DEFAULT_TIMEOUT_MS;
    return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
  } catch {
    return DEFAULT_TIMEOUT_MS;
  }
}

/** host.json `extensions.queues` as the queue trigger applies it (the fan-out's retry and concurrency settings). */
export interface HostQueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
}

/** host.json's queue settings, the Storage Queues extension's defaults where one is absent (batchSize 16, newBatchThreshold batchSize/2, maxDequeueCount 5, visibilityTimeout 0). */
export function hostQueueSettings(appRoot = process.cwd()): HostQueueSettings {
  let q: Record<string, unknown> = {};
  try {
    const host = JSON.parse(readFileSync(path.join(appRoot, 'host.json'), 'utf8')) as { extensions?: { queues?: Record<string, unknown> } };
    q = host.extensions?.queues ?? {};
  } catch {
    // no host.json: the extension's defaults
  }
  const int = (v: unknown, dflt: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : dflt);
  const batchSize = int(q.batchSize, 16);
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(typeof q.visibilityTimeout === 'string' ? q.visibilityTimeout : '');
  return {
    batchSize,
    newBatchThreshold: int(q.newBatchThreshold, Math.floor(batchSize / 2)),
    maxDequeueCount: Math.max(1, int(q.maxDequeueCount, 5)),
    visibilityTimeoutMs: m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : 0,
  };
}

interface ContextLike {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
}

export function invocationSink(context: ContextLike): LineSink {
  return (level, line) => {
    if (level === 'error') context.error(line);
    else if (level === 'warn') context.warn(line);
    else if (level === 'debug') context.debug?.(line);
    else context.log(line);
  };
}
