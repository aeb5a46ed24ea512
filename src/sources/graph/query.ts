// The `$filter` of a window and how each returned alert is placed in it. alerts_v2 filters on
// createdDateTime, lastUpdateDateTime and serviceSource among others (security-list-alerts_v2.md);
// date literals are unquoted ISO-8601, strings single-quoted with '' as the escape (OData 4.01 ABNF).
//
// A window [W, T) holds two kinds of record:
// - new: createdDateTime in [W, T). Every alert has one createdDateTime, so it is new in exactly one
//   window, whatever its lastUpdateDateTime when read (an alert created and then closed before the
//   window was read is still delivered, once, as new).
// - update: lastUpdateDateTime in [W, T) and createdDateTime < W: a change to an alert created before
//   the window. Only when updates are on.
// The reader passes W = the start of its late-arrival overlap (reader.ts): the overlap is re-read in
// the same query. Both are asked in one query with `or` (one request per page for both); a service that refuses `or`
// gets two queries (the reader falls back by itself, see reader.ts).
import { graphMs } from './response.js';
import type { GraphAlert, GraphRecord } from './types.js';

export type ServiceSources = readonly string[] | 'all';

/** Which part of the window a query asks for. */
export type QueryPart = 'both' | 'new' | 'update';

const iso = (ms: number) => new Date(ms).toISOString();
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `serviceSource eq 'a'`, `(serviceSource eq 'a' or serviceSource eq 'b')`, or nothing for all. */
export function serviceSourceFilter(sources: ServiceSources): string | undefined {
  if (sources === 'all' || sources.length === 0) return undefined;
  // `in (...)` is not documented for alerts_v2: `or` of `eq` is plain OData 4.0.
  const terms = sources.map((s) => `serviceSource eq ${quote(s)}`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' or ')})`;
}

export function windowFilter(part: QueryPart, from: number, to: number, sources: ServiceSources): string {
  const created = `createdDateTime ge ${iso(from)} and createdDateTime lt ${iso(to)}`;
  const updated = `lastUpdateDateTime ge ${iso(from)} and lastUpdateDateTime lt ${iso(to)}`;
  const time = part === 'new' ? created : part === 'update' ? `${updated} and createdDateTime lt ${iso(from)}` : `((${created}) or (${updated}))`;
  const source = serviceSourceFilter(sources);
  return source ? `${time} and ${source}` : time;
}

export interface Placed {
  kind: GraphRecord['kind'];
  /** The time that puts the record in the window: createdDateTime (new) or lastUpdateDateTime (update). */
  at: number;
  /** lastUpdateDateTime, epoch ms. */
  updated: number;
}

/** Where `alert` falls in [from, to), or undefined when it is outside (the service returned it anyway). */
export function place(alert: GraphAlert, from: number, to: number): Placed | undefined {
  const created = graphMs(alert.createdDateTime);
  const updated = graphMs(alert.lastUpdateDateTime);
  if (created >= from && created < to) return { kind: 'new', at: created, updated };
  if (updated >= from && updated < to && created < from) return { kind: 'update', at: updated, updated };
  return undefined;
}
