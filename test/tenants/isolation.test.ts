// Tenants in one process keep apart: a hanging API holds its own slot only, an exception stays its
// tenant's, a disabled or misconfigured tenant is reported and not run, secrets are masked across
// tenants, and every CEF line carries its tenant's key (without tenants, lines are unchanged).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CEF_OPTIONS, createCefWriter } from '../../src/cef/index.js';
import { createLogger, secretRedactor } from '../../src/ops/logger.js';
import { closeTenants, createTenantRelay, runTenants, runTenantsContinuously, tenantSecrets, type TenantRelay, type TenantResult } from '../../src/pipeline/tenants.js';
import { createFormatter } from '../../src/sources/mdca/cef/index.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { FileStateStore } from '../../src/state/file-store.js';
import type { Tenant } from '../../src/tenants/registry.js';
import { parseLine } from '../support/cef-parser.js';
import { externalIdOf } from '../support/external-ids.js';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';

const ALERTS = 50;
let receiver: Receiver;
let dir: string;
const sims: Simulator[] = [];

beforeAll(async () => {
  receiver = await startRsyslog({ mode: 'tcp-lf', raw: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-isolation-'));
});
afterAll(async () => {
  await Promise.allSettled([receiver?.stop(), ...sims.map((s) => s.close())]);
});

/** A tenant with its own simulator and token; `seed` keeps alert ids distinct between tenants. */
async function tenantWithApi(name: string, seed: number): Promise<{ tenant: Tenant; sim: Simulator; token: string; ids: string[] }> {
  const token = fakeToken(`${name} token`);
  const now = Date.now();
  const alerts = generateAlerts(ALERTS, { seed, start: now - 3_600_000, end: now - 60_000 });
  const sim = await startSimulator({ tokens: [token], alerts });
  sims.push(sim);
  return { tenant: { name, settings: { MDCA_PORTAL_URL: sim.url, MDCA_TOKEN: token } }, sim, token, ids: alerts.map((a) => a._id) };
}

function shared(stateDir: string): Record<string, string> {
  return { SYSLOG_HOST: receiver.host, SYSLOG_PORT: String(receiver.port), SYSLOG_FRAMING: 'octet-counting', RELAY_STATE_DIR: stateDir, HEARTBEAT_INTERVAL: 'PT0S' };
}

function collectingLogger(list: () => readonly TenantRelay[]) {
  const lines: string[] = [];
  const logger = createLogger([(_l, line) => lines.push(line)], { redact: secretRedactor(() => tenantSecrets(list())) });
  return { lines, logger };
}

describe('tenants in one process', () => {
  it('a tenant whose API hangs holds its own slot only: the others are delivered while it waits', async () => {
    const stateDir = await mkdtemp(path.join(dir, 'hang-'));
    const stuck = await tenantWithApi('stuck', 1);
    const others = await Promise.all(['a', 'b', 'c', 'd'].map((n, i) => tenantWithApi(n, 10 + i)));
    const proxy: FreezableProxy = await startFreezableProxy(stuck.sim.port);
    stuck.tenant.settings.MDCA_PORTAL_URL = `http://127.0.0.1:${proxy.port}`;
    proxy.freeze();
    const before = (await receiver.lines()).length;
    const list = [stuck, ...others].map((t) => createTenantRelay(shared(stateDir), t.tenant, 'cli'));
    const { logger } = collectingLogger(() => list);
    let settled = false;
    // Two slots for five tenants, the hanging one first in line.
    const run = runTenants(list, { concurrency: 2, logger }).finally(() => (settled = true));
    try {
      const lines = await receiver.waitFor((l) => l.length - before >= 4 * ALERTS && proxy.held > 0, 30_000);
      expect(settled).toBe(false);
      const delivered = new Set(lines.slice(before).map(externalIdOf));
      for (const t of others) expect(t.ids.every((id) => delivered.has(id)), t.tenant.name).toBe(true);
      expect(stuck.ids.some((id) => delivered.has(id))).toBe(false);
    } finally {
      proxy.thaw();
    }
    const results = await run;
    expect(results.map((r) => [r.tenant, r.outcome])).toEqual([['stuck', 'success'], ['a', 'success'], ['b', 'success'], ['c', 'success'], ['d', 'success']]);
    await closeTenants(list);
    await proxy.close();
  });

  it('on the run loop, a hanging tenant delays only its own next run: the others keep their turns', async () => {
    const stateDir = await mkdtemp(path.join(dir, 'loop-'));
    const stuck = await tenantWithApi('stuck', 40);
    const others = await Promise.all(['g1', 'g2'].map((n, i) => tenantWithApi(n, 41 + i)));
    const proxy = await startFreezableProxy(stuck.sim.port);
    stuck.tenant.settings.MDCA_PORTAL_URL = `http://127.0.0.1:${proxy.port}`;
    proxy.freeze();
    const list = [stuck, ...others].map((t) => createTenantRelay(shared(stateDir), t.tenant, 'cli'));
    const { logger } = collectingLogger(() => list);
    const runs: Record<string, TenantResult[]> = {};
    let stop = false;
    let enough!: () => void;
    const othersHadTurns = new Promise<void>((resolve) => (enough = resolve));
    // Every tenant is due again as soon as its run ends; two slots for three tenants.
    const loop = runTenantsContinuously(list, {
      concurrency: 2,
      logger,
      shouldStop: () => stop,
      nextRun: (now) => now,
      waitUntil: () => Promise.resolve(),
      onResult: (r) => {
        (runs[r.tenant] ??= []).push(r);
        if ((runs.g1?.length ?? 0) >= 3 && (runs.g2?.length ?? 0) >= 3) enough();
      },
    });
    try {
      await othersHadTurns;
      expect(runs.stuck).toBeUndefined();
      expect(proxy.held).toBeGreaterThan(0);
    } finally {
      stop = true;
      proxy.thaw();
    }
    await loop;
    expect(runs.stuck?.map((r) => r.outcome)).toEqual(['success']);
    for (const name of ['g1', 'g2']) expect(runs[name]!.every((r) => r.outcome === 'success'), name).toBe(true);
    expect(runs.g1![0]!.summary!.sent).toBe(ALERTS);
    await closeTenants(list);
    await proxy.close();
  });

  it('an exception, a disabled tenant and an invalid configuration stay their tenant\'s', async () => {
    const stateDir = await mkdtemp(path.join(dir, 'faults-'));
    const ok = await tenantWithApi('ok', 20);
    const boom = await tenantWithApi('boom', 21);
    const off = await tenantWithApi('off', 22);
    off.tenant.disabled = true;
    const bad: Tenant = { name: 'bad', settings: { MDCA_PORTAL_URL: ok.sim.url, MDCA_TOKEN: fakeToken('bad token'), SYSLOG_PORT: '70000' } };
    const before = (await receiver.lines()).length;
    // `boom`'s checkpoint store throws what no store should: a plain TypeError.
    const list = [boom.tenant, bad, off.tenant, ok.tenant].map((t) =>
      createTenantRelay(shared(stateDir), t, 'cli', (x) => (x.name === 'boom' ? { store: throwingStore(stateDir) } : {})),
    );
    const { logger, lines } = collectingLogger(() => list);
    const results = await runTenants(list, { concurrency: 4, logger });
    const by = Object.fromEntries(results.map((r) => [r.tenant, r]));
    expect(by.ok!.outcome).toBe('success');
    expect(by.ok!.summary!.sent).toBe(ALERTS);
    expect(by.boom!.outcome).toBe('failure');
    expect(by.off!.outcome).toBe('disabled');
    expect(off.sim.stats.requests).toBe(0);
    expect(by.bad!.outcome).toBe('not-run');
    expect(by.bad!.error?.message).toMatch(/tenant "bad": SYSLOG_PORT: /);
    const got = (await receiver.waitForLines(before + ALERTS)).slice(before);
    expect(new Set(got.map(externalIdOf))).toEqual(new Set(ok.ids));
    // The failing tenant's log lines carry its name.
    expect(lines.some((l) => l.includes('"tenant":"boom"') && l.includes('"level":"error"'))).toBe(true);
    await closeTenants(list);
  });

  it('masks every tenant\'s token in every tenant\'s log lines', async () => {
    const a = await tenantWithApi('alpha', 30);
    const b = await tenantWithApi('beta', 31);
    const stateDir = await mkdtemp(path.join(dir, 'secrets-'));
    const list = [a.tenant, b.tenant].map((t) => createTenantRelay(shared(stateDir), t, 'cli'));
    const { logger, lines } = collectingLogger(() => list);
    // Even if B's code path ever printed A's token, the shared redactor masks it.
    logger.child({ tenant: 'beta' }).warn('test.echo', { text: `alpha's token is ${a.token}` });
    expect(lines.at(-1)).toContain('[REDACTED]');
    await runTenants(list, { concurrency: 2, logger });
    const all = lines.join('\n');
    expect(all).not.toContain(a.token);
    expect(all).not.toContain(b.token);
    assertNoSecrets(all, 'the tenants\' log lines');
    await closeTenants(list);
  });
});

describe('CEF tenant key', () => {
  const alert = generateAlerts(1, { seed: 5 })[0]!;

  it('appends flexString1Label=tenant flexString1=<name> to records and own events, nothing else changed', () => {
    const plain = createFormatter(DEFAULT_CEF_OPTIONS);
    const tagged = createFormatter({ ...DEFAULT_CEF_OPTIONS, tenant: 'contoso' });
    const suffix = ' flexString1Label=tenant flexString1=contoso';
    expect(tagged.alert(alert)).toBe(plain.alert(alert) + suffix);
    const own = { signatureId: 'RELAY_HEARTBEAT', name: 'hb', severity: 0, timestamp: 1, extension: [['cn1Label', 'lagSeconds'], ['cn1', 3]] as Array<[string, number | string]> };
    expect(tagged.own(own)).toBe(plain.own(own) + suffix);
    expect(parseLine(tagged.alert(alert)).extension).toMatchObject({ flexString1Label: 'tenant', flexString1: 'contoso' });
  });

  it('keeps the key when the line is trimmed to the message cap', () => {
    const huge = { ...alert, description: 'x'.repeat(20_000) };
    const line = createFormatter({ ...DEFAULT_CEF_OPTIONS, tenant: 'contoso', maxMessageBytes: 2048 }).alert(huge);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(2048);
    expect(line.endsWith(' flexString1Label=tenant flexString1=contoso')).toBe(true);
  });

  it('refuses a tenant name that is not safe as a CEF value', () => {
    expect(() => createCefWriter({ ...DEFAULT_CEF_OPTIONS, tenant: 'a b=c' })).toThrow(/tenant: 1-63 letters/);
  });
});

/** A checkpoint store that fails with an unexpected exception on first use. */
function throwingStore(stateDir: string): FileStateStore {
  const store = new FileStateStore(stateDir, 'tenant.boom');
  store.readCheckpoint = () => Promise.reject(new TypeError('boom: not a RelayError'));
  return store;
}
