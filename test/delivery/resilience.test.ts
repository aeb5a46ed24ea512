// Delivery promises on real parts (simulator, syslog-ng, Azurite): outages, two runners, time budget,
// an unreachable Key Vault. Relays run in-process with an injected clock where hours must pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Logger } from '../../src/ops/logger.js';
import { createRelay, createStore } from '../../src/pipeline/relay.js';
import { statusView } from '../../src/pipeline/status-view.js';
import { createTokenProvider } from '../../src/secrets/index.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { assertNoSecretsInTable } from '../support/secret-scan.js';
import { guardedLogger } from '../support/guard-sink.js';
import { countExternalIds } from '../support/external-ids.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startBlackhole, TestCredential } from '../support/keyvault-server.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import { relaySettings } from '../support/relay-settings.js';

const H = 3_600_000;
const token = fakeToken('resilience token');
let sim: Simulator;
let syslog: Receiver;
let azurite: Azurite;
// Every line the relay logs goes through the redaction guard.
const quiet: Logger = guardedLogger();

beforeAll(async () => {
  [sim, syslog, azurite] = await Promise.all([startSimulator({ tokens: [token], rateLimit: false }), startSyslogNg({ mode: 'tcp-octet', raw: true }), startAzurite()]);
});
afterAll(async () => {
  // Checkpoints and status records of every relay here, with the errors they recorded: no secret.
  if (azurite) expect(await assertNoSecretsInTable(azurite.connectionString, 'relaycheckpoints')).toBeGreaterThan(0);
  await Promise.all([sim?.close(), syslog?.stop(), azurite?.stop()]);
});

function config(relayName: string, extra: Record<string, string> = {}) {
  const settings = { SYSLOG_CONNECT_TIMEOUT: 'PT1S', SYSLOG_WRITE_TIMEOUT: 'PT2S', RELAY_CHECKPOINT_STORAGE: azurite.connectionString, RELAY_NAME: relayName, ...extra };
  return loadConfig(relaySettings(sim.url, token, syslog.port, settings), 'cli');
}

async function idCounts(ids: string[]): Promise<Map<string, number>> {
  return countExternalIds(await syslog.lines(), ids).counts;
}

describe('delivery', () => {
  it('survives a syslog outage over several runs: nothing lost, Connected -> Connection error -> Connected', async () => {
    let clock = Date.now();
    const now = () => clock;
    const cfg = config('outage');
    const relay = createRelay(cfg, { now });
    const store = createStore(cfg);
    const batch1 = generateAlerts(30, { seed: 11, start: clock - H, end: clock - 1000 });
    sim.addAlerts(batch1);
    expect((await relay.run({ logger: quiet })).outcome).toBe('success');
    expect((await statusView(cfg, store, now())).state).toBe('Connected');

    await syslog.stop();
    const batch2 = generateAlerts(40, { seed: 12, start: clock - 1000, end: clock });
    sim.addAlerts(batch2);
    const states: string[] = [];
    for (const step of [1, 1.5, 1]) {
      clock += step * H;
      const r = await relay.run({ logger: quiet });
      expect(r.outcome).toBe('failure');
      expect(r.error?.code).toMatch(/^SYSLOG_/);
      states.push((await statusView(cfg, store, now())).state);
    }
    expect(states).toEqual(['Connected', 'Connection error', 'Connection error']);

    await syslog.restart();
    clock += 60_000;
    const back = await relay.run({ logger: quiet });
    expect(back.outcome).toBe('success');
    const view = await statusView(cfg, store, now());
    expect(view.state).toBe('Connected');
    expect(view.outages).toBe(1);
    const counts = await idCounts([...batch1, ...batch2].map((a) => a._id));
    expect([...counts.values()].filter((c) => c === 0)).toHaveLength(0);
    await relay.close();
  });

  it('lets two runners share one table: every alert delivered, none twice', async () => {
    const early = generateAlerts(300, { seed: 21, start: Date.now() - 2 * H, end: Date.now() - H });
    const alerts = [...early];
    sim.addAlerts(early);
    const a = createRelay(config('shared'));
    const b = createRelay(config('shared'));
    let yielded = 0;
    for (let round = 0; round < 6; round++) {
      if (round === 2 || round === 4) {
        const fresh = generateAlerts(150, { seed: 22 + round, start: Date.now() - 30_000, end: Date.now() - 10 });
        alerts.push(...fresh);
        sim.addAlerts(fresh);
      }
      const results = await Promise.all([a.run({ logger: quiet }), b.run({ logger: quiet })]);
      for (const r of results) {
        expect(r.outcome).toBe('success');
        if (r.yielded) yielded++;
      }
    }
    const counts = await idCounts(alerts.map((x) => x._id));
    const wrong = [...counts.entries()].filter(([, c]) => c !== 1);
    expect(wrong.length, `counts: ${JSON.stringify(wrong.slice(0, 3))}`).toBe(0);
    expect(yielded).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('stops at the time budget after committing, and the next run continues', async () => {
    const alerts = generateAlerts(350, { seed: 31, start: Date.now() - 3 * H, end: Date.now() - 2 * H });
    sim.addAlerts(alerts);
    const relay = createRelay(config('budget', { RELAY_INITIAL_LOOKBACK: 'PT4H' }));
    // The simulator also holds the other tests' alerts: this relay relays those too, once each.
    const first = await relay.run({ logger: quiet, deadline: 0 });
    expect(first.dataTypes[0]?.stoppedForBudget).toBe(true);
    expect(first.dataTypes[0]?.batches).toBe(1);
    const second = await relay.run({ logger: quiet });
    expect(second.dataTypes[0]?.stoppedForBudget).toBe(false);
    expect(second.sent).toBeGreaterThan(0);
    const counts = await idCounts(alerts.map((x) => x._id));
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    await relay.close();
  });

  it('leaves the checkpoint untouched when Key Vault is unreachable, with a clear status', async () => {
    const hole = await startBlackhole();
    const cfg = config('keyvault-down');
    const store = createStore(cfg);
    const tokens = createTokenProvider({ secretUri: `${hole.url}/secrets/mdca-token`, allowLoopbackVault: true, credential: new TestCredential(), timeoutMs: 1500, secretClientOptions: { retryOptions: { maxRetries: 0 } } });
    const relay = createRelay(cfg, { tokens });
    const r = await relay.run({ logger: quiet });
    expect(r.outcome).toBe('failure');
    expect(r.error?.code).toBe('SECRET_UNAVAILABLE');
    const cp = await store.readCheckpoint('alerts');
    expect(cp?.value.deliveredTotal ?? 0).toBe(0);
    expect(cp?.value.lastOutcome).toBe('failure');
    expect((await store.readStatus())?.lastError?.code).toBe('SECRET_UNAVAILABLE');
    await hole.close();
    await relay.close();
  });
});
