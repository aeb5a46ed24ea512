// The CLI's multi-tenant commands: `tenants add|list|remove|disable|enable` (the registry file with
// --tenants FILE, else the checkpoint table), `run --tenants FILE` (every tenant in this process,
// RELAY_TENANT_CONCURRENCY at once) and `status --tenants FILE`, or `status` with RELAY_MULTI_TENANT=true
// for the checkpoint table (one row per tenant).
import { loadSharedSettings, type RawSettings } from '../config/load.js';
import { describeError, RelayError } from '../errors.js';
import { createStore } from '../pipeline/relay.js';
import { tenantStatusRow, type TenantStatusRow } from '../pipeline/status-view.js';
import { summaryLine } from '../pipeline/summary.js';
import { closeTenants, createTenantRelay, runTenants, runTenantsContinuously, tenantSecrets, type TenantRelay, type TenantResult } from '../pipeline/tenants.js';
import { NOT_INHERITED, tenantConfig } from '../tenants/config.js';
import { checkTenant, fileRegistry, parseTenantFile, tableRegistry, type Tenant, type TenantRegistry } from '../tenants/registry.js';
import type { CliArgs } from './args.js';
import { cronSchedule, EXIT, processLogger, sleepUntil, stopOnSignals } from './process.js';


function registryFor(args: CliArgs): TenantRegistry {
  if (args.tenantsFile) return fileRegistry(args.tenantsFile);
  const { state } = loadSharedSettings(args.settings, 'function');
  if (state.kind !== 'table') throw new RelayError('CONFIG_INVALID', 'config', '--tenants: give a registry file, or the checkpoint table (RELAY_CHECKPOINT_STORAGE or AzureWebJobsStorage)');
  return tableRegistry(state);
}

/** `tenants <action>`: prints one line of what changed (or the list), exits 1 when the tenant does not exist. */
export async function tenantsCommand(args: CliArgs, out: NodeJS.WritableStream): Promise<number> {
  const registry = registryFor(args);
  const name = args.tenantName!;
  switch (args.tenantAction) {
    case 'list': {
      const tenants = await registry.list();
      // Setting names only: a value may be a token (a file may hold MDCA_TOKEN).
      if (args.json) out.write(JSON.stringify(tenants.map((t) => ({ name: t.name, disabled: t.disabled === true, settings: Object.keys(t.settings) })), null, 2) + '\n');
      else for (const t of tenants) out.write(`${t.name}${t.disabled ? ' (disabled)' : ''}  ${Object.keys(t.settings).join(', ')}\n`);
      return EXIT.ok;
    }
    case 'add': {
      const tenant: Tenant = { name, settings: args.sets };
      const home = args.tenantsFile ? 'file' : 'table';
      const problems = checkTenant(tenant, home);
      if (problems.length === 0) problems.push(...valueProblems(args.settings, tenant, home));
      if (problems.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `tenants add: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
      const existed = (await registry.get(name)) !== undefined;
      await registry.add(tenant);
      out.write(`tenant "${name}" ${existed ? 'replaced' : 'added'} in the ${registry.description}\n`);
      return EXIT.ok;
    }
    case 'remove':
    case 'disable':
    case 'enable': {
      const done = args.tenantAction === 'remove' ? await registry.remove(name) : await registry.setDisabled(name, args.tenantAction === 'disable');
      if (!done) {
        out.write(`tenant "${name}" is not in the ${registry.description}\n`);
        return EXIT.failed;
      }
      out.write(`tenant "${name}" ${args.tenantAction === 'remove' ? 'removed' : `${args.tenantAction}d`} in the ${registry.description}\n`);
      return EXIT.ok;
    }
    default:
      throw new RelayError('CONFIG_INVALID', 'config', 'tenants: expected add, list, remove, disable or enable');
  }
}

/**
 * The tenant's values checked as the relay will load them. A file's tenant is checked with the shared
 * settings the CLI run uses. A table's tenant runs with the Function's app settings, not this shell's:
 * a receiver stands in for the shared one, and only problems with what the tenant brings are reported.
 */
function valueProblems(shared: RawSettings, tenant: Tenant, home: 'file' | 'table'): string[] {
  try {
    tenantConfig(home === 'file' ? shared : { SYSLOG_HOST: 'shared-receiver.invalid', ...shared }, tenant, home === 'file' ? 'cli' : 'function');
    return [];
  } catch (err) {
    if (!(err instanceof RelayError) || err.code !== 'CONFIG_INVALID') throw err;
    const own = new Set<string>([...Object.keys(tenant.settings), ...NOT_INHERITED]);
    return home === 'file' ? problemsOf(err) : problemsOf(err).filter((p) => [...own].some((s) => p.includes(`: ${s}: `)));
  }
}

const problemsOf = (err: RelayError): string[] => err.message.split('\n').slice(1).map((l) => l.replace(/^\s*-\s*/, ''));

/** Every tenant's relay, or one CONFIG_INVALID listing every tenant's problems: a file is checked whole before anything runs. */
async function buildAll(args: CliArgs): Promise<TenantRelay[]> {
  const tenants = await parseTenantFile(args.tenantsFile!);
  if (tenants.length === 0) throw new RelayError('CONFIG_INVALID', 'config', `--tenants ${args.tenantsFile}: lists no tenant`);
  const built = tenants.map((t) => createTenantRelay(args.settings, t, 'cli'));
  const problems = built.flatMap((b) => (b.error ? (problemsOf(b.error).length ? problemsOf(b.error) : [b.error.message]) : []));
  if (problems.length > 0) {
    await closeTenants(built);
    throw new RelayError('CONFIG_INVALID', 'config', `--tenants ${args.tenantsFile}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
  }
  return built;
}

export function resultLine(r: TenantResult): string {
  if (r.summary) return `tenant ${r.tenant}: ${summaryLine(r.summary)}`;
  return `tenant ${r.tenant}: ${r.outcome}${r.error ? ` error=${describeError(r.error)}` : ''}`;
}

/** `run --tenants FILE [--once]`: every enabled tenant on the schedule, at most RELAY_TENANT_CONCURRENCY at once. */
export async function runTenantsCommand(args: CliArgs, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Promise<number> {
  const { tenantConcurrency } = loadSharedSettings(args.settings, 'cli');
  const list = await buildAll(args);
  const first = list[0]!.relay!.config;
  // One redactor over every tenant's secrets: tenant A's token is masked in B's lines as well.
  const log = processLogger(env.RELAY_LOG_LEVEL, () => tenantSecrets(list), first.logsDir);
  // A tenant brings these itself (docs/multi-tenant.md, Never inherited): a shared one is not used.
  const ignored = NOT_INHERITED.filter((name) => args.settings[name] !== undefined);
  if (ignored.length > 0) log.warn('tenants.shared-setting-ignored', { settings: ignored, why: 'each tenant brings its own' });
  const signals = stopOnSignals(log);
  const stopped = signals.stopped;
  try {
    if (args.once) {
      const results = await runTenants(list, { concurrency: tenantConcurrency, logger: log, shouldStop: stopped });
      for (const r of results) out.write(resultLine(r) + '\n');
      out.write(`tenants ${results.length}: ${count(results)}\n`);
      return results.some((r) => r.outcome === 'failure' || r.outcome === 'partial') ? EXIT.failed : EXIT.ok;
    }
    // RELAY_SCHEDULE is process-wide (a tenant cannot override it); each tenant follows it on its own.
    const expression = first.relay.schedule;
    await runTenantsContinuously(list, {
      concurrency: tenantConcurrency,
      logger: log,
      shouldStop: stopped,
      nextRun: (now) => cronSchedule(expression, now).next().getTime(),
      waitUntil: (when) => sleepUntil(when, stopped),
      onResult: (r) => (r.outcome === 'success' ? log.info('tenant.run', { tenant: r.tenant, summary: resultLine(r) }) : log.warn('tenant.run', { tenant: r.tenant, summary: resultLine(r) })),
    });
    return EXIT.ok;
  } finally {
    signals.release();
    await closeTenants(list);
  }
}

function count(results: TenantResult[]): string {
  const by = new Map<string, number>();
  for (const r of results) by.set(r.outcome, (by.get(r.outcome) ?? 0) + 1);
  return [...by].map(([k, v]) => `${v} ${k}`).join(', ');
}

/**
 * `status --tenants FILE [--json]`, or `status` with RELAY_MULTI_TENANT=true (the Function's registry in the
 * checkpoint table): one row per tenant (state, lag, last error, poisoned).
 */
export async function tenantStatusCommand(args: CliArgs, out: NodeJS.WritableStream): Promise<number> {
  const fromFile = args.tenantsFile !== undefined;
  const tenants = fromFile ? await parseTenantFile(args.tenantsFile!) : await registryFor(args).list();
  // A table's tenant runs with the Function's app settings, not this shell's: as for `tenants add`, a
  // stand-in receiver replaces a missing shared SYSLOG_HOST (status sends nothing).
  const shared = fromFile ? args.settings : { SYSLOG_HOST: 'shared-receiver.invalid', ...args.settings };
  const now = Date.now();
  const rows = await Promise.all(
    tenants.map((t) => {
      try {
        const config = tenantConfig(shared, t, fromFile ? 'cli' : 'function');
        return tenantStatusRow(t, config, createStore(config), now);
      } catch (err) {
        const e = err instanceof RelayError ? err : new RelayError('INTERNAL', 'config', describeError(err));
        return tenantStatusRow(t, undefined, undefined, now, { code: e.code, stage: e.stage, message: e.message });
      }
    }),
  );
  out.write((args.json ? JSON.stringify(rows, null, 2) : formatTenantTable(rows)) + '\n');
  return EXIT.ok;
}

export function formatTenantTable(rows: TenantStatusRow[]): string {
  const cells = rows.map((r) => [r.tenant, r.state, r.lagSeconds === undefined ? '-' : `${r.lagSeconds} s`, r.lastError ? `${r.lastError.at} ${r.lastError.code}: ${r.lastError.message.split('\n')[0]}` : '-']);
  const head = ['TENANT', 'STATE', 'LAG', 'LAST ERROR'];
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(width[i]!))).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}
