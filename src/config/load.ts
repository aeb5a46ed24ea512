// Builds the one validated RelayConfig from settings (environment, CLI flags, a config file).
// Every problem is collected and reported at once, each naming its setting; secrets are never echoed.
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CEF_OPTIONS, validateCefOptions } from '../cef/index.js';
import { RelayError } from '../errors.js';
import { validateFilters } from '../sources/mdca/filters.js';
import { parseProxyAddress } from '../sources/http/proxy.js';
import { isKeyVaultReference } from '../secrets/keyvault-uri.js';
import { normalizeApiToken } from '../secrets/static-token.js';
import { validateSyslogOptions } from '../syslog/index.js';
import { dataTypes, duration, guid, integer, jsonObject, oneOf, optionalInteger, portalUrl, relayName, required, share, tableName, text, withDefault, type Field } from './fields.js';
import { DEFAULT_SCHEDULE, scheduleProblems } from './schedule.js';
import { readPem, tlsMaterialProblems } from './tls-material.js';
import { SETTINGS } from './settings.js';
import { GRAPH_FIELDS, GRAPH_SECRET_SETTINGS, graphConfig } from './graph.js';
import type { RelayConfig, StateConfig } from './types.js';

export type RawSettings = Record<string, string | undefined>;
export type ConfigContext = 'function' | 'cli';

const VERSION = '0.1.0';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const KEY_VAULT_SECRET_URI = /^https:\/\/[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/[A-Za-z0-9-]{1,127}\/?$/;

const FIELDS = {
  // Required unless RELAY_SOURCE=graph: see sourceRequirements.
  MDCA_PORTAL_URL: (v: string | undefined, fail: (message: string) => void) => (v === undefined ? '' : portalUrl(v, fail)),
  MDCA_AUTH: oneOf(['token', 'entra'] as const, 'token'),
  MDCA_TOKEN: text,
  MDCA_TOKEN_SECRET_URI: text,
  MDCA_DATA_TYPES: dataTypes,
  MDCA_ALERT_FILTERS: jsonObject('{"severity":{"eq":2}}'),
  MDCA_ACTIVITY_FILTERS: jsonObject('{"service":{"eq":[11161]}}'),
  MDCA_REQUESTS_PER_MINUTE: integer(30, 1, 6000),
  MDCA_REQUEST_TIMEOUT: duration('PT60S', { min: SECOND, max: 10 * MINUTE, why: 'the time one API request may take (PT0S would abort every request; more than 10 minutes is a unit mistake)' }),
  MDCA_PROXY: text,
  HTTPS_PROXY: text,
  https_proxy: text,
  NO_PROXY: text,
  no_proxy: text,
  SYSLOG_HOST: required('(the syslog receiver address)'),
  SYSLOG_PORT: optionalInteger(1, 65535),
  SYSLOG_PROTOCOL: oneOf(['tcp', 'udp', 'tls', 'relp', 'relp-tls'] as const, 'tcp'),
  SYSLOG_FRAMING: text,
  SYSLOG_TLS_CA: text,
  SYSLOG_TLS_CERT: text,
  SYSLOG_TLS_KEY: text,
  SYSLOG_TLS_SERVERNAME: text,
  SYSLOG_CONNECT_TIMEOUT: duration('PT10S', { min: SECOND, max: 5 * MINUTE, why: 'the wait for a TCP or TLS connection (PT0S would fail every connect)' }),
  SYSLOG_WRITE_TIMEOUT: duration('PT30S', { min: SECOND, max: 10 * MINUTE, why: 'the wait for write progress and confirmation (PT0S would fail every batch)' }),
  SYSLOG_UDP_MAX_BYTES: integer(2048, 2048, 65507),
  SIEM_FORMAT: oneOf(['arcsight', 'generic'] as const, 'arcsight'),
  CEF_HOSTNAME: text,
  CEF_VENDOR: text,
  CEF_PRODUCT: text,
  CEF_SEVERITY_MAP: jsonObject('{"0":3,"1":6,"2":8,"3":1}'),
  CEF_MAX_MESSAGE_BYTES: integer(8192, 2048, 1_048_576),
  SYSLOG_HEADER: oneOf(['rfc5424', 'rfc3164'] as const, 'rfc5424'),
  SYSLOG_FACILITY: integer(DEFAULT_CEF_OPTIONS.syslog.facility, 0, 23),
  SYSLOG_SEVERITY: integer(DEFAULT_CEF_OPTIONS.syslog.severity, 0, 7),
  SYSLOG_APP_NAME: withDefault(DEFAULT_CEF_OPTIONS.syslog.appName),
  RELAY_NAME: relayName,
  RELAY_SCHEDULE: schedule,
  // A look-back shorter than a pause between runs would count that pause as "switched off" and skip alerts.
  RELAY_INITIAL_LOOKBACK: duration('P2D', { min: HOUR, max: 10_000 * DAY, why: 'shorter would count an ordinary pause between runs as the relay being switched off, and skip alerts' }),
  RELAY_OVERLAP: duration('PT15M', { min: 0, max: 6 * HOUR, why: 'PT0S re-reads nothing; more than 6 hours re-reads so much on every run that it eats the request budget' }),
  RELAY_TIME_BUDGET: share,
  // The pipeline renews the lease every third of its length while a page is in flight: shorter than
  // 30 s, one slow renewal lets a second runner take over and both send the same page.
  RELAY_LEASE: duration('PT5M', { min: 30 * SECOND, max: HOUR, why: 'the lease is renewed every third of its length while a page is in flight, so a shorter one can lapse and let a second runner send the same page; a runner that dies holds its data types this long' }),
  HEARTBEAT_INTERVAL: duration('PT15M', { min: MINUTE, max: DAY, zeroMeansOff: true, why: 'how often the relay sends its own heartbeat event' }),
  RELAY_CHECKPOINT_TABLE: tableName,
  RELAY_CHECKPOINT_STORAGE: text,
  RELAY_STATE_DIR: text,
  RELAY_LOGS_DIR: text,
  RELAY_DELIVERY_WINDOW: integer(6, 1, 16),
  RELAY_TENANT_CONCURRENCY: integer(16, 1, 500),
  RELAY_MULTI_TENANT: oneOf(['true', 'false'] as const, 'false'),
  AZURE_CLIENT_ID: guid,
  AzureWebJobsStorage: text,
  AzureWebJobsStorage__tableServiceUri: text,
  AzureWebJobsStorage__accountName: text,
  ...GRAPH_FIELDS,
} satisfies Record<string, Field<unknown>>;

type Parsed = { [K in keyof typeof FIELDS]: ReturnType<(typeof FIELDS)[K]> };

/** The setting names this schema reads (SETTINGS, plus the lower-case proxy variables and the host storage ones). */
export const FIELD_NAMES: readonly string[] = Object.keys(FIELDS);

/** NCRONTAB, as the Function's timer takes it: the same value must run in both hosts. */
function schedule(v: string | undefined, fail: (message: string) => void): string {
  const value = v?.trim() ?? DEFAULT_SCHEDULE;
  for (const problem of scheduleProblems(value)) fail(problem);
  return value;
}

// Secrets are never echoed: a problem with one says what is wrong, not what was given.
const SECRET_SETTINGS = new Set<string>([...GRAPH_SECRET_SETTINGS, 'MDCA_TOKEN', 'SYSLOG_TLS_KEY', 'RELAY_CHECKPOINT_STORAGE', 'AzureWebJobsStorage']);

function parseFields(raw: RawSettings, problems: string[], only?: readonly string[]): Parsed {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(FIELDS) as Array<[string, Field<unknown>]>) {
    if (only && !only.includes(name)) continue;
    const value = raw[name];
    // A blank value is a mistake (a stray space in an app setting), not a request for the default.
    if (value !== undefined && value.trim() === '') {
      problems.push(`${name}: is blank (remove the setting to use its default)`);
      continue;
    }
    const fail = (message: string) => problems.push(`${name}: ${SECRET_SETTINGS.has(name) ? message.replace(/"[^"]*"/g, '(value not shown)') : message}`);
    out[name] = field(value, fail);
  }
  return out as Parsed;
}

/** A storage connection string the Tables SDK can use; the value (it holds the account key) is never echoed. */
function connectionString(name: string, value: string, problems: string[]): string {
  const pairs = new Map<string, string>();
  for (const part of value.split(';').map((x) => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      problems.push(`${name}: is not a connection string of Name=value pairs separated by ";" (value not shown)`);
      return value;
    }
    pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const usable =
    pairs.get('usedevelopmentstorage') === 'true' ||
    (pairs.has('accountname') && pairs.has('accountkey')) ||
    (pairs.has('tableendpoint') && (pairs.has('sharedaccesssignature') || pairs.has('accountkey')));
  if (!usable) problems.push(`${name}: a connection string needs AccountName and AccountKey, TableEndpoint and SharedAccessSignature, or UseDevelopmentStorage=true`);
  return value;
}

function tableServiceUri(name: string, value: string, problems: string[]): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' && url.hostname && !url.username && !url.password && !url.search) return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  problems.push(`${name}: must be a table service URI such as https://<account>.table.core.windows.net (no credentials, no query)`);
  return value;
}

/** A directory the CLI will create if missing; an existing file in its place fails now, not on the first write. */
function directory(name: string, value: string, problems: string[]): string {
  const dir = path.resolve(value);
  try {
    if (!statSync(dir).isDirectory()) problems.push(`${name}: ${dir} exists and is not a directory`);
  } catch {
    // Missing: created on first use (a failure then is CHECKPOINT_UNAVAILABLE naming the setting).
  }
  return dir;
}

function stateConfig(p: Parsed, context: ConfigContext, problems: string[]): StateConfig {
  const tableName = p.RELAY_CHECKPOINT_TABLE;
  const clientId = p.AZURE_CLIENT_ID;
  // The host reads these too (identity-based host storage), so a malformed one is refused even when unused here.
  const hostTableUri = p.AzureWebJobsStorage__tableServiceUri?.trim();
  if (hostTableUri) tableServiceUri('AzureWebJobsStorage__tableServiceUri', hostTableUri, problems);
  const account = p.AzureWebJobsStorage__accountName?.trim();
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) problems.push(`AzureWebJobsStorage__accountName: "${account}" is not a storage account name (3-24 lower-case letters and digits)`);
  const other = p.RELAY_CHECKPOINT_STORAGE?.trim();
  if (other) {
    if (/^https?:\/\//i.test(other)) return { kind: 'table', tableName, tableServiceUri: tableServiceUri('RELAY_CHECKPOINT_STORAGE', other, problems), clientId };
    return { kind: 'table', tableName, connectionString: connectionString('RELAY_CHECKPOINT_STORAGE', other, problems), clientId };
  }
  if (context === 'cli') return { kind: 'directory', dir: p.RELAY_STATE_DIR ? directory('RELAY_STATE_DIR', p.RELAY_STATE_DIR, problems) : path.join(os.homedir(), '.mdca-siem-relay') };
  if (p.AzureWebJobsStorage) return { kind: 'table', tableName, connectionString: connectionString('AzureWebJobsStorage', p.AzureWebJobsStorage, problems), clientId };
  if (hostTableUri) return { kind: 'table', tableName, tableServiceUri: hostTableUri.replace(/\/+$/, ''), clientId };
  if (account) return { kind: 'table', tableName, tableServiceUri: `https://${account}.table.core.windows.net`, clientId };
  problems.push('AzureWebJobsStorage: is required for the checkpoint table (or set RELAY_CHECKPOINT_STORAGE)');
  return { kind: 'table', tableName };
}

/** What the chosen source requires, reported with the other field problems (the other source's settings may be absent). */
function sourceRequirements(p: Parsed, problems: string[]): void {
  if (p.RELAY_SOURCE !== 'graph' && !p.MDCA_PORTAL_URL) problems.push('MDCA_PORTAL_URL: is required (the portal URL, e.g. https://contoso.eu2.portal.cloudappsecurity.com; or set RELAY_SOURCE=graph)');
}

function build(p: Parsed, context: ConfigContext, problems: string[]): RelayConfig {
  const mdca = p.RELAY_SOURCE === 'mdca';
  if (mdca && p.MDCA_AUTH === 'token' && !p.MDCA_TOKEN && !p.MDCA_TOKEN_SECRET_URI) problems.push('MDCA_TOKEN: is required (or set MDCA_TOKEN_SECRET_URI, or MDCA_AUTH=entra)');
  // The same normalisation the token provider applies, now rather than on the first request. An
  // unresolved Key Vault reference stays a run-time SECRET_REFERENCE_UNRESOLVED (recorded in the status).
  if (p.MDCA_TOKEN && !isKeyVaultReference(p.MDCA_TOKEN)) {
    try {
      normalizeApiToken(p.MDCA_TOKEN, 'MDCA_TOKEN');
    } catch (err) {
      problems.push((err as Error).message.replace(/^MDCA_TOKEN /, 'MDCA_TOKEN: '));
    }
  }
  // Through the parser the API client uses, so what is accepted here is what a request will use.
  // Its message shows scheme, host and port only, never proxy credentials.
  for (const name of ['MDCA_PROXY', 'HTTPS_PROXY', 'https_proxy'] as const) {
    const value = p[name];
    if (value === undefined) continue;
    try {
      parseProxyAddress(value);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (p.MDCA_TOKEN_SECRET_URI && !KEY_VAULT_SECRET_URI.test(p.MDCA_TOKEN_SECRET_URI.trim()))
    problems.push('MDCA_TOKEN_SECRET_URI: must be a versionless Key Vault secret URI such as https://<vault>.vault.azure.net/secrets/<name>');
  const filters = { alerts: {}, activities: {} } as RelayConfig['mdca']['filters'];
  for (const [dataType, name] of [['alerts', 'MDCA_ALERT_FILTERS'], ['activities', 'MDCA_ACTIVITY_FILTERS']] as const) {
    const raw = p[name];
    if (raw === undefined) continue; // JSON error already reported
    const result = validateFilters(dataType, raw);
    problems.push(...result.errors.map((e) => `${name}: ${e}`));
    filters[dataType] = result.filters;
  }
  const protocol = p.SYSLOG_PROTOCOL;
  const framing = (p.SYSLOG_FRAMING?.trim().toLowerCase() || (protocol === 'tls' ? 'octet-counting' : 'lf')) as RelayConfig['syslog']['framing'];
  const port = p.SYSLOG_PORT ?? (protocol === 'tls' ? 6514 : 514);
  const hosts = p.SYSLOG_HOST.split(',').map((h) => h.trim()).filter(Boolean).map((h) => {
    // host or host:port per entry (IPv6 in brackets); the global port otherwise
    const m = /^(\[[^\]]+\]|[^:]+):([^:]*)$/.exec(h);
    if (!m) return { host: h.replace(/^\[|\]$/g, ''), port };
    const own = /^\d{1,5}$/.test(m[2]!) ? Number(m[2]) : NaN;
    if (!(own >= 1 && own <= 65535)) problems.push(`SYSLOG_HOST: "${h}": the port after ":" must be a whole number from 1 to 65535 (decimal digits only)`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: own >= 1 && own <= 65535 ? own : port };
  });
  // TLS material with another protocol would be silently ignored: the user believes the link is encrypted.
  const encrypted = protocol === 'tls' || protocol === 'relp-tls';
  if (!encrypted) {
    for (const name of ['SYSLOG_TLS_CA', 'SYSLOG_TLS_CERT', 'SYSLOG_TLS_KEY', 'SYSLOG_TLS_SERVERNAME'] as const) {
      if (p[name] !== undefined) problems.push(`${name}: is set but SYSLOG_PROTOCOL is ${protocol} (set SYSLOG_PROTOCOL=tls or relp-tls, or remove it)`);
    }
  }
  const tls =
    encrypted
      ? { ca: readPem('SYSLOG_TLS_CA', p.SYSLOG_TLS_CA, problems), cert: readPem('SYSLOG_TLS_CERT', p.SYSLOG_TLS_CERT, problems), key: readPem('SYSLOG_TLS_KEY', p.SYSLOG_TLS_KEY, problems), servername: p.SYSLOG_TLS_SERVERNAME?.trim() }
      : undefined;
  if (tls) problems.push(...tlsMaterialProblems(tls.ca, tls.cert, tls.key));
  const syslog = { protocol, hosts, framing, connectTimeoutMs: p.SYSLOG_CONNECT_TIMEOUT, writeTimeoutMs: p.SYSLOG_WRITE_TIMEOUT, udpMaxBytes: p.SYSLOG_UDP_MAX_BYTES!, tls };
  problems.push(...validateSyslogOptions(syslog).map((e) => prefixed(e, 'SYSLOG')));

  const severityMap = p.CEF_SEVERITY_MAP === undefined ? DEFAULT_CEF_OPTIONS.severityMap : (p.CEF_SEVERITY_MAP as Record<number, number>);
  // severityValue is 0-3 (api-alerts-list.md); another key is a typo that would leave a severity unmapped.
  for (const key of Object.keys(severityMap)) if (!/^[0-3]$/.test(key)) problems.push(`CEF_SEVERITY_MAP: key "${key}" is not an MDCA severityValue (0 low, 1 medium, 2 high, 3 informational)`);
  if (p.RELAY_OVERLAP >= p.RELAY_INITIAL_LOOKBACK) problems.push('RELAY_OVERLAP: must be shorter than RELAY_INITIAL_LOOKBACK');
  const cef = {
    ...DEFAULT_CEF_OPTIONS,
    format: p.SIEM_FORMAT,
    vendor: p.CEF_VENDOR ?? DEFAULT_CEF_OPTIONS.vendor,
    product: p.CEF_PRODUCT ?? DEFAULT_CEF_OPTIONS.product,
    version: VERSION,
    hostname: p.CEF_HOSTNAME || (p.SIEM_FORMAT === 'generic' ? os.hostname() : undefined),
    syslog: { rfc: p.SYSLOG_HEADER === 'rfc3164' ? '3164' : '5424', facility: p.SYSLOG_FACILITY!, severity: p.SYSLOG_SEVERITY!, appName: p.SYSLOG_APP_NAME },
    severityMap,
    portalUrl: p.MDCA_PORTAL_URL || undefined,
    maxMessageBytes: protocol === 'udp' ? Math.min(p.CEF_MAX_MESSAGE_BYTES!, p.SYSLOG_UDP_MAX_BYTES!) : p.CEF_MAX_MESSAGE_BYTES!,
  } satisfies RelayConfig['cef'];
  problems.push(...validateCefOptions(cef).map((e) => prefixed(e, 'CEF')));

  const proxyEnv = { HTTPS_PROXY: p.HTTPS_PROXY || p.https_proxy, NO_PROXY: p.NO_PROXY || p.no_proxy };
  const graph = mdca ? undefined : graphConfig(p, { clientId: p.AZURE_CLIENT_ID, proxy: p.MDCA_PROXY || undefined, proxyEnv, keyVaultUri: KEY_VAULT_SECRET_URI }, problems);
  const sourceHost = graph ? new URL(graph.endpoint).hostname : p.MDCA_PORTAL_URL ? new URL(p.MDCA_PORTAL_URL).hostname : 'relay';
  return {
    relayName: p.RELAY_NAME || sourceHost,
    source: p.RELAY_SOURCE,
    graph,
    mdca: {
      portalUrl: p.MDCA_PORTAL_URL,
      auth: p.MDCA_AUTH === 'entra' ? { mode: 'entra', clientId: p.AZURE_CLIENT_ID } : { mode: 'token', token: p.MDCA_TOKEN, secretUri: p.MDCA_TOKEN_SECRET_URI?.trim() },
      dataTypes: p.MDCA_DATA_TYPES,
      filters,
      requestsPerMinute: p.MDCA_REQUESTS_PER_MINUTE!,
      requestTimeoutMs: p.MDCA_REQUEST_TIMEOUT,
      proxy: p.MDCA_PROXY || undefined,
      proxyEnv,
    },
    syslog,
    cef,
    relay: {
      schedule: p.RELAY_SCHEDULE,
      initialLookbackMs: p.RELAY_INITIAL_LOOKBACK,
      overlapMs: p.RELAY_OVERLAP,
      timeBudgetShare: p.RELAY_TIME_BUDGET,
      leaseMs: p.RELAY_LEASE,
      deliveryWindow: p.RELAY_DELIVERY_WINDOW,
      heartbeatIntervalMs: p.HEARTBEAT_INTERVAL,
    },
    state: stateConfig(p, context, problems),
    logsDir: p.RELAY_LOGS_DIR ? directory('RELAY_LOGS_DIR', p.RELAY_LOGS_DIR, problems) : undefined,
  };
}

// Other stages' validators name their option; a user needs the setting that feeds it.
const OPTION_SETTINGS: Array<[RegExp, string]> = [
  [/^hosts(\[\d+\])?\.host\b/, 'SYSLOG_HOST'],
  [/^hosts(\[\d+\])?\.port\b/, 'SYSLOG_PORT'],
  [/^hosts\b/, 'SYSLOG_HOST'],
  [/^protocol\b/, 'SYSLOG_PROTOCOL'],
  [/^framing\b/, 'SYSLOG_FRAMING'],
  [/^connectTimeoutMs\b/, 'SYSLOG_CONNECT_TIMEOUT'],
  [/^writeTimeoutMs\b/, 'SYSLOG_WRITE_TIMEOUT'],
  [/^udpMaxBytes\b/, 'SYSLOG_UDP_MAX_BYTES'],
  [/^tls\.ca\b/, 'SYSLOG_TLS_CA'],
  [/^tls\.cert and tls\.key\b/, 'SYSLOG_TLS_CERT/SYSLOG_TLS_KEY'],
  [/^tls\.cert\b/, 'SYSLOG_TLS_CERT'],
  [/^tls\.key\b/, 'SYSLOG_TLS_KEY'],
  [/^tls\.servername\b/, 'SYSLOG_TLS_SERVERNAME'],
  [/^format\b/, 'SIEM_FORMAT'],
  [/^vendor\b/, 'CEF_VENDOR'],
  [/^product\b/, 'CEF_PRODUCT'],
  [/^hostname\b/, 'CEF_HOSTNAME'],
  [/^syslog\.rfc\b/, 'SYSLOG_HEADER'],
  [/^syslog\.facility\b/, 'SYSLOG_FACILITY'],
  [/^syslog\.severity\b/, 'SYSLOG_SEVERITY'],
  [/^syslog\.appName\b/, 'SYSLOG_APP_NAME'],
  [/^severityMap\b/, 'CEF_SEVERITY_MAP'],
  [/^maxMessageBytes\b/, 'CEF_MAX_MESSAGE_BYTES'],
];

function prefixed(problem: string, family: string): string {
  for (const [pattern, setting] of OPTION_SETTINGS) if (pattern.test(problem)) return `${setting}: ${problem}`;
  return `${family}: ${problem}`;
}

/** Only the settings the relay knows, so unrelated environment variables never reach a message. */
export function pickSettings(source: RawSettings): RawSettings {
  const known = new Set([...SETTINGS.map((s) => s.name), ...Object.keys(FIELDS)]);
  const out: RawSettings = {};
  for (const [k, v] of Object.entries(source)) if (known.has(k) && v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Validates everything; throws one CONFIG_INVALID error listing each bad setting and why. */
export function loadConfig(raw: RawSettings, context: ConfigContext): RelayConfig {
  const problems: string[] = [];
  const parsed = parseFields(pickSettings(raw), problems);
  sourceRequirements(parsed, problems);
  if (problems.length > 0) throw configError(problems);
  const config = build(parsed, context, problems);
  if (problems.length > 0) throw configError(problems);
  return config;
}

/** What a process shares between its tenants and reads outside RelayConfig: the tenant cap and the
 *  checkpoint store (the tenant table lives beside the checkpoints). Only these settings are read, so a
 *  registry command needs no source or receiver settings. */
export function loadSharedSettings(raw: RawSettings, context: ConfigContext): { tenantConcurrency: number; state: StateConfig } {
  const problems: string[] = [];
  const names = ['RELAY_TENANT_CONCURRENCY', 'RELAY_CHECKPOINT_TABLE', 'RELAY_CHECKPOINT_STORAGE', 'RELAY_STATE_DIR', 'AZURE_CLIENT_ID', 'AzureWebJobsStorage', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__accountName'];
  const parsed = parseFields(pickSettings(raw), problems, names);
  const state = problems.length === 0 ? stateConfig(parsed, context, problems) : undefined;
  if (!state || problems.length > 0) throw configError(problems);
  return { tenantConcurrency: parsed.RELAY_TENANT_CONCURRENCY, state };
}

function configError(problems: string[]): RelayError {
  const unique = [...new Set(problems)];
  return new RelayError('CONFIG_INVALID', 'config', `invalid configuration (${unique.length} problem${unique.length === 1 ? '' : 's'}):\n  - ${unique.join('\n  - ')}`);
}

/** A config file for the CLI: JSON object of setting names to values. */
export function readConfigFile(file: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RelayError('CONFIG_INVALID', 'config', `--config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new RelayError('CONFIG_INVALID', 'config', `--config: ${file} is not valid JSON`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new RelayError('CONFIG_INVALID', 'config', `--config: ${file} must hold a JSON object of setting names to values`);
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
