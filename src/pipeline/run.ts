// The relay pipeline: checkpoint -> fetch -> format CEF -> deliver over syslog -> commit.
// One run per timer tick or CLI loop turn. A batch's cursor is committed only after the syslog
// stage confirmed delivery of that batch (see src/state/types.ts for the full rule).
import type { CefFormatter } from '../cef/types.js';
import type { RelayConfig } from '../config/types.js';
import { describeError, isRelayError, RelayError } from '../errors.js';
import type { Batch, Cursor } from '../mdca/source-types.js';
import type { DataType, MdcaActivity, MdcaAlert, MdcaRecord } from '../mdca/types.js';
import type { Logger } from '../ops/logger.js';
import { CheckpointKeeper, type RunnerIdentity } from '../state/keeper.js';
import { decideStart } from '../state/policy.js';
import type { RunCounts, StateStore, StatusRecord } from '../state/types.js';
import type { SyslogSender } from '../syslog/types.js';
import { heartbeatEvent } from './heartbeat.js';
import { recordRun } from './status-update.js';

/** Reads batches for one data type from a cursor (the source stage, injected). */
export type BatchSource = (cursor: Cursor, dataType: DataType, range?: { from: number; to: number }) => AsyncIterable<Batch>;

export interface RelayDeps {
  config: RelayConfig;
  store: StateStore;
  source: BatchSource;
  sender: SyslogSender;
  formatter: CefFormatter;
  logger: Logger;
  identity: RunnerIdentity;
  now?: () => number;
  /** Epoch ms after which no new batch is started (the Function's time budget). */
  deadline?: number;
  /** Asked after each batch: true stops the run cleanly (CLI on SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
  /** Called after each committed batch (progress display). */
  onProgress?: (p: { dataType: DataType; sent: number; watermark: number }) => void;
}

export interface DataTypeSummary {
  dataType: DataType;
  sent: number;
  batches: number;
  requests: number;
  watermark: number;
  lagMs: number;
  stoppedForBudget: boolean;
}

export interface RunSummary {
  outcome: 'success' | 'failure' | 'partial';
  sent: number;
  skippedDuplicates: number;
  requests: number;
  lagMs: number;
  durationMs: number;
  dataTypes: DataTypeSummary[];
  error?: RelayError;
  /** Another runner held the lease: this run stopped cleanly without sending. */
  yielded?: boolean;
}

function format(formatter: CefFormatter, dataType: DataType, record: MdcaRecord): string {
  return dataType === 'alerts' ? formatter.alert(record as MdcaAlert) : formatter.activity(record as MdcaActivity);
}

async function relayDataType(deps: RelayDeps, dataType: DataType, now: () => number, counts: RunCounts): Promise<DataTypeSummary> {
  const { config, store, logger } = deps;
  const keeper = new CheckpointKeeper(store, dataType, deps.identity, config.relay.leaseMs, now);
  let decision: ReturnType<typeof decideStart> | undefined;
  const { cursor } = await keeper.acquire((stored) => {
    decision = decideStart(stored, now(), config.relay.initialLookbackMs);
    return decision.cursor;
  });
  if (decision?.skipped) {
    const span = decision.skipped;
    logger.warn('relay.switched-off', { dataType, skippedFrom: new Date(span.from).toISOString(), skippedTo: new Date(span.to).toISOString() });
    await store.updateStatus((s) => ({ ...s!, skippedSpans: [...(s?.skippedSpans ?? []).slice(-19), { dataType, ...span, recordedAt: now() }] }));
  }
  logger.info('relay.start', { dataType, from: new Date(cursor.watermark).toISOString(), reason: decision?.reason, overlapIds: Object.keys(cursor.sent).length });
  const summary: DataTypeSummary = { dataType, sent: 0, batches: 0, requests: 0, watermark: cursor.watermark, lagMs: now() - cursor.watermark, stoppedForBudget: false };
  try {
    for await (const batch of deps.source(cursor, dataType)) {
      const lines = batch.records.map((r) => format(deps.formatter, dataType, r));
      if (lines.length > 0) await deps.sender.deliver(lines);
      await keeper.commit(batch.cursor, lines.length);
      summary.sent += lines.length;
      summary.batches += 1;
      summary.requests += batch.requests;
      summary.watermark = batch.cursor.watermark;
      counts.fetched += batch.records.length + (batch.duplicates ?? 0);
      counts.skippedDuplicates += batch.duplicates ?? 0;
      deps.onProgress?.({ dataType, sent: summary.sent, watermark: summary.watermark });
      if (deps.shouldStop?.()) break;
      if (deps.deadline !== undefined && now() >= deps.deadline) {
        summary.stoppedForBudget = true;
        logger.info('relay.time-budget-reached', { dataType, sent: summary.sent, watermark: new Date(summary.watermark).toISOString() });
        break;
      }
    }
    await keeper.release('success');
  } catch (err) {
    // The checkpoint keeps the last committed cursor: nothing undelivered is skipped.
    await keeper.release('failure').catch(() => undefined);
    throw err;
  } finally {
    summary.lagMs = Math.max(0, now() - summary.watermark);
  }
  return summary;
}

/** One run over every configured data type. Never throws: the outcome and error are in the summary. */
export async function runRelay(deps: RelayDeps): Promise<RunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts: RunCounts = { fetched: 0, sent: 0, skippedDuplicates: 0, requests: 0, batches: 0, durationMs: 0 };
  const dataTypes: DataTypeSummary[] = [];
  let error: RelayError | undefined;
  let yielded = false;
  // The status record is created once (its createdAt dates "Created"); later runs only read it.
  if (!(await deps.store.readStatus())) await deps.store.updateStatus((s) => s ?? ({ relayName: deps.config.relayName, createdAt: started } satisfies StatusRecord));
  for (const dataType of deps.config.mdca.dataTypes) {
    try {
      dataTypes.push(await relayDataType(deps, dataType, now, counts));
    } catch (err) {
      error = isRelayError(err) ? err : new RelayError('INTERNAL', 'fetch', describeError(err), { cause: err });
      if (error.code === 'CHECKPOINT_CONFLICT') {
        yielded = true;
        deps.logger.warn('relay.yielded', { dataType, reason: error.message });
        continue; // another runner owns this data type; the others may still be ours
      }
      deps.logger.error('relay.failed', { dataType, code: error.code, stage: error.stage, error: error.message });
      break; // the next tick retries from the committed checkpoint
    }
  }
  for (const d of dataTypes) {
    counts.sent += d.sent;
    counts.batches += d.batches;
    counts.requests += d.requests;
  }
  const failed = error !== undefined && !yielded;
  const outcome: RunSummary['outcome'] = failed ? (counts.sent > 0 ? 'partial' : 'failure') : 'success';
  let heartbeatError: unknown;
  if (!failed && deps.config.relay.heartbeatIntervalMs > 0) {
    const status = await deps.store.readStatus();
    if (!status?.lastHeartbeatAt || now() - status.lastHeartbeatAt >= deps.config.relay.heartbeatIntervalMs) {
      try {
        await deps.sender.deliver([deps.formatter.own(heartbeatEvent(deps.config, status, dataTypes, counts, now()))]);
        await deps.store.updateStatus((s) => ({ ...s!, lastHeartbeatAt: now() }));
      } catch (err) {
        heartbeatError = err;
        deps.logger.warn('relay.heartbeat-failed', { error: describeError(err) });
      }
    }
  }
  counts.durationMs = now() - started;
  const summary: RunSummary = {
    outcome,
    sent: counts.sent,
    skippedDuplicates: counts.skippedDuplicates,
    requests: counts.requests,
    lagMs: dataTypes.length ? Math.max(...dataTypes.map((d) => d.lagMs)) : 0,
    durationMs: counts.durationMs,
    dataTypes,
    error: failed ? error : undefined,
    yielded,
  };
  if (!yielded || dataTypes.length > 0) await recordRun(deps.store, summary, counts, now(), heartbeatError);
  deps.logger[failed ? 'error' : 'info']('relay.run', { outcome, ...counts, lagSeconds: Math.round(summary.lagMs / 1000), error: summary.error && describeError(summary.error) });
  return summary;
}
