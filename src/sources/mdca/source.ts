// The Defender for Cloud Apps source as the pipeline takes it (src/sources/types.ts): alerts and
// activities read by the reader, formatted as the retired agent wrote them.
import type { Source } from '../types.js';
import type { MdcaFormatter } from './cef/index.js';
import type { MdcaClient } from './client.js';
import { readBatches, readRange, type ReaderTuning } from './reader.js';
import type { Cursor, MdcaBatch } from './source-types.js';
import type { DataType, MdcaActivity, MdcaAlert } from './types.js';

export interface SourceOptions extends ReaderTuning {
  dataTypes: readonly DataType[];
  filters: Record<DataType, Record<string, Record<string, unknown>>>;
  /** Per data type; activities may want a smaller window (their volume makes `sent` large). */
  overlapMs: number | Record<DataType, number>;
  signal?: AbortSignal;
}

/** Documented ingestion lag is "minutes" (mdca-api.md): ten minutes of overlap by default. */
export const DEFAULT_OVERLAP_MS = 10 * 60_000;

export type BatchSource = (cursor: Cursor, dataType: DataType, range?: { from: number; to: number }, run?: RunHooks) => AsyncIterable<MdcaBatch>;
export type { RunHooks } from '../types.js';
import type { RunHooks } from '../types.js';

export function createBatchSource(client: MdcaClient, options: Omit<SourceOptions, 'dataTypes'>): BatchSource {
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

export function createMdcaSource(client: MdcaClient, options: SourceOptions, formatter: MdcaFormatter): Source {
  const read = createBatchSource(client, options);
  return {
    kind: 'mdca',
    streams: options.dataTypes,
    read: (cursor, stream, range, run) => read(cursor, stream as DataType, range, run),
    format: (stream, record) => (stream === 'alerts' ? formatter.alert(record as MdcaAlert) : formatter.activity(record as MdcaActivity)),
  };
}
