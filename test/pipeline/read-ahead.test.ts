// The read-ahead overlaps fetching with delivery, but never runs more than one page ahead, keeps
// the order, surfaces a failure where it happened, and closes the source when the consumer stops.
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/pipeline/read-ahead.js';

/** A source of `n` pages that records when each page is started and whether it was closed. */
function source(n: number, failAt?: number) {
  const log: string[] = [];
  let closed = false;
  async function* pages(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        log.push(`fetch ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        if (i === failAt) throw new Error(`page ${i} failed`);
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  return { pages: pages(), log, isClosed: () => closed };
}

describe('read-ahead', () => {
  it('fetches page n+1 while page n is being used, never more than one ahead, in order', async () => {
    const s = source(4);
    const got: number[] = [];
    for await (const page of readAhead(s.pages)) {
      s.log.push(`use ${page} start`);
      await new Promise((r) => setTimeout(r, 20));
      s.log.push(`use ${page} end`);
      got.push(page);
    }
    expect(got).toEqual([0, 1, 2, 3]);
    // Page 1 is fetched before page 0's use ends, page 2 only after page 0's use ended.
    expect(s.log.indexOf('fetch 1')).toBeLessThan(s.log.indexOf('use 0 end'));
    expect(s.log.indexOf('fetch 2')).toBeGreaterThan(s.log.indexOf('use 0 end'));
    expect(s.log.indexOf('fetch 3')).toBeGreaterThan(s.log.indexOf('use 1 end'));
    expect(s.isClosed()).toBe(true);
  });

  it('a failing page surfaces after the pages before it were used, not earlier', async () => {
    const s = source(4, 2);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(s.pages)) got.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(got).toEqual([0, 1]);
  });

  it('a consumer that stops early closes the source after the page in flight settles', async () => {
    const s = source(10);
    for await (const page of readAhead(s.pages)) if (page === 1) break;
    expect(s.isClosed()).toBe(true);
    expect(s.log.filter((l) => l.startsWith('fetch'))).toEqual(['fetch 0', 'fetch 1', 'fetch 2']);
  });
});
