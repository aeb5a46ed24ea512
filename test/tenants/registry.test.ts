// The tenant registry: the file's checks, the file and table implementations (Azurite), and the
// per-tenant configuration built from shared settings.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, loadSharedSettings } from '../../src/config/load.js';
import { RelayError } from '../../src/errors.js';
import { tenantConfig } from '../../src/tenants/config.js';
import { fileRegistry, parseTenants, tableRegistry, type Tenant, type TenantRegistry } from '../../src/tenants/registry.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';

const tokenA = fakeToken('tenant A token');
const tokenB = fakeToken('tenant B token');
const shared = { SYSLOG_HOST: '127.0.0.1', RELAY_STATE_DIR: os.tmpdir(), MDCA_PORTAL_URL: 'https://shared.portal.cloudappsecurity.com' };

function refused(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe('CONFIG_INVALID');
    const message = (err as Error).message;
    assertNoSecrets(message, 'the refusal');
    return message;
  }
  throw new Error('accepted');
}

const file = (tenants: unknown[]) => JSON.stringify({ tenants });

describe('tenant file', () => {
  it('reads tenants with their settings; JSON values become setting text; sorted by name', () => {
    const tenants = parseTenants(file([{ name: 'fabrikam', MDCA_TOKEN: tokenB, MDCA_ALERT_FILTERS: { severity: { eq: 2 } }, MDCA_REQUESTS_PER_MINUTE: 20 }, { name: 'contoso', disabled: true, MDCA_TOKEN: tokenA }]), 'f');
    expect(tenants).toEqual([
      { name: 'contoso', disabled: true, settings: { MDCA_TOKEN: tokenA } },
      { name: 'fabrikam', disabled: undefined, settings: { MDCA_TOKEN: tokenB, MDCA_ALERT_FILTERS: '{"severity":{"eq":2}}', MDCA_REQUESTS_PER_MINUTE: '20' } },
    ]);
  });

  it.each([
    ['not JSON', '{"tenants": [', /f: is not valid JSON/],
    ['no tenants array', '[{"name":"a"}]', /must hold a JSON object \{"tenants"/],
    ['a tenant that is not an object', file(['contoso']), /tenants\[0\]: must be an object/],
    ['no name', file([{ MDCA_TOKEN: 'x' }]), /tenants\[0\]: name: is required/],
    ['an unsafe name', file([{ name: 'con/toso' }]), /tenant: name: must be 1-63 letters/],
    ['a name too long', file([{ name: 'a'.repeat(64) }]), /name: must be 1-63/],
    ['a duplicate name (any case)', file([{ name: 'contoso' }, { name: 'Contoso' }]), /tenant "Contoso": name: appears more than once/],
    ['an unknown setting', file([{ name: 'contoso', MDCA_TOKN: tokenA }]), /tenant "contoso": MDCA_TOKN: is not a setting/],
    ['a process-wide setting', file([{ name: 'contoso', RELAY_STATE_DIR: '/tmp' }]), /tenant "contoso": RELAY_STATE_DIR: is shared by every tenant/],
    ['its own relay name', file([{ name: 'contoso', RELAY_NAME: 'x' }]), /tenant "contoso": RELAY_NAME: is shared/],
    ['a blank value', file([{ name: 'contoso', SYSLOG_HOST: ' ' }]), /tenant "contoso": SYSLOG_HOST: is blank/],
    ['a null value', file([{ name: 'contoso', SYSLOG_HOST: null }]), /tenant "contoso": SYSLOG_HOST: is null/],
    ['disabled not a boolean', file([{ name: 'contoso', disabled: 'yes' }]), /tenant "contoso": disabled: must be true or false/],
  ])('refuses %s, naming the tenant and the setting', (_what, text, pattern) => {
    expect(refused(() => parseTenants(text, 'f'))).toMatch(pattern);
  });

  it('lists every problem at once and never echoes a value', () => {
    const message = refused(() => parseTenants(file([{ name: 'a', MDCA_TOKN: tokenA }, { name: 'b', RELAY_SCHEDULE: tokenB }, { name: 'A' }]), 'f'));
    expect(message).toMatch(/3 problems/);
    expect(message).not.toContain(tokenA.slice(0, 12));
    expect(message).not.toContain(tokenB.slice(0, 12));
  });
});

describe('per-tenant configuration', () => {
  const contoso: Tenant = { name: 'contoso', settings: { MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: tokenA, SYSLOG_HOST: '10.0.0.7' } };

  it('overlays the shared settings with the tenant\'s, in its own relay name, tagging its CEF', () => {
    const c = tenantConfig({ ...shared, MDCA_REQUESTS_PER_MINUTE: '12' }, contoso, 'cli');
    expect(c.relayName).toBe('tenant.contoso');
    expect(c.mdca.portalUrl).toBe('https://contoso.eu2.portal.cloudappsecurity.com');
    expect(c.mdca.auth).toMatchObject({ mode: 'token', token: tokenA });
    expect(c.mdca.requestsPerMinute).toBe(12);
    expect(c.syslog.hosts).toEqual([{ host: '10.0.0.7', port: 514 }]);
    expect(c.cef.tenant).toBe('contoso');
  });

  it('never inherits the shared token: it would be sent to another tenant\'s portal', () => {
    const sharedToken = fakeToken('shared token');
    const fabrikam: Tenant = { name: 'fabrikam', settings: { MDCA_PORTAL_URL: 'https://fabrikam.us.portal.cloudappsecurity.com' } };
    const message = refused(() => tenantConfig({ ...shared, MDCA_TOKEN: sharedToken }, fabrikam, 'cli'));
    expect(message).toMatch(/tenant "fabrikam": MDCA_TOKEN: is required/);
    const secretUri = 'https://kv-relay.vault.azure.net/secrets/shared';
    expect(() => tenantConfig({ ...shared, MDCA_TOKEN_SECRET_URI: secretUri }, fabrikam, 'cli')).toThrow(/MDCA_TOKEN: is required/);
    // A shared managed-identity (entra) setup needs no tenant secret.
    expect(tenantConfig({ ...shared, MDCA_AUTH: 'entra' }, fabrikam, 'cli').mdca.auth.mode).toBe('entra');
  });

  it('never inherits which API the tenant is: a shared portal would relay another tenant\'s alerts under this name', () => {
    expect(refused(() => tenantConfig(shared, { name: 'fabrikam', settings: { MDCA_TOKEN: tokenB } }, 'cli'))).toMatch(/tenant "fabrikam": MDCA_PORTAL_URL: is required/);
  });

  it('names the tenant in each problem of a bad value, without echoing a secret', () => {
    const message = refused(() => tenantConfig(shared, { name: 'contoso', settings: { MDCA_TOKEN: tokenA, SYSLOG_PORT: '70000', MDCA_REQUESTS_PER_MINUTE: 'many' } }, 'cli'));
    expect(message).toMatch(/tenant "contoso": SYSLOG_PORT: /);
    expect(message).toMatch(/tenant "contoso": MDCA_REQUESTS_PER_MINUTE: /);
    expect(refused(() => tenantConfig(shared, { name: 'contoso', settings: { ...contoso.settings, MDCA_TOKEN: `${tokenA} ${tokenA}` } }, 'cli'))).toMatch(/tenant "contoso": MDCA_TOKEN: /);
  });

  it('leaves single-tenant configuration untouched: no tenant key, the portal host as relay name', () => {
    const c = loadConfig({ ...shared, MDCA_TOKEN: tokenA }, 'cli');
    expect(c.cef.tenant).toBeUndefined();
    expect(c.relayName).toBe('shared.portal.cloudappsecurity.com');
  });
});

describe('registry file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenants-'));
  });

  it('adds, replaces, disables, enables and removes; a missing file is empty; written 0600', async () => {
    const f = path.join(dir, 'tenants.json');
    await exercise(fileRegistry(f));
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    // What it wrote is what parseTenantFile reads.
    expect(parseTenants(await readFile(f, 'utf8'), f).map((t) => t.name)).toEqual(['fabrikam']);
  });

  it('keeps a literal token in the file (local use)', async () => {
    const f = path.join(dir, 'with-token.json');
    const reg = fileRegistry(f);
    await reg.add({ name: 'contoso', settings: { MDCA_TOKEN: tokenA } });
    expect((await reg.get('CONTOSO'))?.settings.MDCA_TOKEN).toBe(tokenA);
  });

  it('refuses to work on a broken file rather than overwrite it', async () => {
    const f = path.join(dir, 'broken.json');
    await writeFile(f, '{"tenants": [{"name": "a", "SYSLOG_HOST": "x"}, ');
    await expect(fileRegistry(f).add({ name: 'b', settings: {} })).rejects.toThrow(/is not valid JSON/);
    expect(await readFile(f, 'utf8')).toContain('"name": "a"');
  });
});

/** The same life cycle against any implementation. */
async function exercise(reg: TenantRegistry): Promise<void> {
  expect(await reg.list()).toEqual([]);
  await reg.add({ name: 'contoso', settings: { MDCA_PORTAL_URL: 'https://contoso.portal.cloudappsecurity.com', SYSLOG_HOST: '10.0.0.1' } });
  await reg.add({ name: 'fabrikam', settings: { SYSLOG_HOST: '10.0.0.2' } });
  await reg.add({ name: 'Contoso', settings: { SYSLOG_HOST: '10.0.0.3' } }); // same name, other case: replaces
  expect((await reg.list()).map((t) => [t.name, t.settings.SYSLOG_HOST])).toEqual([
    ['Contoso', '10.0.0.3'],
    ['fabrikam', '10.0.0.2'],
  ]);
  expect(await reg.setDisabled('contoso', true)).toBe(true);
  expect((await reg.get('contoso'))?.disabled).toBe(true);
  expect(await reg.setDisabled('contoso', false)).toBe(true);
  expect((await reg.get('contoso'))?.disabled).toBeUndefined();
  expect(await reg.setDisabled('nobody', true)).toBe(false);
  expect(await reg.remove('contoso')).toBe(true);
  expect(await reg.remove('contoso')).toBe(false);
  expect(await reg.remove('../x')).toBe(false);
  expect((await reg.list()).map((t) => t.name)).toEqual(['fabrikam']);
  await expect(reg.add({ name: 'bad name', settings: {} })).rejects.toThrow(/name: must be 1-63/);
  await expect(reg.add({ name: 'x', settings: { MDCA_TOKN: 'v' } })).rejects.toThrow(/tenant "x": MDCA_TOKN: is not a setting/);
}

describe('registry table (Azurite)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => azurite?.stop());

  const state = () => ({ kind: 'table' as const, tableName: 'relaycheckpoints', connectionString: azurite.connectionString });

  it('adds, lists, disables and removes tenants in the checkpoint table', async () => {
    await exercise(tableRegistry(state()));
  });

  it('refuses a literal token (the table is readable by anyone with table access), naming the tenant', async () => {
    const reg = tableRegistry({ ...state(), tableName: 'secretsrefused' });
    const err = (await reg.add({ name: 'contoso', settings: { MDCA_TOKEN: tokenA } }).then(
      () => new Error('accepted'),
      (e: unknown) => e as Error,
    ));
    expect(err.message).toMatch(/tenant "contoso": MDCA_TOKEN: is a secret and is not stored in the tenant table/);
    assertNoSecrets(err.message);
    expect(await reg.list()).toEqual([]);
  });

  it('shares the table with checkpoints without touching a relay\'s rows', async () => {
    const tableName = 'sharedtable';
    const reg = tableRegistry({ ...state(), tableName });
    await reg.add({ name: 'contoso', settings: { SYSLOG_HOST: '10.0.0.1' } });
    const store = new TableStateStore({ tableName, connectionString: azurite.connectionString, relayName: 'tenant.contoso' });
    await store.updateStatus(() => ({ createdAt: 1, outages: 0 }) as never);
    expect((await reg.list()).map((t) => t.name)).toEqual(['contoso']);
    expect(await store.readStatus()).toMatchObject({ createdAt: 1 });
  });

  it('is reached through the checkpoint settings alone (no source or receiver settings needed)', async () => {
    const { state: s, tenantConcurrency } = loadSharedSettings({ AzureWebJobsStorage: azurite.connectionString }, 'function');
    expect(tenantConcurrency).toBe(16);
    expect(s).toMatchObject({ kind: 'table', tableName: 'relaycheckpoints' });
  });

  it('fails a call to an unreachable table within its deadline, naming the table, not the connection string', async () => {
    const reg = tableRegistry({ kind: 'table', tableName: 'relaycheckpoints', connectionString: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1' }, { timeoutMs: 2_000 });
    const err = await reg.list().then(
      () => new RelayError('INTERNAL', 'checkpoint', 'listed'),
      (e: unknown) => e as RelayError,
    );
    expect(err.code).toBe('CHECKPOINT_UNAVAILABLE');
    expect(err.message).toMatch(/tenant registry in table relaycheckpoints: listing tenants/);
    expect(err.message).not.toContain('AccountKey');
  });
});
