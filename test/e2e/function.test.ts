// The timer Function end to end on real parts: simulator API -> handler -> CEF -> syslog-ng -> Azurite checkpoint.
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayTimer, resetRelay } from '../../functions/relay.js';
import { statusHandler } from '../../functions/status.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { assertNoSecretsInTable } from '../support/secret-scan.js';
import { assertNoSecrets, fakeToken, recordForGuard } from '../support/secrets.js';
import { seedLines } from '../support/seed-lines.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';
import type { HttpRequest } from '@azure/functions';

const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;
const token = fakeToken('function e2e token');
let sim: Simulator;
let syslog: Receiver;
let azurite: Azurite;
let logs: string[];
let relayName: string;
let tests = 0;
const saved = { ...process.env };

// Every line the Function logs, failure paths included, also goes through the redaction guard.
function context(): InvocationContext {
  return new InvocationContext({
    invocationId: `test-${Date.now()}`,
    functionName: 'relay',
    logHandler: (_level, ...args) => {
      const line = args.map(String).join(' ');
      logs.push(line);
      recordForGuard(`${line}\n`);
    },
  });
}

const store = () => new TableStateStore({ connectionString: azurite.connectionString, tableName: 'relaycheckpoints', relayName });

// Each test has its own simulator (the seed alerts, plus what it adds) and its own relay name (its own
// checkpoint), so no test depends on what another did; syslog-ng is shared, its lines counted per test.
beforeAll(async () => {
  [syslog, azurite] = await Promise.all([startSyslogNg({ mode: 'tcp-lf', raw: true }), startAzurite()]);
});
afterAll(async () => {
  process.env = saved;
  // Nothing stored (checkpoints, status records with their errors) may hold a secret.
  if (azurite) expect(await assertNoSecretsInTable(azurite.connectionString, 'relaycheckpoints')).toBeGreaterThan(0);
  await Promise.all([syslog?.stop(), azurite?.stop()]);
});
afterEach(async () => sim?.close());
beforeEach(async () => {
  logs = [];
  relayName = `function-e2e-${++tests}`;
  sim = await startSimulator({ tokens: [token], includeSeedAlerts: true });
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
    RELAY_NAME: relayName,
    // The seed's alerts are from 2017: reach back to them on the first run.
    RELAY_INITIAL_LOOKBACK: 'P4000D',
    HEARTBEAT_INTERVAL: 'PT0S',
  };
});

describe('the relay Function', () => {
  it('relays the seed alerts byte for byte, then only what is new, each once', async () => {
    const already = (await syslog.lines()).length;
    await relayTimer(timer, context());
    const first = (await syslog.waitForLines(already + 6)).slice(already);
    expect([...first].sort()).toEqual([...seedLines()].sort());
    expect(logs.join('\n')).toMatch(/relay success sent=6 skipped=0 lag=\d+s/);

    await relayTimer(timer, context());
    expect(logs.filter((l) => l.startsWith('relay success')).at(-1)).toMatch(/sent=0 /);

    const [fresh] = generateAlerts(1, { seed: 42, timestamp: Date.now() - 5_000 });
    sim.addAlerts([fresh!]);
    await relayTimer(timer, context());
    await relayTimer(timer, context());
    // A marker alert relayed last: once it is in, anything the runs before it sent is in too (no fixed wait).
    const [marker] = generateAlerts(1, { seed: 4242, timestamp: Date.now() - 1_000 });
    sim.addAlerts([marker!]);
    await relayTimer(timer, context());
    const all = (await syslog.waitFor((ls) => ls.some((l) => l.includes(`externalId=${marker!._id}`)))).slice(already);
    expect(all).toHaveLength(8);
    expect(all.filter((l) => l.includes(`externalId=${fresh!._id}`))).toHaveLength(1);
    expect(all.at(-1)).toContain(`externalId=${marker!._id}`);
    assertNoSecrets(logs.join('\n'), 'Function logs');
  });

  it('serves the status record as JSON after a run, with no secret in it', async () => {
    await relayTimer(timer, context());
    const res = await statusHandler({} as HttpRequest, context());
    expect(res.status).toBe(200);
    const body = res.jsonBody as { state: string; relay: string; watermarks: Record<string, string> };
    expect(body.relay).toBe(relayName);
    expect(body.state).toBe('Connected');
    expect(Date.parse(body.watermarks.alerts!)).toBeGreaterThan(0);
    assertNoSecrets(JSON.stringify(body), 'status record');
  });

  it('refuses a bad setting by name and leaves the checkpoint untouched', async () => {
    await relayTimer(timer, context());
    const before = await store().readCheckpoint('alerts');
    expect(before?.etag).toMatch(/./);
    resetRelay();
    process.env.SYSLOG_PROTOCOL = 'carrier-pigeon';
    delete process.env.MDCA_PORTAL_URL;
    const err = (await relayTimer(timer, context()).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/SYSLOG_PROTOCOL: "carrier-pigeon" is not one of tcp, udp, tls/);
    expect(err.message).toMatch(/MDCA_PORTAL_URL: is required/);
    assertNoSecrets(`${err.message}\n${logs.join('\n')}`, 'Function failure');
    expect((await store().readCheckpoint('alerts'))?.etag).toBe(before!.etag);
  });

  it('fails the invocation when the syslog host is down, without moving the checkpoint', async () => {
    await relayTimer(timer, context());
    const before = (await store().readCheckpoint('alerts'))!.value.cursor;
    resetRelay();
    sim.addAlerts(generateAlerts(3, { seed: 43, end: Date.now() - 2_000, start: Date.now() - 60_000 }));
    process.env.SYSLOG_PORT = '9'; // discard port: nothing listens
    process.env.SYSLOG_CONNECT_TIMEOUT = 'PT2S';
    process.env.SYSLOG_WRITE_TIMEOUT = 'PT2S';
    const failed = (await relayTimer(timer, context()).catch((e: unknown) => e)) as Error;
    expect(failed.message).toMatch(/SYSLOG_/);
    assertNoSecrets(`${failed.message}\n${String(failed.cause)}\n${logs.join('\n')}`, 'Function failure');
    expect((await store().readCheckpoint('alerts'))!.value.cursor).toEqual(before);
    const status = await store().readStatus();
    expect(status?.lastError?.code).toMatch(/^SYSLOG_/);
  });
});
