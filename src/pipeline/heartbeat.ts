// The relay's own CEF event in the SIEM: state, lag, last success and counts, so a SIEM rule can
// alert on silence or lag without access to Azure.
import type { OwnEvent } from '../cef/types.js';
import type { RelayConfig } from '../config/types.js';
import { relayState } from '../state/policy.js';
import type { RunCounts, StatusRecord } from '../state/types.js';
import type { DataTypeSummary } from './run.js';

export const HEARTBEAT_SIGNATURE = 'RELAY_HEARTBEAT';
export const TEST_EVENT_SIGNATURE = 'RELAY_TEST_EVENT';

export function heartbeatEvent(config: RelayConfig, status: StatusRecord | undefined, dataTypes: DataTypeSummary[], counts: RunCounts, now: number): OwnEvent {
  const lagMs = dataTypes.length ? Math.max(...dataTypes.map((d) => d.lagMs)) : 0;
  // This heartbeat is sent at the end of a successful run, so the relay is connected now.
  const state = relayState(status ? { ...status, lastSuccessAt: now } : undefined, now);
  return {
    signatureId: HEARTBEAT_SIGNATURE,
    name: 'mdca-siem-relay heartbeat',
    severity: 0,
    timestamp: now,
    extension: [
      ['rt', now],
      ['dvchost', config.relayName],
      ['outcome', state],
      ['cn1Label', 'lagSeconds'],
      ['cn1', Math.round(lagMs / 1000)],
      ['cn2Label', 'sentLastRun'],
      ['cn2', counts.sent],
      ['cn3Label', 'requestsLastRun'],
      ['cn3', counts.requests],
      ['cs1Label', 'lastSuccess'],
      ['cs1', status?.lastSuccessAt ? new Date(status.lastSuccessAt).toISOString() : ''],
      ['cs2Label', 'dataTypes'],
      ['cs2', dataTypes.map((d) => d.dataType).join(',')],
      ['cs3Label', 'lastError'],
      ['cs3', status?.lastError ? `${status.lastError.code}: ${status.lastError.message}` : ''],
    ],
  };
}
