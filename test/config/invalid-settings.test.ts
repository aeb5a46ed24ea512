// Every setting refuses its wrong values at start-up with CONFIG_INVALID naming it. The table is complete
// by construction: a setting the schema reads with neither bad values nor a stated reason fails the suite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_NAMES, loadConfig, type ConfigContext, type RawSettings } from '../../src/config/load.js';
import { scheduleProblems } from '../../src/config/schedule.js';
import { SETTINGS } from '../../src/config/settings.js';
import { isRelayError } from '../../src/errors.js';
import { fakeToken, registerSecret } from '../support/secrets.js';
import { createTlsFiles, type TlsFiles } from '../support/tls-certs.js';

const token = fakeToken('invalid-settings token');
const accountKey = registerSecret(Buffer.from('a made-up storage account key for the refusal tests').toString('base64'), 'storage key');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-invalid-settings-'));
const aFile = path.join(scratch, 'a-file');
writeFileSync(aFile, 'not a directory');

const cliBase: RawSettings = { MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: token, SYSLOG_HOST: '10.1.2.3', RELAY_STATE_DIR: path.join(scratch, 'state') };
const functionBase: RawSettings = { MDCA_PORTAL_URL: cliBase.MDCA_PORTAL_URL, MDCA_TOKEN: token, SYSLOG_HOST: '10.1.2.3', AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

let tls: TlsFiles;
beforeAll(async () => {
  tls = await createTlsFiles();
});
afterAll(async () => {
  await tls?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** A wrong value, with the other settings it needs to be read at all (TLS material needs SYSLOG_PROTOCOL=tls). */
interface Bad {
  value: string | (() => string);
  with?: RawSettings | (() => RawSettings);
  context?: ConfigContext;
  /** A good value for the control run, where the setting cannot simply be left out (half of a cert/key pair). */
  good?: () => string;
}
type Entry = { bad: Array<string | (() => string) | Bad> } | { free: string };

/** A Graph setting's bad value, read with RELAY_SOURCE=graph (and the MDCA settings still present: they are not in the way). */
const graph = (value: string | (() => string), extra: RawSettings = {}): Bad => ({ value, with: { RELAY_SOURCE: 'graph', ...extra } });
const app = { GRAPH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47', GRAPH_CLIENT_ID: '6c1f5c8e-2d0b-4a43-9a57-0d6c1e4d2f10', GRAPH_CLIENT_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/graph-secret' };
const tlsOn = () => ({ SYSLOG_PROTOCOL: 'tls', SYSLOG_TLS_CA: tls.ca });
const truncatedPem = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIgIIomJpMA0GCSqGSIb3DQEBCwUAMBQxEjAQBgNVBAMMCWxv\n-----END CERTIFICATE-----';

const TABLE: Record<string, Entry> = {
  MDCA_PORTAL_URL: { bad: ['not a url', 'ftp://contoso.portal.cloudappsecurity.com', 'http://contoso.portal.cloudappsecurity.com', 'https://user:pw@contoso.portal.cloudappsecurity.com'] },
  MDCA_AUTH: { bad: ['password', 'tokens'] },
  MDCA_TOKEN: { bad: ['two words', 'tok\u0001en', 'töken'] },
  MDCA_TOKEN_SECRET_URI: { bad: ['kv-relay/mdca-token', 'https://kv-relay.vault.azure.net/secrets/mdca-token/0123456789abcdef0123456789abcdef', 'http://kv-relay.vault.azure.net/secrets/mdca-token'] },
  MDCA_DATA_TYPES: { bad: ['files', ',', 'alerts;activities'] },
  MDCA_ALERT_FILTERS: { bad: ['[]', '"x"', 'null', '42', '{bad json', '{"severity":{"gte":2}}', '{"nosuchfield":{"eq":1}}'] },
  MDCA_ACTIVITY_FILTERS: { bad: ['[]', '"x"', '{"service":"eleven"}'] },
  MDCA_REQUESTS_PER_MINUTE: { bad: ['0', '-1', '1e3', '30.5', '0x1e', 'NaN', 'thirty', '6001'] },
  MDCA_REQUEST_TIMEOUT: { bad: ['PT0S', 'PT0.5S', 'PT11M', 'P1D', '60', 'PT', 'NaN'] },
  MDCA_PROXY: { bad: ['http://', 'ftp://proxy.contoso.local:21', 'proxy.contoso.local:99999', 'proxy.contoso.local:0', 'http://proxy.contoso.local:3128/path', 'not a proxy'] },
  HTTPS_PROXY: { bad: ['socks5://proxy:1080', 'proxy:99999'] },
  https_proxy: { bad: ['socks5://proxy:1080'] },
  NO_PROXY: { free: 'a list of host patterns (curl conventions); an entry that matches no host exempts nothing and harms nothing' },
  no_proxy: { free: 'the lower-case spelling of NO_PROXY' },
  SYSLOG_HOST: { bad: ['bad host name!', ',', '10.0.0.5:0', '10.0.0.5:1e3', '10.0.0.5:65536', '10.0.0.5:', 'tcp://10.0.0.5:514', '[::1]:99999'] },
  SYSLOG_PORT: { bad: ['0', '65536', '1e3', '0x1bb', '514.0', '-514', 'syslog'] },
  SYSLOG_PROTOCOL: { bad: ['smoke', 'relp_tls'] },
  SYSLOG_FRAMING: { bad: ['xml', 'octet counting', 'nul'] },
  SYSLOG_TLS_CA: {
    bad: [
      { value: () => path.join(scratch, 'missing-ca.pem'), with: { SYSLOG_PROTOCOL: 'tls' } },
      { value: truncatedPem, with: { SYSLOG_PROTOCOL: 'tls' } },
      { value: () => tls.clientKey, with: { SYSLOG_PROTOCOL: 'tls' } },
      { value: () => tls.ca, with: { SYSLOG_PROTOCOL: 'tcp' } },
    ],
  },
  SYSLOG_TLS_CERT: {
    bad: [
      { value: () => tls.clientKey, with: () => ({ ...tlsOn(), SYSLOG_TLS_KEY: tls.clientKey }), good: () => tls.clientCert },
      { value: truncatedPem, with: () => ({ ...tlsOn(), SYSLOG_TLS_KEY: tls.clientKey }), good: () => tls.clientCert },
      // the server's certificate with the client's key: a pair that does not match
      { value: () => tls.serverCert, with: () => ({ ...tlsOn(), SYSLOG_TLS_KEY: tls.clientKey }), good: () => tls.clientCert },
      { value: () => tls.clientCert, with: tlsOn },
      { value: () => tls.clientCert, with: { SYSLOG_PROTOCOL: 'udp' } },
    ],
  },
  SYSLOG_TLS_KEY: {
    bad: [
      { value: () => tls.clientCert, with: () => ({ ...tlsOn(), SYSLOG_TLS_CERT: tls.clientCert }), good: () => tls.clientKey },
      { value: () => path.join(scratch, 'missing.key'), with: () => ({ ...tlsOn(), SYSLOG_TLS_CERT: tls.clientCert }), good: () => tls.clientKey },
      { value: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', with: () => ({ ...tlsOn(), SYSLOG_TLS_CERT: tls.clientCert }), good: () => tls.clientKey },
      { value: '@Microsoft.KeyVault(SecretUri=https://kv-relay.vault.azure.net/secrets/syslog-key)', with: () => ({ ...tlsOn(), SYSLOG_TLS_CERT: tls.clientCert }), good: () => tls.clientKey },
      { value: () => tls.clientKey, with: { SYSLOG_PROTOCOL: 'tcp' } },
    ],
  },
  SYSLOG_TLS_SERVERNAME: { bad: [{ value: 'bad name!', with: tlsOn }, { value: 'siem.contoso.local', with: { SYSLOG_PROTOCOL: 'tcp' } }] },
  SYSLOG_CONNECT_TIMEOUT: { bad: ['PT0S', 'PT6M', '10s'] },
  SYSLOG_WRITE_TIMEOUT: { bad: ['PT0S', 'PT11M', 'P1M'] },
  SYSLOG_UDP_MAX_BYTES: { bad: ['2047', '65508', '4e3', '2048.5'] },
  SIEM_FORMAT: { bad: ['leef', 'json'] },
  CEF_HOSTNAME: { bad: ['two words', 'x'.repeat(256), 'tab\there'] },
  CEF_VENDOR: { bad: ['ven\u0001dor', 'v'.repeat(300)] },
  CEF_PRODUCT: { bad: ['pro\ruct', 'p'.repeat(300)] },
  CEF_SEVERITY_MAP: { bad: ['"x"', '[]', '[3,6,8,1]', 'null', '{bad', '{"0":11}', '{"0":"high"}', '{"low":3}', '{"7":3}'] },
  CEF_MAX_MESSAGE_BYTES: { bad: ['2047', '1048577', '8e3', '8 KiB'] },
  SYSLOG_HEADER: { bad: ['rfc5425', '5424'] },
  SYSLOG_FACILITY: { bad: ['24', '-1', '2e1', 'local4'] },
  SYSLOG_SEVERITY: { bad: ['8', '-1', '4.0', 'warning'] },
  SYSLOG_APP_NAME: { bad: ['two words', 'a'.repeat(49), { value: 'has:colon', with: { SIEM_FORMAT: 'generic', SYSLOG_HEADER: 'rfc3164' } }] },
  RELAY_NAME: { bad: ['..', '.', 'a/b', 'a\\b', 'a#b', 'what?', 'two words', 'x'.repeat(129), '-leading-dash'] },
  RELAY_SCHEDULE: {
    bad: ['not a cron', '* * *', '*/5 * * * *', '0 */99 * * * *', '0 0 */0 * * *', '60 * * * * *', '0 0 24 * * *', '0 0 0 0 * *', '0 0 0 * 13 *', '0 0 0 * * 7', '0 0 0 L * *', '0 0 0 ? * MON', '0 0 0 * * MON#2', '0 0 0 30 2 *', '0 30-10 * * * *', '0 0 0 * * * 2030', '00:05:00'],
  },
  RELAY_INITIAL_LOOKBACK: { bad: ['PT0S', 'PT59M', 'P10001D', 'two days'] },
  RELAY_OVERLAP: { bad: ['PT7H', '15 minutes', '-PT1M', { value: 'PT2H', with: { RELAY_INITIAL_LOOKBACK: 'PT1H' } }] },
  RELAY_TIME_BUDGET: { bad: ['0', '0.05', '1.5', 'NaN', '0x1', '1e-1', '-0.5', '80%'] },
  RELAY_LEASE: { bad: ['PT0S', 'PT29S', 'PT2H', 'five minutes'] },
  HEARTBEAT_INTERVAL: { bad: ['PT30S', 'P2D', '15m'] },
  RELAY_CHECKPOINT_TABLE: { bad: [{ value: 'ab', context: 'function' }, { value: '1checkpoints', context: 'function' }, { value: 'relay-checkpoints', context: 'function' }, { value: 'Tables', context: 'function' }, { value: 'x'.repeat(64), context: 'function' }] },
  RELAY_CHECKPOINT_STORAGE: {
    bad: [
      { value: 'justtext', context: 'function' },
      { value: 'AccountName=strelay', context: 'function' },
      { value: `AccountKey=${accountKey}`, context: 'function' },
      { value: 'http://strelay.table.core.windows.net', context: 'function' },
      { value: 'https://', context: 'function' },
      { value: 'https://strelay.table.core.windows.net/?sv=2024&sig=abc', context: 'function' },
    ],
  },
  RELAY_STATE_DIR: { bad: [() => aFile] },
  RELAY_LOGS_DIR: { bad: [() => aFile] },
  RELAY_DELIVERY_WINDOW: { bad: ['0', '17', '2.5', 'many'] },
  RELAY_TENANT_CONCURRENCY: { bad: ['0', '501', '1.5', 'all'] },
  RELAY_MULTI_TENANT: { bad: ['yes', '1', 'on'] },
  AZURE_CLIENT_ID: { bad: ['abc', '00000000-0000-0000-0000-00000000000', '{00000000-0000-0000-0000-000000000000}'] },
  RELAY_SOURCE: { bad: ['legacy', 'graph-api', 'mdca,graph'] },
  GRAPH_ENDPOINT: { bad: [graph('not a url'), graph('http://graph.microsoft.com'), graph('https://graph.microsoft.com/v1.0'), graph('https://graph.example.com'), graph('https://user:pw@graph.microsoft.com'), graph('https://graph.microsoft.com:8443'), graph('ftp://graph.microsoft.com')] },
  GRAPH_AUTHORITY_HOST: { bad: [graph('login.microsoftonline.com'), graph('http://127.0.0.1:8443'), graph('https://login.microsoftonline.com/tenant-id'), graph('https://user:pw@login.microsoftonline.com')] },
  GRAPH_TENANT_ID: { bad: [graph('not a tenant', app), graph('{72f988bf-86f1-41af-91ab-2d7cd011db47}', app), graph('contoso', app)] },
  GRAPH_CLIENT_ID: { bad: [graph('abc', app), graph('72f988bf-86f1-41af-91ab-2d7cd011db4', app)] },
  GRAPH_CLIENT_SECRET_URI: { bad: [graph('kv-relay/graph-secret', app), graph('https://kv-relay.vault.azure.net/secrets/graph-secret/0123456789abcdef0123456789abcdef', app), graph('http://kv-relay.vault.azure.net/secrets/graph-secret', app), graph('@Microsoft.KeyVault(SecretUri=https://kv-relay.vault.azure.net/secrets/graph-secret)', app)] },
  GRAPH_CLIENT_CERTIFICATE_URI: { bad: [graph('https://kv-relay.vault.azure.net/certificates/graph-cert', app), graph('https://kv-relay.vault.azure.net/secrets/graph-cert', { ...app, GRAPH_CLIENT_SECRET_URI: app.GRAPH_CLIENT_SECRET_URI })] },
  GRAPH_TOKEN: { bad: [graph('two words'), graph('tok\u0001en'), graph('Bearer two words'), graph(() => fakeToken('graph token beside an app'), app)] },
  GRAPH_SERVICE_SOURCES: { bad: [graph('microsoftDefenderForCloudApp'), graph(','), graph('all,microsoftDefenderForEndpoint'), graph('microsoftDefenderForEndpoint;microsoftDefenderForIdentity')] },
  GRAPH_ALERT_UPDATES: { bad: [graph('yes'), graph('1'), graph('on')] },
  GRAPH_CEF_COMPAT: { bad: [graph('no'), graph('0'), graph('legacy')] },
  GRAPH_CEF_SEVERITY_MAP: { bad: [graph('{"high":11}'), graph('{"high":8.5}'), graph('{"low":"3"}'), graph('{"critical":9}'), graph('{"medium":-1}'), graph('[1,3,6,8,3]'), graph('high=8')] },
  GRAPH_REQUESTS_PER_MINUTE: { bad: [graph('0'), graph('151.5'), graph('1e2'), graph('6001'), graph('many')] },
  GRAPH_REQUEST_TIMEOUT: { bad: [graph('PT0S'), graph('PT11M'), graph('60')] },
  GRAPH_SETTLE_MARGIN: { bad: [graph('PT61M'), graph('-PT1M'), graph('2 minutes')] },
  AzureWebJobsStorage: { bad: [{ value: 'nonsense', context: 'function' }, { value: `AccountKey=${accountKey};BlobEndpoint=https://x`, context: 'function' }] },
  AzureWebJobsStorage__tableServiceUri: { bad: [{ value: 'strelay.table.core.windows.net', context: 'function' }, { value: 'https://user:pw@strelay.table.core.windows.net', context: 'function' }] },
  AzureWebJobsStorage__accountName: { bad: [{ value: 'Not_An_Account', context: 'function' }, { value: 'ab', context: 'function' }] },
};

const SECRET = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name).concat('RELAY_CHECKPOINT_STORAGE', 'AzureWebJobsStorage'));

function settingsFor(name: string, bad: Bad): { raw: RawSettings; baseline: RawSettings; context: ConfigContext; value: string } {
  const context = bad.context ?? 'cli';
  const extra = typeof bad.with === 'function' ? bad.with() : (bad.with ?? {});
  const baseline = { ...(context === 'cli' ? cliBase : functionBase), ...extra };
  const value = typeof bad.value === 'function' ? bad.value() : bad.value;
  return { raw: { ...baseline, [name]: value }, baseline: bad.good ? { ...baseline, [name]: bad.good() } : baseline, context, value };
}

function refusal(raw: RawSettings, context: ConfigContext): string {
  try {
    loadConfig(raw, context);
  } catch (err) {
    expect(isRelayError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

/** The problem line names the setting first (a shared line reads "A/B: ..."). */
const names = (name: string) => new RegExp(`^  - (?:[A-Za-z_]+/)?${name}(?:/[A-Za-z_]+)?: `, 'm');

const everySetting = [...new Set([...SETTINGS.map((s) => s.name), ...FIELD_NAMES])];
const cases = Object.entries(TABLE).flatMap(([name, entry]) => ('bad' in entry ? entry.bad.map((b) => [name, typeof b === 'object' ? b : { value: b }] as [string, Bad]) : []));

describe('settings refused at start-up', () => {
  it('has bad values, or a stated reason there are none, for every setting the schema reads', () => {
    const missing = everySetting.filter((name) => !(name in TABLE));
    expect(missing, 'add bad values (or { free: reason }) to TABLE for these settings').toEqual([]);
    const unknown = Object.keys(TABLE).filter((name) => !everySetting.includes(name));
    expect(unknown, 'TABLE names settings the schema does not read').toEqual([]);
    for (const [name, entry] of Object.entries(TABLE)) if ('free' in entry) expect(entry.free.length, name).toBeGreaterThan(20);
  });

  it.each(cases.map(([name, bad], i) => [`${name} #${i}`, name, bad] as const))('%s: refused, naming the setting', (_label, name, bad) => {
    const { raw, baseline, context, value } = settingsFor(name, bad);
    // The control: without the bad value (or with a good one) the same settings load, so the refusal is about this value.
    expect(() => loadConfig(baseline, context)).not.toThrow();
    const message = refusal(raw, context);
    expect(message).toMatch(names(name));
    expect(message).not.toContain(token);
    expect(message).not.toContain(accountKey);
    if (SECRET.has(name) && value.length >= 10) expect(message).not.toContain(value);
  });

  it.each(everySetting.map((name) => [name]))('%s: a blank value is refused, not taken as the default', (name) => {
    const context: ConfigContext = SETTINGS.find((s) => s.name === name)?.scope === 'function' || name.startsWith('AzureWebJobs') ? 'function' : 'cli';
    const message = refusal({ ...(context === 'cli' ? cliBase : functionBase), [name]: '  ' }, context);
    expect(message).toMatch(names(name));
  });

  it('never echoes proxy credentials', () => {
    const password = registerSecret('pr0xy-p@ss/word', 'proxy password');
    for (const proxy of [`http://relay:${password}@proxy.contoso.local:0`, `http://relay:${password}@proxy.contoso.local:99999`, `relay:${password}@proxy.contoso.local/x`]) {
      const message = refusal({ ...cliBase, MDCA_PROXY: proxy }, 'cli');
      expect(message).toMatch(names('MDCA_PROXY'));
      expect(message).not.toContain('pr0xy');
      expect(message).not.toContain('word');
    }
  });

  it('explains why a lease under 30 seconds is refused', () => {
    expect(refusal({ ...cliBase, RELAY_LEASE: 'PT0S' }, 'cli')).toMatch(/RELAY_LEASE: "PT0S" must be from PT30S to PT1H: the lease is renewed every third of its length/);
  });

  it('accepts the edges of each range and the documented special values', () => {
    const c = loadConfig({ ...cliBase, MDCA_REQUEST_TIMEOUT: 'PT10M', RELAY_LEASE: 'PT30S', HEARTBEAT_INTERVAL: 'PT0S', RELAY_OVERLAP: 'PT0S', RELAY_INITIAL_LOOKBACK: 'PT1H', RELAY_TIME_BUDGET: '1', SYSLOG_PORT: ' 6514 ', SYSLOG_HOST: '10.0.0.5:1, [::1]:65535', RELAY_NAME: 'siem-relay_01.contoso', RELAY_STATE_DIR: 'relative/state' }, 'cli');
    expect(c.mdca.requestTimeoutMs).toBe(600_000);
    expect(c.relay).toMatchObject({ leaseMs: 30_000, heartbeatIntervalMs: 0, overlapMs: 0, initialLookbackMs: 3_600_000, timeBudgetShare: 1 });
    expect(c.syslog.hosts).toEqual([{ host: '10.0.0.5', port: 1 }, { host: '::1', port: 65535 }]);
    expect(c.relayName).toBe('siem-relay_01.contoso');
    expect(c.state).toEqual({ kind: 'directory', dir: path.resolve('relative/state') });
    const f = loadConfig({ ...functionBase, AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=strelay;AccountKey=${accountKey};EndpointSuffix=core.windows.net`, AZURE_CLIENT_ID: '6c1f5c8e-2d0b-4a43-9a57-0d6c1e4d2f10' }, 'function');
    expect(f.state).toMatchObject({ kind: 'table', tableName: 'relaycheckpoints' });
  });

  it('lists every problem at once', () => {
    const message = refusal({ ...cliBase, SYSLOG_PORT: '1e3', RELAY_LEASE: 'PT0S', RELAY_SCHEDULE: '* * *', MDCA_REQUEST_TIMEOUT: 'PT0S' }, 'cli');
    for (const name of ['SYSLOG_PORT', 'RELAY_LEASE', 'RELAY_SCHEDULE', 'MDCA_REQUEST_TIMEOUT']) expect(message).toMatch(names(name));
  });
});

describe('RELAY_SOURCE=graph', () => {
  const graphBase: RawSettings = { RELAY_SOURCE: 'graph', SYSLOG_HOST: '10.1.2.3', RELAY_STATE_DIR: cliBase.RELAY_STATE_DIR };

  it('needs no MDCA setting, and mdca needs no GRAPH setting', () => {
    const g = loadConfig(graphBase, 'cli');
    expect(g.source).toBe('graph');
    expect(g.graph).toMatchObject({ endpoint: 'https://graph.microsoft.com', authorityHost: 'https://login.microsoftonline.com', scope: 'https://graph.microsoft.com/.default', serviceSources: ['microsoftDefenderForCloudApps'], alertUpdates: true, cefCompat: true, requestsPerMinute: 150, auth: { mode: 'managed-identity' } });
    expect(g.relayName).toBe('graph.microsoft.com');
    const m = loadConfig(cliBase, 'cli');
    expect(m.source).toBe('mdca');
    expect(m.graph).toBeUndefined();
    expect(refusal({ SYSLOG_HOST: '10.1.2.3' }, 'cli')).toMatch(names('MDCA_PORTAL_URL'));
  });

  it('derives the scope and the Entra authority from the national cloud', () => {
    const cloud = (endpoint: string) => loadConfig({ ...graphBase, GRAPH_ENDPOINT: endpoint }, 'cli').graph!;
    expect(cloud('https://graph.microsoft.us')).toMatchObject({ scope: 'https://graph.microsoft.us/.default', authorityHost: 'https://login.microsoftonline.us' });
    expect(cloud('https://dod-graph.microsoft.us/')).toMatchObject({ endpoint: 'https://dod-graph.microsoft.us', scope: 'https://dod-graph.microsoft.us/.default', authorityHost: 'https://login.microsoftonline.us' });
    expect(cloud('https://microsoftgraph.chinacloudapi.cn')).toMatchObject({ scope: 'https://microsoftgraph.chinacloudapi.cn/.default', authorityHost: 'https://login.chinacloudapi.cn' });
    expect(cloud('http://127.0.0.1:8080')).toMatchObject({ endpoint: 'http://127.0.0.1:8080', scope: 'https://graph.microsoft.com/.default' });
    expect(loadConfig({ ...graphBase, GRAPH_AUTHORITY_HOST: 'https://127.0.0.1:9443' }, 'cli').graph!.authorityHost).toBe('https://127.0.0.1:9443');
  });

  it('chooses the credential from what is set, and names what is missing', () => {
    const auth = (extra: RawSettings) => loadConfig({ ...graphBase, ...extra }, 'cli').graph!.auth;
    expect(auth({ AZURE_CLIENT_ID: app.GRAPH_CLIENT_ID })).toEqual({ mode: 'managed-identity', clientId: app.GRAPH_CLIENT_ID });
    expect(auth(app)).toEqual({ mode: 'client-secret', tenantId: app.GRAPH_TENANT_ID, clientId: app.GRAPH_CLIENT_ID, secretUri: app.GRAPH_CLIENT_SECRET_URI });
    const certificateUri = 'https://kv-relay.vault.azure.net/secrets/graph-cert';
    expect(auth({ ...app, GRAPH_CLIENT_SECRET_URI: undefined, GRAPH_CLIENT_CERTIFICATE_URI: certificateUri })).toMatchObject({ mode: 'client-certificate', certificateUri });
    const graphToken = fakeToken('graph token');
    expect(auth({ GRAPH_TOKEN: graphToken })).toEqual({ mode: 'token', token: graphToken });
    expect(refusal({ ...graphBase, GRAPH_CLIENT_ID: app.GRAPH_CLIENT_ID }, 'cli')).toMatch(names('GRAPH_CLIENT_SECRET_URI'));
    expect(refusal({ ...graphBase, GRAPH_CLIENT_ID: app.GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET_URI: app.GRAPH_CLIENT_SECRET_URI }, 'cli')).toMatch(names('GRAPH_TENANT_ID'));
    expect(refusal({ ...graphBase, GRAPH_TENANT_ID: app.GRAPH_TENANT_ID, GRAPH_CLIENT_CERTIFICATE_URI: certificateUri }, 'cli')).toMatch(names('GRAPH_CLIENT_ID'));
    const both = refusal({ ...graphBase, ...app, GRAPH_TOKEN: graphToken }, 'cli');
    expect(both).toMatch(names('GRAPH_TOKEN'));
    expect(both).not.toContain(graphToken);
  });

  it('takes serviceSource values in any case, or all', () => {
    const sources = (v: string) => loadConfig({ ...graphBase, GRAPH_SERVICE_SOURCES: v }, 'cli').graph!.serviceSources;
    expect(sources('MicrosoftDefenderForEndpoint, microsoftdefenderforidentity')).toEqual(['microsoftDefenderForEndpoint', 'microsoftDefenderForIdentity']);
    expect(sources('ALL')).toBe('all');
    expect(loadConfig({ ...graphBase, GRAPH_ALERT_UPDATES: 'FALSE', GRAPH_CEF_COMPAT: 'false' }, 'cli').graph).toMatchObject({ alertUpdates: false, cefCompat: false });
    // A severity left out keeps its default; none given is the default map.
    expect(loadConfig({ ...graphBase, GRAPH_CEF_SEVERITY_MAP: '{"high":10,"unknown":0}' }, 'cli').graph!.cefSeverityMap).toEqual({ informational: 1, low: 3, medium: 6, high: 10, unknown: 0 });
    expect(loadConfig(graphBase, 'cli').graph!.cefSeverityMap).toEqual({ informational: 1, low: 3, medium: 6, high: 8, unknown: 3 });
  });
});

describe('RELAY_SCHEDULE as NCRONTAB', () => {
  it.each(['0 */1 * * * *', '0 */5 * * * *', '30 0 9 * * MON-FRI', '0 0 */2 * * *', '0 15,45 * * * *', '5/15 * * * * *', '0 0 0 1 jan,jul *', '0 0 0 29 2 *', '0 0 12 * * sun'])('takes %j, and cron-parser can follow it', (expression) => {
    expect(scheduleProblems(expression)).toEqual([]);
    expect(() => CronExpressionParser.parse(expression, { tz: 'UTC' }).next()).not.toThrow();
  });

  it('never accepts an expression the CLI run loop cannot follow', () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 1, max: max - min }).map((s) => `*/${s}`),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: max - min })).map(([a, s]) => `${a}/${s}`),
      );
    const expression = fc.tuple(field(0, 59), field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)).map((f) => f.join(' '));
    fc.assert(
      fc.property(expression, (e) => {
        if (scheduleProblems(e).length > 0) return;
        expect(() => CronExpressionParser.parse(e, { tz: 'UTC' }).next(), e).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
