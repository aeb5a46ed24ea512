// `mdca-siem-relay`: parse arguments, build the relay, dispatch to a command. Returns the exit code.
import { loadConfig } from '../config/load.js';
import type { RelayConfig } from '../config/types.js';
import { describeError, isRelayError, RelayError } from '../errors.js';
import { runChecks } from './check.js';
import type { Logger } from '../ops/logger.js';
import { createRelay, createStore, type Relay } from '../pipeline/relay.js';
import { multiTenantMode } from '../pipeline/fanout.js';
import { statusView } from '../pipeline/status-view.js';
import { summaryLine } from '../pipeline/summary.js';
import { rotateTokenCommand } from './rotate-token.js';
import { parseCli, parseTime, USAGE, type CliArgs } from './args.js';
import { cronSchedule, EXIT, processLogger, sleepUntil, stopOnSignals } from './process.js';
import { terminalProgress } from './progress.js';

export { EXIT } from './process.js';
import { runTenantsCommand, tenantsCommand, tenantStatusCommand } from './tenants.js';

function logger(config: RelayConfig, secrets: () => readonly string[]): Logger {
  return processLogger(process.env.RELAY_LOG_LEVEL, secrets, config.logsDir);
}

async function run(relay: Relay, log: Logger, once: boolean): Promise<number> {
  const signals = stopOnSignals(log);
  const stopped = signals.stopped;
  try {
    const schedule = cronSchedule(relay.config.relay.schedule);
    for (;;) {
      const progress = terminalProgress(process.stderr, Date.now());
      const summary = await relay.run({ logger: log, shouldStop: stopped, onProgress: (p) => progress.update(p) });
      progress.done();
      if (once) console.log(summaryLine(summary));
      if (once) return summary.outcome === 'success' ? EXIT.ok : EXIT.failed;
      if (stopped()) return EXIT.ok;
      await sleepUntil(schedule.next().getTime(), stopped);
      if (stopped()) return EXIT.ok;
    }
  } finally {
    signals.release();
  }
}

async function dispatch(args: CliArgs): Promise<number> {
  if (args.command === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  // Multi-tenant (docs/multi-tenant.md): the registry's commands, and run/status over every tenant.
  if (args.command === 'tenants') return tenantsCommand(args, process.stdout);
  if (args.tenantsFile && args.command === 'run') return runTenantsCommand(args, process.stdout, process.env);
  // Without a file, status follows the Function's mode: a multi-tenant deployment has no single relay to show.
  if (args.command === 'status' && (args.tenantsFile || multiTenantMode(args.settings))) return tenantStatusCommand(args, process.stdout);
  if (args.tenantsFile) throw new RelayError('CONFIG_INVALID', 'config', `--tenants: is for run, status and tenants, not ${args.command}`);
  if (args.command === 'check') return runChecks(args.settings, { sendTestEvent: args.sendTestEvent, out: process.stdout });
  const config = loadConfig(args.settings, 'cli');
  if (args.command === 'run' && !args.once) cronSchedule(config.relay.schedule);
  // Arguments are checked before anything is built, so a usage mistake never opens a connection.
  const from = args.command === 'replay' ? parseTime('--from', args.from) : 0;
  const to = args.command === 'replay' ? parseTime('--to', args.to) : 0;
  if (args.command === 'replay' && to <= from) throw new RelayError('CONFIG_INVALID', 'config', '--to: must be after --from');
  if (args.command === 'status') {
    const view = await statusView(config, createStore(config), Date.now());
    console.log(args.json ? JSON.stringify(view, null, 2) : formatStatus(view));
    return EXIT.ok;
  }
  if (args.command === 'rotate-token') return rotateTokenCommand(config, { stdin: process.stdin, expiresInDays: args.expiresInDays });
  const relay = createRelay(config);
  const log = logger(config, () => relay.tokens.secrets());
  try {
    if (args.command === 'replay') {
      const progress = terminalProgress(process.stderr, to);
      const result = await relay.replay({ logger: log, from, to, onProgress: (p) => progress.update(p) });
      progress.done();
      console.log(`replay success sent=${result.sent} requests=${result.requests} from=${new Date(from).toISOString()} to=${new Date(to).toISOString()}`);
      return EXIT.ok;
    }
    return await run(relay, log, args.once);
  } finally {
    await relay.close();
  }
}

function formatStatus(v: Awaited<ReturnType<typeof statusView>>): string {
  const lines = [`relay:        ${v.relay}`, `state:        ${v.state}`, `last success: ${v.lastSuccess ?? 'never'}`, `last run:     ${v.lastRun ?? 'never'}`];
  for (const [dt, wm] of Object.entries(v.watermarks)) lines.push(`${dt.padEnd(13)} watermark ${wm} (lag ${v.lagSeconds[dt]} s)`);
  if (v.lastRunCounts) lines.push(`last run:     ${v.lastRunCounts.outcome}, sent ${v.lastRunCounts.sent}, ${v.lastRunCounts.requests} requests`);
  if (v.lastError) lines.push(`last error:   ${v.lastError.at} ${v.lastError.code} (${v.lastError.stage}): ${v.lastError.message}`);
  for (const s of v.skippedSpans ?? []) lines.push(`skipped:      ${s.dataType} ${s.from} .. ${s.to} (relay was switched off longer than the look-back)`);
  for (const w of v.warnings ?? []) lines.push(`warning:      ${new Date(w.at).toISOString()} ${w.message}`);
  return lines.join('\n');
}

/** One line per failure, never a stack: a configuration problem is the message alone (exit 2); any other
 *  error, expected or not, is its code and message (exit 1). RELAY_LOG_LEVEL=debug adds the stack. */
function report(err: unknown, env: NodeJS.ProcessEnv): number {
  const config = isRelayError(err, 'CONFIG_INVALID');
  console.error(`mdca-siem-relay: ${config ? (err as RelayError).message : describeError(err)}`);
  if (!config && env.RELAY_LOG_LEVEL === 'debug' && err instanceof Error && err.stack) console.error(err.stack);
  return config ? EXIT.usage : EXIT.failed;
}

let crashHandlersInstalled = false;

/** An error nobody awaited (a stray timer or socket callback) would otherwise end the process with
 *  Node's stack dump; it still ends it, with the same one line and exit code 1. */
function installCrashHandlers(env: NodeJS.ProcessEnv): void {
  if (crashHandlersInstalled) return;
  crashHandlersInstalled = true;
  const crash = (err: unknown) => process.exit(report(err, env));
  process.on('unhandledRejection', crash);
  process.on('uncaughtException', crash);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  installCrashHandlers(env);
  try {
    return await dispatch(parseCli(argv, env));
  } catch (err) {
    return report(err, env);
  }
}
