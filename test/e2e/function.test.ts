// The timer Function end to end on real parts: simulator API -> handler -> CEF -> syslog-ng -> Azurite checkpoint.
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayTimer, resetRelay } from '../../functions/relay.js';
import { statusHandler } from '../../functions/status.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { assertNoSecrets, fakeToken } from '../support/secrets.js';
import { seedLines } from '../support/seed-lines.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import type { HttpRequest } from '@azure/functions';

const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;
const token = fakeToken('function e2e token');
let sim: Simulator;
let syslog: Receiver;
let azurite: Azurite;
let logs: string[];
const saved = { ...process.env };

function context(): InvocationContext {
  return new InvocationContext({ invocationId: `test-${Date.now()}`, functionName: 'relay', logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')) });
}

beforeAll(async () => {
  [sim, syslog, azurite] = await Promise.all([startSimulator({ tokens: [token], includeSeedAlerts: true }), startSyslogNg({ mode: 'tcp-lf', raw: true }), startAzurite()]);
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([sim?.close(), syslog?.stop(), azurite?.stop()]);
});
beforeEach(() => {
  logs = [];
  resetRelay();
  process.env = {
    ...saved,
    MDCA_PORTAL_URL: sim.url,
    MDCA_TOKEN: token,
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(syslog.port),
    SYSLOG_PROTOCOL: 'tcp',
    SIEM_FORMAT: 'arcsight',
    AzureWebJobsStorage: azurite.connectionString,
    RELAY_NAME: 'function-e2e',
    // The seed's alerts are from 2017: reach back to them on the first run.
    RELAY_INITIAL_LOOKBACK: 'P4000D',
    HEARTBEAT_INTERVAL: 'PT0S',
  };
});

describe('the relay Function', () => {
  it('relays the seed alerts byte for byte, then only what is new, each once', async () => {
    await relayTimer(timer, context());
    const first = await syslog.waitForLines(6);
    expect([...first].sort()).toEqual([...seedLines()].sort());
    expect(logs.join('\n')).toMatch(/relay success sent=6 skipped=0 lag=\d+s/);

    await relayTimer(timer, context());
    expect(logs.filter((l) => l.startsWith('relay success')).at(-1)).toMatch(/sent=0 /);
    expect(await syslog.lines()).toHaveLength(6);

    const [fresh] = generateAlerts(1, { seed: 42, timestamp: Date.now() - 5_000 });
    sim.addAlerts([fresh!]);
    await relayTimer(timer, context());
    await relayTimer(timer, context());
    const all = await syslog.waitForLines(7);
    expect(all).toHaveLength(7);
    expect(all.filter((l) => l.includes(`externalId=${fresh!._id}`))).toHaveLength(1);
    assertNoSecrets(logs.join('\n'), 'Function logs');
  });

  it('serves the status record as JSON after a run, with no secret in it', async () => {
    await relayTimer(timer, context());
    const res = await statusHandler({} as HttpRequest, context());
    expect(res.status).toBe(200);
    const body = res.jsonBody as { state: string; relay: string; watermarks: Record<string, string> };
    expect(body.relay).toBe('function-e2e');
    expect(body.state).toBe('Connected');
    expect(Date.parse(body.watermarks.alerts!)).toBeGreaterThan(0);
    assertNoSecrets(JSON.stringify(body), 'status record');
  });

  it('refuses a bad setting by name and leaves the checkpoint untouched', async () => {
    const store = new TableStateStore({ connectionString: azurite.connectionString, tableName: 'relaycheckpoints', relayName: 'function-e2e' });
    const before = await store.readCheckpoint('alerts');
    process.env.SYSLOG_PROTOCOL = 'carrier-pigeon';
    delete process.env.MDCA_PORTAL_URL;
    const err = (await relayTimer(timer, context()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/SYSLOG_PROTOCOL: "carrier-pigeon" is not one of tcp, udp, tls/);
    expect(err.message).toMatch(/MDCA_PORTAL_URL: is required/);
    expect((await store.readCheckpoint('alerts'))?.etag).toBe(before?.etag);
  });

  it('fails the invocation when the syslog host is down, without moving the checkpoint', async () => {
    const store = new TableStateStore({ connectionString: azurite.connectionString, tableName: 'relaycheckpoints', relayName: 'function-e2e' });
    const before = (await store.readCheckpoint('alerts'))!.value.cursor;
    sim.addAlerts(generateAlerts(3, { seed: 43, end: Date.now() - 2_000, start: Date.now() - 60_000 }));
    process.env.SYSLOG_PORT = '9'; // discard port: nothing listens
    process.env.SYSLOG_CONNECT_TIMEOUT = 'PT2S';
    process.env.SYSLOG_WRITE_TIMEOUT = 'PT2S';
    await expect(relayTimer(timer, context())).rejects.toThrow(/SYSLOG_/);
    expect((await store.readCheckpoint('alerts'))!.value.cursor).toEqual(before);
    const status = await store.readStatus();
    expect(status?.lastError?.code).toMatch(/^SYSLOG_/);
  });
});
