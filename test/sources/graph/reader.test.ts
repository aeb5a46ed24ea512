// The Graph window reader against the Graph simulator: every alert once as new, every later change
// once as an update (never with updates off), nothing twice or lost across kills at every page, windows
// far larger than the cursor holds, and a cursor that never passes the window's end.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../../src/simulator/graph/index.js';
import { graphTime } from '../../../src/simulator/graph/times.js';
import { versionKey } from '../../../src/sources/graph/sent-keys.js';
import type { GraphAlert } from '../../../src/sources/graph/types.js';
import { drain, fastClient, READ, repeated } from './helpers.js';

const HOUR = 3_600_000;
let sim: GraphSimulator;

beforeEach(async () => {
  sim = await startGraphSimulator({ rateLimit: false, shuffle: { seed: 11 } });
});
afterEach(async () => {
  await sim.close();
});

const start = () => ({ watermark: Date.now() - 3 * HOUR, sent: {} });

describe('graph reader', () => {
  test('delivers every alert once, as new, and a second run sends nothing', async () => {
    const alerts = sim.generate(500, { seed: 1, start: Date.now() - 2 * HOUR, end: Date.now() - 5 * 60_000 });
    const client = fastClient(sim.url, sim.token);
    const first = await drain(client, start(), { ...READ, pageSize: 50 });
    expect(first.errors).toEqual([]);
    expect(new Set(first.keys)).toEqual(new Set(alerts.map(versionKey)));
    expect(repeated(first.keys)).toEqual([]);
    expect(first.records.every((r) => r.kind === 'new')).toBe(true);
    expect(first.cursor.window).toBeUndefined();
    expect(first.cursor.watermark).toBeLessThanOrEqual(Date.now());

    const second = await drain(client, first.cursor, READ);
    expect(second.records).toEqual([]);
  });

  test('late changes to old alerts come once as updates when updates are on, never when off', async () => {
    sim.generate(200, { seed: 2, start: Date.now() - 2 * HOUR, end: Date.now() - HOUR });
    const on = fastClient(sim.url, sim.token);
    const base = await drain(on, start(), READ);
    expect(base.records).toHaveLength(200);

    const changed = sim.updateAlerts({ count: 30, seed: 5 }, { status: 'resolved', classification: 'truePositive' });
    await new Promise((r) => setTimeout(r, 5)); // the window ends before "now"
    const withUpdates = await drain(on, base.cursor, READ);
    expect(withUpdates.records.map((r) => r.kind)).toEqual(Array(30).fill('update'));
    expect(new Set(withUpdates.keys)).toEqual(new Set(changed.map(versionKey)));
    expect((await drain(on, withUpdates.cursor, READ)).records).toEqual([]);

    const withoutUpdates = await drain(on, base.cursor, { ...READ, alertUpdates: false });
    expect(withoutUpdates.records).toEqual([]);
  });

  test('an alert created and changed before its window was read is delivered once, as new', async () => {
    const [a] = sim.generate(1, { seed: 3, start: Date.now() - HOUR, end: Date.now() - HOUR });
    const changed = sim.updateAlerts([a!.id], { status: 'inProgress' });
    const client = fastClient(sim.url, sim.token);
    const read = { ...READ, settleMs: 200 }; // the change is stamped after this window's end
    const first = await drain(client, start(), read);
    expect(first.records.map((r) => [r.kind, versionKey(r.alert)])).toEqual([['new', versionKey(changed[0]!)]]);
    // The same version falls in a later window by lastUpdateDateTime: `sent` carries it there.
    expect(Object.keys(first.cursor.sent)).toContain(versionKey(changed[0]!));
    await new Promise((r) => setTimeout(r, 300));
    const second = await drain(client, first.cursor, read);
    expect(second.cursor.watermark).toBeGreaterThan(Date.parse(changed[0]!.lastUpdateDateTime));
    expect(second.records).toEqual([]);
    // Kept only as knowledge of the late-arrival overlap behind the new watermark; without an overlap, dropped.
    expect(Object.keys(second.cursor.sent)).toEqual([versionKey(changed[0]!)]);
    expect(second.cursor.floor).toBeLessThanOrEqual(Date.parse(changed[0]!.lastUpdateDateTime));
    const none = await drain(client, first.cursor, { ...read, overlapMs: 0 });
    expect(none.records).toEqual([]);
    expect(none.cursor.sent).toEqual({});
  });

  test('a run killed after any batch resumes without sending anything twice or losing anything', async () => {
    const alerts = sim.generate(300, { seed: 4, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
    const client = fastClient(sim.url, sim.token);
    const read = { ...READ, pageSize: 20, maxWindowRecords: 120 };
    const clean = await drain(client, start(), read);
    expect(clean.batches).toBeGreaterThan(10);
    for (let kill = 1; kill <= clean.batches; kill++) {
      const out = await drain(client, start(), read, { maxRuns: 2, killAfter: (run, batch) => run === 0 && batch === kill });
      expect(out.errors).toEqual([]);
      expect(repeated(out.keys)).toEqual([]);
      expect(new Set(out.keys)).toEqual(new Set(alerts.map(versionKey)));
    }
  });

  test('a batch delivered but not committed is sent again at most once, nothing else', async () => {
    const alerts = sim.generate(200, { seed: 5, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
    const client = fastClient(sim.url, sim.token);
    const read = { ...READ, pageSize: 25, maxWindowRecords: 100 };
    for (const lost of [1, 3, 6]) {
      const out = await drain(client, start(), read, { maxRuns: 2, lostCommit: (run, batch) => run === 0 && batch === lost });
      expect(new Set(out.keys)).toEqual(new Set(alerts.map(versionKey)));
      expect(repeated(out.keys).length).toBeLessThanOrEqual(25);
    }
  });

  test('a window with far more alerts than the cursor holds is narrowed, and the checkpoint stays small', async () => {
    const alerts = sim.generate(3_000, { seed: 6, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
    const client = fastClient(sim.url, sim.token);
    const out = await drain(client, start(), { ...READ, pageSize: 100, maxWindowRecords: 200 });
    expect(out.errors).toEqual([]);
    expect(repeated(out.keys)).toEqual([]);
    expect(new Set(out.keys)).toEqual(new Set(alerts.map(versionKey)));
    expect(out.maxCursorBytes).toBeLessThan(64 * 1024);
  });

  test('sent past its byte budget halves the window mid-read (a count that understates)', async () => {
    const alerts = sim.generate(600, { seed: 7, start: Date.now() - 2 * HOUR, end: Date.now() - 10 * 60_000 });
    // The service claims a tiny count: only the byte budget can notice the window is too large.
    sim.setFaultRule(() => ({ kind: 'transform', apply: (body) => ({ ...body, '@odata.count': 1 }) }));
    const client = fastClient(sim.url, sim.token);
    const out = await drain(client, start(), { ...READ, pageSize: 100, maxSentBytes: 12_000 }, { maxRuns: 100, killAfter: (_r, b) => b % 7 === 0 });
    expect(out.errors).toEqual([]);
    // Versions delivered past a halved window wait in `sent`; any that did not fit are said, and sent once more.
    const said = out.notices.map((n) => /^(\d+) alert versions stamped after their window/.exec(n)?.[1]).reduce((n, x) => n + Number(x ?? 0), 0);
    expect(repeated(out.keys).length).toBeLessThanOrEqual(said);
    expect(new Set(out.keys)).toEqual(new Set(alerts.map(versionKey)));
    expect(out.maxCursorBytes).toBeLessThan(14_000);
  });

  test('the watermark never passes the window end, whatever the records are stamped', async () => {
    const now = Date.now();
    const future: GraphAlert[] = sim.generate(3, { seed: 8, start: now - HOUR, end: now - HOUR }).map((a, i) => ({ ...a, id: `future-${i}`, lastUpdateDateTime: graphTime(Date.UTC(2100, 0, 1) + i) }));
    const bornLater: GraphAlert[] = sim.generate(2, { seed: 9, start: now - HOUR, end: now - HOUR }).map((a, i) => ({ ...a, id: `later-${i}`, createdDateTime: graphTime(Date.UTC(2100, 0, 1) + i), lastUpdateDateTime: graphTime(Date.UTC(2100, 0, 1) + i) }));
    sim.addAlerts([...future, ...bornLater]);
    const client = fastClient(sim.url, sim.token);
    const out = await drain(client, start(), READ);
    const before = Date.now();
    expect(out.cursor.watermark).toBeLessThanOrEqual(before);
    // Created in the window, changed "in 2100": delivered now, kept in `sent` so 2100's window drops it.
    for (const a of future) expect(out.keys).toContain(versionKey(a));
    for (const a of future) expect(out.cursor.sent[versionKey(a)]).toBe(Date.parse(a.lastUpdateDateTime));
    expect(out.suspect.sort()).toEqual(future.map((a) => a.id).sort());
    // Created "in 2100": its window has not come yet.
    for (const a of bornLater) expect(out.keys).not.toContain(versionKey(a));
  });

  test('serviceSource selection reads only the chosen products', async () => {
    const alerts = sim.generate(120, { seed: 10, start: Date.now() - 2 * HOUR, end: Date.now() - HOUR });
    const client = fastClient(sim.url, sim.token);
    const chosen = ['microsoftDefenderForCloudApps', 'microsoftDefenderForEndpoint'];
    const out = await drain(client, start(), { ...READ, serviceSources: chosen });
    const want = alerts.filter((a) => chosen.includes(String(a.serviceSource)));
    expect(want.length).toBeGreaterThan(0);
    expect(new Set(out.keys)).toEqual(new Set(want.map(versionKey)));
    const one = await drain(client, start(), { ...READ, serviceSources: ['microsoftDefenderForIdentity'] });
    expect(one.records.every((r) => r.alert.serviceSource === 'microsoftDefenderForIdentity')).toBe(true);
    expect(one.records.length).toBe(alerts.filter((a) => a.serviceSource === 'microsoftDefenderForIdentity').length);
  });
});
