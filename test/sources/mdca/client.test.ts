// The API client against the simulator over real HTTP: auth outcomes, bad answers, retries, page shrinking, politeness.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resetTenantBuckets } from '../../../src/sources/http/rate-bucket.js';
import { generateAlerts } from '../../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../../src/simulator/server.js';
import { relayErrorOrNothing } from '../../support/relay-error.js';
import { fastClient, staticToken } from './helpers.js';

let sim: Simulator;
beforeEach(async () => {
  resetTenantBuckets();
  sim = await startSimulator({ alerts: generateAlerts(40, { seed: 11 }), tokens: ['sim-token', 'new-token'], forbiddenTokens: ['weak'], rateLimit: false });
});
afterEach(() => sim.close());

const q = { filters: {}, limit: 100 };

/** `CODE: message` of the RelayError `p` rejects with, or 'no error'. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await relayErrorOrNothing(p);
  return err ? `${err.code}: ${err.message}` : 'no error';
}

describe('mdca client', () => {
  test('401 refreshes the credential once and carries on when it changed', async () => {
    const provider = staticToken('stale', () => 'new-token');
    const c = fastClient(sim.url, { tokenProvider: provider });
    const r = await c.list('alerts', q);
    expect(r.page.data).toHaveLength(40);
    expect(provider.refreshes).toBe(1);
  });

  test('401 after the refresh is "token rejected", not retried blindly; the token is not in the message', async () => {
    const provider = staticToken('stale-secret-value', () => 'still-wrong');
    const msg = await codeOf(fastClient(sim.url, { tokenProvider: provider }).list('alerts', q));
    expect(msg).toMatch(/^TOKEN_REJECTED: token rejected/);
    expect(msg).not.toMatch(/stale-secret-value|still-wrong/);
    expect(provider.refreshes).toBe(1);
    expect(sim.stats.byStatus['401']).toBe(2);
  });

  test('403 is "permission denied" after one request', async () => {
    const msg = await codeOf(fastClient(sim.url, { tokenProvider: staticToken('weak') }).list('alerts', q));
    expect(msg).toMatch(/^PERMISSION_DENIED: permission denied/);
    expect(sim.stats.byStatus['403']).toBe(1);
  });

  test('malformed JSON and an unexpected shape are retried, then name the endpoint and the problem', async () => {
    sim.injectFault({ kind: 'malformed' });
    const once = await fastClient(sim.url).list('alerts', q);
    expect(once.requests).toBe(2); // a glitch passes
    sim.injectFault({ kind: 'malformed' }, { times: 3 });
    expect(await codeOf(fastClient(sim.url).list('alerts', q))).toMatch(/^API_BAD_RESPONSE: POST \/api\/v1\/alerts\/: answer is not valid JSON.*\(3 attempts\)/);
    sim.injectFault({ kind: 'shape' }, { times: 3 });
    expect(await codeOf(fastClient(sim.url).list('activities', q))).toMatch(/^API_BAD_RESPONSE: POST \/api\/v1\/activities\/: answer has no "data" array \(keys: items, next\)/);
    expect(await codeOf(fastClient(sim.url).list('alerts', { filters: { colour: { eq: 1 } }, limit: 10 }))).toMatch(/API_BAD_RESPONSE: .*HTTP 400.*colour/);
  });

  test('a redirect (a portal URL that is not the API) is a clear error, not followed with the token', async () => {
    const hits: string[] = [];
    const login = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(302, { location: 'https://login.example.test/signin' }).end();
    });
    await new Promise<void>((r) => login.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(login.address() as AddressInfo).port}`;
      expect(await codeOf(fastClient(url).list('alerts', q))).toMatch(/^API_BAD_RESPONSE: .*HTTP 302: redirect to https:\/\/login\.example\.test \(is the portal URL/);
      expect(hits).toEqual(['/api/v1/alerts/']);
    } finally {
      login.close();
    }
  });

  test('5xx, HTML error pages, resets and slow answers are retried until the page comes', async () => {
    sim.injectFault({ kind: 'status', status: 503 });
    sim.injectFault({ kind: 'html500' });
    sim.injectFault({ kind: 'reset' });
    sim.injectFault({ kind: 'delay', ms: 400 }); // beyond the 200 ms timeout below
    sim.injectFault({ kind: 'status', status: 504 });
    const retries: string[] = [];
    const c = fastClient(sim.url, { requestTimeoutMs: 200, onRetry: (i) => retries.push(i.kind), halveAfter: 99 });
    const r = await c.list('alerts', q);
    expect(r.page.data).toHaveLength(40);
    expect(retries).toEqual(['server', 'html', 'network', 'timeout', 'server']);
    expect(r.requests).toBe(6);
  });

  test('gives up with API_UNAVAILABLE when the service keeps failing', async () => {
    sim.injectFault({ kind: 'status', status: 502 }, { times: 100 });
    const c = fastClient(sim.url, { retry: { baseMs: 1, capMs: 2, maxAttempts: 3 }, halveAfter: 99 });
    expect(await codeOf(c.list('alerts', q))).toMatch(/^API_UNAVAILABLE: POST \/api\/v1\/alerts\/: gave up after 3 attempts, last: HTTP 502/);
  });

  test('a page that fails when large is asked again with a halved limit', async () => {
    sim.setFailLimitAbove(30);
    const limits: number[] = [];
    const c = fastClient(sim.url, { onRetry: (i) => limits.push(i.limit) });
    const r = await c.list('alerts', q);
    expect(r.limitUsed).toBe(25);
    expect(r.page.data).toHaveLength(25);
    expect(limits).toEqual([100, 50, 50, 25]);
  });

  test('429 with Retry-After waits that long; without it backs off; both pause the whole tenant', async () => {
    sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 1 });
    const c = fastClient(sim.url);
    const t0 = Date.now();
    await c.list('alerts', q);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    sim.injectFault({ kind: 'rateLimit' }, { times: 3 });
    const d = await c.list('activities', q);
    expect(d.requests).toBe(4);
    expect(c.stats.throttled).toBe(4);
    expect(c.bucket.nextFree()).toBeLessThanOrEqual(Date.now());
  });

  test('every client of one tenant shares one bucket, and together they provoke no 429', async () => {
    await sim.close();
    sim = await startSimulator({ alerts: generateAlerts(10, { seed: 1 }), rateLimit: { requests: 10, windowMs: 400 } });
    const a = fastClient(sim.url, { requestsPerMinute: 10, rateWindowMs: 400 });
    const b = fastClient(sim.url, { requestsPerMinute: 10, rateWindowMs: 400 });
    expect(a.bucket).toBe(b.bucket);
    await Promise.all([
      ...Array.from({ length: 25 }, () => a.list('alerts', { filters: {}, limit: 5 })),
      ...Array.from({ length: 25 }, () => b.list('activities', { filters: {}, limit: 5 })),
    ]);
    expect(sim.stats.requests).toBe(50);
    expect(sim.stats.provoked429).toBe(0);
  });

  test('the same load through independent per-type budgets would be throttled (the test can fail)', async () => {
    await sim.close();
    sim = await startSimulator({ rateLimit: { requests: 10, windowMs: 400 } });
    const a = fastClient(sim.url, { requestsPerMinute: 10, rateWindowMs: 400 });
    resetTenantBuckets(); // a second, separate bucket for the same tenant: what the registry prevents
    const b = fastClient(sim.url, { requestsPerMinute: 10, rateWindowMs: 400 });
    await Promise.all([
      ...Array.from({ length: 10 }, () => a.list('alerts', { filters: {}, limit: 5 })),
      ...Array.from({ length: 10 }, () => b.list('activities', { filters: {}, limit: 5 })),
    ]);
    expect(sim.stats.provoked429).toBeGreaterThan(0);
  });
});
