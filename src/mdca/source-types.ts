// Contract of the source stage: pages of new records, each with the cursor to commit once delivered.
import type { DataType, MdcaRecord } from './types.js';

/** Where a data type's reading stands. Committed only after the records before it were delivered. */
export interface Cursor {
  /** Epoch ms: every record with timestamp < watermark - overlapMs has been delivered. */
  watermark: number;
  /** Ids already delivered whose timestamp is inside the overlap window: id → timestamp (bounded, see sent-window.ts). */
  sent: Record<string, number>;
  /** Set when a burst outgrew the id budget: `sent` is complete only from here, so reading starts here. */
  floor?: number;
  /** A millisecond with more delivered records than the budget holds: `count` of them, skipped by position. */
  tie?: { at: number; count: number };
}

export interface ReadOptions {
  dataType: DataType;
  /** Server-side filters, already validated: `{ field: { op: value } }`. */
  filters: Record<string, Record<string, unknown>>;
  /** How far behind the watermark to re-read for late-arriving records. */
  overlapMs: number;
  /** Read up to this time (epoch ms, inclusive); default: now. */
  until?: number;
  signal?: AbortSignal;
  /** Called once per HTTP request, failed ones included (run metrics survive a failed page). */
  onRequest?: () => void;
}

export interface Batch {
  dataType: DataType;
  /** New records only (already-sent ids removed), in ascending timestamp order. */
  records: MdcaRecord[];
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
