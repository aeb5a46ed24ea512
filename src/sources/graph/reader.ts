// The Graph alerts_v2 reader: closed time windows read to exhaustion, delivered page by page, each
// page's batch with the cursor that holds once it is delivered.
//
// The rule (the API gives no order and no $orderby: graph-security-api.md):
// - A window is [W, T): W is the committed watermark, T the moment the read started less a settle
//   margin (default 2 minutes). Why the margin: alerts_v2 is an eventually consistent index fed by
//   each product; a change stamped at t shows up in list queries some time after t, and our clock and
//   the service's differ by up to seconds. A window that ends 2 minutes in the past has let what is
//   stamped inside it become visible. Later arrivals are caught by the overlap:
// - Each read re-reads [W - overlap, W) (RELAY_OVERLAP, default 15 minutes) in the window's own query:
//   the filter covers [L, T), L = max(W - overlap, floor), so it costs no request of its own. What
//   `sent` holds is dropped; an alert stamped before W that became visible after its window was read
//   is delivered once, as new if created at or after L, else as an update. `floor` (in the cursor) is
//   where `sent`'s knowledge starts: every version delivered and stamped in [floor, W) is held, so the
//   re-read never meets a delivered version it forgot. No floor: nothing known behind W, no overlap.
// - It holds the alerts created in [W, T) ("new") and, with updates on, the alerts changed in [W, T)
//   that were created before W ("update"), in one `or` query (query.ts). Each alert is new in exactly
//   one window; each version (id@lastUpdateDateTime) is sent at most once (sent-keys.ts).
// - While the window is open every batch's cursor is `{watermark: W, window: {to: T}, sent}` with
//   `sent` = every version delivered in it so far: a run that stops anywhere (crash, expired nextLink,
//   deadline) re-reads the window from its first page and drops what `sent` holds. When the window is
//   read to its end, the last batch's cursor is `{watermark: T, floor, sent: <versions stamped >= T,
//   then those stamped in [T - overlap, T), the newest first, within aheadBytes>}`: a burst whose
//   overlap does not fit narrows it (floor moves past the oldest; a notice and overlapNarrowedTo say so).
//   The watermark never passes T, so a record stamped in the future is delivered (and reported) but
//   hides nothing; records outside [W, T) that the service returns anyway are left to the window
//   that covers them (an earlier window already read those before W).
// - A window too large for the cursor is narrowed before it is read: its first page asks `$count`, and
//   more than `maxWindowRecords` halves it at least (proportionally to the count). Mid-window, when
//   `sent` would pass its byte budget (long ids, a count that lied) or a nextLink expired twice, T is
//   halved again; versions already delivered past the new T stay in `sent` until a window covers them.
//   The `$count` includes the overlap's rows: those already sent are subtracted (an estimate; the byte
//   check catches what it misses). Expired nextLinks first drop the window's overlap (once).
// - A pass that saw fewer alerts than its first page's `$count` is read again (twice at most): if the
//   service's nextLinks are offsets into a live result set, an alert that leaves the window mid-read
//   (changed again, so it now belongs to a later window) moves a later one onto a page already read.
// - Hostile answers are bounded: a nextLink seen twice in one pass (a loop), more than a few pages in
//   a row that show the pass nothing new (empty, or the same alerts again under fresh links) and still
//   link on, or an expired nextLink restart the pass; too many restarts in one window fail the run with
//   API_BAD_RESPONSE. The checkpoint then holds what was delivered.
import { RelayError } from '../../errors.js';
import type { Clock } from '../../ops/clock.js';
import type { Batch, Cursor, RunHooks } from '../types.js';
import { NextLinkExpired, QueryRefused, type GraphClient } from './client.js';
import { place, windowFilter, type QueryPart, type ServiceSources } from './query.js';
import { ENDPOINT, type GraphPage } from './response.js';
import { entryBytes, SENT_HARD_BYTES, SentVersions, versionKey } from './sent-keys.js';
import { GRAPH_STREAM, type GraphRecord } from './types.js';

/** A record stamped more than this after its request is reported as suspect (skew below it is normal). */
export const SUSPECT_SKEW_MS = 5 * 60_000;
export const DEFAULT_SETTLE_MS = 2 * 60_000;
/** How far behind the watermark each read looks again for late arrivals (RELAY_OVERLAP's default). */
export const DEFAULT_OVERLAP_MS = 15 * 60_000;
/** As many as a window holds: a window that fits the cursor is then one request (see bench/suites/graph.ts). */
export const DEFAULT_PAGE_SIZE = 500;

export interface GraphReadOptions {
  /** `serviceSource` values to read, or 'all'. */
  serviceSources: ServiceSources;
  /** Deliver changes to alerts created before their window (as `update` records). */
  alertUpdates: boolean;
  /** `$top` (default 500). */
  pageSize?: number;
  /** How far behind the read's start a window ends (default 2 minutes, see the header). */
  settleMs?: number;
  /** Each read also re-reads [watermark - overlapMs, watermark) for late arrivals (default 15 minutes, see the header). */
  overlapMs?: number;
  /** A window whose `$count` exceeds this is narrowed before it is read (default 500). */
  maxWindowRecords?: number;
  /** `sent` budget in JSON bytes while a window is open; beyond it the window is halved (default 56 000). */
  maxSentBytes?: number;
  /** What a closed window may leave in `sent` for later windows, JSON bytes (default half of maxSentBytes). */
  aheadBytes?: number;
  /** Restarts of one window (expired nextLinks, loops, empty pages) before the run fails (default 6). */
  maxRestarts?: number;
  /** Pages in a row with nothing new for the pass (empty, or served again) that still link on, before the pass restarts (default 5). */
  maxEmptyPages?: number;
  /** Ask new and update records in one `or` query (default true; false: two queries per window). */
  combine?: boolean;
  /** The service refused `or`: the reader went on with two queries (called once per fallback). */
  onCombineFallback?: () => void;
  /** Dates the windows (default: the client's clock). */
  clock?: Clock;
}

export type GraphBatch = Batch<GraphRecord>;

interface Plan {
  /** Start of the window (the watermark). */
  from: number;
  /** Start of the query: the overlap re-read behind the watermark; raised to `from` when the overlap is given up for this window. */
  lo: number;
  /** Where `sent`'s knowledge starts for this window (the cursor's `floor`): every version delivered since is held. */
  known: number;
  /** End of the window, exclusive; only ever lowered while the window is open. */
  to: number;
}

/** Windows from `cursor` up to the read's start less the settle margin; see the header for the rule. */
export function readWindows(client: GraphClient, cursor: Cursor, options: GraphReadOptions, run: RunHooks = {}): AsyncGenerator<GraphBatch> {
  const clock = options.clock ?? client.clock;
  const until = clock.now() - (options.settleMs ?? DEFAULT_SETTLE_MS);
  const open = cursor.window && cursor.window.to > cursor.watermark ? cursor.window.to : undefined;
  return windowLoop(client, cursor, open, until, options, run);
}

/** Replay: every alert created (or, with updates, changed) in [from, to], inclusive; no de-duplication against the checkpoint. */
export function readRangeWindows(client: GraphClient, range: { from: number; to: number }, options: GraphReadOptions, run: RunHooks = {}): AsyncGenerator<GraphBatch> {
  return windowLoop(client, { watermark: range.from, sent: {} }, undefined, range.to + 1, options, run);
}

async function* windowLoop(client: GraphClient, cursor: Cursor, openTo: number | undefined, until: number, o: GraphReadOptions, run: RunHooks): AsyncGenerator<GraphBatch> {
  const clock = o.clock ?? client.clock;
  const top = o.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxWindow = o.maxWindowRecords ?? 500;
  const maxBytes = Math.min(o.maxSentBytes ?? 56_000, SENT_HARD_BYTES);
  const aheadBytes = Math.min(o.aheadBytes ?? Math.floor(maxBytes / 2), maxBytes);
  const maxRestarts = o.maxRestarts ?? 6;
  const maxEmpty = o.maxEmptyPages ?? 5;
  const { signal } = run;

  const sent = new SentVersions(Object.entries(cursor.sent ?? {}));
  const overlap = Math.max(0, o.overlapMs ?? DEFAULT_OVERLAP_MS);
  // The overlap re-read starts where the cursor's knowledge starts: a cursor without `floor` (a first
  // run, a replay, a cursor written before the overlap existed) knows nothing behind its watermark.
  let floor = cursor.floor !== undefined && cursor.floor < cursor.watermark ? cursor.floor : cursor.watermark;

  let combine = o.combine ?? true;
  const lowBound = (from: number) => Math.max(from - overlap, Math.min(floor, from));
  let plan: Plan | undefined = openTo !== undefined ? { from: cursor.watermark, lo: lowBound(cursor.watermark), known: lowBound(cursor.watermark), to: openTo } : undefined;
  let watermark = cursor.watermark;
  let span: number | undefined; // width for the next window after a narrowed one
  // Counted on every HTTP request, retries included; carried into the next batch that is yielded.
  let requests = 0;
  let duplicates = 0;
  const notices: string[] = [];
  let outsideNoted = false;
  const hooks: RunHooks = { signal, onRequest: () => (requests++, run.onRequest?.()) };

  const batch = (records: GraphRecord[], c: Cursor, suspect: NonNullable<Batch['suspect']>): GraphBatch => {
    const b: GraphBatch = { dataType: GRAPH_STREAM, records, cursor: c, requests, duplicates };
    if (suspect.length) b.suspect = suspect;
    if (notices.length) b.notices = notices.splice(0);
    requests = 0;
    duplicates = 0;
    return b;
  };
  const openCursor = (p: Plan): Cursor => ({ watermark: p.from, sent: sent.toJSON(), window: { to: p.to }, ...(p.known < p.from ? { floor: p.known } : {}) });
  const narrow = (p: Plan, factor: number): boolean => {
    if (p.to - p.from <= 1) return false;
    p.to = p.from + Math.max(1, Math.floor((p.to - p.from) * Math.min(0.5, factor)));
    return true;
  };

  for (;;) {
    signal?.throwIfAborted();
    if (!plan) {
      if (until <= watermark) return;
      plan = { from: watermark, lo: lowBound(watermark), known: lowBound(watermark), to: span !== undefined ? Math.min(until, watermark + span) : until };
    }
    const p: Plan = plan;
    const parts = (): QueryPart[] => (o.alertUpdates ? (combine ? ['both'] : ['new', 'update']) : ['new']);
    let part = 0;
    let restarts = 0;
    let expiries = 0;
    let shortRereads = 0;
    let narrowed = false;
    let deliveredHere = 0; // records delivered by the parts of this window already complete
    let lastCount: number | undefined;
    // Rows of the overlap re-read already delivered: not the window's to size.
    const knownRows = () => (p.lo < p.from ? sent.alertsIn(p.lo, p.from) : 0);

    const restart = (why: string) => {
      if (++restarts > maxRestarts) {
        throw new RelayError('API_BAD_RESPONSE', 'fetch', `${ENDPOINT}: the window ${new Date(p.from).toISOString()} .. ${new Date(p.to).toISOString()} could not be read to its end (${why}; ${restarts} restarts)`);
      }
    };

    window: while (part < parts().length) {
      signal?.throwIfAborted();
      const which = parts()[part]!;
      const requestedTo = p.to;
      const startedAt = clock.now();
      let page: GraphPage;
      try {
        page = await client.first({ filter: windowFilter(which, p.lo, p.to, o.serviceSources), top, count: true }, hooks);
      } catch (err) {
        if (err instanceof QueryRefused && err.status === 400 && which === 'both') {
          // The service does not take `or` across these properties: two queries per window from here on.
          combine = false;
          o.onCombineFallback?.();
          notices.push('the service refused one query for new and updated alerts (`or`): each window is now read with two queries');
          continue;
        }
        throw err;
      }
      // Size the window before delivering anything from it.
      if (page.count !== undefined) {
        const count = Math.max(0, page.count - knownRows());
        lastCount = count + deliveredHere;
        // Room: the record budget less what earlier parts delivered, and what `sent` can still take.
        const perEntry = sent.count > 0 ? (sent.bytes - 2) / sent.count : 80;
        const room = Math.max(1, Math.min(maxWindow - deliveredHere, Math.floor((maxBytes - sent.bytes) / perEntry)));
        if (count > room && narrow(p, (room * 0.8) / count)) {
          narrowed = true;
          continue; // parts already complete stay complete for the narrower window
        }
      }
      let delivered = 0;
      const passCount = page.count;
      // A pass longer than this is not paging through one window (a service streaming junk under fresh links).
      const maxPages = 4 * Math.ceil(Math.max(page.count ?? 0, 3 * maxWindow) / top) + maxEmpty;
      let pages = 1;
      let stale = 0; // pages in a row that showed this pass nothing new (empty, or a loop served again under new links)
      const links = new Set<string>();
      const passKeys = new Set<string>();
      for (;;) {
        // Place, de-duplicate and budget this page's records.
        const fresh: Array<{ record: GraphRecord; key: string; at: number; updated: number }> = [];
        const suspect: NonNullable<Batch['suspect']> = [];
        const onPage = new Set<string>();
        let outside = 0;
        let progressed = false;
        for (const alert of page.alerts) {
          const key = versionKey(alert);
          if (!passKeys.has(key)) {
            passKeys.add(key);
            progressed = true;
          }
          const placed = place(alert, p.lo, requestedTo);
          if (!placed) {
            outside++;
            continue;
          }
          if (sent.has(key) || onPage.has(key)) {
            duplicates++;
            continue;
          }
          // A new alert whose id was already delivered in another version (a re-read after it changed): an update.
          const kind = placed.kind === 'new' && sent.hasAlertOf(key) ? 'update' : placed.kind;
          if (kind === 'update' && !o.alertUpdates) {
            duplicates++;
            continue;
          }
          onPage.add(key);
          fresh.push({ record: { kind, alert }, key, at: placed.at, updated: placed.updated });
          if (placed.updated > startedAt + SUSPECT_SKEW_MS) suspect.push({ id: alert.id, timestamp: placed.updated });
        }
        if (outside > 0 && !outsideNoted) {
          outsideNoted = true; // once per read: a service that ignores the filter would otherwise say it on every page
          notices.push(`the service returned alerts outside the requested window (${outside} on a page for ${new Date(p.from).toISOString()} .. ${new Date(requestedTo).toISOString()}); each is left to the window that covers it`);
        }
        // Keep `sent` within its budget: halve the window until this page's part fits.
        let need = sent.bytes + fresh.reduce((n, f) => n + entryBytes(f.key), 0);
        let cut = false;
        while (need > maxBytes && narrow(p, 0.5)) {
          cut = narrowed = true;
          for (let i = fresh.length - 1; i >= 0; i--) if (fresh[i]!.at >= p.to) fresh.splice(i, 1);
          need = sent.bytes + fresh.reduce((n, f) => n + entryBytes(f.key), 0);
        }
        let unkept = 0;
        // Held under the later of its two times: a hostile lastUpdateDateTime before createdDateTime must not let the overlap forget it.
        for (const f of fresh) if (!sent.add(f.key, Math.max(f.at, f.updated))) unkept++;
        if (unkept > 0) notices.push(`${unkept} alerts of a one-millisecond window did not fit the checkpoint: a restart inside this window may send them again`);
        delivered += fresh.length;
        const records = fresh.map((f) => f.record);

        // A pass that saw fewer rows than its first page counted: if the service's links are offsets into a
        // live result set, a row that left the window mid-read (changed again) moved a later row onto a
        // page already read. Read the window again (twice at most); the rows that left come back later.
        const short = !cut && !page.nextLink && passCount !== undefined && passKeys.size < passCount;
        const reread = short && shortRereads < 2;
        if (reread) shortRereads++;
        else if (short) notices.push(`a pass of the window ${new Date(p.from).toISOString()} .. ${new Date(p.to).toISOString()} saw ${passKeys.size} of the ${passCount} alerts its first page counted, after 2 re-reads`);
        const last = !cut && !reread && !page.nextLink && part === parts().length - 1;
        if (last) {
          // The window is read to its end: the cursor moves to T, `sent` keeps what later windows can return.
          const wanted = Math.max(p.to - overlap, p.known);
          const closed = sent.closeAt(p.to, aheadBytes, wanted);
          if (closed.dropped > 0) notices.push(`${closed.dropped} alert versions stamped after their window did not fit the checkpoint: each may be sent once more as an update`);
          let narrowedTo: number | undefined;
          if (closed.floor > wanted && wanted < p.to) {
            narrowedTo = Math.min(closed.floor, p.to);
            notices.push(`the late-arrival overlap did not fit the checkpoint: the next read looks back only to ${new Date(narrowedTo).toISOString()} (${Math.round((p.to - narrowedTo) / 1000)} s instead of ${Math.round(overlap / 1000)} s)`);
          }
          floor = Math.min(closed.floor, p.to);
          watermark = p.to;
          plan = undefined;
          // After a narrowed window, the next one is sized from this one's density (no probe wasted on a window too large).
          if (narrowed || span !== undefined) span = Math.max(1, Math.floor((p.to - p.from) * Math.min(4, (maxWindow * 0.8) / Math.max(1, lastCount ?? deliveredHere + delivered))));
          const b = batch(records, { watermark, sent: sent.toJSON(), ...(floor < watermark ? { floor } : {}) }, suspect);
          if (narrowedTo !== undefined) b.overlapNarrowedTo = narrowedTo;
          yield b;
          break window;
        }
        if (records.length > 0) yield batch(records, openCursor(p), suspect);
        if (cut || reread) continue window; // read again from the first page (the narrower window, or the same)
        if (!page.nextLink) {
          part++;
          deliveredHere += delivered;
          continue window;
        }
        stale = progressed ? 0 : stale + 1;
        if (stale > maxEmpty) {
          restart(`${stale} pages in a row with nothing new (empty, or served again) still linking on`);
          continue window;
        }
        if (++pages > maxPages) {
          restart(`a pass went on past ${maxPages} pages`);
          continue window;
        }
        if (links.has(page.nextLink)) {
          restart('a nextLink came back a second time (a paging loop)');
          continue window;
        }
        links.add(page.nextLink);
        try {
          page = await client.next(page.nextLink, top, hooks);
        } catch (err) {
          if (!(err instanceof NextLinkExpired)) throw err;
          // Links expire (their age, or the service's state): restart the pass without the overlap re-read
          // (this window's late arrivals are then looked for by the next read only); twice more: halve it too.
          if (p.lo < p.from) {
            p.lo = p.from;
            notices.push(`nextLinks expired: the window ${new Date(p.from).toISOString()} .. ${new Date(p.to).toISOString()} is read without its late-arrival overlap`);
            continue window; // once per window: not counted as a restart
          } else if (++expiries >= 2 && narrow(p, 0.5)) {
            narrowed = true;
            expiries = 0;
          }
          restart('nextLinks expired');
          continue window;
        }
      }
    }
  }
}
