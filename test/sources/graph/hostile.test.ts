// Hostile Graph answers through the window reader and the Graph simulator: expired nextLinks, paging
// loops, empty pages that link on, a nextLink to another host, 429 storms, a service that refuses `or`.
// Each: nothing lost, nothing twice, and a checkpoint never ahead of what was delivered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { virtualClock } from '../../../src/ops/clock.js';
import { startGraphSimulator, type GraphSimulator } from '../../../src/simulator/graph/index.js';
import { versionKey } from '../../../src/sources/graph/sent-keys.js';
import type { GraphAlert } from '../../../src/sources/graph/types.js';
import type { Cursor } from '../../../src/sources/types.js';
import { drain, fastClient, READ, repeated, type Drained } from './helpers.js';

const HOUR = 3_600_000;
let sim: GraphSimulator;
let alerts: GraphAlert[];

beforeEach(async () => {
  sim = await startGraphSimulator({ rateLimit: false, shuffle: { seed: 3 } });
  alerts = sim.generate(240, { seed: 21, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
});
afterEach(() => sim.close());

const start = (): Cursor => ({ watermark: Date.now() - 3 * HOUR, sent: {} });
const read = { ...READ, pageSize: 20, maxWindowRecords: 100 };

/** Every alert exactly once. */
function exactlyOnce(out: Drained) {
  expect(repeated(out.keys)).toEqual([]);
  expect(new Set(out.keys)).toEqual(new Set(alerts.map(versionKey)));
}

/** The committed cursor claims nothing undelivered: every version in `sent` was delivered, and the watermark did not pass an undelivered alert. */
function notAhead(out: Drained) {
  const delivered = new Set(out.keys);
  for (const key of Object.keys(out.cursor.sent)) expect(delivered.has(key)).toBe(true);
  for (const a of alerts) if (Date.parse(a.createdDateTime) < out.cursor.watermark) expect(delivered.has(versionKey(a))).toBe(true);
}

describe('graph reader on hostile answers', () => {
  test('an expired nextLink mid-window restarts the window: nothing twice, nothing lost', async () => {
    sim.injectFault({ kind: 'expiredLink' }, { after: 2, times: 1 });
    const out = await drain(fastClient(sim.url, sim.token), start(), read);
    expect(out.errors).toEqual([]);
    expect(sim.stats.expiredLinks).toBe(1);
    exactlyOnce(out);
  });

  test('nextLinks that always expire: windows halve until each fits one page, and the read completes', async () => {
    sim.setFaultRule((req) => (req.nextLink ? { kind: 'expiredLink' } : undefined));
    const out = await drain(fastClient(sim.url, sim.token), start(), { ...read, maxWindowRecords: 1_000 });
    expect(out.errors).toEqual([]);
    expect(sim.stats.expiredLinks).toBeGreaterThan(0);
    exactlyOnce(out);
  });

  test('a window that cannot be halved any further fails the run after bounded restarts; the checkpoint stays behind', async () => {
    await sim.close();
    sim = await startGraphSimulator({ rateLimit: false, shuffle: { seed: 5 } });
    const at = Date.now() - HOUR;
    alerts = sim.generate(60, { seed: 23, start: at, end: at }); // one millisecond: no narrower window exists
    sim.setFaultRule((req) => (req.nextLink ? { kind: 'expiredLink' } : undefined));
    const client = fastClient(sim.url, sim.token);
    const failed = await drain(client, start(), read);
    expect(failed.errors.join()).toMatch(/API_BAD_RESPONSE: .*could not be read to its end \(nextLinks expired; 7 restarts\)/);
    notAhead(failed);
    sim.clearFaults();
    const rest = await drain(client, failed.cursor, read);
    expect(rest.errors).toEqual([]);
    exactlyOnce({ ...rest, keys: [...failed.keys, ...rest.keys] });
  });

  test('expiring links on a large window: halving makes each pass short enough to finish', async () => {
    // Every third nextLink page expires: a pass of more than 3 pages cannot finish, a halved one can.
    sim.setFaultRule((req) => (req.nextLink && req.seq % 3 === 0 ? { kind: 'expiredLink' } : undefined));
    const out = await drain(fastClient(sim.url, sim.token), start(), { ...read, pageSize: 10, maxWindowRecords: 1_000 });
    expect(out.errors).toEqual([]);
    exactlyOnce(out);
  });

  test('a paging loop (a nextLink back to a page already read, once or for ever) is bounded', async () => {
    sim.injectFault({ kind: 'loop', back: 2 }, { after: 3, times: 1 });
    const client = fastClient(sim.url, sim.token);
    const once = await drain(client, start(), read);
    expect(once.errors).toEqual([]);
    exactlyOnce(once);

    sim.setFaultRule((req) => (req.offset >= 40 ? { kind: 'loop', back: 1 } : undefined));
    const forever = await drain(client, start(), read);
    expect(forever.errors.join()).toMatch(/API_BAD_RESPONSE: .*pages in a row with nothing new/);
    notAhead(forever);
    sim.clearFaults();
    const rest = await drain(client, forever.cursor, read);
    exactlyOnce({ ...rest, keys: [...forever.keys, ...rest.keys] });
  });

  test('the same nextLink twice in one pass is a loop', async () => {
    // A service that hands out one link for ever: the reader restarts the pass, then gives up.
    let link: string | undefined;
    sim.setFaultRule(() => ({ kind: 'transform', apply: (body) => ({ ...body, '@odata.nextLink': (link ??= String(body['@odata.nextLink'])) }) }));
    const out = await drain(fastClient(sim.url, sim.token), start(), { ...read, maxWindowRecords: 1_000 });
    expect(out.errors.join()).toMatch(/a nextLink came back a second time/);
    notAhead(out);
  });

  test('empty pages that link on: a few are followed, a storm fails the run behind what was delivered', async () => {
    sim.injectFault({ kind: 'emptyWithNext' }, { after: 1, times: 4 });
    const client = fastClient(sim.url, sim.token);
    const few = await drain(client, start(), read);
    expect(few.errors).toEqual([]);
    exactlyOnce(few);

    sim.setFaultRule((req) => (req.offset >= 20 ? { kind: 'emptyWithNext' } : undefined));
    const storm = await drain(client, start(), read);
    expect(storm.errors.join()).toMatch(/6 pages in a row with nothing new/);
    notAhead(storm);
    expect(sim.stats.requests).toBeLessThan(200); // bounded, not a spin
  });

  test('a service that links on for ever with ever new alerts outside the window is cut off', async () => {
    // A scripted service (the simulator ends its result sets): each page one new stale alert and a fresh link.
    let n = 0;
    const endless = http.createServer((_req, res) => {
      n++;
      const value = [{ id: `junk-${n}`, createdDateTime: '2020-01-01T00:00:00Z', lastUpdateDateTime: '2020-01-01T00:00:00Z' }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value, '@odata.nextLink': `http://127.0.0.1:${(endless.address() as AddressInfo).port}/v1.0/security/alerts_v2?$skiptoken=${n}` }));
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    try {
      const out = await drain(fastClient(`http://127.0.0.1:${(endless.address() as AddressInfo).port}`, 't'), start(), read);
      expect(out.errors.join()).toMatch(/API_BAD_RESPONSE: .*a pass went on past 65 pages; 7 restarts/);
      expect(out.records).toEqual([]);
      expect(n).toBe(7 * 65); // seven passes of 65 pages, then the run fails
    } finally {
      endless.closeAllConnections();
      await new Promise((r) => endless.close(r));
    }
  });

  test('a nextLink to a foreign host fails the run; the host never sees a request, the checkpoint stays behind', async () => {
    const hits: string[] = [];
    const foreign = http.createServer((req, res) => {
      hits.push(String(req.headers.authorization));
      res.end('{"value":[]}');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const port = (foreign.address() as AddressInfo).port;
    try {
      sim.setFaultRule((req) => (req.offset >= 40 ? { kind: 'transform', apply: (body) => (body['@odata.nextLink'] ? { ...body, '@odata.nextLink': `http://127.0.0.1:${port}/v1.0/security/alerts_v2?$skiptoken=steal` } : body) } : undefined));
      const out = await drain(fastClient(sim.url, sim.token), start(), read);
      expect(out.errors.join()).toMatch(/API_BAD_RESPONSE: .*another origin/);
      expect(hits).toEqual([]);
      notAhead(out);
    } finally {
      foreign.closeAllConnections();
      await new Promise((r) => foreign.close(r));
    }
  });

  test('alerts outside the requested window returned anyway are left to the window that covers them, said once', async () => {
    const stale = { ...alerts[0]!, id: 'stale', createdDateTime: '2020-01-01T00:00:00.0000000Z', lastUpdateDateTime: '2020-01-01T00:00:00.0000000Z' };
    const early = { ...alerts[0]!, id: 'early', createdDateTime: '2100-01-01T00:00:00.0000000Z', lastUpdateDateTime: '2100-01-01T00:00:00.0000000Z' };
    // Added to every page with room for them (more than $top would be refused as a contradiction).
    sim.setFaultRule(() => ({ kind: 'transform', apply: (body) => ((body.value as GraphAlert[]).length > 38 ? body : { ...body, value: [...(body.value as GraphAlert[]), stale, early] }) }));
    const out = await drain(fastClient(sim.url, sim.token), start(), { ...read, pageSize: 40 });
    expect(out.errors).toEqual([]);
    exactlyOnce(out);
    expect(out.notices.filter((n) => /outside the requested window/.test(n))).toHaveLength(1);
    expect(out.cursor.watermark).toBeLessThanOrEqual(Date.now());
  });

  test('a 429 storm with Retry-After is waited out (app-wide pause) and nothing is lost', async () => {
    sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 2 }, { after: 3, times: 6 });
    const clock = virtualClock(Date.now());
    const t0 = clock.now();
    const out = await drain(fastClient(sim.url, sim.token, { clock }), start(), { ...read, clock });
    expect(out.errors).toEqual([]);
    expect(sim.stats.injected429).toBe(6);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(12_000);
    exactlyOnce(out);
  });

  test('a service that refuses `or` gets two queries per window, and still each alert once', async () => {
    const refused: string[] = [];
    sim.setFaultRule((req) => (req.filter?.includes(') or (') ? (refused.push(req.filter), { kind: 'status', status: 400 }) : undefined));
    sim.updateAlerts({ count: 20, seed: 2 }, { status: 'resolved' });
    const fallbacks: number[] = [];
    const out = await drain(fastClient(sim.url, sim.token), start(), { ...read, onCombineFallback: () => fallbacks.push(1) });
    expect(out.errors).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(fallbacks).toHaveLength(1);
    expect(out.notices.join()).toMatch(/two queries/);
    expect(repeated(out.keys)).toEqual([]);
    expect(new Set(out.keys)).toEqual(new Set(sim.all().map(versionKey)));
  });

  test('0 self-provoked 429s at 150 requests per window', async () => {
    await sim.close();
    // The documented 150 per minute, scaled to 150 per second so the test takes seconds.
    sim = await startGraphSimulator({ rateLimit: { requests: 150, windowMs: 1_000 }, shuffle: { seed: 4 } });
    alerts = sim.generate(2_500, { seed: 22, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
    const client = fastClient(sim.url, sim.token, { requestsPerMinute: 150, rateWindowMs: 1_000 });
    const out = await drain(client, start(), { ...READ, pageSize: 10, maxWindowRecords: 400 });
    expect(out.errors).toEqual([]);
    expect(sim.stats.requests).toBeGreaterThan(250);
    expect(sim.stats.provoked429).toBe(0);
    exactlyOnce(out);
  });
});

describe('graph reader on a service whose nextLinks are offsets into a live result set', () => {
  test('rows that leave the window mid-read shift the rest: the short pass is read again, nothing lost', async () => {
    // Old alerts (created before the window) changed inside it: the rows that can leave a past window
    // while it is read (changed once more, now). In 'live' paging each page re-runs the query and skips
    // `offset` rows, so every row that leaves moves a later row onto a page already read.
    const from = Date.now() - 3 * HOUR;
    const old = sim.generate(60, { seed: 31, start: from - 5 * HOUR, end: from - 4 * HOUR }).map((a, i) => ({ ...a, id: `old-${i}`, lastUpdateDateTime: new Date(from + HOUR + i * 1000).toISOString() }));
    sim.addAlerts(old);
    sim.setPaging('live');
    sim.setShuffle(false);
    let changedMidRead: GraphAlert[] = [];
    sim.setFaultRule((req) => {
      // Rows are served most recent first: the 240 new alerts, then the 60 old ones. When the read is
      // at row 270, five old alerts it already read (rows 240-244) change again and leave the window.
      if (req.nextLink && req.offset === 270 && changedMidRead.length === 0) changedMidRead = sim.updateAlerts(sim.all().filter((a) => a.id.startsWith('old-')).slice(0, 5).map((a) => a.id), { status: 'resolved' });
      return undefined;
    });
    const client = fastClient(sim.url, sim.token);
    const read2 = { ...READ, pageSize: 10, maxWindowRecords: 1_000, maxSentBytes: 60_000 };
    const out = await drain(client, { watermark: from, sent: {} }, read2);
    expect(out.errors).toEqual([]);
    expect(changedMidRead).toHaveLength(5);
    const delivered = new Set(out.keys);
    // Every row that did not change is delivered: none was skipped by the shift.
    for (const a of old) if (!changedMidRead.some((c) => c.id === a.id)) expect(delivered.has(versionKey(a))).toBe(true);
    for (const a of alerts) expect(delivered.has(versionKey(a))).toBe(true);
    expect(repeated(out.keys)).toEqual([]);
  });
});
