// Timer-triggered Function `relay`: load the configuration, run the pipeline, log one summary line.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadConfig } from '../src/config/load.js';
import { timerSchedule } from '../src/config/schedule.js';
import { describeError } from '../src/errors.js';
import { functionTimeoutMs, invocationDeadlines, invocationSink } from '../src/ops/function-host.js';
import { createLogger, secretRedactor } from '../src/ops/logger.js';
import { multiTenantMode } from '../src/pipeline/fanout.js';
import { createRelay, type Relay, type RelayOverrides } from '../src/pipeline/relay.js';
import { summaryLine } from '../src/pipeline/summary.js';

let relay: Relay | undefined;

/** The relay is built once per worker so the token cache and the rate limiter outlive one tick. */
function getRelay(overrides?: RelayOverrides): Relay {
  relay ??= createRelay(loadConfig(process.env, 'function'), overrides);
  return relay;
}

/** For tests: forget the cached relay (settings changed). */
export function resetRelay(): void {
  relay = undefined;
}

export async function relayTimer(timer: Timer, context: InvocationContext, overrides?: RelayOverrides): Promise<void> {
  const started = Date.now();
  const r = getRelay(overrides);
  const logger = createLogger([invocationSink(context)], { redact: secretRedactor(() => r.tokens.secrets()), base: { invocationId: context.invocationId } });
  if (timer.isPastDue) logger.warn('relay.past-due');
  const timeoutMs = functionTimeoutMs();
  const { deadline, hardDeadline } = invocationDeadlines(started, timeoutMs, r.config.relay.timeBudgetShare);
  const summary = await r.run({ logger, deadline, hardDeadline });
  // The failure and lag alerts read this line: a failed run logs it as an error.
  if (summary.outcome === 'success') context.log(summaryLine(summary));
  else context.error(summaryLine(summary));
  // A failed run throws so the invocation shows as failed (and the failure alert fires);
  // the checkpoint already holds the last delivered position.
  if (summary.outcome !== 'success') throw new Error(`relay run failed: ${describeError(summary.error)}`);
}

// Multi-tenant mode runs every tenant through the fan-out (functions/tenants.ts) instead: this timer would relay the
// shared settings as a tenant of their own.
if (!multiTenantMode(process.env)) {
  app.timer('relay', {
    schedule: timerSchedule(process.env.RELAY_SCHEDULE),
    runOnStartup: false,
    useMonitor: true,
    handler: (timer, context) => relayTimer(timer, context),
  });
}
