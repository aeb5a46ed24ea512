// The function app's settings and the code's settings registry (src/config/settings.ts) agree: every setting the
// Function reads can be set by the template, and every setting the template sets is read by the code or the host.
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_SETTINGS, SETTINGS } from '../../src/config/settings.js';
import { buildMain, only, snapshot, type ArmTemplate, type Json, type Snapshot } from './bicep.js';

/**
 * Settings the Function reads that the template deliberately does not set, with the reason. Each must still exist in
 * SETTINGS (a stale entry fails) and must never appear in the app settings.
 */
const NOT_SET_BY_TEMPLATE: Record<string, string> = {
  MDCA_TOKEN: 'a secret: the template creates nothing secret; the app reads MDCA_TOKEN_SECRET_URI instead',
  RELAY_CHECKPOINT_STORAGE:
    'the template creates the checkpoint table in host storage and grants the identity that table alone',
};

/** Settings whose values the template derives from the resources it creates (not deployer input). */
const DERIVED = ['AZURE_CLIENT_ID', 'RELAY_CHECKPOINT_TABLE', 'MDCA_TOKEN_SECRET_URI', 'SYSLOG_TLS_KEY'];

const functionSettings = SETTINGS.filter((s) => s.scope !== 'cli');
const known = new Set([...SETTINGS.map((s) => s.name), ...PLATFORM_SETTINGS.map((s) => s.name)]);

let template: ArmTemplate;
let relayKeys: string[];
let full: Snapshot;
let minimal: Snapshot;
let fullRelay: Record<string, string>;

/** Every key of the template's relaySettings type, with a value its type accepts. */
function everyRelaySetting(t: ArmTemplate): Record<string, string> {
  const type = t.definitions?.relaySettings as { properties: Record<string, { allowedValues?: string[] }> };
  return Object.fromEntries(
    Object.entries(type.properties).map(([k, v]) => [k, v.allowedValues ? (v.allowedValues.includes('token') ? 'token' : v.allowedValues[0]!) : `value-of-${k}`]),
  );
}

const bicepObject = (o: Record<string, string>): string =>
  `{\n${Object.entries(o).map(([k, v]) => `  ${k}: '${v.replace(/'/g, "\\'")}'`).join('\n')}\n}`;

function appSettings(s: Snapshot): Json {
  const value = only(s.predictedResources, 'Microsoft.Web/sites/config').properties as unknown;
  // A string here means the whole object became a deploy-time expression: some key's presence depends on a value
  // known only during deployment, and then nobody can tell before deploying which settings the app gets.
  if (typeof value !== 'object' || value === null) throw new Error(`app settings are not a literal object: ${String(value).slice(0, 200)}`);
  return value as Json;
}

beforeAll(async () => {
  template = await buildMain();
  fullRelay = everyRelaySetting(template);
  relayKeys = Object.keys(fullRelay);
  const [a, b] = await Promise.all([
    snapshot(`param baseName = 'relayfull'
param network = { mode: 'new' }
param relay = ${bicepObject(fullRelay)}
param syslogTlsKeySecretName = 'syslog-client-key'`),
    snapshot(`param baseName = 'relaymin'
param network = { mode: 'new' }
param relay = { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', MDCA_AUTH: 'entra', SYSLOG_HOST: '10.1.2.3' }`),
  ]);
  if (!a.snapshot || !b.snapshot) throw new Error(`bicep snapshot failed:\n${a.result.output}\n${b.result.output}`);
  [full, minimal] = [a.snapshot, b.snapshot];
});

describe('app settings against src/config/settings.ts', () => {
  it('every setting the Function reads can be set by the template (or is excluded with a reason)', () => {
    const settable = new Set([...relayKeys, ...Object.keys(appSettings(full))]);
    const missing = functionSettings.map((s) => s.name).filter((n) => !settable.has(n) && !(n in NOT_SET_BY_TEMPLATE));
    expect(missing).toEqual([]);
  });

  it('every setting the template can set is read by the code or by the Functions host', () => {
    const unknown = [...relayKeys, ...Object.keys(appSettings(full)), ...Object.keys(appSettings(minimal))].filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
  });

  it('never sets a CLI-only setting or an excluded one', () => {
    const cliOnly = SETTINGS.filter((s) => s.scope === 'cli').map((s) => s.name);
    expect(cliOnly.length).toBeGreaterThan(0);
    for (const s of [full, minimal]) {
      const names = Object.keys(appSettings(s));
      for (const n of [...cliOnly, ...Object.keys(NOT_SET_BY_TEMPLATE)]) expect(names, n).not.toContain(n);
    }
    for (const n of Object.keys(NOT_SET_BY_TEMPLATE)) expect(SETTINGS.map((s) => s.name), n).toContain(n);
  });

  it('passes each relay setting through under its own name and value', () => {
    const settings = appSettings(full);
    for (const [k, v] of Object.entries(fullRelay)) expect(settings[k], k).toBe(v);
  });

  it('leaves settings the deployer omitted unset, so the code defaults apply', () => {
    const names = Object.keys(appSettings(minimal));
    const given = ['MDCA_PORTAL_URL', 'MDCA_AUTH', 'SYSLOG_HOST'];
    for (const k of relayKeys.filter((k) => !given.includes(k))) expect(names, k).not.toContain(k);
    for (const k of given) expect(names).toContain(k);
  });

  it('derives the identity, checkpoint table and token secret URI from the resources it creates', () => {
    const settings = appSettings(full);
    for (const k of DERIVED) expect(Object.keys(settings), k).toContain(k);
    expect(settings.RELAY_CHECKPOINT_TABLE).toBe('relaycheckpoints');
    expect(String(settings.AZURE_CLIENT_ID)).toMatch(/userAssignedIdentities\/id-relayfull'.*\)\.clientId\]$/);
    expect(String(settings.AzureWebJobsStorage__clientId)).toBe(settings.AZURE_CLIENT_ID);
    // Versionless: the relay reads the current version at run time, so a rotation needs no redeploy.
    expect(String(settings.MDCA_TOKEN_SECRET_URI)).toMatch(/\.vaultUri, 'mdca-api-token'\)\]$/);
    expect(String(settings.MDCA_TOKEN_SECRET_URI)).toContain("format('{0}secrets/{1}'");
  });

  it('sets no token secret URI under Entra auth', () => {
    expect(Object.keys(appSettings(minimal))).not.toContain('MDCA_TOKEN_SECRET_URI');
  });

  it('gives secret settings only Key Vault references, never a value', () => {
    const secret = SETTINGS.filter((s) => s.secret).map((s) => s.name);
    expect(secret.length).toBeGreaterThan(0);
    for (const s of [full, minimal]) {
      const settings = appSettings(s);
      for (const n of secret) if (n in settings) expect(String(settings[n]), n).toMatch(/^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}secrets\/\{1\}\)'/);
    }
    expect(Object.keys(appSettings(full))).toContain('SYSLOG_TLS_KEY');
  });

  it('uses identity-based host storage and Entra auth to Application Insights', () => {
    const settings = appSettings(minimal);
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    for (const k of ['blob', 'queue', 'table']) expect(Object.keys(settings)).toContain(`AzureWebJobsStorage__${k}ServiceUri`);
    expect(Object.keys(settings)).not.toContain('AzureWebJobsStorage');
    expect(String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)).toContain('Authorization=AAD');
  });

  it('does not set the runtime settings Flex Consumption rejects', () => {
    // Flex takes the runtime from functionAppConfig.runtime; these app settings fail the deployment there.
    for (const n of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTSHARE']) {
      expect(Object.keys(appSettings(full))).not.toContain(n);
    }
  });
});
