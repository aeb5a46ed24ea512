// Builds the one validated RelayConfig from settings (environment, CLI flags, a config file).
// Every problem is collected and reported at once, each naming its setting; secrets are never echoed.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CEF_OPTIONS, validateCefOptions } from '../cef/index.js';
import { RelayError } from '../errors.js';
import { validateFilters } from '../mdca/filters.js';
import { validateSyslogOptions } from '../syslog/index.js';
import { dataTypes, duration, integer, json, oneOf, optionalInteger, portalUrl, required, share, tableName, text, withDefault, type Field } from './fields.js';
import { SETTINGS } from './settings.js';
import type { RelayConfig, StateConfig } from './types.js';

export type RawSettings = Record<string, string | undefined>;
export type ConfigContext = 'function' | 'cli';

const VERSION = '0.1.0';
const KEY_VAULT_SECRET_URI = /^https:\/\/[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/[A-Za-z0-9-]{1,127}\/?$/;

const FIELDS = {
  MDCA_PORTAL_URL: portalUrl,
  MDCA_AUTH: oneOf(['token', 'entra'] as const, 'token'),
  MDCA_TOKEN: text,
  MDCA_TOKEN_SECRET_URI: text,
  MDCA_DATA_TYPES: dataTypes,
  MDCA_ALERT_FILTERS: json('{}'),
  MDCA_ACTIVITY_FILTERS: json('{}'),
  MDCA_REQUESTS_PER_MINUTE: integer(30, 1, 6000),
  MDCA_REQUEST_TIMEOUT: duration('PT60S'),
  MDCA_PROXY: text,
  HTTPS_PROXY: text,
  https_proxy: text,
  NO_PROXY: text,
  no_proxy: text,
  SYSLOG_HOST: required('(the syslog receiver address)'),
  SYSLOG_PORT: optionalInteger(1, 65535),
  SYSLOG_PROTOCOL: oneOf(['tcp', 'udp', 'tls'] as const, 'tcp'),
  SYSLOG_FRAMING: text,
  SYSLOG_TLS_CA: text,
  SYSLOG_TLS_CERT: text,
  SYSLOG_TLS_KEY: text,
  SYSLOG_TLS_SERVERNAME: text,
  SYSLOG_CONNECT_TIMEOUT: duration('PT10S'),
  SYSLOG_WRITE_TIMEOUT: duration('PT30S'),
  SYSLOG_UDP_MAX_BYTES: integer(2048, 2048, 65507),
  SIEM_FORMAT: oneOf(['arcsight', 'generic'] as const, 'arcsight'),
  CEF_HOSTNAME: text,
  CEF_VENDOR: text,
  CEF_PRODUCT: text,
  CEF_SEVERITY_MAP: json('null'),
  CEF_MAX_MESSAGE_BYTES: integer(8192, 2048, 1_048_576),
  SYSLOG_HEADER: oneOf(['rfc5424', 'rfc3164'] as const, 'rfc5424'),
  SYSLOG_FACILITY: integer(DEFAULT_CEF_OPTIONS.syslog.facility, 0, 23),
  SYSLOG_SEVERITY: integer(DEFAULT_CEF_OPTIONS.syslog.severity, 0, 7),
  SYSLOG_APP_NAME: withDefault(DEFAULT_CEF_OPTIONS.syslog.appName),
  RELAY_NAME: text,
  RELAY_SCHEDULE: withDefault('0 */1 * * * *'),
  RELAY_INITIAL_LOOKBACK: duration('P2D'),
  RELAY_OVERLAP: duration('PT15M'),
  RELAY_TIME_BUDGET: share,
  RELAY_LEASE: duration('PT5M'),
  HEARTBEAT_INTERVAL: duration('PT15M'),
  RELAY_CHECKPOINT_TABLE: tableName,
  RELAY_CHECKPOINT_STORAGE: text,
  RELAY_STATE_DIR: text,
  RELAY_LOGS_DIR: text,
  AZURE_CLIENT_ID: text,
  AzureWebJobsStorage: text,
  AzureWebJobsStorage__tableServiceUri: text,
  AzureWebJobsStorage__accountName: text,
} satisfies Record<string, Field<unknown>>;

type Parsed = { [K in keyof typeof FIELDS]: ReturnType<(typeof FIELDS)[K]> };

function parseFields(raw: RawSettings, problems: string[]): Parsed {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(FIELDS) as Array<[string, Field<unknown>]>) {
    out[name] = field(raw[name], (message) => problems.push(`${name}: ${message}`));
  }
  return out as Parsed;
}

/** Inline PEM, or a path to a PEM file (read now, at start-up). */
function pem(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (!value) return undefined;
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch {
    problems.push(`${name}: is neither inline PEM nor a readable file`);
    return undefined;
  }
}

function stateConfig(p: Parsed, context: ConfigContext, problems: string[]): StateConfig {
  const tableName = p.RELAY_CHECKPOINT_TABLE;
  const clientId = p.AZURE_CLIENT_ID;
  const other = p.RELAY_CHECKPOINT_STORAGE?.trim();
  if (other) {
    if (/^https:\/\//i.test(other)) return { kind: 'table', tableName, tableServiceUri: other.replace(/\/+$/, ''), clientId };
    if (other.includes('=')) return { kind: 'table', tableName, connectionString: other, clientId };
    problems.push('RELAY_CHECKPOINT_STORAGE: must be a table service URI (https://...) or a connection string');
  }
  if (context === 'cli') return { kind: 'directory', dir: path.resolve(p.RELAY_STATE_DIR || path.join(os.homedir(), '.mdca-siem-relay')) };
  if (p.AzureWebJobsStorage) return { kind: 'table', tableName, connectionString: p.AzureWebJobsStorage, clientId };
  if (p.AzureWebJobsStorage__tableServiceUri) return { kind: 'table', tableName, tableServiceUri: p.AzureWebJobsStorage__tableServiceUri, clientId };
  if (p.AzureWebJobsStorage__accountName) return { kind: 'table', tableName, tableServiceUri: `https://${p.AzureWebJobsStorage__accountName}.table.core.windows.net`, clientId };
  problems.push('AzureWebJobsStorage: is required for the checkpoint table (or set RELAY_CHECKPOINT_STORAGE)');
  return { kind: 'table', tableName };
}

function build(p: Parsed, context: ConfigContext, problems: string[]): RelayConfig {
  if (p.MDCA_AUTH === 'token' && !p.MDCA_TOKEN && !p.MDCA_TOKEN_SECRET_URI) problems.push('MDCA_TOKEN: is required (or set MDCA_TOKEN_SECRET_URI, or MDCA_AUTH=entra)');
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
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(h);
    return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : { host: h.replace(/^\[|\]$/g, ''), port };
  });
  const tls =
    protocol === 'tls'
      ? { ca: pem('SYSLOG_TLS_CA', p.SYSLOG_TLS_CA, problems), cert: pem('SYSLOG_TLS_CERT', p.SYSLOG_TLS_CERT, problems), key: pem('SYSLOG_TLS_KEY', p.SYSLOG_TLS_KEY, problems), servername: p.SYSLOG_TLS_SERVERNAME }
      : undefined;
  const syslog = { protocol, hosts, framing, connectTimeoutMs: p.SYSLOG_CONNECT_TIMEOUT, writeTimeoutMs: p.SYSLOG_WRITE_TIMEOUT, udpMaxBytes: p.SYSLOG_UDP_MAX_BYTES!, tls };
  problems.push(...validateSyslogOptions(syslog).map((e) => prefixed(e, 'SYSLOG')));

  const severityMap = p.CEF_SEVERITY_MAP === null || p.CEF_SEVERITY_MAP === undefined ? DEFAULT_CEF_OPTIONS.severityMap : (p.CEF_SEVERITY_MAP as Record<number, number>);
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

  const portalHost = p.MDCA_PORTAL_URL ? new URL(p.MDCA_PORTAL_URL).hostname : 'relay';
  return {
    relayName: p.RELAY_NAME?.trim() || portalHost,
    mdca: {
      portalUrl: p.MDCA_PORTAL_URL,
      auth: p.MDCA_AUTH === 'entra' ? { mode: 'entra', clientId: p.AZURE_CLIENT_ID } : { mode: 'token', token: p.MDCA_TOKEN, secretUri: p.MDCA_TOKEN_SECRET_URI?.trim() },
      dataTypes: p.MDCA_DATA_TYPES,
      filters,
      requestsPerMinute: p.MDCA_REQUESTS_PER_MINUTE!,
      requestTimeoutMs: p.MDCA_REQUEST_TIMEOUT,
      proxy: p.MDCA_PROXY || undefined,
      proxyEnv: { HTTPS_PROXY: p.HTTPS_PROXY || p.https_proxy, NO_PROXY: p.NO_PROXY || p.no_proxy },
    },
    syslog,
    cef,
    relay: {
      schedule: p.RELAY_SCHEDULE,
      initialLookbackMs: p.RELAY_INITIAL_LOOKBACK,
      overlapMs: p.RELAY_OVERLAP,
      timeBudgetShare: p.RELAY_TIME_BUDGET,
      leaseMs: p.RELAY_LEASE,
      heartbeatIntervalMs: p.HEARTBEAT_INTERVAL,
    },
    state: stateConfig(p, context, problems),
    logsDir: p.RELAY_LOGS_DIR ? path.resolve(p.RELAY_LOGS_DIR) : undefined,
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
  if (problems.length > 0) throw configError(problems);
  const config = build(parsed, context, problems);
  if (problems.length > 0) throw configError(problems);
  return config;
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
