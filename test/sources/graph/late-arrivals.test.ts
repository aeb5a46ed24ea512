// Late arrivals: an alert (or a change) stamped inside a window that was already read, made visible by
// the Graph simulator only afterwards. The next read re-reads the overlap behind its watermark and
// delivers it exactly once; a burst larger than the cursor's budget narrows the overlap (`floor`)
// without sending anything twice and without forgetting what the cursor claims.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../../src/simulator/graph/index.js';
import { graphTime } from '../../../src/simulator/graph/times.js';
import { versionKey } from '../../../src/sources/graph/sent-keys.js';
import type { GraphAlert } from '../../../src/sources/graph/types.js';
import { drain, fastClient, READ, repeated } from './helpers.js';

const HOUR = 3_600_000;
const MIN = 60_000;
let sim: GraphSimulator;

beforeEach(async () => {
  sim = await startGraphSimulator({ rateLimit: false, shuffle: { seed: 7 } });
});
afterEach(() => sim.close());

const start = () => ({ watermark: Date.now() - 3 * HOUR, sent: {} });
/** A copy of `a` under a new id, created and last changed at `at`. */
const stampedAt = (a: GraphAlert, id: string, at: number): GraphAlert => ({ ...a, id, createdDateTime: graphTime(at), lastUpdateDateTime: graphTime(at) });

describe('graph reader: late arrivals in the overlap', () => {
  test('an alert and a change stamped before the last window end, visible only after it was read, are delivered once by the next run', async () => {
    const alerts = sim.generate(40, { seed: 5, start: Date.now() - 2 * HOUR, end: Date.now() - 5 * MIN });
    const client = fastClient(sim.url, sim.token);
    const first = await drain(client, start(), READ);
    expect(first.errors).toEqual([]);
    expect(new Set(first.keys)).toEqual(new Set(alerts.map(versionKey)));
    const T1 = first.cursor.watermark;

    // Visible only now, stamped inside [W, T1): a new alert, and a change to an alert delivered above.
    const late = stampedAt(alerts[0]!, 'late-new', T1 - 3 * MIN);
    const changed: GraphAlert = { ...alerts[1]!, status: 'resolved', lastUpdateDateTime: graphTime(T1 - 2 * MIN) };
    sim.addAlerts([late, changed]);
    await new Promise((r) => setTimeout(r, 2));

    const second = await drain(client, first.cursor, READ);
    expect(second.errors).toEqual([]);
    expect(second.records.map((r) => [r.kind, versionKey(r.alert)]).sort()).toEqual([['new', versionKey(late)], ['update', versionKey(changed)]].sort());
    expect(second.requests).toBe(1); // the overlap is part of the window's query: no extra request
    expect(second.maxCursorBytes).toBeLessThan(64 * 1024);
    const third = await drain(client, second.cursor, READ);
    expect(third.records).toEqual([]);

    // Without the overlap the same late alert is never delivered (the test can fail).
    const blind = await drain(client, first.cursor, { ...READ, overlapMs: 0 });
    expect(blind.records).toEqual([]);
  });

  test('a burst of late-window versions larger than the budget narrows the overlap: nothing twice, nothing the cursor claims forgotten', async () => {
    const now = Date.now();
    const burst = sim.generate(300, { seed: 8, start: now - 12 * MIN, end: now - MIN });
    const client = fastClient(sim.url, sim.token);
    const read = { ...READ, pageSize: 100, maxWindowRecords: 1_000, aheadBytes: 4_000 };
    const first = await drain(client, start(), read);
    expect(first.errors).toEqual([]);
    expect(repeated(first.keys)).toEqual([]);
    expect(new Set(first.keys)).toEqual(new Set(burst.map(versionKey)));
    const { watermark, floor, sent } = first.cursor;
    expect(floor).toBeDefined();
    expect(floor!).toBeGreaterThan(watermark - 15 * MIN);
    expect(Buffer.byteLength(JSON.stringify(sent))).toBeLessThanOrEqual(4_000);
    expect(first.notices.join('\n')).toMatch(/late-arrival overlap did not fit the checkpoint/);
    // What the cursor claims: every delivered version stamped in [floor, watermark) is held.
    for (const a of burst) if (Date.parse(a.lastUpdateDateTime) >= floor!) expect(sent).toHaveProperty([versionKey(a)]);

    // Late arrivals: one after the floor (caught), one before it (outside the narrowed overlap: the bound).
    const after = stampedAt(burst[0]!, 'late-after-floor', Math.max(floor!, watermark - 1));
    const before = stampedAt(burst[0]!, 'late-before-floor', floor! - 1);
    sim.addAlerts([after, before]);
    await new Promise((r) => setTimeout(r, 2));
    const second = await drain(client, first.cursor, read);
    expect(second.errors).toEqual([]);
    expect(second.keys).toEqual([versionKey(after)]);
    expect(second.records[0]!.kind).toBe('new');
    expect(second.maxCursorBytes).toBeLessThan(64 * 1024);
  });
});
