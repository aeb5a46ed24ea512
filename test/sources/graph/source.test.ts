// createGraphSource as the pipeline takes it: kind, stream, reads from a cursor, replay ranges
// without de-duplication against the checkpoint, and CEF lines from the Graph mapping.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createCefWriter, DEFAULT_CEF_OPTIONS } from '../../../src/cef/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../../src/simulator/graph/index.js';
import { createGraphFormatter, DEFAULT_GRAPH_CEF_OPTIONS } from '../../../src/sources/graph/cef/index.js';
import { createGraphSource } from '../../../src/sources/graph/source.js';
import { GRAPH_STREAM, type GraphRecord } from '../../../src/sources/graph/types.js';
import type { Batch, Source } from '../../../src/sources/types.js';
import { fastClient, READ } from './helpers.js';

const HOUR = 3_600_000;
let sim: GraphSimulator;
beforeEach(async () => {
  sim = await startGraphSimulator({ rateLimit: false });
});
afterEach(() => sim.close());

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('graph source', () => {
  test('is kind graph with one stream, and reads a cursor into batches of records', async () => {
    const alerts = sim.generate(30, { seed: 1, start: Date.now() - 2 * HOUR, end: Date.now() - HOUR });
    const source: Source = createGraphSource(fastClient(sim.url, sim.token), READ, (r) => `line ${r.kind} ${r.alert.id}`);
    expect(source.kind).toBe('graph');
    expect(source.streams).toEqual([GRAPH_STREAM]);
    const batches = await collect(source.read({ watermark: Date.now() - 3 * HOUR, sent: {} }, GRAPH_STREAM));
    const records = batches.flatMap((b) => b.records as GraphRecord[]);
    expect(records.map((r) => r.alert.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(batches.every((b) => b.dataType === GRAPH_STREAM)).toBe(true);
    expect(batches.at(-1)!.cursor.window).toBeUndefined();
    expect(source.format(GRAPH_STREAM, records[0])).toBe(`line new ${records[0]!.alert.id}`);
    expect(() => source.read({ watermark: 0, sent: {} }, 'alerts')).toThrow(/no stream alerts/);
  });

  test('refuses options that would read nothing or everything by mistake, naming each', () => {
    const client = fastClient(sim.url, sim.token);
    expect(() => createGraphSource(client, { ...READ, serviceSources: [] }, () => '')).toThrow(/serviceSources: a non-empty list/);
    expect(() => createGraphSource(client, { ...READ, pageSize: 0, settleMs: -1 }, () => '')).toThrow(/pageSize: an integer >= 1 \(got 0\); settleMs: an integer >= 0 \(got -1\)/);
  });

  test('formats through the Graph CEF mapping', async () => {
    const [alert] = sim.generate(1, { seed: 2, serviceSources: ['microsoftDefenderForEndpoint'] });
    const source = createGraphSource(fastClient(sim.url, sim.token), READ, createGraphFormatter(DEFAULT_GRAPH_CEF_OPTIONS, createCefWriter(DEFAULT_CEF_OPTIONS)));
    const line = source.format(GRAPH_STREAM, { kind: 'new', alert: alert! } satisfies GraphRecord);
    expect(line).toMatch(/CEF:0\|/);
    expect(line).toContain(alert!.id);
    expect(line).not.toMatch(/[\r\n]/);
  });

  test('a replay range re-sends what the checkpoint already holds, new and updated alike', async () => {
    const from = Date.now() - 2 * HOUR;
    const to = Date.now() - HOUR;
    const inRange = sim.generate(40, { seed: 3, start: from, end: to });
    sim.generate(10, { seed: 4, start: to + 60_000, end: Date.now() - 5 * 60_000 });
    const source = createGraphSource(fastClient(sim.url, sim.token), { ...READ, maxWindowRecords: 15, pageSize: 7 }, () => '');
    const live = await collect(source.read({ watermark: Date.now() - 3 * HOUR, sent: {} }, GRAPH_STREAM));
    const committed = live.at(-1)!.cursor;
    expect(live.flatMap((b) => b.records)).toHaveLength(50);

    const replay = await collect(source.read(committed, GRAPH_STREAM, { from, to }));
    const ids = replay.flatMap((b) => (b.records as GraphRecord[]).map((r) => r.alert.id));
    expect(ids.sort()).toEqual(inRange.map((a) => a.id).sort());
    expect(replay.flatMap((b) => b.records as GraphRecord[]).every((r) => r.kind === 'new')).toBe(true);
  });
});

describe('graph source and evolvable enums', () => {
  test('selects and receives serviceSource members added after unknownFutureValue (Defender for Cloud, Sentinel) by their names', async () => {
    const wanted = ['microsoftDefenderForCloud', 'microsoftSentinel'];
    const alerts = sim.generate(20, { seed: 9, serviceSources: wanted, start: Date.now() - 2 * HOUR, end: Date.now() - HOUR });
    const source = createGraphSource(fastClient(sim.url, sim.token), { ...READ, serviceSources: wanted }, () => '');
    const batches = await collect(source.read({ watermark: Date.now() - 3 * HOUR, sent: {} }, GRAPH_STREAM));
    const records = batches.flatMap((b) => b.records as GraphRecord[]);
    expect(records.map((r) => r.alert.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(new Set(records.map((r) => r.alert.serviceSource))).toEqual(new Set(alerts.map((a) => a.serviceSource)));
    expect(records.some((r) => r.alert.serviceSource === 'unknownFutureValue')).toBe(false);
  });
});
