// boundCursor to the record, on small hand-made windows: each case pins one boundary of the rule in
// sent-window.ts (budget exactly full, a millisecond at the window start, a tie carried over, the future
// budget alone overflowing). Written to kill the mutants the burst and property tests let through.
import { describe, expect, test } from 'vitest';
import { boundCursor, readFrom } from '../../../src/sources/mdca/sent-window.js';

const W = Date.UTC(2026, 10, 30, 12);
const MIN = 60_000;
const OVERLAP = 15 * MIN;
/** boundCursor with `sent` as a plain object: it builds a prototype-less one (faster to fill), and
 *  toStrictEqual compares prototypes; own keys (undefined ones too) are what the checkpoint stores. */
const bound = (...args: Parameters<typeof boundCursor>) => {
  const r = boundCursor(...args);
  return { ...r, cursor: { ...r.cursor, sent: { ...r.cursor.sent } } };
};
const known = (entries: Array<[string, number]>) => new Map(entries);

describe('bounded de-duplication state, case by case', () => {
  test('a window that fits exactly keeps every id and adds no floor, tie or narrowing (no undefined keys either)', () => {
    const k = known([['a', W - MIN], ['b', W - 2 * MIN], ['c', W - 3 * MIN]]);
    const r = bound(k, W, OVERLAP, 3);
    expect(r).toStrictEqual({ cursor: { watermark: W, sent: { a: W - MIN, b: W - 2 * MIN, c: W - 3 * MIN } } });
    expect(Object.keys(r.cursor)).toEqual(['watermark', 'sent']);
  });

  test('one id over the budget: the newest whole milliseconds that fill it exactly, the floor at the last one kept', () => {
    const k = known([['a', W - MIN], ['b', W - 2 * MIN], ['c', W - 3 * MIN], ['d', W - 4 * MIN], ['e', W - 5 * MIN]]);
    const r = bound(k, W, OVERLAP, 4);
    expect(r.cursor).toStrictEqual({ watermark: W, sent: { a: W - MIN, b: W - 2 * MIN, c: W - 3 * MIN, d: W - 4 * MIN }, floor: W - 4 * MIN });
    expect(r.narrowedTo).toBe(W - 4 * MIN);
    expect(readFrom(r.cursor, OVERLAP)).toBe(W - 4 * MIN);
  });

  test('records before the window are not counted against the budget', () => {
    const k = known([['a', W - MIN], ['b', W - 2 * MIN], ['old', W - OVERLAP - 1]]);
    expect(bound(k, W, OVERLAP, 2)).toStrictEqual({ cursor: { watermark: W, sent: { a: W - MIN, b: W - 2 * MIN } } });
  });

  test('a floor exactly at the window start is no narrowing', () => {
    const start = W - OVERLAP;
    // The window's first millisecond holds more records than the budget: counted as a tie there.
    const k = known([['b', start], ['c', start], ['d', start]]);
    const r = bound(k, W, OVERLAP, 2);
    expect(r.cursor).toStrictEqual({ watermark: W, sent: {}, floor: start, tie: { at: start, count: 3 } });
    expect(r.narrowedTo).toBeUndefined();
    // One millisecond later it is a narrowing.
    const later = bound(known([['b', start + 1], ['c', start + 1], ['d', start + 1]]), W, OVERLAP, 2);
    expect(later.narrowedTo).toBe(start + 1);
  });

  test('a prior floor at the window start is dropped; above it, kept', () => {
    const k = known([['a', W - MIN]]);
    expect(bound(k, W, OVERLAP, 5, { floor: W - OVERLAP }).cursor).toStrictEqual({ watermark: W, sent: { a: W - MIN } });
    expect(bound(k, W, OVERLAP, 5, { floor: W - OVERLAP + 1 }).cursor).toStrictEqual({ watermark: W, sent: { a: W - MIN }, floor: W - OVERLAP + 1 });
  });

  test('the newest millisecond alone over the budget becomes a tie, adding what an earlier run counted there', () => {
    const at = W - 2 * MIN;
    const k = known([['x', at], ['y', at], ['z', at]]);
    const r = bound(k, W, OVERLAP, 2, { tie: { at, count: 5 } });
    expect(r.cursor).toStrictEqual({ watermark: W, sent: {}, floor: at, tie: { at, count: 8 } });
    const fresh = bound(k, W, OVERLAP, 2, { tie: { at: at - 1, count: 5 } });
    expect(fresh.cursor.tie).toEqual({ at, count: 3 });
  });

  test('an earlier tie still above the floor is carried; one below it is dropped', () => {
    const k = known([['a', W - MIN], ['b', W - 2 * MIN], ['c', W - 3 * MIN]]);
    const above = bound(k, W, OVERLAP, 2, { tie: { at: W - MIN, count: 4 } });
    expect(above.cursor).toStrictEqual({ watermark: W, sent: { a: W - MIN, b: W - 2 * MIN }, floor: W - 2 * MIN, tie: { at: W - MIN, count: 4 } });
    const below = bound(k, W, OVERLAP, 2, { tie: { at: W - 3 * MIN, count: 4 } });
    expect(below.cursor.tie).toBeUndefined();
    const atFloor = bound(k, W, OVERLAP, 2, { tie: { at: W - 2 * MIN, count: 4 } });
    expect(atFloor.cursor.tie).toEqual({ at: W - 2 * MIN, count: 4 });
  });

  test('with no floor at all, an earlier tie inside the window is carried', () => {
    // Bounded only by the future budget: the past fits, so there is no floor, and the tie still holds.
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['p', W - MIN]]);
    const r = bound(k, W, OVERLAP, 1, { tie: { at: W - 3 * MIN, count: 2 } });
    expect(r.cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, p: W - MIN }, tie: { at: W - 3 * MIN, count: 2 } });
  });

  test('a tie after kept future records counts only its own millisecond', () => {
    const at = W - 2 * MIN;
    const k = known([['f1', W + MIN], ['x', at], ['y', at], ['z', at]]);
    expect(bound(k, W, OVERLAP, 2).cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN }, floor: at, tie: { at, count: 3 } });
  });

  test('when only the future budget overflowed, a prior floor at or below the window start is dropped', () => {
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['p', W - MIN]]);
    for (const floor of [W - OVERLAP, W - OVERLAP - 5 * MIN]) {
      expect(bound(k, W, OVERLAP, 1, { floor }).cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, p: W - MIN } });
    }
  });

  test('records ahead of the watermark have their own budget, the nearest kept, and never set a floor', () => {
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['f3', W + 3 * MIN], ['p', W - MIN]]);
    const r = bound(k, W, OVERLAP, 2);
    expect(r.cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, f2: W + 2 * MIN, p: W - MIN } });
    expect(r.narrowedTo).toBeUndefined();
  });

  test('only future records, more than the budget: the nearest ones, nothing else', () => {
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['f3', W + 3 * MIN]]);
    expect(bound(k, W, OVERLAP, 2).cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, f2: W + 2 * MIN } });
  });

  test('when only the future budget overflowed, a prior floor above the window holds and is no narrowing', () => {
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['p', W - MIN]]);
    const r = bound(k, W, OVERLAP, 1, { floor: W - 5 * MIN });
    expect(r.cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, p: W - MIN }, floor: W - 5 * MIN });
    expect(r.narrowedTo).toBeUndefined();
  });

  test('the future budget is as large as the id budget, not smaller', () => {
    const k = known([['f1', W + MIN], ['f2', W + 2 * MIN], ['p', W - MIN]]);
    expect(bound(k, W, OVERLAP, 2).cursor).toStrictEqual({ watermark: W, sent: { f1: W + MIN, f2: W + 2 * MIN, p: W - MIN } });
  });
});
