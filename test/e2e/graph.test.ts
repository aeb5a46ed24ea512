// The Graph source end to end on real parts: the Graph alerts_v2 simulator -> the relay CLI (child process,
// checkpoint directory) or the timer Function handler (checkpoint in Azurite) -> CEF -> syslog-ng.
// The bar: 5,000 alerts across 6 products and 300 later updates to old alerts; every alert once,
// every update once with updates on, none with updates off; every line strictly parsable CEF.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvocationContext, type HttpRequest, type Timer } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relayTimer, resetRelay } from '../../functions/relay.js';
import { statusHandler } from '../../functions/status.js';
import { SIM_SERVICE_SOURCES, startGraphSimulator, type GraphSimulator } from '../../src/simulator/graph/index.js';
import { GRAPH_STREAM } from '../../src/sources/graph/types.js';
import { TableStateStore } from '../../src/state/table-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { graphRelaySettings, repeated, tallyGraphLines } from '../support/graph-lines.js';
import { assertNoSecretsInDir, assertNoSecretsInTable } from '../support/secret-scan.js';
import { assertNoSecrets, fakeToken, recordForGuard } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const ALERTS = 5_000;
const UPDATES = 300;
const token = fakeToken('graph e2e token');
const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } } as Timer;
const saved = { ...process.env };
let syslog: Receiver;
let azurite: Azurite;
let dir: string;
let sim: GraphSimulator | undefined;

beforeAll(async () => {
  [syslog, azurite] = await Promise.all([startSyslogNg({ mode: 'tcp-lf', raw: true }), startAzurite()]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'relay-graph-e2e-'));
});
afterAll(async () => {
  process.env = saved;
  if (dir) expect(await assertNoSecretsInDir(dir)).toBeGreaterThan(0);
  if (azurite) expect(await assertNoSecretsInTable(azurite.connectionString, 'relaycheckpoints')).toBeGreaterThan(0);
  await Promise.all([syslog?.stop(), azurite?.stop()]);
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A simulator holding the same 5,000 alerts for each test: six products, created over the last 12 hours. */
async function simulator(): Promise<GraphSimulator> {
  const s = await startGraphSimulator({ tokens: [token], rateLimit: { requests: 6000, windowMs: 60_000 } });
  const now = Date.now();
  s.generate(ALERTS, { seed: 16, start: now - 12 * 3_600_000, end: now - 10_000 });
  return s;
}

/** The late changes a SOC makes: 300 alerts created hours ago, resolved and classified now. */
function updateOldAlerts(s: GraphSimulator): string[] {
  return s.updateAlerts({ count: UPDATES, seed: 7 }, { status: 'resolved', classification: 'truePositive', determination: 'malware', assignedTo: 'soc@contoso.com', comment: 'closed by the SOC' }).map((a) => a.id);
}

/** Lines received since `from`, once the relay has sent `count` more events (each run's delivery was confirmed). */
async function receivedSince(from: number, count: number): Promise<string[]> {
  return (await syslog.waitForLines(from + count, 60_000)).slice(from);
}

/** After `lines` were counted: a marker alert relayed by one more run, so anything sent late would be in by now. */
async function nothingMoreAfter(s: GraphSimulator, from: number, run: () => Promise<void>): Promise<string[]> {
  // Created now: after the watermark the last run committed (the window it read ended when that run began).
  const at = Date.now();
  const [marker] = s.generate(1, { seed: 99, start: at, end: at, serviceSources: ['microsoftDefenderForEndpoint'] });
  await run();
  return (await syslog.waitFor((ls) => ls.slice(from).some((l) => l.includes(`externalId=${marker!.id}`)), 60_000)).slice(from);
}

function expectEveryAlertOnce(lines: string[], s: GraphSimulator): void {
  const tally = tallyGraphLines(lines, s.all());
  expect(tally.unknown).toEqual([]);
  expect(repeated(tally.news)).toEqual([]);
  expect(tally.news.size).toBe(ALERTS);
  expect(tally.updates.size).toBe(0);
  const products = new Set(s.all().filter((a) => tally.news.has(a.id)).map((a) => a.serviceSource));
  expect([...products].sort()).toEqual([...SIM_SERVICE_SOURCES].sort());
}

describe('the Graph source through the relay CLI', { timeout: 240_000 }, () => {
  const env = (state: string, extra: Record<string, string> = {}) => ({ ...graphRelaySettings(sim!.url, token, syslog.port, { RELAY_STATE_DIR: state, SIEM_FORMAT: 'arcsight', ...extra }) });
  const cli = async (state: string, extra?: Record<string, string>) => {
    const r = await runCli(['run', '--once'], env(state, extra));
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('sends 5,000 alerts of six products once, then each of 300 later updates once, then nothing', async () => {
    sim = await simulator();
    const state = await mkdtemp(path.join(dir, 'cli-updates-'));
    const start = (await syslog.lines()).length;
    expect(await cli(state)).toMatch(new RegExp(`relay success sent=${ALERTS} `));
    expectEveryAlertOnce(await receivedSince(start, ALERTS), sim);

    const updated = updateOldAlerts(sim);
    const afterNew = start + ALERTS;
    expect(await cli(state)).toMatch(new RegExp(`relay success sent=${UPDATES} `));
    const updates = tallyGraphLines(await receivedSince(afterNew, UPDATES), sim.all());
    expect(updates.news.size).toBe(0);
    expect(repeated(updates.updates)).toEqual([]);
    expect([...updates.updates.keys()].sort()).toEqual([...updated].sort());

    expect(await cli(state)).toMatch(/relay success sent=0 /);
    const tail = await nothingMoreAfter(sim, afterNew + UPDATES, async () => void (await cli(state)));
    expect(tail).toHaveLength(1);
  });

  it('with GRAPH_ALERT_UPDATES=false sends each alert once and none of the later updates; replay re-sends a past span', async () => {
    sim = await simulator();
    const state = await mkdtemp(path.join(dir, 'cli-no-updates-'));
    const start = (await syslog.lines()).length;
    await cli(state, { GRAPH_ALERT_UPDATES: 'false' });
    expectEveryAlertOnce(await receivedSince(start, ALERTS), sim);
    updateOldAlerts(sim);
    expect(await cli(state, { GRAPH_ALERT_UPDATES: 'false' })).toMatch(/relay success sent=0 /);
    const tail = await nothingMoreAfter(sim, start + ALERTS, async () => void (await cli(state, { GRAPH_ALERT_UPDATES: 'false' })));
    expect(tail).toHaveLength(1);
    expect(tallyGraphLines(tail, sim.all()).updates.size).toBe(0);

    // replay re-sends a past span as it is, without touching the live checkpoint.
    const from = Date.now() - 5 * 3_600_000;
    const to = from + 2 * 3_600_000;
    const inSpan = sim.all().filter((a) => Date.parse(a.createdDateTime) >= from && Date.parse(a.createdDateTime) <= to);
    const beforeReplay = (await syslog.lines()).length;
    const replay = await runCli(['replay', '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()], env(state, { GRAPH_ALERT_UPDATES: 'false' }));
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(new RegExp(`replay success sent=${inSpan.length} `));
    const replayed = tallyGraphLines(await receivedSince(beforeReplay, inSpan.length), sim.all());
    expect([...replayed.news.keys()].sort()).toEqual(inSpan.map((a) => a.id).sort());
    expect(await cli(state, { GRAPH_ALERT_UPDATES: 'false' })).toMatch(/relay success sent=0 /);
  });
});

describe('the Graph source through the timer Function', { timeout: 240_000 }, () => {
  let logs: string[] = [];
  const context = () =>
    new InvocationContext({
      invocationId: `graph-${Date.now()}`,
      functionName: 'relay',
      logHandler: (_level, ...args) => {
        const line = args.map(String).join(' ');
        logs.push(line);
        recordForGuard(`${line}\n`);
      },
    });
  const useSettings = (relayName: string, extra: Record<string, string> = {}) => {
    resetRelay();
    process.env = { ...saved, ...graphRelaySettings(sim!.url, token, syslog.port, { AzureWebJobsStorage: azurite.connectionString, RELAY_NAME: relayName, SIEM_FORMAT: 'generic', ...extra }) };
  };
  const lastSummary = () => logs.filter((l) => l.startsWith('relay ')).at(-1) ?? '';

  it.each([
    ['on', 'true', UPDATES],
    ['off', 'false', 0],
  ] as const)('with updates %s (GRAPH_ALERT_UPDATES=%s): 5,000 alerts once, then %i update events', async (_label, updates, expected) => {
    sim = await simulator();
    logs = [];
    const relayName = `graph-function-updates-${updates}`;
    useSettings(relayName, { GRAPH_ALERT_UPDATES: updates });
    const start = (await syslog.lines()).length;
    await relayTimer(timer, context());
    expect(lastSummary()).toMatch(new RegExp(`relay success sent=${ALERTS} `));
    expectEveryAlertOnce(await receivedSince(start, ALERTS), sim);

    const updated = updateOldAlerts(sim);
    await relayTimer(timer, context());
    expect(lastSummary()).toMatch(new RegExp(`relay success sent=${expected} `));
    const tail = await nothingMoreAfter(sim, start + ALERTS, () => relayTimer(timer, context()));
    const tally = tallyGraphLines(tail, sim.all());
    expect(repeated(tally.updates)).toEqual([]);
    expect([...tally.updates.keys()].sort()).toEqual(expected ? [...updated].sort() : []);
    expect(tally.news.size).toBe(1); // the marker

    const store = new TableStateStore({ connectionString: azurite.connectionString, tableName: 'relaycheckpoints', relayName });
    const checkpoint = await store.readCheckpoint(GRAPH_STREAM);
    expect(checkpoint?.value.cursor.window).toBeUndefined(); // every window read to its end and committed
    const res = await statusHandler({} as HttpRequest, context());
    const body = res.jsonBody as { state: string; watermarks: Record<string, string> };
    expect(body.state).toBe('Connected');
    expect(Object.keys(body.watermarks)).toEqual([GRAPH_STREAM]);
    assertNoSecrets(`${logs.join('\n')}\n${JSON.stringify(body)}`, 'Function logs and status');
  });
});
