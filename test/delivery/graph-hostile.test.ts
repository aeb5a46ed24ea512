// Nothing lost against a hostile Microsoft Graph (issue 16): nextLink loops, expired nextLinks, empty pages
// that link on, future timestamps, 429 storms. Real parts: the Graph simulator and its faults, the relay as
// createRelay wires it (RELAY_SOURCE=graph), syslog-ng, Azurite or the directory store.
//
// Every case injects the fault, runs, lets the service recover and runs until quiet, and checks after EVERY
// run that the committed checkpoint {watermark W, window?, sent} is not ahead of the receiver. The next run
// reads windows from W (new: createdDateTime >= W; updates: lastUpdateDateTime >= W) and drops the versions
// in `sent`, so the checkpoint is ahead (something would never be sent) exactly when the receiver lacks
//   - an alert created before W (its only window is behind), or
//   - an alert version in `sent` (it claims "delivered, do not send again"),
// or when W passed the time of the run (a record stamped later would fall behind it unread).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { RelayConfig } from '../../src/config/types.js';
import { createLogger, type LogLevel } from '../../src/ops/logger.js';
import { createRelay, type Relay } from '../../src/pipeline/relay.js';
import type { RunSummary } from '../../src/pipeline/run.js';
import { startGraphSimulator, type GraphFault, type GraphSimulator, type GraphSimulatorOptions } from '../../src/simulator/graph/index.js';
import { keyId } from '../../src/sources/graph/sent-keys.js';
import { GRAPH_STREAM, type GraphAlert } from '../../src/sources/graph/types.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { graphRelaySettings, repeated, tallyGraphLines, type GraphTally } from '../support/graph-lines.js';
import { guardSink } from '../support/guard-sink.js';
import { fakeToken } from '../support/secrets.js';
import { startSyslogNg, type Receiver } from '../support/syslog-ng.js';

const MIN = 60_000;
const H = 60 * MIN;
const token = fakeToken('graph hostile token');
let syslog: Receiver;
let azurite: Azurite;

beforeAll(async () => {
  [syslog, azurite] = await Promise.all([startSyslogNg({ mode: 'tcp-octet', raw: true }), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([syslog?.stop(), azurite?.stop()]);
});

interface Case {
  sim: GraphSimulator;
  cfg: RelayConfig;
  relay: Relay;
  /** Receiver lines before this case. */
  from: number;
  /** Events the relay reported sent so far (the receiver has them once its file caught up). */
  sent: number;
  logs: Array<{ level: LogLevel; line: string }>;
}

const open: Case[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await Promise.all([c.relay.close(), c.sim.close()]);
});

let names = 0;
/** A fresh simulator with `count` alerts of six products over the last 6 hours, and a relay reading it. */
async function setup(store: 'table' | 'dir', count: number, simOptions: GraphSimulatorOptions = {}, env: Record<string, string> = {}): Promise<Case> {
  const sim = await startGraphSimulator({ tokens: [token], rateLimit: false, shuffle: { seed: 11 + names }, ...simOptions });
  sim.generate(count, { seed: 31 + names, start: Date.now() - 6 * H, end: Date.now() - MIN });
  const where: Record<string, string> = store === 'table' ? { RELAY_CHECKPOINT_STORAGE: azurite.connectionString } : { RELAY_STATE_DIR: mkdtempSync(join(tmpdir(), 'graph-hostile-')) };
  const cfg = loadConfig(graphRelaySettings(sim.url, token, syslog.port, { SYSLOG_FRAMING: 'octet-counting', RELAY_NAME: `graph-hostile-${process.pid}-${++names}`, ...where, ...env }), 'cli');
  // Fast backoff for 5xx and bad answers; a 429's Retry-After is still honoured as the service says.
  // Small pages, so a few hundred alerts take many requests for the faults to land on.
  const relay = createRelay(cfg, { graph: { reader: { pageSize: 40 }, client: { retry: { baseMs: 20, capMs: 200, throttleBaseMs: 100 } } } });
  const c: Case = { sim, cfg, relay, from: (await syslog.lines()).length, sent: 0, logs: [] };
  open.push(c);
  return c;
}

async function received(c: Case): Promise<GraphTally> {
  // Delivery was confirmed at the socket before the run returned: wait for the daemon's file to catch up.
  const lines = (await syslog.waitForLines(c.from + c.sent, 30_000)).slice(c.from);
  return tallyGraphLines(lines, c.sim.all());
}

/** The committed checkpoint is never ahead of the receiver (see the file header), nor of the run's start. */
async function assertNotAhead(c: Case, when: string, runEnded: number): Promise<void> {
  const cp = await c.relay.store.readCheckpoint(GRAPH_STREAM);
  if (!cp) return;
  const { watermark, sent, window } = cp.value.cursor;
  const got = await received(c);
  const delivered = (id: string) => got.news.has(id) || got.updates.has(id);
  const behind = c.sim.all().filter((a) => Date.parse(a.createdDateTime) < watermark && !got.news.has(a.id));
  const claimed = Object.keys(sent).filter((key) => !delivered(keyId(key)));
  const label = `${when}: checkpoint W=${new Date(watermark).toISOString()}${window ? ` open to ${new Date(window.to).toISOString()}` : ''}`;
  expect(behind.map((a) => a.id), `${label} is ahead of the receiver: alerts created before W never delivered`).toEqual([]);
  expect(claimed, `${label} claims versions the receiver never got`).toEqual([]);
  expect(watermark, `${label} passed the time of the run`).toBeLessThanOrEqual(runEnded);
  if (window) expect(window.to).toBeLessThanOrEqual(runEnded);
}

async function run(c: Case, when: string): Promise<RunSummary> {
  const logger = createLogger([(level, line) => c.logs.push({ level, line }), guardSink]);
  const r = await c.relay.run({ logger });
  const ended = Date.now();
  if (process.env.GRAPH_HOSTILE_DEBUG) console.log(when, r.outcome, r.sent, r.requests, r.error?.message, JSON.stringify(c.sim.stats));
  c.sent += r.sent;
  await assertNotAhead(c, when, ended);
  return r;
}

/** The service recovers; runs until one succeeds with nothing to send. Each run is checked. */
async function recover(c: Case, maxRuns = 6): Promise<RunSummary[]> {
  c.sim.clearFaults();
  const runs: RunSummary[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const r = await run(c, `recovery run ${i + 1}`);
    runs.push(r);
    if (r.outcome === 'success' && r.sent === 0) return runs;
  }
  throw new Error(`no quiet run after ${maxRuns} runs: ${JSON.stringify(runs.map((r) => [r.outcome, r.sent, r.error?.code]))}`);
}

/** Every alert of the simulator delivered as new exactly once (and nothing else, unless updates are expected). */
async function assertEachOnce(c: Case, alerts: readonly GraphAlert[] = c.sim.all()): Promise<GraphTally> {
  const got = await received(c);
  expect(got.unknown).toEqual([]);
  expect(repeated(got.news), 'alerts sent twice').toEqual([]);
  expect(alerts.filter((a) => !got.news.has(a.id)).map((a) => a.id), 'alerts lost').toEqual([]);
  return got;
}

/** A fault on every request that matches, until the service recovers (clearFaults). */
const always = (fault: GraphFault, match: 'first' | 'next' | 'any' = 'any') => (req: { nextLink: boolean }) => (match === 'any' || (match === 'next') === req.nextLink ? fault : undefined);

describe('nextLinks that go wrong', () => {
  it('a nextLink pointing back at its own page (a loop) on every page: bounded restarts, then each alert once', async () => {
    const c = await setup('dir', 450);
    c.sim.setFaultRule(always({ kind: 'loop', back: 1 }, 'next'));
    const faulty = await run(c, 'run with looping links');
    await recover(c);
    await assertEachOnce(c);
    expect(faulty.outcome === 'failure' ? faulty.error?.code : 'success').toMatch(/^(API_BAD_RESPONSE|success)$/);
  });

  it('a loop a few pages back, now and then, and expired nextLinks mid-window: each alert once, table store', async () => {
    const c = await setup('table', 900);
    c.sim.injectFault({ kind: 'loop', back: 2 }, { after: 3, times: 2, match: 'next' });
    c.sim.injectFault({ kind: 'expiredLink' }, { after: 6, times: 3 });
    await run(c, 'run with loops and expired links');
    await recover(c);
    await assertEachOnce(c);
    expect(c.sim.stats.expiredLinks).toBeGreaterThan(0);
  });

  it('every nextLink expired (a service that forgets links at once): windows narrow until they fit a page; each alert once', async () => {
    const c = await setup('dir', 300);
    c.sim.setFaultRule(always({ kind: 'expiredLink' }, 'next'));
    for (let i = 0; i < 4; i++) await run(c, `run ${i + 1} with expiring links`);
    await recover(c);
    await assertEachOnce(c);
  });

  it('empty pages that still carry a nextLink, on every other page: each alert once', async () => {
    const c = await setup('dir', 600);
    let n = 0;
    c.sim.setFaultRule((req) => (req.nextLink && n++ % 2 === 0 ? { kind: 'emptyWithNext' } : undefined));
    await run(c, 'run with empty pages');
    await recover(c);
    await assertEachOnce(c);
  });
});

describe('timestamps in the future', () => {
  it('alerts and updates stamped ahead are not read before their time, hide nothing, and are sent once when it comes', async () => {
    const c = await setup('table', 300, {}, { GRAPH_ALERT_UPDATES: 'true' });
    const now = Date.now();
    // A service that ignores the filter for them: every page with room for them also lists alerts created
    // tomorrow and in 2100 (a page over $top is refused by the client, so they never crowd real alerts out).
    const far = c.sim.generate(2, { seed: 5, start: now + 24 * H, end: Date.UTC(2100, 0, 1) });
    // And one honest alert created 3 seconds from now, and a past alert whose last change is stamped 2100.
    const soon = c.sim.generate(1, { seed: 6, start: now + 3_000, end: now + 3_000 })[0]!;
    const stamped = c.sim.all().find((a) => Date.parse(a.createdDateTime) < now)!;
    c.sim.addAlerts([{ ...stamped, status: 'resolved', lastUpdateDateTime: '2100-01-01T00:00:00.0000000Z' }]);
    let shown = 0;
    c.sim.setFaultRule(() => ({
      kind: 'transform',
      apply: (body, req) => {
        const value = body.value as GraphAlert[];
        if (value.length + far.length > req.pageSize) return body;
        shown++;
        return { ...body, value: [...value, ...far.map((a) => c.sim.get(a.id)!)] };
      },
    }));
    const first = await run(c, 'run with future records');
    expect(first.outcome).toBe('success');
    expect(shown, 'pages that carried the future records').toBeGreaterThan(0);
    const past = c.sim.all().filter((a) => Date.parse(a.createdDateTime) < now);
    await assertEachOnce(c, past);
    const wm = (await c.relay.store.readCheckpoint(GRAPH_STREAM))!.value.cursor.watermark;
    for (const a of [...far, soon]) expect(wm).toBeLessThan(Date.parse(a.createdDateTime));

    // Time passes the near one: a later run sends it, once; the far ones stay ahead of the watermark.
    while (Date.now() <= Date.parse(soon.createdDateTime)) await new Promise((r) => setTimeout(r, 100));
    await recover(c);
    const got = await assertEachOnce(c, [...past, soon]);
    for (const a of far) expect(got.news.has(a.id)).toBe(false);
    expect([got.news.get(stamped.id), got.updates.get(stamped.id)], 'the alert changed "in 2100": once, as new').toEqual([1, undefined]);
    for (const a of far) expect((await c.relay.store.readCheckpoint(GRAPH_STREAM))!.value.cursor.watermark).toBeLessThan(Date.parse(a.createdDateTime));
  });
});

describe('429 storms', () => {
  it('a storm of 429s with Retry-After mid-read: waited out, nothing lost, nothing twice, no extra 429 provoked', async () => {
    const c = await setup('dir', 500);
    c.sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 1 }, { after: 2, times: 4 });
    await run(c, 'run in a 429 storm');
    await recover(c);
    await assertEachOnce(c);
    expect(c.sim.stats.injected429).toBe(4);
    expect(c.sim.stats.provoked429).toBe(0);
  });

  it('429 on every request until the service recovers: the run gives up with the checkpoint behind, the next ones finish', async () => {
    const c = await setup('table', 400);
    c.sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 0 }, { after: 2, times: 1_000 });
    const storm = await run(c, 'run in an endless storm');
    expect(storm.outcome, 'a run that gave up on 429s').not.toBe('success');
    expect(storm.error?.message).toMatch(/429/);
    await recover(c);
    await assertEachOnce(c);
  });
});

describe('updates under faults', () => {
  it('300 updates of old alerts read through expired links and a loop: each update once', async () => {
    const c = await setup('dir', 600);
    await run(c, 'backfill');
    const updated = c.sim.updateAlerts({ count: 300, seed: 2 }, { status: 'inProgress', assignedTo: 'analyst@contoso.com' }).map((a) => a.id);
    c.sim.injectFault({ kind: 'expiredLink' }, { after: 1, times: 2 });
    c.sim.injectFault({ kind: 'loop', back: 1 }, { after: 2, times: 1, match: 'next' });
    await run(c, 'updates with faults');
    await recover(c);
    const got = await assertEachOnce(c);
    expect(repeated(got.updates), 'updates sent twice').toEqual([]);
    expect([...got.updates.keys()].sort()).toEqual([...updated].sort());
  });
});
