// Writes a run's outcome into the status record (no secrets: errors are stored by code and message,
// and messages are built by our own code, never from a token or a connection string).
import type { RunCounts, StateStore, StatusRecord } from '../state/types.js';
import { describeError } from '../errors.js';
import type { RunSummary } from './run.js';

export async function recordRun(store: StateStore, summary: RunSummary, counts: RunCounts, now: number, heartbeatError?: unknown, signal?: AbortSignal): Promise<StatusRecord> {
  return store.updateStatus((current) => {
    const s: StatusRecord = { ...(current ?? { relayName: 'relay', createdAt: now }) };
    s.lastRunAt = now;
    const dataTypes: NonNullable<StatusRecord['lastRun']>['dataTypes'] = {};
    for (const d of summary.dataTypes) if (!Number.isNaN(d.watermark)) dataTypes[d.dataType] = { watermark: d.watermark, lagMs: d.lagMs, sent: d.sent };
    s.lastRun = { ...counts, outcome: summary.outcome, dataTypes };
    if (summary.outcome === 'success') {
      if (current?.lastError && current.lastSuccessAt !== undefined && current.lastError.at > current.lastSuccessAt) s.outages = (current.outages ?? 0) + 1;
      s.lastSuccessAt = now;
      if (summary.sent > 0) s.lastDeliveryAt = now;
    }
    if (summary.error) {
      s.lastError = { at: now, code: summary.error.code, stage: summary.error.stage, message: summary.error.message };
    } else if (heartbeatError) {
      s.lastError = { at: now, code: 'SYSLOG_SEND_FAILED', stage: 'send', message: `heartbeat: ${describeError(heartbeatError)}` };
    }
    if (summary.warnings.length > 0) s.warnings = [...(current?.warnings ?? []), ...summary.warnings.map((message) => ({ at: now, message }))].slice(-20);
    return s;
  }, signal);
}
