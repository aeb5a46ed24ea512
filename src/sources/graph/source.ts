// The Microsoft Graph alerts_v2 source as the pipeline takes it (src/sources/types.ts): one stream,
// `graph-alerts`, read window by window (reader.ts), each record formatted by the Graph CEF mapping.
import { RelayError } from '../../errors.js';
import type { Source } from '../types.js';
import type { GraphClient } from './client.js';
import { readRangeWindows, readWindows, type GraphReadOptions } from './reader.js';
import { GRAPH_STREAM, type GraphRecord } from './types.js';

/** The CEF mapping (cef/: `createGraphFormatter(...)`), or any function of a record to one CEF line. */
export type GraphFormat = { format(record: GraphRecord): string } | ((record: GraphRecord) => string);

export type GraphSourceOptions = Omit<GraphReadOptions, 'onCombineFallback'>;

/** Checked once when the source is built (the settings are checked before; this guards other callers). */
function assertOptions(o: GraphSourceOptions): void {
  const bad: string[] = [];
  if (o.serviceSources !== 'all' && (!Array.isArray(o.serviceSources) || o.serviceSources.length === 0 || o.serviceSources.some((s) => typeof s !== 'string' || s === ''))) {
    bad.push("serviceSources: a non-empty list of serviceSource values, or 'all'");
  }
  const positive = (name: keyof GraphSourceOptions, v: unknown, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) bad.push(`${name}: an integer >= ${min} (got ${String(v)})`);
  };
  positive('pageSize', o.pageSize, 1);
  positive('maxWindowRecords', o.maxWindowRecords, 1);
  positive('settleMs', o.settleMs, 0);
  positive('overlapMs', o.overlapMs, 0);
  positive('maxSentBytes', o.maxSentBytes, 1_000);
  positive('aheadBytes', o.aheadBytes, 0);
  if (bad.length > 0) throw new RelayError('CONFIG_INVALID', 'config', `Graph source options: ${bad.join('; ')}`);
}

export function createGraphSource(client: GraphClient, options: GraphSourceOptions, formatter: GraphFormat): Source {
  assertOptions(options);
  // Once the service is seen refusing the combined `or` query, every later read of this process uses two.
  let combine = options.combine ?? true;
  const tuning = (): GraphReadOptions => ({ ...options, combine, onCombineFallback: () => (combine = false) });
  const format = typeof formatter === 'function' ? formatter : (r: GraphRecord) => formatter.format(r);
  return {
    kind: 'graph',
    streams: [GRAPH_STREAM],
    read: (cursor, stream, range, run) => {
      if (stream !== GRAPH_STREAM) throw new Error(`the graph source has no stream ${stream}`);
      return range ? readRangeWindows(client, range, tuning(), run) : readWindows(client, cursor, tuning(), run);
    },
    format: (_stream, record) => format(record as GraphRecord),
  };
}
