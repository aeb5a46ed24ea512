// The source stage as the pipeline takes it: one function from (cursor, data type[, range]) to batches.
import type { MdcaClient } from './client.js';
import { readBatches, readRange, type ReaderTuning } from './reader.js';
import type { Batch, Cursor } from './source-types.js';
import type { DataType } from './types.js';

export interface SourceOptions extends ReaderTuning {
  filters: Record<DataType, Record<string, Record<string, unknown>>>;
  /** Per data type; activities may want a smaller window (their volume makes `sent` large). */
  overlapMs: number | Record<DataType, number>;
  signal?: AbortSignal;
}

/** Documented ingestion lag is "minutes" (mdca-api.md): ten minutes of overlap by default. */
export const DEFAULT_OVERLAP_MS = 10 * 60_000;

export function createBatchSource(client: MdcaClient, options: SourceOptions) {
  return (cursor: Cursor, dataType: DataType, range?: { from: number; to: number }): AsyncIterable<Batch> => {
    const filters = options.filters[dataType] ?? {};
    const overlapMs = typeof options.overlapMs === 'number' ? options.overlapMs : options.overlapMs[dataType];
    return range
      ? readRange(client, range, { ...options, dataType, filters })
      : readBatches(client, cursor, { ...options, dataType, filters, overlapMs });
  };
}
