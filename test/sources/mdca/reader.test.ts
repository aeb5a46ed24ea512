// Watermark paging against the simulator: every record exactly once through ties, late arrivals,
// interruptions, faults and a large backlog, without provoking a single 429.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resetTenantBuckets } from '../../../src/sources/http/rate-bucket.js';
import { readRange } from '../../../src/sources/mdca/reader.js';
import type { Cursor } from '../../../src/sources/mdca/source-types.js';
import { generateActivities, generateAlerts, prng } from '../../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../../src/simulator/server.js';
import type { Fault, SimulatorOptions } from '../../../src/simulator/types.js';
import { drain, duplicates, fastClient } from './helpers.js';

// A scaled-down budget (30 per 250 ms instead of per minute) on both sides keeps tests fast and strict.
const RATE = { requests: 30, windowMs: 250 };
const clientRate = { requestsPerMinute: RATE.requests, rateWindowMs: RATE.windowMs };

let sim: Simulator;
const start = async (o: SimulatorOptions) => (sim = await startSimulator({ rateLimit: RATE, ...o }));
beforeEach(() => resetTenantBuckets());
afterEach(() => sim?.close());

const DAY = 86_400_000;
const fresh = (): Cursor => ({ watermark: Date.now() - 3 * DAY, sent: {} });
const sortedIds = (xs: Array<{ _id: string }>) => xs.map((x) => x._id).sort();

describe('watermark reader', () => {
  test('a 20,000-alert backlog: each alert once, ceil(N/100)+1 requests, zero 429s', async () => {
    const alerts = generateAlerts(20_000, { seed: 21 });
    await start({ alerts });
    const client = fastClient(sim.url, clientRate);
    const out = await drain(client, fresh(), {});
    expect(out.ids).toHaveLength(20_000);
    expect(duplicates(out.ids)).toEqual([]);
    expect(out.ids.slice().sort()).toEqual(sortedIds(alerts));
    expect(sim.stats.requests).toBeLessThanOrEqual(Math.ceil(20_000 / 100) + 2);
    expect(sim.stats.provoked429).toBe(0);
  });

  test('250 alerts in one millisecond, returned in a different order each time, each delivered once', async () => {
    const t = Date.now() - DAY;
    const alerts = [...generateAlerts(60, { seed: 1, end: t - 1 }), ...generateAlerts(250, { seed: 2, timestamp: t }), ...generateAlerts(60, { seed: 3, start: t + 1, end: t + 1000 })];
    await start({ alerts, shuffleTies: true });
    const out = await drain(fastClient(sim.url, clientRate), fresh(), {});
    expect(duplicates(out.ids)).toEqual([]);
    expect(out.ids.slice().sort()).toEqual(sortedIds(alerts));
  });

  test('a millisecond with more records than the id budget, spanning pages: each once, in one run and across runs stopped after every batch', async () => {
    // The cursor keeps such a millisecond as a count (sent-window.ts); the ids this run holds are
    // excluded by id, only an earlier run's count is skipped by position (the service orders ties stably here).
    const t = Date.now() - DAY;
    const alerts = [...generateAlerts(150, { seed: 22, timestamp: t }), ...generateAlerts(30, { seed: 23, start: t + 5, end: t + 500 })];
    await start({ alerts });
    const oneRun = await drain(fastClient(sim.url, clientRate), fresh(), { maxSentIds: 10 });
    expect(duplicates(oneRun.ids)).toEqual([]);
    expect(oneRun.ids.slice().sort()).toEqual(sortedIds(alerts));
    const resumed = await drain(fastClient(sim.url, clientRate), fresh(), { maxSentIds: 10, stopAfterBatches: 1, maxRuns: 20 });
    expect(duplicates(resumed.ids)).toEqual([]);
    expect(resumed.ids.slice().sort()).toEqual(sortedIds(alerts));
  });

  test('the skip tie-break also drains a 250-alert millisecond when the service orders ties stably', async () => {
    const t = Date.now() - DAY;
    const alerts = [...generateAlerts(250, { seed: 2, timestamp: t }), ...generateAlerts(30, { seed: 3, start: t + 1, end: t + 50 })];
    await start({ alerts });
    const out = await drain(fastClient(sim.url, clientRate), fresh(), { tieBreak: 'skip' });
    expect(duplicates(out.ids)).toEqual([]);
    expect(out.ids.slice().sort()).toEqual(sortedIds(alerts));
  });

  test('a run stopped after any batch resumes from its committed cursor without loss or repeat', async () => {
    const t = Date.now() - DAY;
    const alerts = [...generateAlerts(150, { seed: 5, end: t - 1 }), ...generateAlerts(130, { seed: 6, timestamp: t }), ...generateAlerts(120, { seed: 7, start: t, end: t + 5_000 })];
    await start({ alerts, shuffleTies: true });
    const client = fastClient(sim.url, clientRate);
    const out = await drain(client, fresh(), { stopAfterBatches: 1, maxRuns: 40, pageSize: 70 });
    expect(duplicates(out.ids)).toEqual([]);
    expect(out.ids.slice().sort()).toEqual(sortedIds(alerts));
  });

  test('alerts that arrive late behind the watermark are delivered once while inside the overlap', async () => {
    const alerts = generateAlerts(120, { seed: 8 });
    await start({ alerts });
    const client = fastClient(sim.url, clientRate);
    const overlapMs = 60_000;
    const run1 = await drain(client, fresh(), { overlapMs });
    expect(run1.ids).toHaveLength(120);
    const w = run1.cursor.watermark;
    expect(w).toBeGreaterThan(alerts.at(-1)!.timestamp);
    // Pruned: only ids inside the overlap window are kept.
    expect(Object.values(run1.cursor.sent).every((ts) => ts >= w - overlapMs)).toBe(true);

    const late = generateAlerts(5, { seed: 9, start: w - 30_000, end: w - 1 }); // behind the watermark
    const tooLate = generateAlerts(1, { seed: 10, timestamp: w - 5 * 60_000 }); // older than the overlap
    sim.addAlerts([...late, ...tooLate]);
    const newer = generateAlerts(3, { seed: 11, start: w, end: w + 10 });
    sim.addAlerts(newer);
    const run2 = await drain(client, run1.cursor, { overlapMs });
    expect(run2.ids.sort()).toEqual(sortedIds([...late, ...newer]));
    const run3 = await drain(client, run2.cursor, { overlapMs });
    expect(run3.ids).toEqual([]);
  });

  test('a quiet run costs one request even with the overlap full of sent alerts', async () => {
    const now = Date.now();
    await start({ alerts: generateAlerts(250, { seed: 12, start: now - 50_000, end: now - 1_000 }) });
    const client = fastClient(sim.url, clientRate);
    const run1 = await drain(client, fresh(), { overlapMs: 120_000 });
    expect(run1.ids).toHaveLength(250);
    sim.resetStats();
    const run2 = await drain(client, run1.cursor, { overlapMs: 120_000 });
    expect(run2.ids).toEqual([]);
    expect(sim.stats.requests).toBe(1);
  });

  test('the page size follows the response\'s max', async () => {
    const limits: number[] = [];
    await start({ alerts: generateAlerts(100, { seed: 13 }), maxLimit: 40, faultRule: (r) => (limits.push(Number(r.body.limit)), undefined) });
    const out = await drain(fastClient(sim.url, clientRate), fresh(), { pageSize: 100 });
    expect(out.ids).toHaveLength(100);
    expect(limits).toEqual([100, 40, 40]);
  });

  test('with 429 storms, 5xx, HTML 500s, slow answers, resets and bad JSON injected, every alert once, no 429 provoked', async () => {
    const alerts = generateAlerts(3_000, { seed: 14 });
    const t = alerts[1_500]!.timestamp;
    alerts.push(...generateAlerts(250, { seed: 15, timestamp: t }));
    const rnd = prng(99);
    let storm = 0;
    const rule = (): Fault | undefined => {
      if (storm > 0) return storm-- > 0 ? { kind: 'rateLimit' } : undefined;
      const x = rnd();
      if (x < 0.06) return { kind: 'status', status: [500, 502, 503, 504][Math.floor(rnd() * 4)]! };
      if (x < 0.1) return { kind: 'html500' };
      if (x < 0.13) return { kind: 'reset' };
      if (x < 0.17) return { kind: 'delay', ms: rnd() < 0.5 ? 30 : 400 }; // the second is past the timeout
      if (x < 0.19) return { kind: 'malformed' }; // retried, never trusted
      if (x < 0.21) return ((storm = 3), { kind: 'rateLimit' }); // a storm of 4
      if (x < 0.215) return { kind: 'rateLimit', retryAfterSeconds: 1 };
      return undefined;
    };
    await start({ alerts, shuffleTies: true, faultRule: rule });
    // Late alerts arrive while the relay works.
    const lateOnes = generateAlerts(20, { seed: 16, start: alerts[2_000]!.timestamp, end: alerts[2_100]!.timestamp });
    const client = fastClient(sim.url, { ...clientRate, requestTimeoutMs: 250 });
    const run1 = await drain(client, fresh(), { maxRuns: 30, overlapMs: 3 * DAY });
    sim.addAlerts(lateOnes);
    const run2 = await drain(client, run1.cursor, { maxRuns: 30, overlapMs: 3 * DAY });
    const ids = [...run1.ids, ...run2.ids];
    expect(duplicates(ids)).toEqual([]);
    expect(ids.sort()).toEqual(sortedIds([...alerts, ...lateOnes]));
    expect(client.stats.byKind.malformed ?? 0).toBeGreaterThan(0); // bad JSON was met, and retried
    expect(sim.stats.faults).toBeGreaterThan(10);
    expect(sim.stats.injected429).toBeGreaterThan(0);
    expect(sim.stats.provoked429).toBe(0);
  });

  test('when large pages keep failing, the run goes on with the page size that worked', async () => {
    const alerts = generateAlerts(200, { seed: 19 });
    await start({ alerts, failLimitAbove: 30 });
    const out = await drain(fastClient(sim.url, clientRate), fresh(), {});
    expect(out.ids.slice().sort()).toEqual(sortedIds(alerts));
    // 100 and 50 fail twice each, then 25 works for all 8 pages; the full last page is confirmed once more.
    expect(sim.stats.requests).toBe(4 + 8 + 1);
  });

  test('activities page the same way, with filters sent to the server', async () => {
    const acts = generateActivities(400, { seed: 17 });
    await start({ activities: acts });
    const out = await drain(fastClient(sim.url, clientRate), fresh(), { dataType: 'activities', filters: { service: { eq: [11161, 11522] } } });
    const want = acts.filter((a) => a.appId === 11161 || a.appId === 11522);
    expect(out.ids.slice().sort()).toEqual(sortedIds(want));
  });

  test('replay reads a fixed range once, whatever the cursor', async () => {
    const alerts = generateAlerts(300, { seed: 18 });
    await start({ alerts, shuffleTies: true });
    const from = alerts[50]!.timestamp;
    const to = alerts[220]!.timestamp;
    const ids: string[] = [];
    for await (const b of readRange(fastClient(sim.url, clientRate), { from, to }, { dataType: 'alerts', filters: {}, pageSize: 30 })) ids.push(...b.records.map((r) => r._id));
    expect(duplicates(ids)).toEqual([]);
    expect(ids.sort()).toEqual(sortedIds(alerts.filter((a) => a.timestamp >= from && a.timestamp <= to)));
  });
});
