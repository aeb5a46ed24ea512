// Retry delays and the tenant bucket to the exact number, at each boundary: attempts, the malformed
// limit, the Retry-After ceiling, the jitter ranges, the bucket's margin and its registry.
import { afterEach, describe, expect, test } from 'vitest';
import { virtualClock } from '../../../src/ops/clock.js';
import { resetTenantBuckets, TenantBucket, tenantBucket } from '../../../src/sources/http/rate-bucket.js';
import { DEFAULT_RETRY_POLICY as P, parseRetryAfter, retryDelay } from '../../../src/sources/http/retry-policy.js';

const half = () => 0.5;

describe('retry delays', () => {
  test('the documented defaults', () => {
    expect(P).toMatchObject({ maxAttempts: 8, baseMs: 1_000, capMs: 60_000, throttleBaseMs: 2_000, maxRetryAfterMs: 300_000, maxMalformedAttempts: 3 });
  });
  test('full jitter over base x 2^(attempt-1), capped', () => {
    expect([0, 1, 2, 3, 4, 7].map((attempt) => retryDelay({ attempt, kind: 'server' }, P, half))).toEqual([500, 500, 1_000, 2_000, 4_000, 30_000]);
    expect(retryDelay({ attempt: 7, kind: 'network' }, P, () => 0.999_999)).toBeCloseTo(60_000, -1);
  });
  test('stops at maxAttempts, and malformed answers at maxMalformedAttempts', () => {
    expect(retryDelay({ attempt: 7, kind: 'server' }, P, half)).toBeDefined();
    expect(retryDelay({ attempt: 8, kind: 'server' }, P, half)).toBeUndefined();
    expect(retryDelay({ attempt: 2, kind: 'malformed' }, P, half)).toBe(1_000);
    expect(retryDelay({ attempt: 3, kind: 'malformed' }, P, half)).toBeUndefined();
    expect(retryDelay({ attempt: 3, kind: 'server' }, P, half)).toBe(2_000);
  });
  test('a 429 obeys Retry-After up to the ceiling, inclusive', () => {
    expect(retryDelay({ attempt: 1, kind: 'throttled', retryAfterMs: 300_000 }, P, half)).toBe(300_000);
    expect(retryDelay({ attempt: 1, kind: 'throttled', retryAfterMs: 300_001 }, P, half)).toBeUndefined();
    expect(retryDelay({ attempt: 1, kind: 'throttled', retryAfterMs: -5 }, P, half)).toBe(0);
  });
  test('a 429 without Retry-After waits between half and all of the throttle step', () => {
    expect(retryDelay({ attempt: 1, kind: 'throttled' }, P, () => 0)).toBe(1_000);
    expect(retryDelay({ attempt: 1, kind: 'throttled' }, P, half)).toBe(1_500);
    expect(retryDelay({ attempt: 2, kind: 'throttled' }, P, half)).toBe(3_000);
    expect(retryDelay({ attempt: 7, kind: 'throttled' }, P, () => 1)).toBe(60_000);
  });
  test('Retry-After: trimmed delta-seconds, an HTTP-date, or nothing', () => {
    expect(parseRetryAfter(' 12 ', 0)).toBe(12_000);
    expect(parseRetryAfter('0', 0)).toBe(0);
    for (const bad of ['', '   ', '12abc', 'abc12']) expect(parseRetryAfter(bad, 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 60_000)).toBe(0);
  });
});

describe('tenant bucket', () => {
  afterEach(() => resetTenantBuckets());

  test('refuses a limit below one request or a window of zero', () => {
    const clock = virtualClock(0);
    expect(() => new TenantBucket({ requests: 0, windowMs: 1_000 }, clock)).toThrow('rate limit needs requests >= 1 and windowMs > 0');
    expect(() => new TenantBucket({ requests: 1, windowMs: 0 }, clock)).toThrow('rate limit needs requests >= 1 and windowMs > 0');
    expect(() => new TenantBucket({ requests: 1, windowMs: 1 }, clock)).not.toThrow();
  });

  test('the drift margin is 0.5% of the window unless given', () => {
    const clock = virtualClock(0);
    expect(new TenantBucket({ requests: 30, windowMs: 60_000 }, clock).margin).toBe(300);
    expect(new TenantBucket({ requests: 30, windowMs: 1_001 }, clock).margin).toBe(6);
    expect(new TenantBucket({ requests: 30, windowMs: 60_000, marginMs: 0 }, clock).margin).toBe(0);
  });

  test('a token comes back a window plus the margin after the request ended, not before', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 1, windowMs: 1_000, marginMs: 5 }, clock);
    const release = await b.acquire();
    clock.advance(10);
    release();
    expect(b.nextFree()).toBe(1_015);
    clock.advance(995); // t = 1 005
    expect(b.nextFree()).toBe(1_015);
    clock.advance(10); // t = 1 015: free now
    expect(b.nextFree()).toBe(1_015);
  });

  test('releasing twice returns one token, not two', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 2, windowMs: 1_000, marginMs: 0 }, clock);
    const release = await b.acquire();
    release();
    release();
    expect(b.nextFree()).toBe(0); // one of two used
    (await b.acquire())();
    expect(b.nextFree()).toBe(1_000);
  });

  test('a second release of one request never frees a token held by another', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 1, windowMs: 1_000, marginMs: 0 }, clock);
    const first = await b.acquire();
    first();
    first();
    clock.advance(1_000);
    await b.acquire(); // in flight, never released
    expect(b.nextFree()).toBe(Infinity);
  });

  test('one bucket per portal origin, whatever the path or case; a reset forgets them', () => {
    const clock = virtualClock(0);
    const limit = { requests: 30, windowMs: 60_000 };
    const a = tenantBucket('https://contoso.portal.cloudappsecurity.com/api/v1/alerts/', limit, clock);
    expect(tenantBucket('https://CONTOSO.portal.cloudappsecurity.com/', limit, clock)).toBe(a);
    expect(tenantBucket('https://fabrikam.portal.cloudappsecurity.com/', limit, clock)).not.toBe(a);
    resetTenantBuckets();
    expect(tenantBucket('https://contoso.portal.cloudappsecurity.com/', limit, clock)).not.toBe(a);
  });
});
