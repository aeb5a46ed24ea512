// Benchmark of the Graph alerts_v2 source: requests spent per 10,000 alerts against the ideal
// (ceil(N / page size) + 1: every page once, plus the one request that finds the next window empty),
// and the 429s the reader provokes on its own at the documented 150 requests per minute (must be 0),
// measured on a controllable clock so minutes of pacing take seconds. Reads go through the Graph
// simulator (src/simulator/graph) in its default order (most recent first), with the reader's defaults.
import type { BenchSuite, Figure } from '../types.js';
import { virtualClock, type Clock } from '../../src/ops/clock.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/graph/index.js';
import { resetTenantBuckets } from '../../src/sources/http/rate-bucket.js';
import { createGraphClient, type GraphClient } from '../../src/sources/graph/client.js';
import { DEFAULT_PAGE_SIZE, readWindows, type GraphReadOptions } from '../../src/sources/graph/reader.js';
import type { Cursor } from '../../src/sources/types.js';

const SUITE = 'graph';
const N = 10_000;
const MIN = 60_000;
const DAY = 86_400_000;

function client(sim: GraphSimulator, clock: Clock, rpm: number): GraphClient {
  const token = { authorization: () => Promise.resolve(`Bearer ${sim.token}`), refresh: () => Promise.resolve(false), secrets: () => [sim.token] };
  return createGraphClient({ endpoint: sim.url, tokenProvider: token, clock, env: {}, requestsPerMinute: rpm, budgetScope: 'bench' });
}

async function drain(c: GraphClient, cursor: Cursor, read: GraphReadOptions): Promise<{ cursor: Cursor; records: number; maxCursorBytes: number }> {
  let records = 0;
  let maxCursorBytes = 0;
  for await (const b of readWindows(c, cursor, read)) {
    records += b.records.length;
    cursor = b.cursor;
    maxCursorBytes = Math.max(maxCursorBytes, Buffer.byteLength(JSON.stringify(cursor)));
  }
  return { cursor, records, maxCursorBytes };
}

const READ: GraphReadOptions = { serviceSources: 'all', alertUpdates: true };

/** A backlog of N alerts over two days read in one run (first run, or a relay back after a pause). */
async function backlogFigure(pageSize: number): Promise<Figure> {
  resetTenantBuckets();
  const start = Date.now();
  const clock = virtualClock(start);
  const sim = await startGraphSimulator({ clock, rateLimit: false });
  try {
    sim.generate(N, { seed: 1, start: start - 2 * DAY, end: start - 5 * MIN });
    const r = await drain(client(sim, clock, 1_000_000), { watermark: start - 3 * DAY, sent: {} }, { ...READ, pageSize });
    if (r.records !== N) throw new Error(`drained ${r.records} of ${N}`);
    const ideal = Math.ceil(N / pageSize) + 1;
    const reqs = sim.stats.requests;
    return {
      suite: SUITE,
      name: `requests for a backlog of ${N.toLocaleString('en-US')} alerts in one run, $top=${pageSize}${pageSize === DEFAULT_PAGE_SIZE ? ' (default)' : ''}`,
      value: reqs,
      unit: 'requests',
      baseline: { name: `ceil(N/${pageSize})+1`, value: ideal },
      note: `windows are narrowed to what one cursor holds (<= 500 alerts): ${sim.stats.firstPages} first pages (one per window, plus those of windows found too large), ${sim.stats.nextLinkPages} nextLink pages, ${sim.stats.alertsServed} rows served for ${N} alerts (an alert changed after its creation window is served again in the window of its change, and dropped there); largest checkpoint ${r.maxCursorBytes} bytes`,
    };
  } finally {
    await sim.close();
  }
}

/** N alerts arriving over time, read by a run each minute (the Function's timer), plus 300 late updates. */
async function steadyFigure(): Promise<Figure> {
  resetTenantBuckets();
  const start = Date.now();
  const clock = virtualClock(start);
  const sim = await startGraphSimulator({ clock, rateLimit: false });
  try {
    const runs = 100;
    let cursor: Cursor = { watermark: start - 10 * MIN, sent: {} };
    let records = 0;
    const c = client(sim, clock, 1_000_000);
    for (let run = 0; run < runs; run++) {
      const now = clock.now();
      sim.generate(N / runs, { seed: 100 + run, start: now - 3 * MIN, end: now - 2 * MIN - 1 }); // the minute before the settle margin
      if (run % 10 === 9) sim.updateAlerts({ count: 30, seed: run }, { status: 'resolved' });
      const r = await drain(c, cursor, READ);
      cursor = r.cursor;
      records += r.records;
      clock.advance(MIN);
    }
    return {
      suite: SUITE,
      name: `requests for ${N.toLocaleString('en-US')} alerts + 300 updates arriving over ${runs} one-minute runs`,
      value: sim.stats.requests,
      unit: 'requests',
      baseline: { name: 'one request per run', value: runs },
      note: `${records} records delivered (new + updates), ${sim.stats.alertsServed} rows served: a run whose window's query matches <= ${DEFAULT_PAGE_SIZE} rows is one request; alerts changed after the run that sent them come back once in the window of the change (dropped by the cursor); a run whose rows pass one page costs one more`,
    };
  } finally {
    await sim.close();
  }
}

/** The documented budget, 150 requests per minute per app per tenant, enforced by the simulator on the same clock. */
async function rateFigures(): Promise<Figure[]> {
  resetTenantBuckets();
  const start = Date.now();
  const clock = virtualClock(start);
  const sim = await startGraphSimulator({ clock, rateLimit: { requests: 150, windowMs: MIN } });
  try {
    sim.generate(N, { seed: 2, start: start - 2 * DAY, end: start - 5 * MIN });
    const t0 = clock.now();
    // Small pages so the drain needs several minutes of budget.
    const r = await drain(client(sim, clock, 150), { watermark: start - 3 * DAY, sent: {} }, { ...READ, pageSize: 20 });
    if (r.records !== N) throw new Error(`drained ${r.records} of ${N}`);
    const took = (clock.now() - t0) / 1000;
    const reqs = sim.stats.requests;
    const ideal = ((Math.ceil(reqs / 150) - 1) * MIN) / 1000;
    return [
      {
        suite: SUITE,
        name: `429s provoked reading ${N.toLocaleString('en-US')} alerts at 150 req/min (${reqs} requests, $top=20)`,
        value: sim.stats.provoked429,
        unit: '429s',
        target: '0',
        met: sim.stats.provoked429 === 0,
      },
      {
        suite: SUITE,
        name: `read time for those ${reqs} requests at 150 req/min (controllable clock)`,
        value: took,
        unit: 's',
        baseline: { name: `ideal for ${reqs} requests in a sliding minute`, value: ideal },
        target: 'within 5% of ideal',
        met: took <= ideal * 1.05,
        note: 'network time counts as zero on this clock',
      },
    ];
  } finally {
    await sim.close();
  }
}

const suite: BenchSuite = {
  name: SUITE,
  async run() {
    return [await backlogFigure(DEFAULT_PAGE_SIZE), await backlogFigure(100), await steadyFigure(), ...(await rateFigures())];
  },
};
export default suite;
