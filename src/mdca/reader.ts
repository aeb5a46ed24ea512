// The source stage: reads one data type from a cursor in ascending date pages and yields batches
// of records never delivered before, each with the cursor that holds once it is delivered.
//
// Paging rule (mdca-api.md "Throttling and paging", and the pitfalls of public clients listed there):
// - Ask for `date gte W - overlap`, sorted by date ascending. Never `W + 1 ms`: that skips records
//   sharing the boundary millisecond. Records re-read inside the overlap are dropped by id (`sent`).
// - Continue from the LAST timestamp of the page (`gte last`), not from a skip offset over the whole
//   range (skip is undocumented past small values and shifts when records arrive).
// - Records sharing that last millisecond would come back again, and more than a page of them
//   would loop forever. Default ('id'): the next request excludes by `id neq [...]` every id already
//   seen at that millisecond, which is correct whatever order the service returns ties in.
//   Fallback ('skip'): `skip` = how many of that millisecond were seen; correct only if the service
//   orders ties the same way on every request; anything it misses is re-read next run in the overlap.
// - The first request of a run also excludes (up to `maxExcludedIds`) ids already sent inside the
//   overlap, so a quiet run costs one request instead of re-reading the window page by page.
// - Late records (visible after the watermark passed their timestamp) are caught while their
//   timestamp is inside the overlap window; `sent` keeps exactly the ids inside that window.
import { RelayError } from '../errors.js';
import type { MdcaClient } from './client.js';
import type { Clock } from './clock.js';
import { badResponse } from './response.js';
import type { Batch, Cursor, ReadOptions } from './source-types.js';
import type { DataType, MdcaRecord } from './types.js';

export interface ReaderTuning {
  /** Limit asked for (default 100, the documented maximum); lowered to the response's `max`. */
  pageSize?: number;
  tieBreak?: 'id' | 'skip';
  /** Ids of earlier runs excluded server-side on a run's first request (default 1000). */
  maxExcludedIds?: number;
  /** Clock used to date the end of a complete read (default: the client's). */
  clock?: Clock;
}

type Filters = Record<string, Record<string, unknown>>;

interface Bounds {
  from: number; // first gte
  to?: number; // lte, inclusive
}

/** Watermark paging from a committed cursor. See the file header for the rule. */
export async function* readBatches(client: MdcaClient, cursor: Cursor, options: ReadOptions & ReaderTuning): AsyncGenerator<Batch> {
  const known = new Map<string, number>(Object.entries(cursor.sent));
  yield* pageLoop(client, options, { from: cursor.watermark - options.overlapMs, to: options.until }, known, cursor.watermark, true);
}

/** Replay: every record with `from <= timestamp <= to`, each once; the batches' cursors are not for committing. */
export async function* readRange(client: MdcaClient, range: { from: number; to: number }, options: Omit<ReadOptions, 'overlapMs' | 'until'> & ReaderTuning): AsyncGenerator<Batch> {
  yield* pageLoop(client, { ...options, overlapMs: 0 }, range, new Map(), range.from, false);
}

function withBounds(user: Filters, gte: number, lte: number | undefined, exclude: string[]): Filters {
  const f: Filters = { ...user };
  f.date = { ...(user.date ?? {}), gte, ...(lte !== undefined ? { lte } : {}) };
  if (exclude.length > 0) {
    const prior = user.id?.neq;
    const neq = prior === undefined ? exclude : [...(Array.isArray(prior) ? prior : [prior]), ...exclude];
    f.id = { ...(user.id ?? {}), neq };
  }
  return f;
}

/** Ids to exclude for a request at `gte`: every one at exactly `gte` (the tie), then up to `cap` later ones. */
function exclusion(known: Map<string, number>, gte: number, cap: number): string[] {
  const tie: string[] = [];
  const later: Array<[string, number]> = [];
  for (const [id, ts] of known) {
    if (ts === gte) tie.push(id);
    else if (ts > gte) later.push([id, ts]);
  }
  const room = Math.max(0, cap - tie.length);
  if (room > 0 && later.length > 0) {
    later.sort((a, b) => a[1] - b[1]); // earliest first: those would fill the first page
    for (const [id] of later.slice(0, room)) tie.push(id);
  }
  return tie;
}

function snapshot(dataType: DataType, known: Map<string, number>, watermark: number, overlapMs: number, records: MdcaRecord[], requests: number, duplicates: number): Batch {
  const floor = watermark - overlapMs;
  for (const [id, ts] of known) if (ts < floor) known.delete(id); // outside the window: never re-read
  return { dataType, records, cursor: { watermark, sent: Object.fromEntries(known) }, requests, duplicates };
}

async function* pageLoop(client: MdcaClient, options: ReadOptions & ReaderTuning, bounds: Bounds, known: Map<string, number>, startWatermark: number, advanceToNow: boolean): AsyncGenerator<Batch> {
  const { dataType, overlapMs, signal } = options;
  const endpoint = `POST /api/v1/${dataType}/`;
  const clock = options.clock ?? client.clock;
  const tieBreak = options.tieBreak ?? 'id';
  const cap = options.maxExcludedIds ?? 1000;
  let ceiling = options.pageSize ?? 100;
  let limit = ceiling;
  let watermark = startWatermark;
  let gte = bounds.from;
  let first = true;

  for (;;) {
    signal?.throwIfAborted();
    const exclude = tieBreak === 'id' ? exclusion(known, gte, first ? cap : 0) : [];
    const skip = tieBreak === 'skip' && !first ? [...known.values()].filter((ts) => ts === gte).length : 0;
    const startedAt = clock.now();
    const res = await client.list(dataType, { filters: withBounds(options.filters, gte, bounds.to, exclude), sortField: 'date', sortDirection: 'asc', skip, limit }, signal);
    first = false;
    const { page } = res;

    // The page size is the service's to say (`max`). A page that had to shrink (large pages failing)
    // keeps the size that worked for the rest of the run; the next run tries the full size again.
    if (page.max !== undefined) ceiling = Math.min(ceiling, page.max);
    if (res.limitUsed < limit) ceiling = Math.min(ceiling, res.limitUsed);
    limit = ceiling;

    const fresh: MdcaRecord[] = [];
    let duplicates = 0;
    let last = gte;
    for (const r of page.data) {
      if (r.timestamp < last) throw badResponse(endpoint, `records are not in ascending date order (${r._id} at ${r.timestamp} after ${last})`);
      if (r.timestamp < gte || (bounds.to !== undefined && r.timestamp > bounds.to)) {
        throw badResponse(endpoint, `record ${r._id} at ${r.timestamp} is outside the requested date range`);
      }
      last = r.timestamp;
      if (known.has(r._id)) {
        duplicates++; // delivered before (overlap re-read) or earlier in this run
        continue;
      }
      known.set(r._id, r.timestamp);
      fresh.push(r);
    }
    if (page.data.length > 0) watermark = Math.max(watermark, last);

    const done = !page.hasNext || page.data.length === 0;
    if (done) {
      // Complete read: everything visible with an earlier timestamp when the last request started has
      // been seen, so the watermark can move up to that moment (or the range's end).
      if (advanceToNow) watermark = Math.max(watermark, Math.min(startedAt, bounds.to ?? Infinity));
      yield snapshot(dataType, known, watermark, overlapMs, fresh, res.requests, duplicates);
      return;
    }
    if (page.data.length > 0 && last === gte && fresh.length === 0 && tieBreak === 'id') {
      // The service ignored the id exclusion (the same millisecond came back with nothing new): stop
      // rather than loop; the checkpoint holds and the error names the endpoint.
      throw new RelayError('API_BAD_RESPONSE', 'fetch', `${endpoint}: the id exclusion filter was ignored at ${gte}; set the tie-break to "skip"`);
    }
    gte = last;
    yield snapshot(dataType, known, watermark, overlapMs, fresh, res.requests, duplicates);
  }
}
