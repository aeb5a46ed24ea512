// `mdca-siem-relay tenants ...` as a user runs it (the built CLI in a child process), on a registry
// file and on the checkpoint table (Azurite), and the usage mistakes it refuses.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator } from '../../src/simulator/server.js';
import { createStore } from '../../src/pipeline/relay.js';
import { tenantConfig } from '../../src/tenants/config.js';
import { runCli, spawnCli } from '../support/cli.js';
import { externalIdOf } from '../support/external-ids.js';
import { startRsyslog } from '../support/rsyslog.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';

const token = fakeToken('tenant cli token');
const base = { SYSLOG_HOST: '127.0.0.1' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-tenants-cli-'));
});

describe('tenants on a registry file', () => {
  it('adds, lists (names only, never values), disables, enables and removes', async () => {
    const file = path.join(dir, 'tenants.json');
    const add = await runCli(['tenants', 'add', 'contoso', '--tenants', file, '--set', 'MDCA_PORTAL_URL=https://contoso.eu2.portal.cloudappsecurity.com', '--set', `MDCA_TOKEN=${token}`, '--set', 'SYSLOG_PORT=6514'], base);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/tenant "contoso" added/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ tenants: [{ name: 'contoso', MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: token, SYSLOG_PORT: '6514' }] });

    const list = await runCli(['tenants', 'list', '--json', '--tenants', file], base);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([{ name: 'contoso', disabled: false, settings: ['MDCA_PORTAL_URL', 'MDCA_TOKEN', 'SYSLOG_PORT'] }]);
    assertNoSecrets(list.stdout);

    expect((await runCli(['tenants', 'disable', 'contoso', '--tenants', file], base)).code).toBe(0);
    expect((await runCli(['tenants', 'list', '--tenants', file], base)).stdout).toMatch(/^contoso \(disabled\)/);
    expect((await runCli(['tenants', 'enable', 'CONTOSO', '--tenants', file], base)).code).toBe(0);
    expect((await runCli(['tenants', 'list', '--tenants', file], base)).stdout).not.toMatch(/disabled/);
    expect((await runCli(['tenants', 'remove', 'contoso', '--tenants', file], base)).stdout).toMatch(/removed/);
    const again = await runCli(['tenants', 'remove', 'contoso', '--tenants', file], base);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/tenant "contoso" is not in the tenant file/);
  });

  it.each([
    ['an unknown setting', ['--set', 'MDCA_TOKN=x'], /tenant "contoso": MDCA_TOKN: is not a setting/],
    ['a process-wide setting', ['--set', 'RELAY_STATE_DIR=/tmp'], /tenant "contoso": RELAY_STATE_DIR: is shared by every tenant/],
    ['a bad value', ['--set', 'MDCA_PORTAL_URL=https://contoso.portal.cloudappsecurity.com', '--set', `MDCA_TOKEN=${token}`, '--set', 'SYSLOG_PORT=70000'], /tenant "contoso": SYSLOG_PORT: /],
    ['no portal of its own', ['--set', `MDCA_TOKEN=${token}`], /tenant "contoso": MDCA_PORTAL_URL: is required/],
  ])('refuses %s (exit 2), naming the tenant and the setting, and writes nothing', async (_what, sets, pattern) => {
    const file = path.join(dir, `refused-${Math.random().toString(36).slice(2)}.json`);
    const r = await runCli(['tenants', 'add', 'contoso', '--tenants', file, ...sets], { ...base, MDCA_PORTAL_URL: 'https://shared.portal.cloudappsecurity.com' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    assertNoSecrets(r.stderr);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to run any tenant when one is misconfigured, listing every problem', async () => {
    const file = path.join(dir, 'bad-run.json');
    await runCli(['tenants', 'add', 'good', '--tenants', file, '--set', 'MDCA_PORTAL_URL=http://127.0.0.1:9', '--set', `MDCA_TOKEN=${token}`], base);
    // Written by hand: a tenant without its portal, which `tenants add` would have refused.
    const text = JSON.parse(await readFile(file, 'utf8')) as { tenants: object[] };
    text.tenants.push({ name: 'noportal', MDCA_TOKEN: token });
    await writeFile(file, JSON.stringify(text));
    const r = await runCli(['run', '--once', '--tenants', file], { ...base, RELAY_STATE_DIR: path.join(dir, 'state') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tenant "noportal": MDCA_PORTAL_URL: is required/);
  });

  it.each([
    [['replay', '--from', '0', '--to', '1', '--tenants', 'x.json'], /--tenants: is for run, status and tenants, not replay/],
    [['check', '--tenants', 'x.json'], /--tenants: is for run, status and tenants, not check/],
    [['tenants', 'frob'], /tenants: expected one of add, list, remove, disable, enable/],
    [['tenants', 'add'], /tenants add: expects exactly one tenant name/],
    [['tenants', 'list', 'x'], /tenants list: takes no name/],
    [['run', '--tenants', '/nonexistent/tenants.json'], /--tenants \/nonexistent\/tenants.json: cannot read it \(ENOENT\)/],
  ])('refuses %j (exit 2)', async (args, pattern) => {
    const r = await runCli(args, base);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });
});

describe('tenants on the checkpoint table (Azurite)', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => azurite?.stop());

  it('manages the Function\'s registry with the storage settings alone, and keeps tokens out of it', async () => {
    const env = { AzureWebJobsStorage: azurite.connectionString };
    const literal = await runCli(['tenants', 'add', 'contoso', '--set', 'MDCA_PORTAL_URL=https://contoso.eu2.portal.cloudappsecurity.com', '--set', `MDCA_TOKEN=${token}`], env);
    expect(literal.code).toBe(2);
    expect(literal.stderr).toMatch(/tenant "contoso": MDCA_TOKEN: is a secret and is not stored in the tenant table/);
    assertNoSecrets(literal.stderr);

    // Only its own settings are checked: SYSLOG_HOST is the Function's app setting, not in this shell.
    const add = await runCli(['tenants', 'add', 'contoso', '--set', 'MDCA_PORTAL_URL=https://contoso.eu2.portal.cloudappsecurity.com', '--set', 'MDCA_TOKEN_SECRET_URI=https://kv-relay.vault.azure.net/secrets/contoso'], env);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/tenant "contoso" added in the tenant registry in table relaycheckpoints/);
    const badValue = await runCli(['tenants', 'add', 'fabrikam', '--set', 'MDCA_PORTAL_URL=https://fabrikam.portal.cloudappsecurity.com', '--set', 'MDCA_TOKEN_SECRET_URI=kv-relay/fabrikam'], env);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/tenant "fabrikam": MDCA_TOKEN_SECRET_URI: must be a versionless Key Vault secret URI/);
    // What a tenant must bring itself is checked too, though the shell lacks the Function's settings.
    const noPortal = await runCli(['tenants', 'add', 'fabrikam', '--set', 'MDCA_TOKEN_SECRET_URI=https://kv-relay.vault.azure.net/secrets/fabrikam'], env);
    expect(noPortal.code).toBe(2);
    expect(noPortal.stderr).toMatch(/tenant "fabrikam": MDCA_PORTAL_URL: is required/);

    expect((await runCli(['tenants', 'disable', 'contoso'], env)).code).toBe(0);
    const list = await runCli(['tenants', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([{ name: 'contoso', disabled: true, settings: ['MDCA_PORTAL_URL', 'MDCA_TOKEN_SECRET_URI'] }]);
    expect((await runCli(['tenants', 'remove', 'contoso'], env)).code).toBe(0);
    expect((await runCli(['tenants', 'list'], env)).stdout).toBe('');
  });

  it('status with RELAY_MULTI_TENANT=true shows the table\'s tenants; without it, status is the one relay\'s', async () => {
    const env = { AzureWebJobsStorage: azurite.connectionString, RELAY_CHECKPOINT_TABLE: 'statustenants' };
    for (const name of ['contoso', 'fabrikam']) {
      const add = await runCli(['tenants', 'add', name, '--set', `MDCA_PORTAL_URL=https://${name}.eu2.portal.cloudappsecurity.com`, '--set', `MDCA_TOKEN_SECRET_URI=https://kv-relay.vault.azure.net/secrets/${name}`], env);
      expect(add.code, add.stderr).toBe(0);
    }
    expect((await runCli(['tenants', 'disable', 'fabrikam'], env)).code).toBe(0);
    // What a failing fan-out run leaves in contoso's own status record (the Function's settings, in this process).
    const contoso = tenantConfig({ ...env, SYSLOG_HOST: '127.0.0.1' }, { name: 'contoso', settings: { MDCA_PORTAL_URL: 'https://contoso.eu2.portal.cloudappsecurity.com', MDCA_TOKEN_SECRET_URI: 'https://kv-relay.vault.azure.net/secrets/contoso' } }, 'function');
    await createStore(contoso).updateStatus(() => ({ relayName: contoso.relayName, createdAt: 1, lastError: { at: 2, code: 'TOKEN_REJECTED', stage: 'source', message: 'the API rejected the token (401)' }, poisoned: { at: 3, attempts: 5, code: 'TOKEN_REJECTED' } }));

    const multi = { ...env, RELAY_MULTI_TENANT: 'true' };
    const json = await runCli(['status', '--json'], multi);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ tenant: string; state: string; lastError?: { code: string }; poisoned?: { attempts: number } }>;
    expect(rows.map((r) => [r.tenant, r.state, r.lastError?.code, r.poisoned?.attempts])).toEqual([
      ['contoso', 'Connection error', 'TOKEN_REJECTED', 5],
      ['fabrikam', 'disabled', undefined, undefined],
    ]);
    const table = await runCli(['status'], multi);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TENANT +STATE +LAG +LAST ERROR\ncontoso .*TOKEN_REJECTED: the API rejected the token \(401\)\nfabrikam +disabled /);

    // No registry in use: the single relay's status as before (it needs the one relay's portal), not the table.
    const single = await runCli(['status', '--json'], { ...env, MDCA_PORTAL_URL: 'https://single.eu2.portal.cloudappsecurity.com', MDCA_TOKEN: token, SYSLOG_HOST: '127.0.0.1', RELAY_STATE_DIR: path.join(dir, 'single-state') });
    expect(single.code, single.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(single.stdout))).toBe(false);
    expect(single.stdout).not.toMatch(/contoso/);
    const noStorage = await runCli(['status'], { RELAY_MULTI_TENANT: 'true' });
    expect(noStorage.code).toBe(2);
    expect(noStorage.stderr).toMatch(/AzureWebJobsStorage: is required for the checkpoint table/);
  });

  it('without storage settings, says which to set', async () => {
    const r = await runCli(['tenants', 'list'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/AzureWebJobsStorage: is required for the checkpoint table \(or set RELAY_CHECKPOINT_STORAGE\)/);
  });
});

describe('run --tenants on the schedule', () => {
  it('relays every tenant, then stops cleanly on SIGTERM (exit 0)', async () => {
    const receiver = await startRsyslog({ mode: 'tcp-lf', raw: true });
    const now = Date.now();
    const fixtures = await Promise.all(
      ['north', 'south'].map(async (name, i) => {
        const t = fakeToken(`${name} loop token`);
        const alerts = generateAlerts(20, { seed: 70 + i, start: now - 3_600_000, end: now - 60_000 });
        return { name, token: t, ids: alerts.map((a) => a._id), sim: await startSimulator({ tokens: [t], alerts }) };
      }),
    );
    try {
      const file = path.join(dir, 'loop.json');
      await writeFile(file, JSON.stringify({ tenants: fixtures.map((f) => ({ name: f.name, MDCA_PORTAL_URL: f.sim.url, MDCA_TOKEN: f.token })) }));
      const child = spawnCli(['run', '--tenants', file], { SYSLOG_HOST: receiver.host, SYSLOG_PORT: String(receiver.port), SYSLOG_FRAMING: 'octet-counting', RELAY_STATE_DIR: path.join(dir, 'loop-state'), HEARTBEAT_INTERVAL: 'PT0S' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const lines = await receiver.waitForLines(40);
      const delivered = new Set(lines.map(externalIdOf));
      for (const f of fixtures) expect(f.ids.every((id) => delivered.has(id)), f.name).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await Promise.allSettled([receiver.stop(), ...fixtures.map((f) => f.sim.close())]);
    }
  });
});
