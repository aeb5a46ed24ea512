// Multi-tenant fan-out (RELAY_MULTI_TENANT=true, docs/multi-tenant.md): the `tenantDispatch` timer enqueues one
// message per enabled tenant, the `tenantRun` queue trigger runs one tenant per message. In single-tenant mode this
// file registers nothing: the host then starts no queue listener, so a deployment without queues (no queue
// endpoint, no queue role) indexes and runs exactly as before, and the `relay` timer does the work.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSharedSettings } from '../src/config/load.js';
import { timerSchedule } from '../src/config/schedule.js';
import { describeError } from '../src/errors.js';
import { functionTimeoutMs, hostQueueSettings, invocationSink } from '../src/ops/function-host.js';
import { createLogger, secretRedactor } from '../src/ops/logger.js';
import { createTenantRunner, dispatchTenants, messageTtlSeconds, multiTenantMode, tenantRunError, type TenantRunner } from '../src/pipeline/fanout.js';
import type { RelayOverrides } from '../src/pipeline/relay.js';
import { summaryLine } from '../src/pipeline/summary.js';
import { parseTenantMessage, TENANT_QUEUE, TENANT_QUEUE_CONNECTION, tenantQueue } from '../src/tenants/queue.js';
import { tableRegistry, type Tenant } from '../src/tenants/registry.js';

/** The registry in the checkpoint table (the Function's state is always a table). */
function registry() {
  const { state } = loadSharedSettings(process.env, 'function');
  if (state.kind !== 'table') throw new Error('the Function keeps its state in a table');
  return tableRegistry(state);
}

let runner: TenantRunner | undefined;

/** The worker's runner, built once: each tenant's token cache and request budget outlive one message. */
function getRunner(overrides?: (tenant: Tenant) => RelayOverrides): TenantRunner {
  runner ??= createTenantRunner(process.env, registry(), overrides);
  return runner;
}

/** For tests: forget the cached tenants (settings changed). */
export async function resetTenantRunner(): Promise<void> {
  await runner?.close();
  runner = undefined;
}

export async function tenantDispatchTimer(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn('tenant dispatch: past due');
  const ttlSeconds = messageTtlSeconds(hostQueueSettings(), functionTimeoutMs());
  const { enqueued, disabled } = await dispatchTenants(registry(), tenantQueue(process.env), { now: Date.now(), ttlSeconds });
  context.log(`tenant dispatch enqueued=${enqueued.length} disabled=${disabled.length} queue=${TENANT_QUEUE}`);
}

export async function tenantRunHandler(body: unknown, context: InvocationContext, overrides?: (tenant: Tenant) => RelayOverrides): Promise<void> {
  const started = Date.now();
  const r = getRunner(overrides);
  const logger = createLogger([invocationSink(context)], { redact: secretRedactor(() => r.secrets()), base: { invocationId: context.invocationId } });
  let message;
  try {
    message = parseTenantMessage(body);
  } catch (err) {
    // Not ours: retrying cannot make it one. Logged and completed (deleted), never run.
    context.error(describeError(err));
    return;
  }
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const outcome = await r.run(message, { dequeueCount, maxDequeueCount: hostQueueSettings().maxDequeueCount }, { logger, started, functionTimeoutMs: functionTimeoutMs() });
  if (outcome.kind === 'dropped') {
    context.log(`tenant ${outcome.tenant}: dropped (${outcome.reason})`);
    return;
  }
  const { result } = outcome;
  // The failure and lag alerts read this line, as the relay timer's: `relay <outcome> ... lag=Ns`, here tagged with the tenant.
  const line = result.summary ? `${summaryLine(result.summary)} tenant=${result.tenant}` : `relay ${result.outcome} tenant=${result.tenant}${result.error ? ` error=${describeError(result.error)}` : ''}`;
  if (result.outcome === 'success') context.log(line);
  else context.error(line);
  // A failed run fails the invocation: the host retries it, then moves it to the poison queue.
  if (result.outcome !== 'success') throw tenantRunError(result);
}

if (multiTenantMode(process.env)) {
  app.timer('tenantDispatch', {
    schedule: timerSchedule(process.env.RELAY_SCHEDULE),
    runOnStartup: false,
    useMonitor: true,
    handler: (timer, context) => tenantDispatchTimer(timer, context),
  });
  app.storageQueue('tenantRun', {
    queueName: TENANT_QUEUE,
    connection: TENANT_QUEUE_CONNECTION,
    handler: (message, context) => tenantRunHandler(message, context),
  });
}
