// Shared pieces of the source-stage tests: a trivial token provider, a client on a simulator, and a
// "relay" that drains batches committing each cursor, like the pipeline does.
import { isRelayError } from '../../../src/errors.js';
import { createMdcaClient, type MdcaClient, type MdcaClientOptions } from '../../../src/sources/mdca/client.js';
import { readBatches, type ReaderTuning } from '../../../src/sources/mdca/reader.js';
import type { Cursor, ReadOptions } from '../../../src/sources/mdca/source-types.js';
import type { DataType } from '../../../src/sources/mdca/types.js';
import { scriptedToken } from '../../support/scripted-token.js';

export const staticToken = (token: string, onRefresh?: () => string | undefined) => scriptedToken('Token', token, onRefresh);

/** A client with fast retries: the backoff shape is tested on its own (retry-policy.test.ts). */
export function fastClient(url: string, o: Partial<MdcaClientOptions> = {}): MdcaClient {
  return createMdcaClient({
    portalUrl: url,
    tokenProvider: staticToken('sim-token'),
    requestTimeoutMs: 2_000,
    retry: { baseMs: 5, capMs: 50, throttleBaseMs: 20, maxAttempts: 10 },
    env: {},
    ...o,
  });
}

export interface Drained {
  ids: string[];
  cursor: Cursor;
  batches: number;
  runs: number;
  errors: string[];
}

/**
 * Runs the reader like successive timer runs: every batch is "delivered" (its ids recorded) and its
 * cursor committed; a run that fails restarts from the last committed cursor, up to `maxRuns`.
 */
export async function drain(
  client: MdcaClient,
  cursor: Cursor,
  o: { dataType?: DataType; filters?: ReadOptions['filters']; overlapMs?: number; maxRuns?: number; stopAfterBatches?: number } & ReaderTuning,
): Promise<Drained> {
  const out: Drained = { ids: [], cursor, batches: 0, runs: 0, errors: [] };
  for (let run = 0; run < (o.maxRuns ?? 1); run++) {
    out.runs++;
    try {
      let inRun = 0;
      for await (const b of readBatches(client, out.cursor, { dataType: o.dataType ?? 'alerts', filters: o.filters ?? {}, overlapMs: o.overlapMs ?? 60_000, ...o })) {
        out.ids.push(...b.records.map((r) => r._id));
        out.cursor = structuredClone(b.cursor);
        out.batches++;
        if (o.stopAfterBatches !== undefined && ++inRun >= o.stopAfterBatches) break;
      }
      if (o.stopAfterBatches === undefined) return out;
    } catch (err) {
      if (!isRelayError(err)) throw err;
      out.errors.push(err.code);
    }
  }
  return out;
}

export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}
