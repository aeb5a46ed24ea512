// The contract between a source (one folder per API under src/sources/) and the pipeline. The
// pipeline, the checkpoint and the CEF core know only this: streams of batches, each batch with the
// cursor that holds once it is delivered, and a source-supplied formatter for its records.
//
// A source guarantees: records of a batch are new (already-delivered ones dropped by the cursor's
// de-duplication state); a cursor never claims a record it did not yield; cursors of one stream
// only move forward. The pipeline guarantees: a cursor is committed only after its batch was
// delivered, in the order the batches came.

/** A stream a source reads, with its own checkpoint row and lease: `alerts`, `activities` (mdca), `graph-alerts` (graph). */
export type Stream = string;

/** Where a stream's reading stands. Committed only after the records before it were delivered. JSON, < 64 KB. */
export interface Cursor {
  /** Epoch ms: every record with timestamp < watermark - overlapMs has been delivered (graph: start of the open window). */
  watermark: number;
  /** Delivered keys whose timestamp is inside the overlap window: key → timestamp (bounded, see mdca/sent-window.ts). */
  sent: Record<string, number>;
  /** Set when a burst outgrew the id budget: `sent` is complete only from here, so reading starts here. */
  floor?: number;
  /** A millisecond with more delivered records than the budget holds: `count` of them, skipped by position. */
  tie?: { at: number; count: number };
  /** graph: the closed window being read, `[watermark, to)`; `sent` lists what of it was delivered. */
  window?: { to: number };
}

export interface Batch<R = unknown> {
  dataType: Stream;
  /** New records only, in the order to deliver them. */
  records: R[];
  /** The cursor that holds once `records` are delivered. */
  cursor: Cursor;
  /** API requests spent on this batch, for metrics. */
  requests: number;
  /** Records the API returned that were already delivered (overlap re-reads), dropped here. */
  duplicates?: number;
  /** Records dated after the request was made (more than a small skew): delivered, but the watermark does not follow them. */
  suspect?: Array<{ id: string; timestamp: number }>;
  /** The id budget narrowed the late-arrival window: it now starts here (epoch ms). */
  overlapNarrowedTo?: number;
  /** Changes of behaviour the operator should know about (logged as warnings, kept in the status). */
  notices?: string[];
}

/** Per run: the run's abort signal and its request counter. */
export interface RunHooks {
  signal?: AbortSignal;
  /** Called once per HTTP request, failed ones included (run metrics survive a failed page). */
  onRequest?: () => void;
}

export interface Source {
  /** `mdca` (Defender for Cloud Apps API) or `graph` (Microsoft Graph security alerts_v2). */
  readonly kind: string;
  /** The streams this configuration reads, in order. */
  readonly streams: readonly Stream[];
  /** Pages of new records from `cursor` on; with `range`, a past span re-read without de-duplication (replay). */
  read(cursor: Cursor, stream: Stream, range?: { from: number; to: number }, run?: RunHooks): AsyncIterable<Batch>;
  /** One CEF line (no line break) for a record of `stream`. */
  format(stream: Stream, record: unknown): string;
}
