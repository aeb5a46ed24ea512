// One validated schema: every bad setting is named at once, with what is wrong; defaults as documented.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { SETTINGS } from '../../src/config/settings.js';
import { expectRelayErrorSync } from '../support/relay-error.js';
import { fakeToken } from '../support/secrets.js';

const token = fakeToken('config token');
// A directory no other process can have created (a fixed /tmp path broke when something else made it a file).
const stateDir = path.join(os.tmpdir(), `relay-load-${randomUUID()}`);
const base = { MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: token, SYSLOG_HOST: '10.1.2.3', RELAY_STATE_DIR: stateDir };

/** The CONFIG_INVALID message refusing `raw` (fails the test if the configuration loads). */
function problems(raw: Record<string, string | undefined>, context: 'cli' | 'function' = 'cli'): string {
  return expectRelayErrorSync(() => loadConfig(raw, context), 'CONFIG_INVALID', 'config').message;
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base, 'cli');
    expect(c.mdca.dataTypes).toEqual(['alerts']);
    expect(c.mdca.requestsPerMinute).toBe(30);
    expect(c.syslog).toMatchObject({ protocol: 'tcp', framing: 'lf', hosts: [{ host: '10.1.2.3', port: 514 }] });
    expect(c.cef.format).toBe('arcsight');
    expect(c.relay.initialLookbackMs).toBe(2 * 86_400_000);
    expect(c.relay.schedule).toBe('0 */1 * * * *');
    expect(c.relayName).toBe('contoso.eu2.portal.cloudappsecurity.com');
    expect(c.state).toEqual({ kind: 'directory', dir: stateDir });
  });

  it('names every missing setting in one message', () => {
    const msg = problems({});
    expect(msg).toMatch(/MDCA_PORTAL_URL: is required/);
    expect(msg).toMatch(/SYSLOG_HOST: is required/);
  });

  it('names every bad value with what is wrong, and never echoes the token', () => {
    const msg = problems({ ...base, MDCA_PORTAL_URL: 'http://contoso.portal.cloudappsecurity.com', SYSLOG_PROTOCOL: 'smoke', SYSLOG_PORT: '0', RELAY_OVERLAP: '15 minutes', MDCA_DATA_TYPES: 'alerts,files', MDCA_ALERT_FILTERS: '{bad json', MDCA_REQUESTS_PER_MINUTE: '-1' });
    for (const expected of [
      /MDCA_PORTAL_URL: must use https:\/\/ \(http:\/\/ is accepted only for loopback hosts\)/,
      /SYSLOG_PROTOCOL: "smoke" is not one of tcp, udp, tls/,
      /SYSLOG_PORT: "0" must be a whole number from 1 to 65535/,
      /RELAY_OVERLAP: "15 minutes" is not an ISO-8601 duration/,
      /MDCA_DATA_TYPES: "alerts,files" must list alerts and\/or activities/,
      /MDCA_ALERT_FILTERS: is not valid JSON/,
      /MDCA_REQUESTS_PER_MINUTE: "-1" must be a whole number/,
    ])
      expect(msg).toMatch(expected);
    expect(msg).not.toContain(token);
  });

  it('accepts http:// only for loopback portals', () => {
    expect(loadConfig({ ...base, MDCA_PORTAL_URL: 'http://127.0.0.1:8080' }, 'cli').mdca.portalUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ ...base, MDCA_PORTAL_URL: 'http://localhost:1' }, 'cli').mdca.portalUrl).toBe('http://localhost:1');
  });

  it('requires a token source, and a versionless Key Vault URI', () => {
    expect(problems({ ...base, MDCA_TOKEN: undefined })).toMatch(/MDCA_TOKEN: is required \(or set MDCA_TOKEN_SECRET_URI, or MDCA_AUTH=entra\)/);
    expect(problems({ ...base, MDCA_TOKEN: undefined, MDCA_TOKEN_SECRET_URI: 'https://kv.vault.azure.net/secrets/tok/0123456789abcdef0123456789abcdef' })).toMatch(/MDCA_TOKEN_SECRET_URI: must be a versionless/);
    const kv = loadConfig({ ...base, MDCA_TOKEN: undefined, MDCA_TOKEN_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/mdca-token' }, 'cli');
    expect(kv.mdca.auth).toEqual({ mode: 'token', token: undefined, secretUri: 'https://kv-relay.vault.azure.net/secrets/mdca-token' });
  });

  it('validates filters against the documented names and operators', () => {
    expect(problems({ ...base, MDCA_ALERT_FILTERS: '{"severity":{"gte":2}}' })).toMatch(/MDCA_ALERT_FILTERS: .*severity/);
    expect(loadConfig({ ...base, MDCA_ALERT_FILTERS: '{"severity":{"eq":2}}' }, 'cli').mdca.filters.alerts).toMatchObject({ severity: { eq: 2 } });
  });

  it('maps other stages\' option problems to the setting that feeds them', () => {
    expect(problems({ ...base, SYSLOG_FRAMING: 'xml' })).toMatch(/SYSLOG_FRAMING: framing: must be lf or octet-counting/);
    expect(problems({ ...base, SYSLOG_HOST: 'bad host name!' })).toMatch(/SYSLOG_HOST: hosts\[0\]\.host/);
  });

  it('keeps the checkpoint table in AzureWebJobsStorage for the Function unless told otherwise', () => {
    expect(loadConfig({ ...base, AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, 'function').state).toMatchObject({ kind: 'table', tableName: 'relaycheckpoints', connectionString: 'UseDevelopmentStorage=true' });
    expect(loadConfig({ ...base, AzureWebJobsStorage__accountName: 'strelay' }, 'function').state).toMatchObject({ kind: 'table', tableServiceUri: 'https://strelay.table.core.windows.net' });
    expect(loadConfig({ ...base, RELAY_CHECKPOINT_STORAGE: 'https://other.table.core.windows.net/' }, 'function').state).toMatchObject({ tableServiceUri: 'https://other.table.core.windows.net' });
    expect(problems({ ...base }, 'function')).toMatch(/AzureWebJobsStorage: is required/);
  });

  it('takes a fail-over list of syslog hosts, each with an optional port', () => {
    const c = loadConfig({ ...base, SYSLOG_HOST: '10.0.0.5, 10.0.0.6:1514', SYSLOG_PORT: '601' }, 'cli');
    expect(c.syslog.hosts).toEqual([{ host: '10.0.0.5', port: 601 }, { host: '10.0.0.6', port: 1514 }]);
  });

  it('documents every setting it reads', () => {
    for (const s of SETTINGS) expect(s.description.length, s.name).toBeGreaterThan(10);
  });
});

describe('ISO-8601 durations', () => {
  it.each([
    ['P2D', 172_800_000],
    ['PT15M', 900_000],
    ['PT1H30M', 5_400_000],
    ['PT0.5S', 500],
    ['P1DT2H', 93_600_000],
    ['PT0S', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['2d', 'P', 'PT', 'P1M', '15 minutes', ''])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
