// The pure parts of the Graph reader: the window's $filter, where an alert falls in a window, the
// version key and the trim that decides what a closed window leaves in the cursor.
import { describe, expect, test } from 'vitest';
import { compileFilter } from '../../../src/simulator/graph/odata.js';
import { place, serviceSourceFilter, windowFilter } from '../../../src/sources/graph/query.js';
import { graphMs } from '../../../src/sources/graph/response.js';
import { entryBytes, keyId, sentBytes, trimForNextWindow, versionKey } from '../../../src/sources/graph/sent-keys.js';
import type { GraphAlert } from '../../../src/sources/graph/types.js';

const W = Date.parse('2026-11-30T10:00:00Z');
const T = Date.parse('2026-11-30T11:00:00Z');
const at = (iso: string) => iso;
const alert = (created: string, updated: string, more: Partial<GraphAlert> = {}): GraphAlert => ({ id: 'a1', createdDateTime: at(created), lastUpdateDateTime: at(updated), ...more });

describe('window filter', () => {
  test('new: created in [W, T); update: changed in [W, T) and created before W; both: either', () => {
    expect(windowFilter('new', W, T, 'all')).toBe('createdDateTime ge 2026-11-30T10:00:00.000Z and createdDateTime lt 2026-11-30T11:00:00.000Z');
    expect(windowFilter('update', W, T, 'all')).toBe('lastUpdateDateTime ge 2026-11-30T10:00:00.000Z and lastUpdateDateTime lt 2026-11-30T11:00:00.000Z and createdDateTime lt 2026-11-30T10:00:00.000Z');
    expect(windowFilter('both', W, T, ['microsoftDefenderForCloudApps'])).toBe(
      "((createdDateTime ge 2026-11-30T10:00:00.000Z and createdDateTime lt 2026-11-30T11:00:00.000Z) or (lastUpdateDateTime ge 2026-11-30T10:00:00.000Z and lastUpdateDateTime lt 2026-11-30T11:00:00.000Z)) and serviceSource eq 'microsoftDefenderForCloudApps'",
    );
  });

  test('service sources: one eq, several or-ed in parentheses, quotes doubled, all = no clause', () => {
    expect(serviceSourceFilter('all')).toBeUndefined();
    expect(serviceSourceFilter([])).toBeUndefined();
    expect(serviceSourceFilter(['a', 'b'])).toBe("(serviceSource eq 'a' or serviceSource eq 'b')");
    expect(serviceSourceFilter(["it's"])).toBe("serviceSource eq 'it''s'");
  });

  test('the filters select what `place` accepts (checked with the simulator\'s OData evaluator)', () => {
    const cases: Array<[GraphAlert, 'new' | 'update' | undefined]> = [
      [alert('2026-11-30T10:00:00.0000000Z', '2026-11-30T10:00:00.0000000Z'), 'new'],
      [alert('2026-11-30T10:59:59.9990000Z', '2026-12-01T00:00:00Z'), 'new'],
      [alert('2026-11-30T09:00:00Z', '2026-11-30T10:30:00.5Z'), 'update'],
      [alert('2026-11-30T09:00:00Z', '2026-11-30T11:00:00Z'), undefined],
      [alert('2026-11-30T11:00:00Z', '2026-11-30T11:00:00Z'), undefined],
      [alert('2026-11-30T09:00:00Z', '2026-11-30T09:59:59.9999999Z'), undefined],
    ];
    const both = compileFilter(windowFilter('both', W, T, 'all'));
    const fresh = compileFilter(windowFilter('new', W, T, 'all'));
    const upd = compileFilter(windowFilter('update', W, T, 'all'));
    for (const [a, kind] of cases) {
      expect(place(a, W, T)?.kind).toBe(kind);
      const r = a as unknown as Record<string, unknown>;
      expect(both(r)).toBe(kind !== undefined);
      expect(fresh(r)).toBe(kind === 'new');
      expect(upd(r)).toBe(kind === 'update');
    }
  });

  test('graph timestamps: up to 7 fractional digits, sub-millisecond digits dropped; anything else is NaN', () => {
    expect(graphMs('2021-04-27T12:19:27.7211305Z')).toBe(Date.parse('2021-04-27T12:19:27.721Z'));
    expect(graphMs('2021-04-27T12:19:27Z')).toBe(Date.parse('2021-04-27T12:19:27Z'));
    expect(graphMs('2021-04-27T12:19:27.72113059Z')).toBeNaN();
    expect(graphMs('yesterday')).toBeNaN();
    expect(graphMs(1_700_000_000_000)).toBeNaN();
  });
});

describe('sent keys', () => {
  test('a version key is id@lastUpdateDateTime as written; a long id is hashed so the budget holds', () => {
    expect(versionKey(alert('2026-11-30T10:00:00Z', '2026-11-30T10:05:00.1234567Z'))).toBe('a1@2026-11-30T10:05:00.1234567Z');
    const long = versionKey({ id: 'x'.repeat(10_000), lastUpdateDateTime: '2026-11-30T10:05:00Z' });
    expect(long.length).toBeLessThan(80);
    expect(keyId(long)).toBe(keyId(versionKey({ id: 'x'.repeat(10_000), lastUpdateDateTime: 'other' })));
    expect(keyId('id@with@at@2026')).toBe('id@with@at');
  });

  test('a closed window keeps only versions stamped at or after its end, nearest first within the budget', () => {
    const sent = new Map<string, number>([
      ['old@1', T - 1],
      ['edge@2', T],
      ['far@3', T + 10_000],
      ['near@4', T + 5],
    ]);
    expect([...trimForNextWindow(sent, T, 10_000).sent.keys()]).toEqual(['edge@2', 'near@4', 'far@3']);
    const tight = trimForNextWindow(sent, T, 2 + entryBytes('edge@2') + entryBytes('near@4'));
    expect([...tight.sent.keys()]).toEqual(['edge@2', 'near@4']);
    expect(tight.dropped).toBe(1);
    expect(sentBytes(tight.sent)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(Object.fromEntries(tight.sent))));
  });

  test('the overlap behind the new watermark is kept newest first after the ahead versions, cut at one floor with no holes', () => {
    const sent = new Map<string, number>([
      ['gone@0', T - 100],
      ['o1@1', T - 50],
      ['o2@2', T - 20],
      ['o3@3', T - 20],
      ['o4@4', T - 1],
      ['ahead@5', T + 1],
    ]);
    const all = trimForNextWindow(sent, T, 10_000, T - 60);
    expect([...all.sent.keys()].sort()).toEqual(['ahead@5', 'o1@1', 'o2@2', 'o3@3', 'o4@4']);
    expect(all.floor).toBe(T - 60);
    // Room for ahead, o4 and one of the two stamped T - 20: both of that millisecond go, the floor passes them.
    const cut = trimForNextWindow(sent, T, 2 + entryBytes('ahead@5') + entryBytes('o4@4') + entryBytes('o2@2'), T - 60);
    expect([...cut.sent.keys()].sort()).toEqual(['ahead@5', 'o4@4']);
    expect(cut.floor).toBe(T - 19);
    expect(cut.dropped).toBe(0);
  });
});
