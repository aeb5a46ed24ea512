// The relay pipeline: checkpoint -> fetch -> format CEF -> deliver over syslog -> commit.
// One run per timer tick or CLI loop turn. A batch's cursor is committed only after the syslog
// stage confirmed delivery of that batch (see src/state/types.ts for the full rule).
//
// Stages overlap: the next page is fetched while earlier ones are delivered (read-ahead.ts), and up
// to DELIVERY_WINDOW batches are on their way to the receiver at once, their cursors committed
// strictly in batch order as their confirmations arrive (delivery-stage.ts). A failed batch is never
// committed, nor anything after it: the next run resends at most the window (duplicates, no loss).
// Time: after `deadline` no new batch starts (those in flight finish and commit); at `hardDeadline`
// the run's signal aborts whatever is in flight (a request, a delivery, a store call), so a frozen
// dependency cannot hold a run past its budget. The lease is renewed while batches are in flight;
// losing it aborts the data type. A data type that fails still reports its lag, requests and fetched
// count (the lag alert reads them).
import type { CefWriter } from '../cef/types.js';
import type { RelayConfig } from '../config/types.js';
import { describeError, isRelayError, RelayError } from '../errors.js';
import type { Batch, Cursor, Source, Stream as DataType } from '../sources/types.js';
import type { Logger } from '../ops/logger.js';
import { CheckpointKeeper, type RunnerIdentity } from '../state/keeper.js';
import { decideStart } from '../state/policy.js';
import type { RunCounts, StateStore, StatusRecord } from '../state/types.js';
import type { SyslogSender } from '../syslog/types.js';
import { DeliveryStage } from './delivery-stage.js';
import { heartbeatEvent } from './heartbeat.js';
import { readAhead } from './read-ahead.js';
import { recordRun } from './status-update.js';

export interface RelayDeps {
  config: RelayConfig;
  store: StateStore;
  source: Source;
  sender: SyslogSender;
  /** The CEF writer, for the relay's own events (heartbeat). */
  writer: CefWriter;
  logger: Logger;
  identity: RunnerIdentity;
  now?: () => number;
  /** Epoch ms after which no new batch is started (the Function's time budget). */
  deadline?: number;
  /** Epoch ms at which everything still in flight is aborted (default: no hard stop). */
  hardDeadline?: number;
  /** Asked after each batch: true stops the run cleanly (CLI on SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
  /** Called after each committed batch (progress display). */
  onProgress?: (p: { dataType: DataType; sent: number; watermark: number }) => void;
  /** Most batches in delivery at once (default: config.relay.deliveryWindow, RELAY_DELIVERY_WINDOW). */
  deliveryWindow?: number;
}

/**
 * Batches in delivery at once: enough to hide a TCP confirmation (close + settle check, about 30 ms)
 * behind the fetches, few enough that memory stays flat and a failure resends little. Six, not the
 * sender's 4 sessions: a batch waiting out its 25 ms settle check has given up its session but not
 * its place here, so 2 more keep the sessions busy meanwhile (4 left a receiver idle while all 4
 * settled: 0.75x of syslog-ng's ceiling, against ~1.0x with 6; docs/syslog.md, Throughput). With
 * the page read ahead, at most DELIVERY_WINDOW + 1 pages are held. The default of RELAY_DELIVERY_WINDOW.
 */
export const DELIVERY_WINDOW = 6;

export interface DataTypeSummary {
  dataType: DataType;
  sent: number;
  /** Records the API returned, duplicates included. */
  fetched: number;
  /** Records already delivered before (overlap re-reads), dropped. */
  duplicates: number;
  batches: number;
  requests: number;
  /** Committed position (NaN when the checkpoint could not be read). */
  watermark: number;
  lagMs: number;
  stoppedForBudget: boolean;
  error?: RelayError;
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
  /** Notable events of this run, also kept in the status record (suspect records, a narrowed window, a fallback). */
  warnings: string[];
}

/** Bound on each status write and the heartbeat at the end of a run (the store has its own timeout too). */
const STATUS_WRITE_MS = 15_000;

function asRelayError(err: unknown, signal: AbortSignal): RelayError {
  if (isRelayError(err)) return err;
  if (signal.aborted && isRelayError(signal.reason)) return signal.reason;
  return new RelayError('INTERNAL', 'fetch', describeError(err), { cause: err });
}

/** Relays one data type. Never throws: a failure is in the summary's `error`, with the lag and counts so far. */
async function relayDataType(deps: RelayDeps, dataType: DataType, now: () => number, runSignal: AbortSignal, warnings: string[]): Promise<DataTypeSummary> {
  const { config, store, logger } = deps;
  const summary: DataTypeSummary = { dataType, sent: 0, fetched: 0, duplicates: 0, batches: 0, requests: 0, watermark: NaN, lagMs: 0, stoppedForBudget: false };
  const keeper = new CheckpointKeeper(store, dataType, deps.identity, config.relay.leaseMs, now);
  const lost = new AbortController(); // the lease is gone: everything of this data type stops
  const signal = AbortSignal.any([runSignal, lost.signal]);
  const stopReading = new AbortController(); // an early stop: only the page read ahead is dropped
  let stage: DeliveryStage<Cursor> | undefined;
  try {
    let decision: ReturnType<typeof decideStart> | undefined;
    const acquired = await keeper.acquire((stored) => {
      decision = decideStart(stored, now(), config.relay.initialLookbackMs);
      summary.watermark = decision.cursor.watermark; // the position reported even if taking the lease fails
      return decision.cursor;
    }, signal);
    const cursor = acquired.cursor;
    keeper.keepAlive((err) => lost.abort(err));
    if (decision?.skipped) {
      const span = decision.skipped;
      logger.warn('relay.switched-off', { dataType, skippedFrom: new Date(span.from).toISOString(), skippedTo: new Date(span.to).toISOString() });
      await store.updateStatus((s) => ({ ...s!, skippedSpans: [...(s?.skippedSpans ?? []).slice(-19), { dataType, ...span, recordedAt: now() }] }), signal);
    }
    logger.info('relay.start', { dataType, from: new Date(cursor.watermark).toISOString(), reason: decision?.reason, overlapIds: Object.keys(cursor.sent).length });
    stage = new DeliveryStage<Cursor>({
      window: deps.deliveryWindow ?? deps.config.relay.deliveryWindow ?? DELIVERY_WINDOW,
      signal,
      deliver: (lines, s) => deps.sender.deliver(lines, s),
      commit: (c, n, s) => keeper.commit(c, n, s),
      onCommitted: (b) => {
        summary.sent += b.lines.length;
        summary.batches += 1;
        summary.watermark = b.cursor.watermark;
        deps.onProgress?.({ dataType, sent: summary.sent, watermark: summary.watermark });
      },
    });
    let narrowedLogged = false;
    const readSignal = AbortSignal.any([signal, stopReading.signal]);
    for await (const batch of readAhead(deps.source.read(cursor, dataType, undefined, { signal: readSignal, onRequest: () => summary.requests++ }))) {
      summary.fetched += batch.records.length + (batch.duplicates ?? 0);
      summary.duplicates += batch.duplicates ?? 0;
      noteBatch(deps.logger, dataType, batch, warnings, narrowedLogged);
      narrowedLogged ||= batch.overlapNarrowedTo !== undefined;
      try {
        await stage.push({ lines: batch.records.map((r) => deps.source.format(dataType, r)), cursor: batch.cursor });
      } catch (err) {
        abortSoon(stopReading, err); // a failed batch ends the run: the page read ahead is not needed
        throw err;
      }
      const budgetOver = deps.deadline !== undefined && now() >= deps.deadline;
      if (deps.shouldStop?.() || budgetOver) {
        if (budgetOver) {
          summary.stoppedForBudget = true;
          logger.info('relay.time-budget-reached', { dataType, sent: summary.sent, watermark: new Date(summary.watermark).toISOString() });
        }
        abortSoon(stopReading, new RelayError('RUN_ABORTED', 'fetch', 'the run stopped early')); // the page read ahead is not needed
        break;
      }
    }
    await stage.drain(); // the batches in flight finish and commit
    await keeper.release('success');
  } catch (err) {
    // What was confirmed before the failure still commits; nothing after a failed batch does.
    await stage?.settle();
    let error = asRelayError(stage?.error ?? err, signal);
    const pending = stage?.uncommitted ?? 0; // handed to the sender, not committed
    if (pending > 0 && (error.code === 'CHECKPOINT_CONFLICT' || error.code === 'LEASE_LOST')) {
      // Sent, then the lease was gone: not a clean yield. The other runner may send these again.
      error = new RelayError('LEASE_LOST', 'checkpoint', `${pending} ${dataType} events were delivered, then the lease was lost before their checkpoint (${error.message}); another runner may deliver them again`, { cause: error });
    } else if (error.code === 'LEASE_LOST' && isRelayError(error.cause, 'CHECKPOINT_CONFLICT')) {
      // Taken over while only reading: nothing of ours is in flight, so this is a clean yield.
      error = new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `another runner took the ${dataType} lease while this run was reading; nothing was in flight`, { cause: error });
    }
    summary.error = error;
    // The checkpoint keeps the last committed cursor: nothing undelivered is skipped.
    await keeper.release('failure').catch(() => undefined);
  } finally {
    summary.lagMs = Number.isNaN(summary.watermark) ? 0 : Math.max(0, now() - summary.watermark);
  }
  return summary;
}

/**
 * Aborts on the next turn of the event loop, not from inside a chain of promise callbacks: node-fetch 3
 * emits 'error' on a response body nobody listens to yet, an uncaught exception, when the signal aborts
 * between the response and the start of reading its body, and both happen in promise callbacks.
 */
function abortSoon(controller: AbortController, reason: unknown): void {
  setImmediate(() => controller.abort(reason));
}

/** Logs what a batch says about the source (suspect dates, a narrowed window, a changed paging mode) and keeps it for the status. */
function noteBatch(logger: Logger, dataType: DataType, batch: Batch, warnings: string[], narrowedLogged: boolean): void {
  if (batch.suspect?.length) {
    const first = batch.suspect.slice(0, 5).map((r) => `${r.id}@${new Date(r.timestamp).toISOString()}`);
    logger.warn('relay.suspect-timestamp', { dataType, count: batch.suspect.length, records: first });
    warnings.push(`${batch.suspect.length} ${dataType} dated in the future (${first.join(', ')}): delivered; the watermark does not follow them`);
  }
  if (batch.overlapNarrowedTo !== undefined && !narrowedLogged) {
    const from = new Date(batch.overlapNarrowedTo).toISOString();
    logger.warn('relay.overlap-narrowed', { dataType, lateArrivalsFrom: from });
    warnings.push(`${dataType}: a burst filled the de-duplication budget; late arrivals are caught from ${from} instead of the whole overlap window`);
  }
  for (const notice of batch.notices ?? []) {
    logger.warn('relay.source-notice', { dataType, notice });
    warnings.push(`${dataType}: ${notice}`);
  }
}

/** One run over every configured data type. Never throws: the outcome and error are in the summary. */
export async function runRelay(deps: RelayDeps): Promise<RunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts: RunCounts = { fetched: 0, sent: 0, skippedDuplicates: 0, requests: 0, batches: 0, durationMs: 0 };
  const dataTypes: DataTypeSummary[] = [];
  const warnings: string[] = [];
  let error: RelayError | undefined;
  let yielded = false;
  const hard = new AbortController();
  const hardTimer = deps.hardDeadline === undefined ? undefined : setTimeout(() => hard.abort(new RelayError('RUN_ABORTED', 'fetch', `the run's time budget ended (${new Date(deps.hardDeadline!).toISOString()}) with work in flight; the next run resumes from the last checkpoint`)), Math.max(0, deps.hardDeadline - now())).unref();
  try {
    // The status record is created once (its createdAt dates "Created"); later runs only read it.
    if (!(await deps.store.readStatus(hard.signal))) await deps.store.updateStatus((s) => s ?? ({ relayName: deps.config.relayName, createdAt: started } satisfies StatusRecord), hard.signal);
    for (const dataType of deps.source.streams) {
      const d = await relayDataType(deps, dataType, now, hard.signal, warnings);
      dataTypes.push(d);
      if (!d.error) continue;
      if (d.error.code === 'CHECKPOINT_CONFLICT') {
        yielded = true;
        deps.logger.warn('relay.yielded', { dataType, reason: d.error.message });
        continue; // another runner owns this data type; the others may still be ours
      }
      error = d.error;
      deps.logger.error('relay.failed', { dataType, code: error.code, stage: error.stage, error: error.message });
      break; // the next tick retries from the committed checkpoint
    }
  } catch (err) {
    error = asRelayError(err, hard.signal); // the status record could not be read or created
    deps.logger.error('relay.failed', { code: error.code, stage: error.stage, error: error.message });
  } finally {
    clearTimeout(hardTimer);
  }
  // A yield is clean only for the data types that yielded; the others count as they went.
  const reported = dataTypes.filter((d) => d.error?.code !== 'CHECKPOINT_CONFLICT' || d.sent > 0);
  for (const d of dataTypes) {
    counts.sent += d.sent;
    counts.batches += d.batches;
    counts.requests += d.requests;
    counts.fetched += d.fetched;
    counts.skippedDuplicates += d.duplicates;
  }
  const failed = error !== undefined;
  const outcome: RunSummary['outcome'] = failed ? (counts.sent > 0 ? 'partial' : 'failure') : 'success';
  let heartbeatError: unknown;
  if (!failed && deps.config.relay.heartbeatIntervalMs > 0) {
    try {
      const status = await deps.store.readStatus(AbortSignal.timeout(STATUS_WRITE_MS));
      if (!status?.lastHeartbeatAt || now() - status.lastHeartbeatAt >= deps.config.relay.heartbeatIntervalMs) {
        await deps.sender.deliver([deps.writer.own(heartbeatEvent(deps.config, status, reported, counts, now()))], AbortSignal.timeout(STATUS_WRITE_MS));
        await deps.store.updateStatus((s) => ({ ...s!, lastHeartbeatAt: now() }), AbortSignal.timeout(STATUS_WRITE_MS));
      }
    } catch (err) {
      heartbeatError = err;
      deps.logger.warn('relay.heartbeat-failed', { error: describeError(err) });
    }
  }
  counts.durationMs = now() - started;
  const lags = reported.filter((d) => !Number.isNaN(d.watermark)).map((d) => d.lagMs);
  const summary: RunSummary = {
    outcome,
    sent: counts.sent,
    skippedDuplicates: counts.skippedDuplicates,
    requests: counts.requests,
    lagMs: lags.length ? Math.max(...lags) : 0,
    durationMs: counts.durationMs,
    dataTypes: reported,
    error,
    yielded,
    warnings,
  };
  if (!yielded || reported.length > 0) {
    try {
      await recordRun(deps.store, summary, counts, now(), heartbeatError, AbortSignal.timeout(STATUS_WRITE_MS));
    } catch (err) {
      // Never hides the run's own error; a store that cannot take the status is an error of its own.
      deps.logger.error('relay.status-write-failed', { error: describeError(err) });
      if (!summary.error) {
        summary.error = asRelayError(err, hard.signal);
        summary.outcome = counts.sent > 0 ? 'partial' : 'failure';
      }
    }
  }
  deps.logger[summary.error ? 'error' : 'info']('relay.run', { outcome: summary.outcome, ...counts, lagSeconds: Math.round(summary.lagMs / 1000), error: summary.error && describeError(summary.error) });
  return summary;
}
