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

export type BatchSource = (cursor: Cursor, dataType: DataType, range?: { from: number; to: number }, run?: RunHooks) => AsyncIterable<Batch>;

/** Per run: the run's abort signal and its request counter. */
export interface RunHooks {
  signal?: AbortSignal;
  onRequest?: () => void;
}

export function createBatchSource(client: MdcaClient, options: SourceOptions): BatchSource {
  // Once the service is seen ignoring the id exclusion, every later read of this process pages ties by position.
  const tieBreak: Partial<Record<DataType, 'skip'>> = {};
  return (cursor, dataType, range, run = {}) => {
    const filters = options.filters[dataType] ?? {};
    const overlapMs = typeof options.overlapMs === 'number' ? options.overlapMs : options.overlapMs[dataType];
    const tuning = {
      ...options,
      ...run,
      tieBreak: tieBreak[dataType] ?? options.tieBreak,
      onTieBreakFallback: () => {
        tieBreak[dataType] = 'skip';
      },
      dataType,
      filters,
    };
    return range ? readRange(client, range, tuning) : readBatches(client, cursor, { ...tuning, overlapMs });
  };
}
