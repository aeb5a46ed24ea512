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
//   If the service ignores the exclusion (the same millisecond comes back with nothing new), the
//   reader falls back to 'skip' by itself for the rest of the process and reports it once.
// - The first request of a run also excludes (up to `maxExcludedIds`) ids already sent inside the
//   overlap, so a quiet run costs one request instead of re-reading the window page by page.
// - Late records (visible after the watermark passed their timestamp) are caught while their
//   timestamp is inside the overlap window; `sent` keeps the ids inside that window, bounded by
//   sent-window.ts (a burst narrows the window rather than growing the checkpoint).
// - The watermark never passes the moment the request was made: a record stamped in the future is
//   delivered (once: its id is kept), reported as suspect, and hides nothing dated before it.
// - A page that contradicts itself never gets here: the client retries it, then fails the run. A
//   full page that says it is the last is confirmed by one more request from its last timestamp.
import { RelayError } from '../../errors.js';
import type { MdcaClient } from './client.js';
import type { Clock } from '../../ops/clock.js';
import { badResponse } from './response.js';
import { boundCursor, DEFAULT_MAX_SENT_IDS, readFrom } from './sent-window.js';
import type { Cursor, MdcaBatch as Batch, ReadOptions } from './source-types.js';
import type { DataType, MdcaRecord } from './types.js';

/** A record dated more than this after its request is reported as suspect (clock skew below it is normal). */
export const SUSPECT_SKEW_MS = 5 * 60_000;

export interface ReaderTuning {
  /** Limit asked for (default 100, the documented maximum); lowered to the response's `max`. */
  pageSize?: number;
  tieBreak?: 'id' | 'skip';
  /** Ids of earlier runs excluded server-side on a run's first request (default 1000). */
  maxExcludedIds?: number;
  /** Ids a cursor keeps for de-duplication (default 1000, see sent-window.ts). */
  maxSentIds?: number;
  /** Clock used to date the end of a complete read (default: the client's). */
  clock?: Clock;
  /** The service ignored the `id neq` exclusion: this reader switched to 'skip' (called once per switch). */
  onTieBreakFallback?: (info: { dataType: DataType; at: number }) => void;
}

type Filters = Record<string, Record<string, unknown>>;

interface Bounds {
  from: number; // first gte
  to?: number; // lte, inclusive
}

/** Watermark paging from a committed cursor. See the file header for the rule. */
export async function* readBatches(client: MdcaClient, cursor: Cursor, options: ReadOptions & ReaderTuning): AsyncGenerator<Batch> {
  const known = new Map<string, number>(Object.entries(cursor.sent));
  yield* pageLoop(client, options, { from: readFrom(cursor, options.overlapMs), to: options.until }, known, cursor, true);
}

/** Replay: every record with `from <= timestamp <= to`, each once; the batches' cursors are not for committing. */
export async function* readRange(client: MdcaClient, range: { from: number; to: number }, options: Omit<ReadOptions, 'overlapMs' | 'until'> & ReaderTuning): AsyncGenerator<Batch> {
  yield* pageLoop(client, { ...options, overlapMs: 0 }, range, new Map(), { watermark: range.from, sent: {} }, false);
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

function countAt(known: Map<string, number>, ms: number): number {
  let n = 0;
  for (const ts of known.values()) if (ts === ms) n++;
  return n;
}

async function* pageLoop(client: MdcaClient, options: ReadOptions & ReaderTuning, bounds: Bounds, known: Map<string, number>, start: Cursor, advanceToNow: boolean): AsyncGenerator<Batch> {
  const { dataType, overlapMs, signal } = options;
  const endpoint = `POST /api/v1/${dataType}/`;
  const clock = options.clock ?? client.clock;
  const cap = options.maxExcludedIds ?? 1000;
  const maxIds = options.maxSentIds ?? DEFAULT_MAX_SENT_IDS;
  let tieBreak = options.tieBreak ?? 'id';
  let ceiling = options.pageSize ?? 100;
  let limit = ceiling;
  let watermark = start.watermark;
  let state: Pick<Cursor, 'floor' | 'tie'> = { floor: start.floor, tie: start.tie };
  let gte = bounds.from;
  let first = true;
  let carriedDuplicates = 0;
  let carriedRequests = 0;
  let stuckAt: number | undefined;
  let verifiedAt: number | undefined;
  const notices: string[] = [];

  // The cursor that holds once everything read so far is delivered; `known` keeps what it keeps
  // (plus the ids of a counted millisecond and of the one the next request starts at, so this run
  // can still exclude them while paging on).
  const snapshot = (records: MdcaRecord[], requests: number, duplicates: number, suspect: Batch['suspect'], nextFrom: number): Batch => {
    const { cursor, narrowedTo } = boundCursor(known, watermark, overlapMs, maxIds, state);
    for (const [id, ts] of known) if (!Object.hasOwn(cursor.sent, id) && ts !== cursor.tie?.at && ts !== nextFrom) known.delete(id);
    state = { floor: cursor.floor, tie: cursor.tie };
    const batch: Batch = { dataType, records, cursor, requests, duplicates };
    if (suspect?.length) batch.suspect = suspect;
    if (narrowedTo !== undefined) batch.overlapNarrowedTo = narrowedTo;
    if (notices.length) batch.notices = notices.splice(0);
    return batch;
  };

  for (;;) {
    signal?.throwIfAborted();
    const exclude = tieBreak === 'id' ? exclusion(known, gte, first ? cap : 0) : [];
    // Records of a counted millisecond are passed by position; in skip mode, so is every tie.
    // (the counted ones this run holds by id are excluded by id instead: skip only what an earlier run counted)
    const counted = state.tie?.at === gte ? Math.max(0, state.tie.count - countAt(known, gte)) : 0;
    const skip = counted + (tieBreak === 'skip' && !first ? countAt(known, gte) : 0);
    const startedAt = clock.now();
    const res = await client.list(dataType, { filters: withBounds(options.filters, gte, bounds.to, exclude), sortField: 'date', sortDirection: 'asc', skip, limit, onRequest: options.onRequest }, signal);
    first = false;
    const { page } = res;

    // The page size is the service's to say (`max`). A page that had to shrink (large pages failing)
    // keeps the size that worked for the rest of the run; the next run tries the full size again.
    if (page.max !== undefined) ceiling = Math.min(ceiling, page.max);
    if (res.limitUsed < limit) ceiling = Math.min(ceiling, res.limitUsed);
    limit = ceiling;

    const fresh: MdcaRecord[] = [];
    const suspect: NonNullable<Batch['suspect']> = [];
    let duplicates = carriedDuplicates;
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
      if (r.timestamp > startedAt + SUSPECT_SKEW_MS) suspect.push({ id: r._id, timestamp: r.timestamp });
    }
    // Never past the moment of the request: a record from the future must not hide later ones.
    if (page.data.length > 0) watermark = Math.max(watermark, Math.min(last, startedAt));
    const requests = carriedRequests + res.requests;
    carriedDuplicates = 0;
    carriedRequests = 0;

    // A full last page is checked with one more request before the read counts as complete: a
    // service that says "no more" too early must not move the watermark past what it did not return.
    const truncated = !page.hasNext && page.data.length > 0 && page.data.length >= res.limitUsed && verifiedAt !== last;
    if (truncated) verifiedAt = last;
    if (!page.hasNext && !truncated) {
      // Complete read: everything visible with an earlier timestamp when the last request started has
      // been seen, so the watermark can move up to that moment (or the range's end).
      if (advanceToNow) watermark = Math.max(watermark, Math.min(startedAt, bounds.to ?? Infinity));
      yield snapshot(fresh, requests, duplicates, suspect, last);
      return;
    }
    if (last === gte && fresh.length === 0) {
      // The same millisecond came back with nothing new. Once in 'id' mode: the service ignored the id
      // exclusion, so page through ties by position from here on (the request is repeated with a skip,
      // nothing is yielded). Twice at the same millisecond: it ignores skip too; stop rather than loop.
      if (stuckAt === gte) throw new RelayError('API_BAD_RESPONSE', 'fetch', `${endpoint}: paging does not advance at ${gte} (the service ignores both the id exclusion and skip)`);
      stuckAt = gte;
      if (tieBreak === 'id') {
        tieBreak = 'skip';
        options.onTieBreakFallback?.({ dataType, at: gte });
        notices.push(`the service ignored the id exclusion filter at ${new Date(gte).toISOString()}: records sharing a millisecond are now paged by position (skip) for the rest of this process`);
      }
      carriedDuplicates = duplicates;
      carriedRequests = requests;
      continue;
    }
    stuckAt = undefined;
    gte = last;
    yield snapshot(fresh, requests, duplicates, suspect, last);
  }
}
