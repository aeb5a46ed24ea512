// Many tenants in one process: one Relay per tenant (its own store rows, token provider, rate
// limiter, sender and CEF writer), built once and run concurrently under a cap.
//
// Isolation (docs/multi-tenant.md): a tenant's run never throws here (a failure, a configuration
// error or an unexpected exception becomes that tenant's result), every run is bounded by the same
// deadlines, and nothing is shared between tenants but the cap's slots and the log sinks. A tenant
// whose dependency hangs holds one slot until its deadline; with a cap >= the tenant count it holds
// none another needs. The logger handed in should redact every tenant's secrets (tenantSecrets), and
// each tenant logs through a child carrying `tenant`.
//
// Exported API (the Functions fan-out runs one tenant per queue message with the same calls):
//   createTenantRelay(shared, tenant, context, overrides?) => TenantRelay   never throws
//   runTenant(t, { logger, deadline?, hardDeadline?, shouldStop? })     => TenantResult
//   runTenants(list, { concurrency, logger, ... })                      => TenantResult[] (input order)
//   runTenantsContinuously(list, { concurrency, nextRun, waitUntil, ... }) each tenant on its own turn
//   tenantSecrets(list)                                                 => every tenant's secrets
import type { ConfigContext, RawSettings } from '../config/load.js';
import { describeError, RelayError } from '../errors.js';
import type { Logger } from '../ops/logger.js';
import { tenantConfig } from '../tenants/config.js';
import type { Tenant } from '../tenants/registry.js';
import { createRelay, type Relay, type RelayOverrides } from './relay.js';
import type { RunSummary } from './run.js';

export interface TenantRelay {
  tenant: Tenant;
  /** Absent when the tenant's configuration is invalid (then `error` says why). */
  relay?: Relay;
  error?: RelayError;
}

export interface TenantResult {
  tenant: string;
  /** `not-run`: invalid configuration, or a stop came first; `disabled`: switched off in the registry. */
  outcome: RunSummary['outcome'] | 'not-run' | 'disabled';
  summary?: RunSummary;
  /** The run's error, or why the tenant could not run (its configuration). */
  error?: RelayError;
}

export interface TenantRunOptions {
  logger: Logger;
  deadline?: number;
  hardDeadline?: number;
  shouldStop?: () => boolean;
}

/** The tenant's relay, or the configuration error that keeps it from running. */
export function createTenantRelay(shared: RawSettings, tenant: Tenant, context: ConfigContext, overrides?: (tenant: Tenant) => RelayOverrides): TenantRelay {
  try {
    return { tenant, relay: createRelay(tenantConfig(shared, tenant, context), overrides?.(tenant)) };
  } catch (err) {
    return { tenant, error: err instanceof RelayError ? err : new RelayError('CONFIG_INVALID', 'config', `tenant "${tenant.name}": ${describeError(err)}`, { cause: err }) };
  }
}

/** Every secret any tenant's token provider holds: a redactor over all of them keeps A's token out of B's lines too. */
export function tenantSecrets(list: readonly TenantRelay[]): string[] {
  return list.flatMap((t) => (t.relay ? t.relay.tokens.secrets() : []));
}

/** One tenant's run. Never throws. */
export async function runTenant(t: TenantRelay, options: TenantRunOptions): Promise<TenantResult> {
  const name = t.tenant.name;
  if (!t.relay) return { tenant: name, outcome: 'not-run', error: t.error };
  const logger = options.logger.child({ tenant: name });
  try {
    const summary = await t.relay.run({ logger, deadline: options.deadline, hardDeadline: options.hardDeadline, shouldStop: options.shouldStop });
    return { tenant: name, outcome: summary.outcome, summary, error: summary.error };
  } catch (err) {
    // runRelay reports failures in its summary; anything thrown is a defect, and stays this tenant's.
    const error = err instanceof RelayError ? err : new RelayError('INTERNAL', 'fetch', describeError(err), { cause: err });
    logger.error('tenant.run-failed', { error: describeError(error) });
    return { tenant: name, outcome: 'failure', error };
  }
}

/** At most `n` holders at once, served in the order they asked. */
function slots(n: number): { acquire(): Promise<void>; release(): void } {
  let free = Math.max(1, n);
  const waiting: Array<() => void> = [];
  return {
    acquire: () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve))),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** One run of every enabled tenant, at most `concurrency` at once; results in the input order. */
export async function runTenants(list: readonly TenantRelay[], options: TenantRunOptions & { concurrency: number }): Promise<TenantResult[]> {
  const slot = slots(options.concurrency);
  return Promise.all(
    list.map(async (t): Promise<TenantResult> => {
      if (t.tenant.disabled) return { tenant: t.tenant.name, outcome: 'disabled' };
      await slot.acquire();
      try {
        // A tenant still waiting for a slot when a stop arrives is reported, not run.
        return options.shouldStop?.() ? { tenant: t.tenant.name, outcome: 'not-run' } : await runTenant(t, options);
      } finally {
        slot.release();
      }
    }),
  );
}

/**
 * The CLI's run loop: each enabled tenant runs, then waits for its own next turn (`nextRun` after its
 * run ended), sharing `concurrency` slots. No barrier between tenants: a tenant whose run hangs until its
 * time budget delays only its own next run, never another's tick. Returns once `shouldStop` holds and
 * every run in flight has ended.
 */
export async function runTenantsContinuously(
  list: readonly TenantRelay[],
  options: TenantRunOptions & { concurrency: number; nextRun: (now: number) => number; waitUntil: (when: number) => Promise<void>; onResult?: (r: TenantResult) => void },
): Promise<void> {
  const slot = slots(options.concurrency);
  const stopped = () => options.shouldStop?.() === true;
  await Promise.all(
    list
      .filter((t) => !t.tenant.disabled)
      .map(async (t) => {
        while (!stopped()) {
          await slot.acquire();
          let result: TenantResult | undefined;
          try {
            if (!stopped()) result = await runTenant(t, options);
          } finally {
            slot.release();
          }
          if (result) options.onResult?.(result);
          if (!stopped()) await options.waitUntil(options.nextRun(Date.now()));
        }
      }),
  );
}

/** Closes every tenant's sender. */
export async function closeTenants(list: readonly TenantRelay[]): Promise<void> {
  await Promise.allSettled(list.map((t) => t.relay?.close()));
}
