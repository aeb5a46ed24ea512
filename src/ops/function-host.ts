// What the Function entry points need from the Functions host: the time budget from host.json
// and a log sink into the invocation's log (which goes to Application Insights).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LineSink } from './logger.js';

/** Flex Consumption's default functionTimeout. */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

interface HostJson {
  functionTimeout?: string;
  extensions?: { queues?: Record<string, unknown> };
}

// host.json is part of the deployment package: read once per process, not on every invocation.
const hostJson = new Map<string, HostJson | undefined>();
function readHostJson(appRoot: string): HostJson | undefined {
  if (!hostJson.has(appRoot)) {
    let host: HostJson | undefined;
    try {
      host = JSON.parse(readFileSync(path.join(appRoot, 'host.json'), 'utf8')) as HostJson;
    } catch {
      host = undefined; // no host.json: the host's defaults
    }
    hostJson.set(appRoot, host);
  }
  return hostJson.get(appRoot);
}

/** "hh:mm:ss" in ms, or undefined. */
function timeSpanMs(v: unknown): number | undefined {
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(typeof v === 'string' ? v : '');
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : undefined;
}

/** `functionTimeout` of host.json ("hh:mm:ss"; -1 = unbounded) in ms, from the app root. */
export function functionTimeoutMs(appRoot = process.cwd()): number {
  return timeSpanMs(readHostJson(appRoot)?.functionTimeout) ?? DEFAULT_TIMEOUT_MS;
}

/**
 * One invocation's time: no new page after `deadline` (the share RELAY_TIME_BUDGET of the timeout);
 * work still in flight at `hardDeadline`, halfway through the rest, is aborted, leaving time to release the lease.
 */
export function invocationDeadlines(started: number, timeoutMs: number, share: number): { deadline: number; hardDeadline: number } {
  const deadline = started + timeoutMs * share;
  return { deadline, hardDeadline: deadline + (started + timeoutMs - deadline) / 2 };
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
  const q: Record<string, unknown> = readHostJson(appRoot)?.extensions?.queues ?? {};
  const int = (v: unknown, dflt: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : dflt);
  const batchSize = int(q.batchSize, 16);
  return {
    batchSize,
    newBatchThreshold: int(q.newBatchThreshold, Math.floor(batchSize / 2)),
    maxDequeueCount: Math.max(1, int(q.maxDequeueCount, 5)),
    visibilityTimeoutMs: timeSpanMs(q.visibilityTimeout) ?? 0,
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
