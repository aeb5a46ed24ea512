// What `mdca-siem-relay status` and the status Function show: the stored record plus derived state and lag.
import type { RelayConfig } from '../config/types.js';
import { relayState } from '../state/policy.js';
import type { StateStore, StatusRecord } from '../state/types.js';

export interface StatusView {
  relay: string;
  state: ReturnType<typeof relayState>;
  lastSuccess?: string;
  lastDelivery?: string;
  lastRun?: string;
  lastError?: { at: string; code: string; stage: string; message: string };
  lagSeconds: Partial<Record<string, number>>;
  watermarks: Partial<Record<string, string>>;
  lastRunCounts?: StatusRecord['lastRun'];
  skippedSpans?: Array<{ dataType: string; from: string; to: string }>;
  warnings?: StatusRecord['warnings'];
  outages: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function statusView(config: RelayConfig, store: StateStore, now: number): Promise<StatusView> {
  const status = await store.readStatus();
  const lagSeconds: StatusView['lagSeconds'] = {};
  const watermarks: StatusView['watermarks'] = {};
  for (const dataType of config.mdca.dataTypes) {
    const cp = await store.readCheckpoint(dataType);
    if (!cp) continue;
    watermarks[dataType] = new Date(cp.value.cursor.watermark).toISOString();
    lagSeconds[dataType] = Math.max(0, Math.round((now - cp.value.cursor.watermark) / 1000));
  }
  return {
    relay: config.relayName,
    state: relayState(status, now),
    lastSuccess: iso(status?.lastSuccessAt),
    lastDelivery: iso(status?.lastDeliveryAt),
    lastRun: iso(status?.lastRunAt),
    lastError: status?.lastError && { ...status.lastError, at: new Date(status.lastError.at).toISOString() },
    lagSeconds,
    watermarks,
    lastRunCounts: status?.lastRun,
    skippedSpans: status?.skippedSpans?.map((s) => ({ dataType: s.dataType, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() })),
    warnings: status?.warnings,
    outages: status?.outages ?? 0,
  };
}
