// Contract of the source stage: pages of new records, each with the cursor to commit once delivered.
import type { DataType, MdcaRecord } from './types.js';

/** Where a data type's reading stands. Committed only after the records before it were delivered. */
export interface Cursor {
  /** Epoch ms: every record with timestamp < watermark - overlapMs has been delivered. */
  watermark: number;
  /** Ids already delivered whose timestamp is inside the overlap window: id → timestamp. */
  sent: Record<string, number>;
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
}
