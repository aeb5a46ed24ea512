// One request budget per tenant across Function instances: a tenant's runs move between instances, each with a
// fresh in-process bucket, so the run hands its window's receipts on (through the tenant's status record) and the
// next run, wherever it runs, counts them. Pure: an injected virtual clock, no network.
import { describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/ops/clock.js';
import { TenantBucket } from '../../src/sources/http/rate-bucket.js';

const LIMIT = { requests: 30, windowMs: 60_000, marginMs: 0 };

async function spend(bucket: TenantBucket, n: number, clock: { advance(ms: number): void }): Promise<void> {
  for (let i = 0; i < n; i++) {
    const release = await bucket.acquire();
    clock.advance(100); // the answer takes 100 ms
    release();
  }
}

describe('handing a tenant\'s request budget to another instance', () => {
  it('a fresh bucket seeded with the last run\'s receipts waits for the window, as the first bucket would', async () => {
    const clock = virtualClock(1_000_000);
    const a = new TenantBucket(LIMIT, clock);
    await spend(a, 30, clock);
    const handed = a.recent();
    expect(handed).toHaveLength(30);

    const b = new TenantBucket(LIMIT, clock); // another instance: nothing spent here
    expect(b.nextFree()).toBe(clock.now()); // without the hand-over, request 31 would go out at once (a 429)
    b.seed(handed);
    expect(b.nextFree()).toBe(a.nextFree());
    expect(b.nextFree()).toBe(handed[0]! + LIMIT.windowMs);
  });

  it('counts a receipt once when a process is handed its own history back', async () => {
    const clock = virtualClock(0);
    const a = new TenantBucket(LIMIT, clock);
    await spend(a, 10, clock);
    a.seed(a.recent());
    expect(a.recent()).toHaveLength(10);
    // Another instance's requests at other times do add up.
    a.seed([clock.now() - 50, clock.now() - 40]);
    expect(a.recent()).toHaveLength(12);
  });

  it('forgets receipts older than the window, and ignores garbage', async () => {
    const clock = virtualClock(500_000);
    const b = new TenantBucket(LIMIT, clock);
    b.seed([clock.now() - 120_000, clock.now() - 61_000, Number.NaN, clock.now() - 1_000]);
    expect(b.recent()).toEqual([clock.now() - 1_000]);
  });
});
