// The multi-tenant fan-out on Functions (docs/multi-tenant.md, "Fan-out on Functions"): what the dispatcher
// timer and the queue-triggered tenant run do, without the Functions host, so a test drives them against
// Azurite's queues exactly as the host would.
//
// The rules:
//  - Dispatch: one message per enabled tenant per tick, each living long enough for every retry to run to
//    its time limit (maxDequeueCount x (functionTimeout + visibilityTimeout)), then expiring: a queue that
//    backs up holds at most that many ticks' messages per tenant, and once one of them succeeds the older
//    ones are dropped unrun (below).
//  - One tenant per message, with its own Relay (lease, checkpoint rows, token, request budget, destination),
//    built once per worker and kept while the tenant's settings are unchanged.
//  - One request budget per tenant across instances: a run starts with the receipt times of the requests
//    the tenant's last run made inside the rate window (kept in its status record), wherever that ran.
//  - Dropped without running: a message for a tenant no longer registered or disabled; a message older than
//    the tenant's last successful run (a later run already did its work); and a message whose tenant is
//    still running elsewhere: the per-data-type lease makes that run yield before it reads anything, so
//    nothing is sent twice (the run reports `yielded`).
//  - A failed run fails the invocation (the host retries after visibilityTimeout). On the last attempt
//    (dequeueCount >= maxDequeueCount) the tenant's status records `poisoned` before the host moves the
//    message to the poison queue; the tenant's next success clears it. Nothing is lost either way: the
//    checkpoint holds the last delivered position, and the next tick enqueues the tenant again.
import type { RawSettings } from '../config/load.js';
import { describeError, RelayError } from '../errors.js';
import { invocationDeadlines } from '../ops/function-host.js';
import type { Logger } from '../ops/logger.js';
import type { TenantQueue, TenantMessage } from '../tenants/queue.js';
import type { Tenant, TenantRegistry } from '../tenants/registry.js';
import type { RelayOverrides } from './relay.js';
import { createTenantRelay, runTenant, tenantSecrets, type TenantRelay, type TenantResult } from './tenants.js';

/** RELAY_MULTI_TENANT as the entry points read it at registration (loadConfig refuses a value that is neither). */
export function multiTenantMode(env: RawSettings): boolean {
  return (env.RELAY_MULTI_TENANT ?? '').trim().toLowerCase() === 'true';
}

export interface DispatchResult {
  enqueued: string[];
  disabled: string[];
}

/** One message per enabled tenant. Throws when the registry or the queue cannot be reached (the tick fails, visibly). */
export async function dispatchTenants(registry: TenantRegistry, queue: TenantQueue, options: { now: number; ttlSeconds: number; signal?: AbortSignal }): Promise<DispatchResult> {
  const tenants = await registry.list();
  const due = tenants.filter((t) => !t.disabled);
  await queue.send(due.map((t) => ({ tenant: t.name, enqueuedAt: options.now })), options.ttlSeconds, options.signal);
  return { enqueued: due.map((t) => t.name), disabled: tenants.filter((t) => t.disabled).map((t) => t.name) };
}

/** Seconds a message may wait: long enough for every attempt to run to its limit, not much longer. */
export function messageTtlSeconds(host: { maxDequeueCount: number; visibilityTimeoutMs: number }, functionTimeoutMs: number): number {
  return Math.ceil((host.maxDequeueCount * (functionTimeoutMs + host.visibilityTimeoutMs)) / 1000);
}

export type TenantRunOutcome =
  | { kind: 'ran'; result: TenantResult }
  | { kind: 'dropped'; tenant: string; reason: 'unknown' | 'disabled' | 'stale' | 'running' };

export interface Attempt {
  /** The host's dequeue count: 1 on the first attempt. */
  dequeueCount: number;
  maxDequeueCount: number;
}

export interface TenantRunOptions {
  logger: Logger;
  /** The invocation's start and the host's functionTimeout: each tenant's deadlines derive from them as the relay timer's do. */
  started: number;
  functionTimeoutMs: number;
  now?: () => number;
}

export interface TenantRunner {
  run(message: TenantMessage, attempt: Attempt, options: TenantRunOptions): Promise<TenantRunOutcome>;
  /** Every secret of every tenant this worker has built: one redactor over all of them. */
  secrets(): string[];
  close(): Promise<void>;
}

/** A worker's tenant runner: the registry is read per message, each tenant's Relay is built once and reused. */
export function createTenantRunner(shared: RawSettings, registry: TenantRegistry, overrides?: (tenant: Tenant) => RelayOverrides): TenantRunner {
  const built = new Map<string, { key: string; relay: TenantRelay }>();
  const relayFor = (tenant: Tenant): TenantRelay => {
    const key = JSON.stringify(tenant.settings);
    const known = built.get(tenant.name);
    if (known?.key === key) return known.relay;
    // A changed tenant gets a new Relay and the old one's sender is closed now: a run of it still going in this
    // worker (rare: another message of the same tenant) then fails and is retried from its checkpoint.
    void known?.relay.relay?.close().catch(() => undefined);
    const relay = createTenantRelay(shared, tenant, 'function', overrides);
    built.set(tenant.name, { key, relay });
    return relay;
  };

  return {
    secrets: () => tenantSecrets([...built.values()].map((b) => b.relay)),
    close: async () => {
      await Promise.allSettled([...built.values()].map((b) => b.relay.relay?.close()));
      built.clear();
    },
    async run(message, attempt, options) {
      const now = options.now ?? Date.now;
      const logger = options.logger.child({ tenant: message.tenant });
      const tenant = await registry.get(message.tenant);
      if (!tenant) return { kind: 'dropped', tenant: message.tenant, reason: 'unknown' };
      if (tenant.disabled) return { kind: 'dropped', tenant: tenant.name, reason: 'disabled' };
      const t = relayFor(tenant);
      const store = t.relay?.store;
      const before = store ? await store.readStatus() : undefined;
      if (before?.lastSuccessAt !== undefined && before.lastSuccessAt > message.enqueuedAt) return { kind: 'dropped', tenant: tenant.name, reason: 'stale' };

      // The budget this tenant's last run left, wherever it ran: the window's requests count here too.
      const bucket = t.relay?.client.bucket;
      if (bucket && before?.recentRequests?.length) bucket.seed(before.recentRequests);

      const share = t.relay?.config.relay.timeBudgetShare ?? 0.8;
      const { deadline, hardDeadline } = invocationDeadlines(options.started, options.functionTimeoutMs, share);
      const result = await runTenant(t, { logger: options.logger, deadline, hardDeadline });

      if (result.outcome === 'success' && result.summary?.yielded && result.summary.sent === 0 && result.summary.dataTypes.length === 0) {
        return { kind: 'dropped', tenant: tenant.name, reason: 'running' };
      }
      const poisoned = result.outcome !== 'success' && attempt.dequeueCount >= attempt.maxDequeueCount;
      if (poisoned) logger.error('tenant.poisoned', { attempts: attempt.dequeueCount, code: result.error?.code ?? 'INTERNAL' });
      const spent = (result.summary?.requests ?? 0) > 0;
      const clearPoison = result.outcome === 'success' && before?.poisoned !== undefined;
      if (store && (spent || poisoned || clearPoison)) {
        // One status write: the budget's state for the next run, and the poison mark set or cleared.
        await store
          .updateStatus((s) => ({
            ...(s ?? { relayName: t.relay!.config.relayName, createdAt: now() }),
            ...(spent && bucket ? { recentRequests: bucket.recent() } : {}),
            ...(poisoned ? { poisoned: { at: now(), attempts: attempt.dequeueCount, code: result.error?.code ?? 'INTERNAL' } } : {}),
            ...(clearPoison ? { poisoned: undefined } : {}),
          }))
          .catch((err: unknown) => logger.warn('tenant.status-write-failed', { error: describeError(err) }));
      }
      return { kind: 'ran', result };
    },
  };
}

/** The error a failed tenant run throws out of the invocation (the host then retries, then poisons). */
export function tenantRunError(result: TenantResult): RelayError {
  const cause = result.error;
  return new RelayError(cause?.code ?? 'INTERNAL', cause?.stage ?? 'fetch', `tenant "${result.tenant}" run ${result.outcome}: ${cause ? describeError(cause) : 'no error recorded'}`, { cause });
}
