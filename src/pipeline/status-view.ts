// What `mdca-siem-relay status` and the status Function show: the stored record plus derived state and lag.
import type { RelayConfig } from '../config/types.js';
import { streamsOf } from '../sources/index.js';
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
  /** Multi-tenant: the tenant's last queue message went to the poison queue after this many failed attempts. */
  poisoned?: { at: string; attempts: number; code: string };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export async function statusView(config: RelayConfig, store: StateStore, now: number): Promise<StatusView> {
  const status = await store.readStatus();
  const lagSeconds: StatusView['lagSeconds'] = {};
  const watermarks: StatusView['watermarks'] = {};
  for (const dataType of streamsOf(config)) {
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
    poisoned: status?.poisoned && { ...status.poisoned, at: new Date(status.poisoned.at).toISOString() },
  };
}

/** One row of the per-tenant status table (`status --tenants`, the status Function's tenant filter). */
export interface TenantStatusRow {
  tenant: string;
  /** The tenant's relay state; `disabled` in the registry; `invalid` when its configuration is refused. */
  state: StatusView['state'] | 'disabled' | 'invalid';
  /** The largest lag over its data types (absent before the first checkpoint). */
  lagSeconds?: number;
  lastError?: StatusView['lastError'];
  /** The fan-out moved its message to the poison queue (Function, multi-tenant mode). */
  poisoned?: StatusView['poisoned'];
  view?: StatusView;
}

/** A tenant's row from its own store and config; a store that cannot be read is that row's error, not the table's. */
export async function tenantStatusRow(tenant: { name: string; disabled?: boolean }, config: RelayConfig | undefined, store: StateStore | undefined, now: number, configError?: { code: string; stage: string; message: string }): Promise<TenantStatusRow> {
  if (!config || !store) return { tenant: tenant.name, state: 'invalid', lastError: configError && { at: new Date(now).toISOString(), ...configError } };
  let view: StatusView;
  try {
    view = await statusView(config, store, now);
  } catch (err) {
    const e = err as { code?: string; stage?: string; message?: string };
    return { tenant: tenant.name, state: tenant.disabled ? 'disabled' : 'Created', lastError: { at: new Date(now).toISOString(), code: e.code ?? 'INTERNAL', stage: e.stage ?? 'checkpoint', message: e.message ?? String(err) } };
  }
  const lags = Object.values(view.lagSeconds).filter((x): x is number => x !== undefined);
  return { tenant: tenant.name, state: tenant.disabled ? 'disabled' : view.state, lagSeconds: lags.length ? Math.max(...lags) : undefined, lastError: view.lastError, poisoned: view.poisoned, view };
}
