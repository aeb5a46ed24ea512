// The de-duplication state is bounded whatever the burst, and never claims less than it knows:
// every delivered record at or after the floor is either kept by id or counted in the tie.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { boundCursor, readFrom } from '../../../src/sources/mdca/sent-window.js';

const MIN = 60_000;
const W = Date.UTC(2026, 10, 30, 12);

function burst(n: number, from: number, to: number, seed = 1): Map<string, number> {
  const known = new Map<string, number>();
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    known.set(`${i.toString(16).padStart(24, '0')}`, from + (x % Math.max(1, to - from)));
  }
  return known;
}

describe('bounded de-duplication state', () => {
  test('a quiet window keeps every id and no floor: the whole overlap is re-read', () => {
    const known = burst(300, W - 10 * MIN, W);
    const { cursor, narrowedTo } = boundCursor(known, W, 15 * MIN, 1000);
    expect(Object.keys(cursor.sent)).toHaveLength(300);
    expect(cursor.floor).toBeUndefined();
    expect(narrowedTo).toBeUndefined();
    expect(readFrom(cursor, 15 * MIN)).toBe(W - 15 * MIN);
  });

  test('ids older than the overlap window are dropped', () => {
    const known = burst(50, W - 60 * MIN, W - 20 * MIN);
    known.set('recent', W - MIN);
    const { cursor } = boundCursor(known, W, 15 * MIN, 1000);
    expect(cursor.sent).toEqual({ recent: W - MIN });
  });

  test.each([12_000, 100_000])('%i records in one window: at most the budget, newest kept, the floor where knowledge is complete', (n) => {
    const known = burst(n, W - 15 * MIN, W);
    const { cursor, narrowedTo } = boundCursor(known, W, 15 * MIN, 1000);
    const kept = Object.entries(cursor.sent);
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept.length).toBeGreaterThan(900); // whole milliseconds only: a little under the budget
    expect(JSON.stringify(cursor).length).toBeLessThan(60_000); // two Table string properties at most
    expect(narrowedTo).toBe(cursor.floor);
    // Complete from the floor: every record at or after it is kept; none before it.
    for (const [id, ts] of known) expect(Object.hasOwn(cursor.sent, id)).toBe(ts >= cursor.floor!);
    expect(readFrom(cursor, 15 * MIN)).toBe(cursor.floor);
  });

  test('one millisecond holding more records than the budget is kept as a count, not dropped', () => {
    const known = burst(200, W - 10 * MIN, W - MIN);
    for (let i = 0; i < 1500; i++) known.set(`tie${i}`, W - 1000);
    const { cursor } = boundCursor(known, W - 1000, 15 * MIN, 1000);
    expect(cursor.tie).toEqual({ at: W - 1000, count: 1500 });
    expect(cursor.floor).toBe(W - 1000);
    expect(Object.keys(cursor.sent)).toHaveLength(0);
  });

  test('a count from an earlier run is carried while its millisecond is still above the floor', () => {
    const prior = { floor: W - 1000, tie: { at: W - 1000, count: 1500 } };
    const known = new Map([
      ['new-at-tie', W - 1000],
      ['later', W - 500],
    ]);
    const { cursor } = boundCursor(known, W, 15 * MIN, 1000, prior);
    expect(cursor.tie).toEqual(prior.tie);
    expect(cursor.sent).toEqual({ 'new-at-tie': W - 1000, later: W - 500 });
    expect(readFrom(cursor, 15 * MIN)).toBe(W - 1000);
    // Once the watermark has moved a whole overlap past it, the count is gone with the window.
    const later = boundCursor(new Map(), W + 20 * MIN, 15 * MIN, 1000, cursor).cursor;
    expect(later.tie).toBeUndefined();
    expect(later.floor).toBeUndefined();
  });

  test('records dated after the watermark have a budget of their own: they never narrow the window nor crowd out real ids', () => {
    const known = burst(900, W - 10 * MIN, W);
    for (let i = 0; i < 5000; i++) known.set(`future${i}`, Date.UTC(2100, 0, 1) + i);
    const { cursor, narrowedTo } = boundCursor(known, W, 15 * MIN, 1000);
    const ids = Object.keys(cursor.sent);
    expect(ids.filter((id) => id.startsWith('future'))).toHaveLength(1000);
    expect(ids.filter((id) => id.startsWith('future')).every((id) => Number(id.slice(6)) < 1000)).toBe(true); // the nearest (earliest) ones
    expect(ids.filter((id) => !id.startsWith('future'))).toHaveLength(900);
    expect(cursor.floor).toBeUndefined();
    expect(narrowedTo).toBeUndefined();
  });

  test('property: bounded, floor <= watermark, and complete from the floor (ids or the counted tie)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 10, max: 300 }),
        (groups, max) => {
          const known = new Map<string, number>();
          let n = 0;
          for (const [offset, size] of groups) for (let i = 0; i < size; i++) known.set(`r${n++}`, W - offset * 1000);
          const { cursor } = boundCursor(known, W, 15 * MIN, max);
          expect(Object.keys(cursor.sent).length).toBeLessThanOrEqual(max); // none dated after the watermark here
          const floor = readFrom(cursor, 15 * MIN);
          expect(floor).toBeLessThanOrEqual(W);
          for (const [id, ts] of known) {
            if (ts < floor) continue;
            const covered = Object.hasOwn(cursor.sent, id) || cursor.tie?.at === ts;
            expect(covered).toBe(true);
          }
          if (cursor.tie) expect(cursor.tie.count).toBe([...known.values()].filter((ts) => ts === cursor.tie!.at).length);
        },
      ),
      { numRuns: 200, seed: 13 },
    );
  });
});
