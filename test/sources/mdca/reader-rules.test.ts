// The reader's paging, watermark and de-duplication rules against an in-memory API (no network, no
// clock): what each request asks for, where the watermark may go, and what a batch carries. Fast enough
// to run for every mutant of reader.ts (`npm run mutation`); the simulator-backed tests cover the wire.
import { describe, expect, test } from 'vitest';
import type { MdcaClient, ListQuery, ListResult } from '../../../src/sources/mdca/client.js';
import type { Clock } from '../../../src/ops/clock.js';
import { readBatches, readRange } from '../../../src/sources/mdca/reader.js';
import type { Cursor, MdcaBatch as Batch } from '../../../src/sources/mdca/source-types.js';
import type { MdcaRecord } from '../../../src/sources/mdca/types.js';
import { expectRelayError } from '../../support/relay-error.js';

const T = Date.UTC(2026, 10, 30, 12);
const MIN = 60_000;
const OVERLAP = 15 * MIN;

interface FakeOptions {
  /** Records, in the order the "service" returns ties. */
  records: MdcaRecord[];
  /** The service ignores `id neq` (always, or for the first n requests). */
  ignoreNeq?: boolean;
  ignoreSkip?: boolean;
  /** `max` reported on every page. */
  max?: number;
  /** The limit the client "had to" use (large pages failing). */
  limitUsed?: (asked: number) => number;
  /** Rewrites a page before the reader sees it. */
  rewrite?: (page: MdcaRecord[], n: number) => { data: MdcaRecord[]; hasNext?: boolean } | undefined;
  /** HTTP requests each call costs (retries). */
  cost?: number;
}

interface Call {
  filters: Record<string, Record<string, unknown>>;
  skip: number;
  limit: number;
  at: number;
  sort?: string;
}

/** An in-memory API answering the reader's queries: date gte/lte, id neq, ascending date, skip, limit. */
function fakeApi(o: FakeOptions, clock: { now(): number }) {
  const calls: Call[] = [];
  const client = {
    clock: { now: () => clock.now(), sleep: async () => undefined } satisfies Clock,
    async list(_dataType: string, q: ListQuery, signal?: AbortSignal): Promise<ListResult> {
      signal?.throwIfAborted();
      q.onRequest?.();
      calls.push({ filters: structuredClone(q.filters), skip: q.skip ?? 0, limit: q.limit, at: clock.now(), sort: `${q.sortField} ${q.sortDirection}` });
      const date = q.filters.date as { gte: number; lte?: number };
      const neqRaw = o.ignoreNeq ? [] : (q.filters.id?.neq ?? []);
      const neq = new Set(Array.isArray(neqRaw) ? (neqRaw as string[]) : [neqRaw as string]);
      const match = o.records
        .map((r, i) => [r, i] as const)
        .filter(([r]) => r.timestamp >= date.gte && (date.lte === undefined || r.timestamp <= date.lte) && !neq.has(r._id))
        .sort((a, b) => a[0].timestamp - b[0].timestamp || a[1] - b[1])
        .map(([r]) => r);
      const limitUsed = o.limitUsed?.(q.limit) ?? q.limit;
      const skip = o.ignoreSkip ? 0 : (q.skip ?? 0);
      let data = match.slice(skip, skip + limitUsed);
      let hasNext = match.length > skip + limitUsed;
      const changed = o.rewrite?.(data, calls.length);
      if (changed) {
        data = changed.data;
        hasNext = changed.hasNext ?? hasNext;
      }
      return { page: { data, hasNext, ...(o.max !== undefined ? { max: o.max } : {}) }, limitUsed, requests: o.cost ?? 1 };
    },
  };
  return { client: client as unknown as MdcaClient, calls };
}

const rec = (id: string, timestamp: number): MdcaRecord => ({ _id: id, timestamp });
const at = (n: number, from: number, step = 1, prefix = 'r') => Array.from({ length: n }, (_, i) => rec(`${prefix}${i}`, from + i * step));
const ids = (bs: Batch[]) => bs.flatMap((b) => b.records.map((r) => r._id));

async function all<T>(it: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function read(o: FakeOptions, cursor: Cursor, extra: Record<string, unknown> = {}, now = T) {
  const clock = { t: now, now() { return this.t; } };
  const api = fakeApi(o, clock);
  const run = all(readBatches(api.client, cursor, { dataType: 'alerts', filters: {}, overlapMs: OVERLAP, ...extra }));
  return { run, calls: api.calls, clock };
}

describe('what the reader asks for', () => {
  test('the first request: from watermark - overlap, ascending by date, 100 a page, the overlap ids excluded', async () => {
    const cursor: Cursor = { watermark: T - MIN, sent: { a: T - 2 * MIN, b: T - 30 * MIN } };
    const { run, calls } = read({ records: [] }, cursor, { filters: { severity: { eq: [2] } } });
    const [batch] = await run;
    expect(calls).toEqual([{ filters: { severity: { eq: [2] }, date: { gte: T - MIN - OVERLAP }, id: { neq: ['a'] } }, skip: 0, limit: 100, at: T, sort: 'date asc' }]);
    expect(batch!.records).toEqual([]);
    // Nothing suspect, no notice, no narrowing: the batch says nothing about them.
    expect(Object.keys(batch!).sort()).toEqual(['cursor', 'dataType', 'duplicates', 'records', 'requests']);
  });

  test('the user filters on date and id are kept and extended, not replaced', async () => {
    const cursor: Cursor = { watermark: T, sent: { a: T - MIN } };
    const { run, calls } = read({ records: [] }, cursor, { filters: { date: { lte: T + 1 }, id: { neq: 'x' } } });
    await run;
    expect(calls[0]!.filters).toEqual({ date: { lte: T + 1, gte: T - OVERLAP }, id: { neq: ['x', 'a'] } });
    const arr = read({ records: [] }, cursor, { filters: { id: { neq: ['x', 'y'], eq: ['z'] } } });
    await arr.run;
    expect(arr.calls[0]!.filters.id).toEqual({ neq: ['x', 'y', 'a'], eq: ['z'] });
  });

  test('the first request excludes the tie at its start, then the earliest later ids, up to maxExcludedIds', async () => {
    const start = T - OVERLAP;
    const sent = { t1: start, t2: start, late3: start + 30, late1: start + 10, late2: start + 20, before: start - 1 };
    const { run, calls } = read({ records: [] }, { watermark: T, sent }, { maxExcludedIds: 4 });
    await run;
    expect(calls[0]!.filters.id).toEqual({ neq: ['t1', 't2', 'late1', 'late2'] });
    const tieOnly = read({ records: [] }, { watermark: T, sent }, { maxExcludedIds: 1 });
    await tieOnly.run;
    expect(tieOnly.calls[0]!.filters.id).toEqual({ neq: ['t1', 't2'] }); // the tie is always excluded whole
    const none = read({ records: [] }, { watermark: T, sent: {} });
    await none.run;
    expect(none.calls[0]!.filters.id).toBeUndefined();
  });

  test('each next request starts at the last timestamp of the page and excludes only the ids seen there', async () => {
    const recs = [...at(99, T - 10 * MIN), rec('x1', T - 9 * MIN), rec('x2', T - 9 * MIN), rec('y', T - 8 * MIN)];
    const { run, calls } = read({ records: recs }, { watermark: T - 10 * MIN + OVERLAP, sent: {} });
    const batches = await run;
    expect(calls.map((c) => c.filters.date!.gte)).toEqual([T - 10 * MIN, T - 9 * MIN]);
    expect(calls[1]!.filters.id).toEqual({ neq: ['x1'] });
    expect(calls[1]!.skip).toBe(0);
    expect(ids(batches)).toEqual(recs.map((r) => r._id));
    expect(batches.map((b) => b.records.length)).toEqual([100, 2]);
  });

  test('a page size the service states (max) or the client had to use (limitUsed) is kept for the run', async () => {
    const recs = at(130, T - 20 * MIN, 1000);
    const max = read({ records: recs, max: 50 }, { watermark: T - 20 * MIN + OVERLAP, sent: {} });
    expect(ids(await max.run)).toEqual(recs.map((r) => r._id));
    expect(max.calls.map((c) => c.limit)).toEqual([100, 50]);
    const used = read({ records: recs, limitUsed: (l) => Math.min(l, 40) }, { watermark: T - 20 * MIN + OVERLAP, sent: {} });
    expect(ids(await used.run)).toEqual(recs.map((r) => r._id));
    expect(used.calls.map((c) => c.limit)).toEqual([100, 40, 40, 40]);
    const small = read({ records: recs }, { watermark: T - 20 * MIN + OVERLAP, sent: {} }, { pageSize: 60 });
    await small.run;
    expect(small.calls.map((c) => c.limit)).toEqual([60, 60, 60]);
  });

  test('an aborted signal stops before the next request', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    const { run, calls } = read({ records: at(5, T - MIN) }, { watermark: T, sent: {} }, { signal: ac.signal });
    await expect(run).rejects.toThrow('stop now');
    expect(calls).toHaveLength(0);
  });
});

describe('where the watermark may go', () => {
  test('a complete read moves it to the moment of the last request, and keeps the ids inside the overlap', async () => {
    const recs = [rec('old', T - 20 * MIN), rec('new', T - 5 * MIN)];
    const { run } = read({ records: recs }, { watermark: T - 20 * MIN + OVERLAP - 1, sent: {} }, {}, T);
    const [b] = await run;
    expect(b!.cursor).toEqual({ watermark: T, sent: { new: T - 5 * MIN } });
    expect(b!.records.map((r) => r._id)).toEqual(['old', 'new']);
  });

  test('mid-read it follows the last timestamp of the page, never past the request time', async () => {
    const recs = at(150, T - 10 * MIN, 1000);
    const { run } = read({ records: recs }, { watermark: T - 10 * MIN, sent: {} });
    const batches = await run;
    expect(batches[0]!.cursor.watermark).toBe(recs[99]!.timestamp);
    expect(batches.at(-1)!.cursor.watermark).toBe(T);
  });

  test('a record from the future is delivered once, reported as suspect, and does not carry the watermark', async () => {
    const future = rec('future', T + 10 * MIN);
    const nearFuture = rec('skewed', T + 5 * MIN); // 5 minutes of clock skew are normal
    const justOver = rec('over', T + 5 * MIN + 1);
    const { run } = read({ records: [rec('now', T - MIN), nearFuture, justOver, future] }, { watermark: T - MIN, sent: {} });
    const [b] = await run;
    expect(b!.records.map((r) => r._id)).toEqual(['now', 'skewed', 'over', 'future']);
    expect(b!.suspect).toEqual([
      { id: 'over', timestamp: T + 5 * MIN + 1 },
      { id: 'future', timestamp: T + 10 * MIN },
    ]);
    expect(b!.cursor.watermark).toBe(T);
    expect(b!.cursor.sent).toMatchObject({ future: T + 10 * MIN, skewed: T + 5 * MIN });
  });

  test('a future record on a full page does not move the watermark past the request time either', async () => {
    const recs = [...at(99, T - 2 * MIN, 100), rec('future', T + 60 * MIN), rec('later', T + 61 * MIN)];
    const { run } = read({ records: recs }, { watermark: T - 2 * MIN, sent: {} });
    const batches = await run;
    expect(batches[0]!.cursor.watermark).toBe(T);
    expect(batches.every((b) => b.cursor.watermark <= T)).toBe(true);
    expect(ids(batches)).toEqual(recs.map((r) => r._id));
  });

  test('the watermark never goes back, even when a page is older than it', async () => {
    const { run } = read({ records: [rec('late', T - 10 * MIN)] }, { watermark: T - MIN, sent: {} }, {}, T - 30_000);
    const [b] = await run;
    expect(b!.cursor.watermark).toBe(T - 30_000);
    const older = read({ records: [rec('late', T - 10 * MIN)] }, { watermark: T + MIN, sent: {} }, {}, T);
    expect((await older.run)[0]!.cursor.watermark).toBe(T + MIN);
  });

  test('a replay reads [from, to] and its watermark stops at the range end', async () => {
    const clock = { now: () => T };
    const recs = [rec('a', T - 50 * MIN), rec('b', T - 40 * MIN), rec('c', T - 30 * MIN)];
    const api = fakeApi({ records: recs }, clock);
    const batches = await all(readRange(api.client, { from: T - 50 * MIN, to: T - 40 * MIN }, { dataType: 'alerts', filters: {} }));
    expect(ids(batches)).toEqual(['a', 'b']);
    expect(api.calls[0]!.filters.date).toEqual({ gte: T - 50 * MIN, lte: T - 40 * MIN });
    expect(batches.at(-1)!.cursor.watermark).toBe(T - 40 * MIN);
    // A range ending after its last record: the watermark is that record's time, not the range end.
    const api2 = fakeApi({ records: recs }, clock);
    const upTo = await all(readRange(api2.client, { from: T - 50 * MIN, to: T - 35 * MIN }, { dataType: 'alerts', filters: {} }));
    expect(upTo.at(-1)!.cursor.watermark).toBe(T - 40 * MIN);
  });

  test('a live read up to `until` does not advance past it', async () => {
    const { run, calls } = read({ records: [rec('a', T - 5 * MIN)] }, { watermark: T - 5 * MIN, sent: {} }, { until: T - 2 * MIN });
    const [b] = await run;
    expect(calls[0]!.filters.date).toEqual({ gte: T - 5 * MIN - OVERLAP, lte: T - 2 * MIN });
    expect(b!.cursor.watermark).toBe(T - 2 * MIN);
  });
});

describe('de-duplication and counts', () => {
  test('ids already delivered are dropped and counted as duplicates', async () => {
    const recs = [rec('a', T - 5 * MIN), rec('b', T - 4 * MIN)];
    const { run } = read({ records: recs, ignoreNeq: true }, { watermark: T - MIN, sent: { a: T - 5 * MIN } });
    const [b] = await run;
    expect(b!.records.map((r) => r._id)).toEqual(['b']);
    expect(b!.duplicates).toBe(1);
    expect(b!.requests).toBe(1);
  });

  test('ids of earlier runs ahead of this page stay known until the read reaches them', async () => {
    const recs = [...at(100, T - 12 * MIN, 1000), rec('old', T - 2 * MIN), rec('new', T - MIN)];
    const { run } = read({ records: recs }, { watermark: T, sent: { old: T - 2 * MIN } }, { maxExcludedIds: 0 });
    const batches = await run;
    expect(ids(batches)).toEqual([...at(100, T - 12 * MIN, 1000).map((r) => r._id), 'new']);
    expect(batches.reduce((n, b) => n + (b.duplicates ?? 0), 0)).toBe(1);
  });

  test('the floor and counted tie of the start cursor hold for every batch of the run, not only the first', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [rec('c1', tieAt), rec('c2', tieAt), ...at(150, tieAt + 1, 1000)];
    const cursor: Cursor = { watermark: T, sent: {}, floor: tieAt, tie: { at: tieAt, count: 2 } };
    const { run } = read({ records: recs }, cursor);
    const batches = await run;
    expect(ids(batches)).toEqual(at(150, tieAt + 1, 1000).map((r) => r._id));
    expect(batches).toHaveLength(2);
    for (const b of batches) expect(b.cursor).toMatchObject({ floor: tieAt, tie: { at: tieAt, count: 2 } });
  });

  test('requests are counted per batch, retries included', async () => {
    const { run } = read({ records: at(150, T - 10 * MIN, 1000), cost: 3 }, { watermark: T - 10 * MIN + OVERLAP, sent: {} });
    const batches = await run;
    expect(batches.map((b) => b.requests)).toEqual([3, 3]);
  });

  test('a counted tie at the start is passed by position (skip = count)', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [rec('t1', tieAt), rec('t2', tieAt), rec('t3', tieAt), rec('n', tieAt + 1)];
    const cursor: Cursor = { watermark: tieAt + OVERLAP, sent: {}, floor: tieAt, tie: { at: tieAt, count: 2 } };
    const { run, calls } = read({ records: recs }, cursor);
    const batches = await run;
    expect(calls[0]!.skip).toBe(2);
    expect(ids(batches)).toEqual(['t3', 'n']);
  });

  test('the id budget bounds what a batch cursor keeps, and says when the window narrowed', async () => {
    const recs = at(30, T - 10 * MIN, 1000);
    const { run } = read({ records: recs }, { watermark: T - 10 * MIN, sent: {} }, { maxSentIds: 10 });
    const [b] = await run;
    expect(Object.keys(b!.cursor.sent)).toHaveLength(10);
    expect(b!.cursor.floor).toBe(recs[20]!.timestamp);
    expect(b!.overlapNarrowedTo).toBe(recs[20]!.timestamp);
  });
});

describe('a service that does not behave', () => {
  test('records out of date order are refused', async () => {
    const { run } = read({ records: [rec('a', T - 5 * MIN), rec('b', T - 4 * MIN)], rewrite: (d) => ({ data: [...d].reverse() }) }, { watermark: T, sent: {} });
    const err = await expectRelayError(run, 'API_BAD_RESPONSE', 'fetch');
    expect(err.message).toMatch(/^POST \/api\/v1\/alerts\/: records are not in ascending date order \(a at /);
  });

  test('a record outside the requested range is refused', async () => {
    // Below the range, the order check (nothing before the request's gte) already refuses it.
    const early = read({ records: [], rewrite: () => ({ data: [rec('x', T - 60 * MIN)] }) }, { watermark: T, sent: {} });
    await expectRelayError(early.run, 'API_BAD_RESPONSE');
    const late = read({ records: [], rewrite: () => ({ data: [rec('y', T)] }) }, { watermark: T, sent: {} }, { until: T - 1 });
    expect((await expectRelayError(late.run, 'API_BAD_RESPONSE')).message).toMatch(/: record y at \d+ is outside the requested date range$/);
    const edge = read({ records: [rec('z', T - 1)] }, { watermark: T, sent: {} }, { until: T - 1 });
    expect(ids(await edge.run)).toEqual(['z']);
  });

  test('a full page that says it is the last is checked with one more request', async () => {
    const recs = at(100, T - 10 * MIN, 1000);
    const extra = rec('hidden', T - 10 * MIN + 99_000);
    const { run, calls } = read({ records: [...recs, extra], rewrite: (d, n) => (n === 1 ? { data: d, hasNext: false } : undefined) }, { watermark: T - 10 * MIN, sent: {} });
    const batches = await run;
    expect(calls).toHaveLength(2);
    expect(calls[1]!.filters.date!.gte).toBe(recs[99]!.timestamp);
    expect(ids(batches)).toEqual([...recs, extra].map((r) => r._id));
    expect(batches[0]!.cursor.watermark).toBe(recs[99]!.timestamp);
  });

  test('a full last page is confirmed once: the same page again (exclusion ignored) ends the read', async () => {
    const tieAt = T - 10 * MIN;
    const fallbacks: unknown[] = [];
    const { run, calls } = read({ records: at(100, tieAt, 0, 't'), ignoreNeq: true }, { watermark: tieAt + OVERLAP, sent: {} }, { onTieBreakFallback: (i: unknown) => fallbacks.push(i) });
    const batches = await run;
    expect(ids(batches)).toHaveLength(100);
    expect(calls).toHaveLength(2);
    expect(fallbacks).toEqual([]);
  });

  test('a full page that claims to be the last is confirmed even when the page before it ended at the same millisecond', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [...at(200, tieAt, 0, 't'), rec('hidden', tieAt + 1)];
    const { run, calls } = read({ records: recs, rewrite: (d, n) => (n === 2 ? { data: d, hasNext: false } : undefined) }, { watermark: tieAt + OVERLAP, sent: {} });
    expect(ids(await run)).toEqual(recs.map((r) => r._id));
    expect(calls).toHaveLength(3);
  });

  test('a page one short of full is taken as the last', async () => {
    const { run, calls } = read({ records: at(99, T - 10 * MIN, 1000) }, { watermark: T - 10 * MIN + OVERLAP, sent: {} });
    await run;
    expect(calls).toHaveLength(1);
  });

  test('an ignored id exclusion switches to skip once, says so, and still reads every record once', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [...at(100, tieAt, 0, 't'), rec('after', tieAt + 5)];
    const fallbacks: unknown[] = [];
    const { run, calls } = read({ records: recs, ignoreNeq: true }, { watermark: tieAt + OVERLAP, sent: {} }, { onTieBreakFallback: (i: unknown) => fallbacks.push(i) });
    const batches = await run;
    expect(ids(batches).sort()).toEqual(recs.map((r) => r._id).sort());
    expect(fallbacks).toEqual([{ dataType: 'alerts', at: tieAt }]);
    expect(calls.map((c) => [c.filters.date!.gte, c.skip])).toEqual([
      [tieAt, 0],
      [tieAt, 0],
      [tieAt, 100],
    ]);
    expect(calls[2]!.filters.id).toBeUndefined();
    const notices = batches.flatMap((b) => b.notices ?? []);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/ignored the id exclusion filter at .*paged by position \(skip\)/);
    // The repeated request is not a batch of its own: its request count and duplicates carry into the next.
    expect(batches.reduce((n, b) => n + b.requests, 0)).toBe(3);
    expect(batches.reduce((n, b) => n + (b.duplicates ?? 0), 0)).toBe(100);
  });

  test('skip mode from the start passes the records of the last millisecond by count', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [...at(100, tieAt, 0, 't'), rec('after', tieAt + 5)];
    const { run, calls } = read({ records: recs, ignoreNeq: true }, { watermark: tieAt + OVERLAP, sent: {} }, { tieBreak: 'skip' });
    expect(ids(await run).sort()).toEqual(recs.map((r) => r._id).sort());
    expect(calls.map((c) => c.skip)).toEqual([0, 100]);
    expect(calls.every((c) => c.filters.id === undefined)).toBe(true);
  });

  test('a page of records already delivered is progress, not a stuck service', async () => {
    const sent = Object.fromEntries(at(100, T - 10 * MIN, 1000).map((r) => [r._id, r.timestamp]));
    const recs = [...at(100, T - 10 * MIN, 1000), rec('new', T - MIN)];
    const fallbacks: unknown[] = [];
    const { run } = read({ records: recs }, { watermark: T, sent }, { maxExcludedIds: 0, onTieBreakFallback: (i: unknown) => fallbacks.push(i) });
    const batches = await run;
    expect(ids(batches)).toEqual(['new']);
    expect(fallbacks).toEqual([]);
    expect(batches.flatMap((b) => b.notices ?? [])).toEqual([]);
    expect(batches.reduce((n, b) => n + (b.duplicates ?? 0), 0)).toBe(100);
  });

  test('skip mode counts only the records of the millisecond it continues from', async () => {
    const tieAt = T - 10 * MIN;
    const recs = [rec('before', tieAt - 1), ...at(100, tieAt, 0, 't'), rec('after', tieAt + 5)];
    const { run, calls } = read({ records: recs, ignoreNeq: true }, { watermark: tieAt - 1 + OVERLAP, sent: {} }, { tieBreak: 'skip' });
    expect(ids(await run).sort()).toEqual(recs.map((r) => r._id).sort());
    expect(calls.map((c) => c.skip)).toEqual([0, 99]);
  });

  test('already in skip mode, a stuck millisecond is no second fallback: it ends the read', async () => {
    const tieAt = T - 10 * MIN;
    const fallbacks: unknown[] = [];
    const { run } = read({ records: at(101, tieAt, 0, 't'), ignoreNeq: true, ignoreSkip: true }, { watermark: tieAt + OVERLAP, sent: {} }, { tieBreak: 'skip', onTieBreakFallback: (i: unknown) => fallbacks.push(i) });
    await expectRelayError(run, 'API_BAD_RESPONSE');
    expect(fallbacks).toEqual([]);
  });

  test('a service that ignores both the exclusion and skip is stopped, not looped', async () => {
    const tieAt = T - 10 * MIN;
    const { run, calls } = read({ records: at(101, tieAt, 0, 't'), ignoreNeq: true, ignoreSkip: true }, { watermark: tieAt + OVERLAP, sent: {} });
    const err = await expectRelayError(run, 'API_BAD_RESPONSE', 'fetch');
    expect(err.message).toMatch(/paging does not advance at \d+ \(the service ignores both the id exclusion and skip\)/);
    expect(calls.map((c) => c.skip)).toEqual([0, 0, 100]);
  });
});
