// Property (issue 13): whatever mix of hostile and good pages the API serves, the reader's committed
// cursor is never ahead of what was delivered, and once the API recovers nothing is lost.
// fast-check draws runs of queued faults (contradicting pages, HTML 200, bad bodies, phantom future
// records, an ignored id exclusion ...) against the simulator; bounded and seeded so it takes seconds.
import fc from 'fast-check';
import { beforeEach, describe, expect, test } from 'vitest';
import { isRelayError } from '../../../src/errors.js';
import { resetTenantBuckets } from '../../../src/sources/http/rate-bucket.js';
import { readBatches } from '../../../src/sources/mdca/reader.js';
import type { Cursor } from '../../../src/sources/mdca/source-types.js';
import type { MdcaAlert } from '../../../src/sources/mdca/types.js';
import { generateAlerts } from '../../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../../src/simulator/server.js';
import type { Fault } from '../../../src/simulator/types.js';
import { fastClient } from './helpers.js';

const OVERLAP = 60_000;
const PAGE = 20; // small pages: many page boundaries for the faults to land on

beforeEach(() => resetTenantBuckets());

/** Faults drawn per run; `future` records are phantoms dated 2100 (on that page only). */
const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ kind: 'emptyWithNext' }),
  fc.integer({ min: 1, max: 5 }).map<Fault>((extra) => ({ kind: 'overLimit', extra })),
  fc.integer({ min: 0, max: 3 }).map<Fault>((value) => ({ kind: 'total', value })),
  fc.integer({ min: 0, max: 5 }).map<Fault>((index) => ({ kind: 'duplicate', index })),
  fc.constantFrom<'_id' | 'timestamp'>('_id', 'timestamp').map<Fault>((field) => ({ kind: 'missingField', field, index: 1 })),
  fc.constant<Fault>({ kind: 'html200' }),
  fc.constant<Fault>({ kind: 'malformed' }),
  fc.constant<Fault>({ kind: 'reverse' }),
  fc.constant<Fault>({ kind: 'status', status: 503 }),
  fc.constant<Fault>({ kind: 'ignoreIdFilter' }),
  fc.integer({ min: 1, max: 400 }).map<Fault>((seed) => ({ kind: 'inject', records: generateAlerts(1, { seed: 9_000 + seed, timestamp: Date.UTC(2100, 0, 1) + seed }) })),
);

interface Step {
  /** New alerts before this run: some in one crowded millisecond, some future-dated in the store. */
  add: { count: number; tie: number; future: number };
  faults: Array<{ fault: Fault; after: number; times: number }>;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  add: fc.record({ count: fc.integer({ min: 0, max: 60 }), tie: fc.integer({ min: 0, max: 45 }), future: fc.integer({ min: 0, max: 2 }) }),
  faults: fc.array(fc.record({ fault: faultArb, after: fc.integer({ min: 0, max: 4 }), times: fc.constantFrom(1, 2, 40) }), { maxLength: 3 }),
});

interface World {
  sim: Simulator;
  cursor: Cursor;
  delivered: Map<string, number>;
  seed: number;
}

/** The committed cursor is ahead when an alert it will never re-read was not delivered (see hostile-api.test.ts). */
function ahead(w: World): string[] {
  const { watermark, sent, floor, tie } = w.cursor as Cursor & { floor?: number; tie?: { at: number; count: number } };
  const from = Math.max(watermark - OVERLAP, floor ?? -Infinity);
  const stored = w.sim.all('alerts');
  const owed = [
    ...stored.filter((a) => a.timestamp < from).map((a) => a._id),
    ...Object.keys(sent),
    ...(tie ? stored.filter((a) => a.timestamp === tie.at).slice(0, tie.count).map((a) => a._id) : []),
  ];
  return owed.filter((id) => !w.delivered.has(id));
}

/** One run: every batch delivered (recorded) and its cursor committed, as the pipeline does. */
async function run(w: World): Promise<string | undefined> {
  const client = fastClient(w.sim.url, { requestTimeoutMs: 1_000, requestsPerMinute: 30, rateWindowMs: 30 }); // the budget scaled down, not off
  try {
    for await (const b of readBatches(client, w.cursor, { dataType: 'alerts', filters: {}, overlapMs: OVERLAP, pageSize: PAGE })) {
      for (const r of b.records) w.delivered.set(r._id, (w.delivered.get(r._id) ?? 0) + 1);
      w.cursor = structuredClone(b.cursor);
    }
    return undefined;
  } catch (err) {
    if (!isRelayError(err)) throw err; // every failure must carry a clear code
    return err.code;
  }
}

/** New alerts stamped inside the overlap (a late arrival older than the overlap is lost by design). */
function addAlerts(w: World, add: Step['add']): MdcaAlert[] {
  const now = Date.now();
  const fresh = [
    ...generateAlerts(add.count, { seed: ++w.seed, start: now - 20_000, end: now - 1 }),
    ...generateAlerts(add.tie, { seed: ++w.seed, timestamp: now - 25_000 - (w.seed % 1000) }),
    ...generateAlerts(add.future, { seed: ++w.seed, timestamp: Date.UTC(2099, 0, 1) + w.seed }),
  ];
  w.sim.addAlerts(fresh);
  return fresh;
}

describe('hostile API property', () => {
  test('random faults then recovery: never ahead of delivery, nothing lost, every failure a RelayError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 20, max: 120 }), async (steps, initial) => {
        const t0 = Date.now();
        const sim = await startSimulator({ rateLimit: false, alerts: generateAlerts(initial, { seed: 1, start: Date.now() - 2 * 3_600_000, end: Date.now() - 20 * 60_000 }) });
        const w: World = { sim, cursor: { watermark: Date.now() - 3 * 3_600_000, sent: {} }, delivered: new Map(), seed: 100 };
        try {
          for (const [i, step] of steps.entries()) {
            addAlerts(w, step.add);
            for (const f of step.faults) sim.injectFault(f.fault, { after: f.after, times: f.times });
            const code = await run(w);
            expect(ahead(w), `after run ${i + 1} (${code ?? 'ok'})`).toEqual([]);
            expect(w.cursor.watermark, 'watermark past the time of the request').toBeLessThanOrEqual(Date.now());
            sim.clearFaults();
          }
          // The API recovers: runs until one delivers nothing, then every stored alert has arrived.
          let quiet = false;
          for (let i = 0; i < 8 && !quiet; i++) {
            const before = w.delivered.size;
            const code = await run(w);
            expect(code, 'a run failed against a healthy API').toBeUndefined();
            expect(ahead(w)).toEqual([]);
            quiet = w.delivered.size === before;
          }
          expect(quiet, 'never quiet after recovery').toBe(true);
          const lost = sim.all('alerts').filter((a) => !w.delivered.has(a._id));
          expect(lost.map((a) => a._id)).toEqual([]);
        } finally {
          if (process.env.HOSTILE_DEBUG) console.log('case', Date.now() - t0, 'ms', sim.stats.requests, 'requests', JSON.stringify(steps.map((st) => st.faults.map((f) => `${f.fault.kind}x${f.times}@${f.after}`))));
          await sim.close();
        }
      }),
      { numRuns: Number(process.env.HOSTILE_RUNS ?? 50), seed: 1313 },
    );
  }, 120_000);
});
