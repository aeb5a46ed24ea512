// The de-duplication state a cursor carries, bounded by design: at most `maxIds` ids, whatever the burst.
//
// Why: the overlap window is re-read on every run to catch late-arriving records, and the ids already
// delivered inside it are what keeps those re-reads from being sent twice. Kept whole, that set grows
// with the volume (12,000 alerts in a 15-minute window did not fit one Table entity, and the relay
// stalled on its own checkpoint). The rule instead:
// - Keep the ids of the NEWEST records, whole milliseconds at a time, up to `maxIds`. `floor` is the
//   oldest millisecond still fully known; the next read starts at max(watermark - overlap, floor), so
//   nothing below the floor is re-read (and nothing there can be re-sent). A burst thus narrows the
//   late-arrival window to the span of the newest `maxIds` records; the run reports it.
// - A millisecond with more records than fit is kept as a count (`tie`), read past with `skip` on
//   the next run (correct when the service orders ties the same way each time, as the skip tie-break).
// - Records dated after the watermark (clock skew, or a record stamped in the future: the watermark
//   never follows them) have a budget of their own and never move the floor; beyond that budget
//   they may be sent again on later runs (logged as suspect), never lost.
// Pure: no clock, no I/O.
import type { Cursor } from './source-types.js';

export const DEFAULT_MAX_SENT_IDS = 1_000;

export interface BoundedCursor {
  cursor: Cursor;
  /** Set when the cap moved the floor above watermark - overlap: the late-arrival window is narrower. */
  narrowedTo?: number;
}

/** An empty id -> timestamp record. Built once per page with up to `maxIds` keys: without a
 *  prototype it is a hash table from the start (5x faster than {} growing into one). */
function idMap(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** Where the next read starts: the overlap, unless the bounded state only covers less. */
export function readFrom(cursor: Cursor, overlapMs: number): number {
  return Math.max(cursor.watermark - overlapMs, cursor.floor ?? -Infinity);
}

/**
 * The cursor to commit for `known` (id -> timestamp of records delivered in this window). `prior` is
 * the cursor the run started from: its floor and tie still hold for what this run did not re-read.
 */
export function boundCursor(known: ReadonlyMap<string, number>, watermark: number, overlapMs: number, maxIds: number, prior?: Pick<Cursor, 'floor' | 'tie'>): BoundedCursor {
  const windowStart = Math.max(watermark - overlapMs, prior?.floor ?? -Infinity);
  const priorTie = prior?.tie && prior.tie.at >= windowStart ? prior.tie : undefined;
  const inWindow: Array<[string, number]> = [];
  let ahead = 0;
  for (const entry of known) {
    if (entry[1] < windowStart) continue;
    inWindow.push(entry);
    if (entry[1] > watermark) ahead++;
  }
  if (inWindow.length - ahead <= maxIds && ahead <= maxIds) {
    const floor = prior?.floor !== undefined && prior.floor > watermark - overlapMs ? prior.floor : undefined;
    const sent = idMap();
    for (const [id, ts] of inWindow) sent[id] = ts;
    return { cursor: { watermark, sent, ...(floor !== undefined ? { floor } : {}), ...(priorTie ? { tie: priorTie } : {}) } };
  }

  inWindow.sort((a, b) => b[1] - a[1]); // newest first
  const sent = idMap();
  let kept = 0;
  let i = 0;
  // Suspect records dated after the watermark: a budget of their own, the nearest first.
  let future = i;
  while (future < inWindow.length && inWindow[future]![1] > watermark) future++;
  for (let k = Math.max(0, future - maxIds); k < future; k++) sent[inWindow[k]![0]] = inWindow[k]![1];
  i = future;
  // Whole milliseconds, newest first, while they fit.
  let floor: number | undefined;
  let tie: Cursor['tie'];
  let complete = true;
  while (i < inWindow.length) {
    const ms = inWindow[i]![1];
    let j = i;
    while (j < inWindow.length && inWindow[j]![1] === ms) j++;
    if (kept + (j - i) > maxIds) {
      complete = false;
      // The newest millisecond alone does not fit: keep it as a count (with what an earlier run counted).
      if (floor === undefined) {
        tie = { at: ms, count: j - i + (priorTie?.at === ms ? priorTie.count : 0) };
        floor = ms;
      }
      break;
    }
    for (let k = i; k < j; k++) sent[inWindow[k]![0]] = ms;
    kept += j - i;
    floor = ms;
    i = j;
  }
  // Everything up to the watermark fitted (only suspect records overflowed): the window stays whole.
  if (complete) floor = prior?.floor !== undefined && prior.floor > watermark - overlapMs ? prior.floor : undefined;
  if (!tie && priorTie && priorTie.at >= (floor ?? -Infinity)) tie = priorTie; // still above the floor: its records are still skipped by count
  const cursor: Cursor = { watermark, sent, ...(floor !== undefined ? { floor } : {}), ...(tie ? { tie } : {}) };
  return { cursor, narrowedTo: floor !== undefined && floor > watermark - overlapMs && !complete ? floor : undefined };
}
