// Shared pieces of the Graph source tests: a bearer token provider, a fast client on the Graph
// simulator, and a "relay" that drains batches like the pipeline (deliver, then commit the cursor,
// through JSON as a store would), optionally killed after a given batch.
import { isRelayError } from '../../../src/errors.js';
import { createGraphClient, type GraphClient, type GraphClientOptions } from '../../../src/sources/graph/client.js';
import { readWindows, type GraphReadOptions } from '../../../src/sources/graph/reader.js';
import { versionKey } from '../../../src/sources/graph/sent-keys.js';
import type { GraphRecord } from '../../../src/sources/graph/types.js';
import type { Cursor } from '../../../src/sources/types.js';
import { scriptedToken } from '../../support/scripted-token.js';

export const bearer = (token: string, onRefresh?: () => string | undefined) => scriptedToken('Bearer', token, onRefresh);

/** A client with fast retries (the backoff shape is tested on its own), a loose budget and its own budget scope. */
export function fastClient(endpoint: string, token: string, o: Partial<GraphClientOptions> = {}): GraphClient {
  return createGraphClient({
    endpoint,
    tokenProvider: bearer(token),
    requestTimeoutMs: 2_000,
    retry: { baseMs: 2, capMs: 20, throttleBaseMs: 10, maxAttempts: 10 },
    env: {},
    budgetScope: `test-${Math.random()}`,
    // The real budget (150 per minute) is tested on its own; here it must not make a test wait a minute.
    requestsPerMinute: 1_000,
    rateWindowMs: 1_000,
    ...o,
  });
}

export const READ: GraphReadOptions = { serviceSources: 'all', alertUpdates: true, settleMs: 0 };

export interface Drained {
  /** Delivered records, in order. */
  records: GraphRecord[];
  /** versionKey of each delivered record. */
  keys: string[];
  cursor: Cursor;
  runs: number;
  batches: number;
  requests: number;
  errors: string[];
  notices: string[];
  /** Ids the batches reported as stamped in the future. */
  suspect: string[];
  /** Largest committed cursor, JSON bytes. */
  maxCursorBytes: number;
}

/**
 * Successive runs of the reader from the committed cursor. `killAfter(run, batchInRun)` true: the run
 * dies right after that batch was delivered and committed (what a kill between two pages leaves).
 * `lostCommit(run, batchInRun)` true: the batch is delivered, then the run dies before its commit.
 * A run that fails with a RelayError restarts from the committed cursor, up to `maxRuns`.
 */
export async function drain(client: GraphClient, cursor: Cursor, read: GraphReadOptions, o: { maxRuns?: number; killAfter?: (run: number, batch: number) => boolean; lostCommit?: (run: number, batch: number) => boolean } = {}): Promise<Drained> {
  const out: Drained = { records: [], keys: [], cursor, runs: 0, batches: 0, requests: 0, errors: [], notices: [], suspect: [], maxCursorBytes: 0 };
  for (let run = 0; run < (o.maxRuns ?? 1); run++) {
    out.runs++;
    let inRun = 0;
    let killed = false;
    try {
      for await (const b of readWindows(client, out.cursor, read, { onRequest: () => out.requests++ })) {
        inRun++;
        out.batches++;
        out.notices.push(...(b.notices ?? []));
        out.suspect.push(...(b.suspect ?? []).map((r) => r.id));
        for (const r of b.records) {
          out.records.push(r as GraphRecord);
          out.keys.push(versionKey((r as GraphRecord).alert));
        }
        if (o.lostCommit?.(run, inRun)) {
          killed = true;
          break;
        }
        const json = JSON.stringify(b.cursor);
        out.maxCursorBytes = Math.max(out.maxCursorBytes, Buffer.byteLength(json));
        out.cursor = JSON.parse(json) as Cursor;
        if (o.killAfter?.(run, inRun)) {
          killed = true;
          break;
        }
      }
    } catch (err) {
      if (!isRelayError(err)) throw err;
      out.errors.push(`${err.code}: ${err.message}`);
      continue;
    }
    if (!killed) break; // a run that read to the end: caught up
  }
  return out;
}

/** Keys that occur more than once. */
export function repeated(keys: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const k of keys) (seen.has(k) ? twice : seen).add(k);
  return [...twice];
}
