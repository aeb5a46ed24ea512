// 50 tenants through the CLI (`run --once --tenants FILE`), one process: each tenant its own simulator
// (its own API, token, 1,000 alerts and rate limit), three with a receiver of their own, the rest on a
// shared receiver told apart by the tenant key. Three tenants are broken on purpose (a rejected token,
// a dead receiver, a hostile API); the other 47 must finish on the same run, each alert arriving once,
// at its own tenant's destination only, and no tenant's request budget may be exceeded.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { externalIdOf } from '../support/external-ids.js';
import { freePort } from '../support/ports.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { assertNoSecretsInDir } from '../support/secret-scan.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { ALERTS, BROKEN, DEAD_RECEIVER, HOSTILE, names, OWN_RECEIVER, REJECTED, startTenantFixtures, TENANTS, type TenantFixture } from '../support/tenant-fixtures.js';

const tenants: TenantFixture[] = [];
const sharedToken = fakeToken('a shared token no tenant may use');
let shared: Receiver;
let dir: string;
let stateDir: string;
let registry: string;
/** alert id -> the tenant whose API holds it */
let owner: Map<string, string>;
let run: CliResult;

function tenantKey(line: string): string | undefined {
  return /flexString1Label=tenant flexString1=([A-Za-z0-9_-]+)$/.exec(line)?.[1];
}

function env(): Record<string, string> {
  return {
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(shared.port),
    // arcsight lines start with the timestamp's digits, which imtcp would take for an octet count.
    SYSLOG_FRAMING: 'octet-counting',
    RELAY_STATE_DIR: stateDir,
    RELAY_TENANT_CONCURRENCY: '12',
    // A single-tenant token left in the environment: not used by any tenant, never printed.
    MDCA_TOKEN: sharedToken,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-tenants-'));
  stateDir = path.join(dir, 'state');
  shared = await startRsyslog({ mode: 'tcp-lf', raw: true });
  owner = await startTenantFixtures(tenants, {
    seedBase: 1000,
    tokenOf: (name) => fakeToken(`tenant ${name} token`),
    rejectedWants: fakeToken('the token the API wants'),
  });
  const deadPort = await freePort();
  registry = path.join(dir, 'tenants.json');
  const entries = tenants.map((t) => ({
    name: t.name,
    MDCA_PORTAL_URL: t.sim.url,
    MDCA_TOKEN: t.token,
    ...(t.receiver ? { SYSLOG_HOST: t.receiver.host, SYSLOG_PORT: t.receiver.port } : {}),
    ...(t.name === DEAD_RECEIVER ? { SYSLOG_PORT: deadPort } : {}),
  }));
  await writeFile(registry, JSON.stringify({ tenants: entries }));
  run = await runCli(['run', '--once', '--tenants', registry], env());
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([shared?.stop(), ...tenants.flatMap((t) => [t.sim.close(), t.receiver?.stop()])]);
  // Checkpoints and status records of 50 tenants, and the registry file: only the registry holds tokens.
  if (stateDir) expect(await assertNoSecretsInDir(stateDir)).toBeGreaterThan(0);
});

describe('50 tenants in one CLI process', () => {
  it('reports every tenant: 47 successes, and the three broken ones each with its own error', () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(1); // three tenants failed
    const lines = run.stdout.trim().split('\n');
    for (const t of tenants) {
      const line = lines.find((l) => l.startsWith(`tenant ${t.name}: `));
      expect(line, t.name).toBeDefined();
      if (!BROKEN.has(t.name)) expect(line, t.name).toMatch(new RegExp(`^tenant ${t.name}: relay success sent=${ALERTS} `));
    }
    expect(lines.find((l) => l.startsWith(`tenant ${REJECTED}: `))).toMatch(/relay failure .*TOKEN_REJECTED/);
    expect(lines.find((l) => l.startsWith(`tenant ${DEAD_RECEIVER}: `))).toMatch(/relay failure .*SYSLOG_UNREACHABLE/);
    expect(lines.find((l) => l.startsWith(`tenant ${HOSTILE}: `))).toMatch(/relay failure .*API_BAD_RESPONSE/);
    expect(lines.at(-1)).toBe(`tenants ${TENANTS}: 47 success, 3 failure`);
  });

  it('delivers every alert of the 47 exactly once, to its own tenant\'s destination only', async () => {
    // Alerts and one heartbeat per successful tenant (sent at the end of its first run).
    const expectedShared = tenants.filter((t) => !t.receiver && !BROKEN.has(t.name)).length * (ALERTS + 1);
    const destinations: Array<[string | undefined, Receiver]> = [[undefined, shared], ...tenants.filter((t) => t.receiver).map((t) => [t.name, t.receiver!] as [string, Receiver])];
    const seen = new Map<string, number>();
    const heartbeats = new Map<string, number>();
    for (const [own, receiver] of destinations) {
      const lines = await receiver.waitForLines(own ? ALERTS + 1 : expectedShared);
      for (const line of lines) {
        const key = tenantKey(line);
        // Every line (alerts and heartbeats alike) is tagged, and a dedicated receiver sees its tenant only.
        expect(key, line.slice(0, 200)).toBeDefined();
        if (own) expect(key).toBe(own);
        else expect(OWN_RECEIVER.has(key!), `${key} reached the shared receiver`).toBe(false);
        const id = externalIdOf(line);
        if (id === undefined) {
          expect(line, 'a line without an alert id is the heartbeat').toContain('|RELAY_HEARTBEAT|');
          heartbeats.set(key!, (heartbeats.get(key!) ?? 0) + 1);
          continue;
        }
        expect(owner.get(id), `line tagged ${key} carries another tenant's alert`).toBe(key);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    for (const t of tenants) {
      const got = [...t.ids].map((id) => seen.get(id) ?? 0);
      if (BROKEN.has(t.name) && t.name !== DEAD_RECEIVER) expect(got.every((n) => n === 0), t.name).toBe(true);
      if (!BROKEN.has(t.name)) expect(got.filter((n) => n !== 1).length, `${t.name}: alerts not delivered exactly once`).toBe(0);
    }
    // Each successful tenant's heartbeat carries its own tag (the first run sends one).
    expect([...heartbeats.keys()].sort()).toEqual(names.filter((n) => !BROKEN.has(n)));
    expect([...heartbeats.values()].every((n) => n === 1)).toBe(true);
    // The dead receiver's tenant reached nobody else's destination either.
    expect([...tenants.find((t) => t.name === DEAD_RECEIVER)!.ids].some((id) => seen.has(id))).toBe(false);
  });

  it('keeps every tenant within its own request budget: no 429 from any tenant\'s API', () => {
    for (const t of tenants) {
      expect(t.sim.stats.provoked429, t.name).toBe(0);
      // Each API was offered the tenant's own token (it accepts no other), never the shared one.
      if (t.name !== REJECTED) expect(t.sim.stats.byStatus['401'], t.name).toBeUndefined();
      expect(t.sim.stats.requests, t.name).toBeLessThanOrEqual(30);
    }
  });

  it('keeps every token out of the output (the guard checks each tenant\'s token in every line)', () => {
    assertNoSecrets(run.stdout + run.stderr, 'the CLI output');
    expect(run.stderr).toMatch(/"event":"tenants.shared-setting-ignored".*"settings":\["MDCA_TOKEN"\]/);
    // Each tenant's log lines carry its name, so a reader can tell them apart.
    for (const name of [REJECTED, DEAD_RECEIVER, HOSTILE]) expect(run.stderr).toMatch(new RegExp(`"tenant":"${name}"`));
  });

  it('shows each tenant in status: state, lag, and the broken three\'s last error', async () => {
    const status = await runCli(['status', '--json', '--tenants', registry], env());
    expect(status.code, status.stderr).toBe(0);
    assertNoSecrets(status.stdout, 'status');
    const rows = JSON.parse(status.stdout) as Array<{ tenant: string; state: string; lagSeconds?: number; lastError?: { code: string } }>;
    expect(rows.map((r) => r.tenant)).toEqual(names);
    for (const r of rows) {
      if (BROKEN.has(r.tenant)) continue;
      expect(r.state, r.tenant).toBe('Connected');
      expect(r.lagSeconds, r.tenant).toBeTypeOf('number');
      expect(r.lastError, r.tenant).toBeUndefined();
    }
    const error = (name: string) => rows.find((r) => r.tenant === name)?.lastError?.code;
    expect(error(REJECTED)).toBe('TOKEN_REJECTED');
    expect(error(DEAD_RECEIVER)).toBe('SYSLOG_UNREACHABLE');
    expect(error(HOSTILE)).toBe('API_BAD_RESPONSE');
    const table = await runCli(['status', '--tenants', registry], env());
    expect(table.stdout).toMatch(new RegExp(`^${REJECTED}\\s+Created\\s+\\S+.*TOKEN_REJECTED`, 'm'));
  });
});
