// Nothing lost against a hostile API (issue 13): future timestamps, self-contradicting pages, HTML 200s,
// missing fields, duplicate ids, an ignored id exclusion. Real parts: the simulator, syslog-ng or the
// in-repo receiver, Azurite or the directory store, and the relay as createRelay wires it.
//
// Every case injects the fault, runs, lets the API recover and runs until quiet, and checks after
// EVERY run that the committed checkpoint {watermark W, sent} is not ahead of the receiver. The next
// run re-reads `date gte W - overlap` except the ids in `sent`, so the checkpoint is ahead (an alert
// would never be read again) exactly when the receiver lacks
//   - a stored alert with timestamp < W - overlap, or
//   - an id in `sent` (it claims "delivered, do not send again").
// An unsent alert in [W - overlap, W) is not lost: it is re-read (late arrivals live there). The overlap
// is 2 minutes and the backlogs span two days, so a watermark that jumps ahead cannot hide behind it.
// A bounded cursor may also carry `floor` (the re-read starts at max(W - overlap, floor)) and `tie`
// ({at, count}: the first `count` records of that millisecond, in the service's order, count as sent).
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { RelayConfig } from '../../src/config/types.js';
import { startDemoReceiver, type DemoReceiver } from '../../src/demo/syslog-receiver.js';
import type { Cursor } from '../../src/sources/mdca/source-types.js';
import type { MdcaAlert } from '../../src/sources/mdca/types.js';
import { createLogger, type LogLevel } from '../../src/ops/logger.js';
import { createRelay, createStore, type Relay } from '../../src/pipeline/relay.js';
import type { RunSummary } from '../../src/pipeline/run.js';
import { statusView } from '../../src/pipeline/status-view.js';
import type { StateStore } from '../../src/state/types.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { Fault, SimulatorOptions } from '../../src/simulator/types.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { countExternalIds } from '../support/external-ids.js';
import { guardSink } from '../support/guard-sink.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const MIN = 60_000;
const H = 60 * MIN;
const token = fakeToken('hostile-api token');
let syslog: Receiver;
let azurite: Azurite;
let demo: DemoReceiver;
const demoFile = join(mkdtempSync(join(tmpdir(), 'hostile-api-')), 'received.log');

beforeAll(async () => {
  [syslog, azurite, demo] = await Promise.all([startSyslogNg({ mode: 'tcp-octet', raw: true }), startAzurite(), startDemoReceiver(demoFile)]);
});
afterAll(async () => {
  await Promise.all([syslog?.stop(), azurite?.stop(), demo?.close()]);
});

interface Case {
  sim: Simulator;
  cfg: RelayConfig;
  relay: Relay;
  store: StateStore;
  logs: Array<{ level: LogLevel; line: string }>;
  run(): Promise<RunSummary>;
}

const open: Case[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await Promise.all([c.relay.close(), c.sim.close()]);
});

let names = 0;
/** A fresh simulator and relay. `table`: Azurite + syslog-ng; `dir`: directory store + the in-repo receiver. */
async function setup(kind: 'table' | 'dir', simOptions: SimulatorOptions = {}, env: Record<string, string> = {}): Promise<Case> {
  const sim = await startSimulator({ tokens: [token], rateLimit: false, ...simOptions });
  const receiver =
    kind === 'table'
      ? { SYSLOG_PORT: String(syslog.port), SYSLOG_FRAMING: 'octet-counting', RELAY_CHECKPOINT_STORAGE: azurite.connectionString }
      : { SYSLOG_PORT: String(demo.port), SYSLOG_FRAMING: 'lf', RELAY_STATE_DIR: mkdtempSync(join(tmpdir(), 'hostile-state-')) };
  const cfg = loadConfig(
    {
      MDCA_PORTAL_URL: sim.url,
      MDCA_TOKEN: token,
      MDCA_REQUESTS_PER_MINUTE: '6000',
      SYSLOG_HOST: '127.0.0.1',
      SYSLOG_CONNECT_TIMEOUT: 'PT1S',
      SYSLOG_WRITE_TIMEOUT: 'PT5S',
      RELAY_NAME: `hostile-${process.pid}-${++names}`,
      RELAY_OVERLAP: 'PT2M', // short: a watermark that jumps ahead is not hidden by a wide re-read
      HEARTBEAT_INTERVAL: 'PT0S',
      ...receiver,
      ...env,
    },
    'cli',
  );
  const logs: Case['logs'] = [];
  const logger = createLogger([(level, line) => logs.push({ level, line }), guardSink]);
  const relay = createRelay(cfg);
  const c: Case = { sim, cfg, relay, store: createStore(cfg), logs, run: () => relay.run({ logger }) };
  open.push(c);
  return c;
}

async function receivedLines(c: Case): Promise<string[]> {
  if (c.cfg.state.kind !== 'directory') return syslog.lines();
  return (await readFile(demoFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

async function idCounts(c: Case): Promise<Map<string, number>> {
  return countExternalIds(await receivedLines(c)).counts;
}

/** Ids of `ids` not (yet) at the receiver. Delivery was confirmed at the socket: give the daemon's file a moment. */
async function missingAtReceiver(c: Case, ids: Iterable<string>): Promise<string[]> {
  const want = [...new Set(ids)];
  let missing: string[] = [];
  for (let i = 0; i < 30; i++) {
    const counts = await idCounts(c);
    missing = want.filter((id) => !counts.has(id));
    if (missing.length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return missing;
}

/** The committed checkpoint is never ahead of the receiver (see the file header). */
async function assertNotAhead(c: Case, when: string): Promise<void> {
  const cp = await c.store.readCheckpoint('alerts');
  if (!cp) return;
  const { watermark, sent, floor, tie } = cp.value.cursor as Cursor & { floor?: number; tie?: { at: number; count: number } };
  const from = Math.max(watermark - c.cfg.relay.overlapMs, floor ?? -Infinity);
  const stored = c.sim.all('alerts'); // in the service's order: timestamp, then arrival
  const older = stored.filter((a) => a.timestamp < from).map((a) => a._id);
  const counted = tie ? stored.filter((a) => a.timestamp === tie.at).slice(0, tie.count).map((a) => a._id) : [];
  const missing = await missingAtReceiver(c, [...older, ...Object.keys(sent), ...counted]);
  expect(missing.length, `${when}: checkpoint at ${new Date(watermark).toISOString()} is ahead of the receiver by ${missing.length} alerts (${missing.slice(0, 3).join(', ')} ...)`).toBe(0);
}

async function runChecked(c: Case, when: string): Promise<RunSummary> {
  const r = await c.run();
  if (process.env.HOSTILE_DEBUG) console.log(when, r.outcome, r.sent, r.error?.code, r.error?.message);
  await assertNotAhead(c, when);
  return r;
}

/** The API recovers; runs until one succeeds with nothing to send. Each run is checked. */
async function recover(c: Case, maxRuns = 6): Promise<RunSummary[]> {
  c.sim.clearFaults();
  const runs: RunSummary[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const r = await runChecked(c, `recovery run ${i + 1}`);
    runs.push(r);
    if (r.outcome === 'success' && r.sent === 0) return runs;
  }
  throw new Error(`no quiet run after ${maxRuns} runs: ${JSON.stringify(runs.map((r) => [r.outcome, r.sent, r.error?.code]))}`);
}

async function assertAllArrived(c: Case, alerts: MdcaAlert[]): Promise<void> {
  const missing = await missingAtReceiver(c, alerts.map((a) => a._id));
  expect(missing.length, `lost ${missing.length} of ${alerts.length} alerts`).toBe(0);
}

const watermarkOf = async (c: Case) => (await c.store.readCheckpoint('alerts'))?.value.cursor.watermark;
/** Alerts spread over the last two days (the first run's look-back), none in the last 10 minutes. */
const backlog = (n: number, seed: number) => generateAlerts(n, { seed, start: Date.now() - 47 * H, end: Date.now() - 10 * MIN });
/** A fault on every request until the API recovers (clearFaults). */
const always = (fault: Fault) => () => fault;

describe('a record stamped in the future (issue 13, item 1)', () => {
  it('does not hide the real alerts that follow it; delivered once, logged as suspect, status keeps a real lag', async () => {
    const c = await setup('table');
    const past = backlog(40, 101);
    const [y2100] = generateAlerts(1, { seed: 102, timestamp: Date.UTC(2100, 0, 1) });
    const [tomorrow] = generateAlerts(1, { seed: 103, timestamp: Date.now() + 24 * H });
    c.sim.addAlerts([...past, y2100!, tomorrow!]);

    const first = await runChecked(c, 'run with the future records');
    const firstEnded = Date.now();
    expect(first.outcome).toBe('success');
    await assertAllArrived(c, [...past, y2100!, tomorrow!]);
    const wm = await watermarkOf(c);
    expect(wm!, 'the watermark passed the time of the request').toBeLessThanOrEqual(firstEnded);

    // Twenty real alerts after that run, each inside what the next runs must read.
    await new Promise((r) => setTimeout(r, 20));
    const later = generateAlerts(20, { seed: 104, start: firstEnded, end: Date.now() });
    c.sim.addAlerts(later);
    await recover(c);
    await assertAllArrived(c, later);

    // De-duplicated by id on every later run (they come back in each overlap re-read, forever).
    const counts = await idCounts(c);
    expect([counts.get(y2100!._id), counts.get(tomorrow!._id)]).toEqual([1, 1]);
    const suspect = c.logs.filter((l) => (l.level === 'warn' || l.level === 'error') && l.line.includes(y2100!._id));
    expect(suspect.length, 'the 2100 record was not logged as suspect').toBeGreaterThan(0);

    // Ten minutes without a run: the status shows ten minutes of lag, not 0 (a 2100 watermark clamps to 0).
    const view = await statusView(c.cfg, c.store, Date.now() + 10 * MIN);
    expect(view.lagSeconds.alerts!).toBeGreaterThanOrEqual(9 * 60);
    const status = await c.store.readStatus();
    expect(status?.lastRun?.dataTypes.alerts?.watermark ?? Infinity).toBeLessThanOrEqual(Date.now());
  });

  it('a page of future records (more than one page of them) still lets later alerts through, directory store', async () => {
    const c = await setup('dir');
    const past = backlog(30, 111);
    const future = generateAlerts(130, { seed: 112, start: Date.UTC(2099, 0, 1), end: Date.UTC(2099, 0, 2) });
    c.sim.addAlerts([...past, ...future]);
    const first = await runChecked(c, 'run over 130 future records');
    expect(first.outcome).toBe('success');
    const later = generateAlerts(25, { seed: 113, start: Date.now() - 1000, end: Date.now() });
    c.sim.addAlerts(later);
    await recover(c);
    await assertAllArrived(c, [...past, ...future, ...later]);
    const counts = await idCounts(c);
    expect(future.filter((a) => counts.get(a._id) !== 1).length, 'future records sent more than once').toBe(0);
  });

  it('1,200 future records (more than the 1,000 ids kept for them): none lost, late and later alerts still arrive, re-sends bounded to the overflow and reported', async () => {
    // Suspect records must not use up the de-duplication state of real ones nor narrow the late-arrival
    // window. Their own id budget is 1,000: the 200 beyond it are sent again on later runs (at least
    // once, never lost), and each run says so in its warnings.
    const c = await setup('table');
    const future = generateAlerts(1_200, { seed: 121, start: Date.UTC(2098, 0, 1), end: Date.UTC(2098, 0, 2) });
    c.sim.addAlerts([...backlog(20, 122), ...future]);
    expect((await runChecked(c, 'run over 1,200 future records')).outcome).toBe('success');
    const wm = (await watermarkOf(c))!;
    // Late arrivals (stamped a minute before the watermark, inside the 2-minute overlap) and later ones.
    const late = generateAlerts(30, { seed: 123, start: wm - 60_000, end: wm - 1 });
    const later = generateAlerts(30, { seed: 124, start: Math.max(wm, Date.now() - 1000), end: Date.now() });
    c.sim.addAlerts([...late, ...later]);
    const runs: RunSummary[] = [];
    for (let i = 0; i < 3; i++) runs.push(await runChecked(c, `run ${i + 1} after the late alerts`));
    await assertAllArrived(c, [...future, ...late, ...later]);
    const counts = await idCounts(c);
    expect([...late, ...later].filter((a) => counts.get(a._id) !== 1).length, 'real alerts sent more than once').toBe(0);
    expect(future.filter((a) => counts.get(a._id) === 1).length, 'future records kept by id are sent once').toBeGreaterThanOrEqual(1_000);
    for (const r of runs.slice(1)) {
      expect(r.sent, 'a later run re-sends at most the overflow').toBeLessThanOrEqual(200);
      expect(r.warnings.join(' ')).toMatch(/dated in the future/);
    }
    const cursor = (await c.store.readCheckpoint('alerts'))!.value.cursor;
    expect(cursor.floor, 'the late-arrival window is not narrowed by future records').toBeUndefined();
    expect(JSON.stringify(cursor).length).toBeLessThan(100_000);
  });
});

describe('a page that contradicts itself (issue 13, item 2)', () => {
  it('empty data with hasNext on every request: the run fails with API_BAD_RESPONSE, the checkpoint stays, all 250 arrive after recovery', async () => {
    const c = await setup('dir');
    const alerts = backlog(250, 201);
    c.sim.addAlerts(alerts);
    c.sim.setFaultRule(always({ kind: 'emptyWithNext' }));
    const r = await runChecked(c, 'run on empty pages with hasNext');
    expect([r.outcome, r.error?.code]).toEqual(['failure', 'API_BAD_RESPONSE']);
    expect(await watermarkOf(c)).toBeLessThanOrEqual(Date.now() - 47 * H); // still the first run's start
    await recover(c);
    await assertAllArrived(c, alerts);
  }, 180_000);

  it('empty data with hasNext from the second page on: page 1 is committed, nothing after it, then all arrive (Azurite)', async () => {
    const c = await setup('table');
    const alerts = backlog(250, 202);
    c.sim.addAlerts(alerts);
    c.sim.injectFault({ kind: 'emptyWithNext' }, { after: 1, times: 1_000 });
    const r = await runChecked(c, 'run with an empty second page');
    expect([r.outcome, r.error?.code, r.sent]).toEqual(['partial', 'API_BAD_RESPONSE', 100]);
    expect(await watermarkOf(c)).toBeLessThanOrEqual(alerts[99]!.timestamp);
    await recover(c);
    await assertAllArrived(c, alerts);
  }, 180_000);

  it('one empty page with hasNext is retried: the same run delivers every alert', async () => {
    const c = await setup('table');
    const alerts = backlog(250, 203);
    c.sim.addAlerts(alerts);
    c.sim.injectFault({ kind: 'emptyWithNext' }, { after: 1 });
    const r = await runChecked(c, 'run with one empty page');
    expect([r.outcome, r.sent]).toEqual(['success', 250]);
    await assertAllArrived(c, alerts);
  });

  it('more records than the limit asked for: a bad response, the checkpoint does not move on it', async () => {
    const c = await setup('dir');
    const alerts = backlog(250, 204);
    c.sim.addAlerts(alerts);
    c.sim.setFaultRule(always({ kind: 'overLimit', extra: 1 }));
    const before = Date.now();
    const r = await runChecked(c, 'run on 101-record pages');
    expect([r.outcome, r.error?.code, r.sent]).toEqual(['failure', 'API_BAD_RESPONSE', 0]);
    expect(await watermarkOf(c)).toBeLessThan(before - 47 * H + MIN);
    await recover(c);
    await assertAllArrived(c, alerts);
  }, 180_000);

  it('more records than the SMALLER limit the client fell back to (large pages fail) is a bad response too', async () => {
    // Pages above 50 fail with HTML 500, so the client asks for 50; the service then returns 60.
    const c = await setup('table');
    const alerts = backlog(250, 205);
    c.sim.addAlerts(alerts);
    c.sim.setFailLimitAbove(50);
    c.sim.setFaultRule((req) => (req.limit <= 50 ? { kind: 'overLimit', extra: 10 } : undefined));
    const r = await runChecked(c, 'run on 60-record pages after asking for 50');
    expect([r.outcome, r.error?.code, r.sent]).toEqual(['failure', 'API_BAD_RESPONSE', 0]);
    await recover(c);
    await assertAllArrived(c, alerts);
  }, 180_000);

  it('a total smaller than the page itself: a bad response, the checkpoint does not move on it', async () => {
    const c = await setup('table');
    const alerts = backlog(250, 206);
    c.sim.addAlerts(alerts);
    c.sim.setFaultRule(always({ kind: 'total', value: 3 }));
    const r = await runChecked(c, 'run with total 3 on 100-record pages');
    expect([r.outcome, r.error?.code, r.sent]).toEqual(['failure', 'API_BAD_RESPONSE', 0]);
    await recover(c);
    await assertAllArrived(c, alerts);
  }, 180_000);

  it('an honest total counts from the page\'s own date on: smaller than what the run read before is NOT a contradiction', async () => {
    // Watermark paging asks `date gte <last>` for each page, so page 3's total (about 150) is below the
    // 200 records pages 1 and 2 already returned. A check against "read so far in this run" fails here.
    const c = await setup('dir');
    const alerts = backlog(350, 207);
    c.sim.addAlerts(alerts);
    const r = await runChecked(c, 'honest run of 4 pages');
    expect([r.outcome, r.sent, r.error?.code]).toEqual(['success', 350, undefined]);
    await assertAllArrived(c, alerts);
  });
});

describe('other hostile answers (issue 13, bar)', () => {
  it('HTML with HTTP 200 (twice, then recovered) is retried: the run delivers everything', async () => {
    const c = await setup('table');
    const alerts = backlog(150, 301);
    c.sim.addAlerts(alerts);
    c.sim.injectFault({ kind: 'html200' }, { after: 1, times: 2 });
    const r = await runChecked(c, 'run with HTML 200s');
    expect([r.outcome, r.sent]).toEqual(['success', 150]);
    await recover(c);
    await assertAllArrived(c, alerts);
  });

  it('missing _id, missing timestamp, non-JSON, empty and plain-text 200 bodies mid-run: a clear code or success, never a loss', async () => {
    const c = await setup('dir');
    const hostile: Fault[] = [
      { kind: 'missingField', field: '_id', index: 3 },
      { kind: 'missingField', field: 'timestamp', index: 0 },
      { kind: 'malformed' },
      { kind: 'raw', status: 200, contentType: 'application/json', body: '' },
      { kind: 'raw', status: 200, contentType: 'text/plain', body: 'OK' },
      { kind: 'raw', status: 200, contentType: 'application/json', body: 'null' },
      { kind: 'shape' },
    ];
    const alerts: MdcaAlert[] = [];
    for (const [i, fault] of hostile.entries()) {
      // Two pages of fresh alerts per fault (inside the overlap), so the fault lands on the second page.
      const fresh = generateAlerts(150, { seed: 310 + i, start: Date.now() - 30_000, end: Date.now() - 1 });
      alerts.push(...fresh);
      c.sim.addAlerts(fresh);
      c.sim.injectFault(fault, { after: 1 });
      const r = await runChecked(c, `run with ${JSON.stringify(fault)}`);
      if (r.outcome !== 'success') expect(r.error?.code, JSON.stringify(fault)).toBe('API_BAD_RESPONSE');
      expect(c.sim.stats.faults, `${JSON.stringify(fault)} was not served`).toBe(i + 1);
      c.sim.clearFaults();
    }
    await recover(c);
    await assertAllArrived(c, alerts);
  });

  it('records out of ascending order: a clear code, never a checkpoint past what was sent', async () => {
    const c = await setup('table');
    const alerts = backlog(250, 303);
    c.sim.addAlerts(alerts);
    c.sim.injectFault({ kind: 'reverse' }, { after: 1 });
    const r = await runChecked(c, 'run with a reversed page');
    if (r.outcome !== 'success') expect(r.error?.code).toBe('API_BAD_RESPONSE');
    await recover(c);
    await assertAllArrived(c, alerts);
  });

  it('duplicate ids within a page, across pages and under two timestamps: each alert arrives, none twice from one page', async () => {
    const c = await setup('table');
    const alerts = backlog(250, 304);
    // The same id stored twice, an hour apart (an alert the service re-stamped).
    const restamped = { ...alerts[120]!, timestamp: alerts[120]!.timestamp + H };
    c.sim.addAlerts([...alerts, restamped]);
    c.sim.setFaultRule((req) => (req.seq % 2 === 0 ? { kind: 'duplicate', index: 7 } : undefined));
    // Page 2 also repeats page 1's first record at its end (an older timestamp: out of order).
    c.sim.injectFault({ kind: 'inject', records: [alerts[0]!] }, { after: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runChecked(c, `run ${i + 1} with duplicates`);
      outcomes.push(r.outcome === 'success' ? 'success' : `${r.outcome}:${r.error?.code}`);
    }
    for (const o of outcomes) expect(o).toMatch(/^(success|(failure|partial):API_BAD_RESPONSE)$/);
    await recover(c);
    await assertAllArrived(c, alerts);
    const counts = await idCounts(c);
    const twice = alerts.filter((a) => a._id !== restamped._id && (counts.get(a._id) ?? 0) > 1);
    expect(twice.length, 'an id repeated within a page was sent twice').toBe(0);
  });
});

describe('a service that ignores the id exclusion (issue 13, also)', () => {
  it('falls back to skip paging by itself: every alert once, one warning, recorded in the status', async () => {
    const c = await setup('table', { ignoreIdExclusion: true });
    const t = Date.now() - 3 * H;
    const tie = generateAlerts(250, { seed: 401, timestamp: t }); // more than two pages in one millisecond
    const around = [...generateAlerts(40, { seed: 402, start: t - H, end: t - 1 }), ...generateAlerts(40, { seed: 403, start: t + 1, end: t + H })];
    c.sim.addAlerts([...tie, ...around]);
    const r = await runChecked(c, 'run against an ignored id exclusion');
    expect([r.outcome, r.error?.code]).toEqual(['success', undefined]);
    await assertAllArrived(c, [...tie, ...around]);

    // Later in the same process: another crowded millisecond, no second warning.
    const t2 = Date.now() - 5_000; // after the first run's watermark less the overlap: the next run reads it
    const tie2 = generateAlerts(230, { seed: 404, timestamp: t2 });
    c.sim.addAlerts(tie2);
    const r2 = await runChecked(c, 'second run against an ignored id exclusion');
    expect([r2.outcome, r2.error?.code]).toEqual(['success', undefined]);
    await runChecked(c, 'quiet run');
    await assertAllArrived(c, tie2);

    const counts = await idCounts(c);
    const all = [...tie, ...around, ...tie2];
    expect(all.filter((a) => counts.get(a._id) !== 1).length, 'alerts sent twice').toBe(0);
    const warnings = c.logs.filter((l) => l.level === 'warn');
    expect(warnings.length, warnings.map((w) => w.line).join('\n')).toBe(1);
    const status = await c.store.readStatus();
    expect(status?.warnings?.length ?? 0).toBeGreaterThan(0);
    expect(JSON.stringify(status?.warnings)).toMatch(/skip/i);
  });
});

describe('a response that says "no more" too early (beyond the brief)', () => {
  it('hasNext false on a full page while total says more: the records after it are not skipped', async () => {
    // The mirror image of item 2: trusting `hasNext: false` here ends the read as complete and moves the
    // watermark to the request time, past the 150 records the service did not return.
    const c = await setup('dir');
    const alerts = backlog(250, 501);
    c.sim.addAlerts(alerts);
    c.sim.injectFault({ kind: 'truncate' });
    const r = await runChecked(c, 'run with a truncated first page');
    if (r.outcome !== 'success') expect(r.error?.code).toBe('API_BAD_RESPONSE');
    await recover(c);
    await assertAllArrived(c, alerts);
  });
});
