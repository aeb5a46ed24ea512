// The Microsoft Graph alerts_v2 source as the pipeline takes it (src/sources/types.ts): one stream,
// `graph-alerts`, read window by window (reader.ts), each record formatted by the Graph CEF mapping.
import type { Source } from '../types.js';
import type { GraphClient } from './client.js';
import { readRangeWindows, readWindows, type GraphReadOptions } from './reader.js';
import { GRAPH_STREAM, type GraphRecord } from './types.js';

/** The CEF mapping (cef/: `createGraphFormatter(...)`), or any function of a record to one CEF line. */
export type GraphFormat = { format(record: GraphRecord): string } | ((record: GraphRecord) => string);

export type GraphSourceOptions = Omit<GraphReadOptions, 'onCombineFallback'>;

export function createGraphSource(client: GraphClient, options: GraphSourceOptions, formatter: GraphFormat): Source {
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
