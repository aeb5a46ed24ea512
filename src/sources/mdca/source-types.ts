// Contract of the source stage: pages of new records, each with the cursor to commit once delivered.
import type { Batch } from '../types.js';
import type { DataType, MdcaRecord } from './types.js';

export type { Batch, Cursor } from '../types.js';

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

/** A page of the Defender for Cloud Apps source: records in ascending timestamp order. */
export type MdcaBatch = Batch<MdcaRecord> & { dataType: DataType };
