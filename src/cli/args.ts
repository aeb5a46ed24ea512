// Command-line parsing: the retired jar's flags (--token, --proxy, --logsDirectory, -h) plus ours.
import { parseArgs } from 'node:util';
import { RelayError } from '../errors.js';
import { readConfigFile, type RawSettings } from '../config/load.js';

export const COMMANDS = ['run', 'status', 'replay', 'check', 'rotate-token', 'tenants', 'help'] as const;
export const TENANT_ACTIONS = ['add', 'list', 'remove', 'disable', 'enable'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command: Command;
  settings: RawSettings;
  once: boolean;
  json: boolean;
  from?: string;
  to?: string;
  sendTestEvent: boolean;
  expiresInDays?: number;
  /** --tenants FILE: the tenant registry file (run, status, tenants). */
  tenantsFile?: string;
  /** `tenants <action> [NAME]`. */
  tenantAction?: (typeof TENANT_ACTIONS)[number];
  tenantName?: string;
  /** The --set pairs alone: `tenants add` stores them as the tenant's settings. */
  sets: Record<string, string>;
}

export const USAGE = `Usage: mdca-siem-relay [command] [options]

Relays Microsoft Defender for Cloud Apps alerts (and activities) to a SIEM as CEF over syslog.
A drop-in for the retired SIEM agent: mdca-siem-relay [--logsDirectory DIRNAME] [--proxy ADDRESS[:PORT]] --token TOKEN

Commands:
  run                 Relay on the schedule (RELAY_SCHEDULE) until stopped (default command)
  run --once          One run, then exit (exit code 0 = success)
  status [--json]     Show the relay's status: state, lag, last success, last error
  replay --from T --to T
                      Re-send a past range (ISO-8601 or epoch ms) without touching the checkpoint
  check [--send-test-event]
                      Check configuration, API, proxy, Key Vault, checkpoint store and syslog host
  rotate-token        Read a new API token from stdin, verify it, store it in Key Vault
  tenants list [--json]
  tenants add NAME --set SETTING=VALUE ...
  tenants remove|disable|enable NAME
                      Manage the tenant registry (--tenants FILE, else the checkpoint table);
                      run --tenants FILE and status --tenants FILE relay or show every tenant;
                      status with RELAY_MULTI_TENANT=true shows the checkpoint table's tenants
                      (docs/multi-tenant.md)
  help                This text

Options:
  --token TOKEN           API token (MDCA_TOKEN; prefer the environment or --config: argv is visible to other users)
  --proxy ADDRESS[:PORT]  Forward proxy for the API (MDCA_PROXY)
  --logsDirectory DIR     Write rotated JSON-lines logs there (RELAY_LOGS_DIR)
  --config FILE           JSON file of settings ({"MDCA_PORTAL_URL": "...", ...})
  --state-dir DIR         Checkpoint directory (RELAY_STATE_DIR)
  --set NAME=VALUE        Any setting (repeatable), e.g. --set SYSLOG_HOST=10.0.0.5
  --tenants FILE          Tenant registry file (JSON): one relay per tenant, shared settings above
  -h, --help              This text

Settings come from, in rising precedence: the config file, the environment, the options above.
Every setting is described in docs/configuration.md.`;

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        token: { type: 'string' },
        proxy: { type: 'string' },
        logsDirectory: { type: 'string' },
        config: { type: 'string' },
        'state-dir': { type: 'string' },
        set: { type: 'string', multiple: true },
        once: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        'send-test-event': { type: 'boolean', default: false },
        'expires-in-days': { type: 'string' },
        tenants: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // parseArgs echoes the offending argument; never echo a value that may be a token.
    const msg = (err as Error).message.replace(/'[^']*'/g, (m) => (m.startsWith("'--") || m.startsWith("'-") ? m : "'…'"));
    throw new RelayError('CONFIG_INVALID', 'config', `${msg}\nSee mdca-siem-relay --help`);
  }
  const { values, positionals } = parsed;
  const name = values.help ? 'help' : (positionals[0] ?? 'run');
  if (!(COMMANDS as readonly string[]).includes(name)) throw new RelayError('CONFIG_INVALID', 'config', `unknown command "${name}"\nSee mdca-siem-relay --help`);
  const tenants = name === 'tenants' ? tenantArgs(positionals.slice(1)) : {};
  if (name !== 'tenants' && positionals.length > 1) throw new RelayError('CONFIG_INVALID', 'config', `unexpected argument after "${name}"\nSee mdca-siem-relay --help`);

  const settings: RawSettings = { ...(values.config ? readConfigFile(values.config) : {}), ...env };
  const sets: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new RelayError('CONFIG_INVALID', 'config', `--set: expected NAME=VALUE, got a value without "="`);
    sets[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  // `tenants add`: the --set pairs are the tenant's own settings, not the shared ones.
  if (tenants.tenantAction !== 'add') Object.assign(settings, sets);
  if (values.token !== undefined) settings.MDCA_TOKEN = values.token;
  if (values.proxy !== undefined) settings.MDCA_PROXY = values.proxy;
  if (values.logsDirectory !== undefined) settings.RELAY_LOGS_DIR = values.logsDirectory;
  if (values['state-dir'] !== undefined) settings.RELAY_STATE_DIR = values['state-dir'];
  let expiresInDays: number | undefined;
  if (values['expires-in-days'] !== undefined) {
    expiresInDays = Number(values['expires-in-days']);
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1) throw new RelayError('CONFIG_INVALID', 'config', '--expires-in-days: must be a whole number of days');
  }
  return { command: name as Command, settings, once: values.once ?? false, json: values.json ?? false, from: values.from, to: values.to, sendTestEvent: values['send-test-event'] ?? false, expiresInDays, tenantsFile: values.tenants, sets, ...tenants };
}

function tenantArgs(rest: string[]): Pick<CliArgs, 'tenantAction' | 'tenantName'> {
  const [action, name, extra] = rest;
  const usage = 'See mdca-siem-relay --help';
  if (!(TENANT_ACTIONS as readonly string[]).includes(action ?? '')) throw new RelayError('CONFIG_INVALID', 'config', `tenants: expected one of ${TENANT_ACTIONS.join(', ')}\n${usage}`);
  if (action === 'list' ? name !== undefined : name === undefined || extra !== undefined)
    throw new RelayError('CONFIG_INVALID', 'config', `tenants ${action}: ${action === 'list' ? 'takes no name' : 'expects exactly one tenant name'}\n${usage}`);
  return { tenantAction: action as CliArgs['tenantAction'], tenantName: name };
}

/** ISO-8601 or epoch ms. */
export function parseTime(flag: string, value: string | undefined): number {
  if (value === undefined) throw new RelayError('CONFIG_INVALID', 'config', `${flag}: is required (ISO-8601 time or epoch ms)`);
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(n)) throw new RelayError('CONFIG_INVALID', 'config', `${flag}: "${value}" is not an ISO-8601 time or epoch ms`);
  return n;
}
