// The pure policies of the source stage: retry delays, the tenant bucket's pacing, proxy parsing, filters.
import { describe, expect, test } from 'vitest';
import { virtualClock } from '../../../src/ops/clock.js';
import { validateFilters } from '../../../src/sources/mdca/filters.js';
import { noProxyMatches, parseProxyAddress, proxyFor, redactProxy } from '../../../src/sources/http/proxy.js';
import { TenantBucket } from '../../../src/sources/http/rate-bucket.js';
import { DEFAULT_RETRY_POLICY as P, parseRetryAfter, retryDelay } from '../../../src/sources/http/retry-policy.js';
import { expectRelayErrorSync } from '../../support/relay-error.js';

describe('retry policy', () => {
  test('full jitter on 5xx grows exponentially up to the cap', () => {
    expect(retryDelay({ attempt: 1, kind: 'server' }, P, () => 0.999)).toBeCloseTo(999, 0);
    expect(retryDelay({ attempt: 3, kind: 'html' }, P, () => 0.5)).toBe(2_000);
    expect(retryDelay({ attempt: 7, kind: 'timeout' }, P, () => 0.999)).toBeLessThanOrEqual(P.capMs);
    expect(retryDelay({ attempt: 2, kind: 'network' }, P, () => 0)).toBe(0);
  });
  test('gives up after maxAttempts', () => {
    expect(retryDelay({ attempt: P.maxAttempts, kind: 'server' }, P, () => 0.5)).toBeUndefined();
  });
  test('429 obeys Retry-After, and without it waits at least half a rate slot, doubling', () => {
    expect(retryDelay({ attempt: 1, kind: 'throttled', retryAfterMs: 7_000 }, P, () => 0)).toBe(7_000);
    expect(retryDelay({ attempt: 1, kind: 'throttled', retryAfterMs: P.maxRetryAfterMs + 1 }, P, () => 0)).toBeUndefined();
    expect(retryDelay({ attempt: 1, kind: 'throttled' }, P, () => 0)).toBe(P.throttleBaseMs / 2);
    expect(retryDelay({ attempt: 3, kind: 'throttled' }, P, () => 0.999)).toBeGreaterThan(P.throttleBaseMs * 3.9);
  });
  test('Retry-After as seconds or HTTP-date', () => {
    expect(parseRetryAfter('12', 0)).toBe(12_000);
    expect(parseRetryAfter(new Date(65_000).toUTCString(), 5_000)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('tenant bucket', () => {
  test('never more than N request ends in any window, and waits exactly the window when full', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 3, windowMs: 1_000, marginMs: 0 }, clock);
    const sends: number[] = [];
    for (let i = 0; i < 7; i++) {
      const release = await b.acquire();
      sends.push(clock.now());
      clock.advance(10); // the request takes 10 ms
      release();
    }
    expect(sends).toEqual([0, 10, 20, 1_010, 1_020, 1_030, 2_020]);
  });
  test('a request still in flight holds its token', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 1, windowMs: 100, marginMs: 0 }, clock);
    const release = await b.acquire();
    let second = false;
    const p = b.acquire().then((r) => ((second = true), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    clock.advance(500);
    release();
    (await p)();
    expect(clock.now()).toBe(600); // 100 ms after the first one ENDED, not after it started
  });
  test('after a 429 the whole tenant pauses', async () => {
    const clock = virtualClock(0);
    const b = new TenantBucket({ requests: 30, windowMs: 60_000 }, clock);
    b.pauseUntil(5_000);
    (await b.acquire())();
    expect(clock.now()).toBe(5_000);
  });
});

describe('proxy address', () => {
  test('ADDRESS[:PORT] and URLs with credentials are accepted; credentials never shown', () => {
    expect(parseProxyAddress('proxy.corp:3128').href).toBe('http://proxy.corp:3128/');
    expect(parseProxyAddress('10.0.0.1').port).toBe('8080');
    expect(parseProxyAddress('http://u:p%40ss@proxy:8080').password).toBe('p%40ss');
    expect(redactProxy('http://u:secret@proxy:8080')).toBe('http://proxy:8080');
  });
  test('bad addresses are INVALID_PROXY "invalid proxy address" without the password', () => {
    for (const bad of ['', 'proxy:99999', 'ftp://proxy:21', 'http://proxy:8080/path', 'pro xy:80']) {
      expect(() => parseProxyAddress(bad)).toThrow(/invalid proxy address/);
    }
    const err = expectRelayErrorSync(() => parseProxyAddress('http://user:hunter2@proxy:80/x'), 'INVALID_PROXY');
    expect(err.message).not.toContain('hunter2');
  });
  test('HTTPS_PROXY applies to https, NO_PROXY exempts hosts, --proxy wins', () => {
    const target = new URL('https://contoso.eu2.portal.cloudappsecurity.com/');
    const env = { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'localhost,.internal' };
    expect(proxyFor(target, undefined, env)?.host).toBe('p:3128');
    expect(proxyFor(target, undefined, { ...env, NO_PROXY: '.cloudappsecurity.com' })).toBeUndefined();
    expect(proxyFor(target, 'q:1', { ...env, NO_PROXY: '*' })?.host).toBe('q:1');
    expect(proxyFor(new URL('http://127.0.0.1:9/'), undefined, env)).toBeUndefined();
    expect(noProxyMatches(new URL('http://127.0.0.1:9/'), '127.0.0.1:10')).toBe(false);
  });
});

describe('filter validation', () => {
  test('documented names pass; presets and names become API filters', () => {
    const r = validateFilters('alerts', { severity: ['medium', 'high'], openOnly: true, 'entity.service': { eq: [11161] }, resolutionStatus: { neq: 'dismissed' } });
    expect(r.errors).toEqual([]);
    expect(r.filters).toEqual({ severity: { eq: [1, 2] }, alertOpen: { eq: true }, 'entity.service': { eq: [11161] }, resolutionStatus: { neq: 1 } });
    const a = validateFilters('activities', '{"users":["a@b.c"],"ip.category":{"eq":"risky"},"created":{"gte":5}}');
    expect(a.errors).toEqual([]);
    expect(a.filters['ip.category']).toEqual({ eq: 3 });
  });
  test('errors name the filter and what is wrong', () => {
    const r = validateFilters('alerts', { severity: { gt: 1 }, colour: { eq: 1 }, alertOpen: { eq: 'yes' }, 'user.username': { eq: 'x' }, date: { gte: 1 }, resolutionStatus: 'maybe' });
    expect(r.errors).toHaveLength(6);
    expect(r.errors.join('\n')).toMatch(/severity: operator "gt" is not allowed/);
    expect(r.errors.join('\n')).toMatch(/colour: not a documented alerts filter/);
    expect(r.errors.join('\n')).toMatch(/alertOpen\.eq: "yes" is not true or false/);
    expect(r.errors.join('\n')).toMatch(/user\.username: .*it is an activities filter/);
    expect(r.errors.join('\n')).toMatch(/date: set by the relay/);
    expect(r.errors.join('\n')).toMatch(/resolutionStatus\.eq: unknown name "maybe"/);
    expect(validateFilters('alerts', '{nope').errors).toEqual(['filters are not valid JSON']);
    expect(validateFilters('activities', { created: { range: { start: 5, end: 1 } } }).errors[0]).toMatch(/created\.range: start is after end/);
  });
});
