// The Graph client against a scripted server over real HTTP: what each answer becomes (retried, waited
// for, refused with a clear error), where the bearer token may go, and the 150/min budget.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { virtualClock } from '../../../src/ops/clock.js';
import { createGraphClient, NextLinkExpired, QueryRefused } from '../../../src/sources/graph/client.js';
import { relayErrorOrNothing } from '../../support/relay-error.js';
import { bearer, fastClient } from './helpers.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
const servers: http.Server[] = [];

/** A loopback server answering each request with `handler`; `seen` lists the requests' paths and auth headers. */
async function serve(handler: Handler): Promise<{ url: string; seen: Array<{ path: string; auth?: string }> }> {
  const seen: Array<{ path: string; auth?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    handler(req, res, seen.length);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const alert = (id: string) => ({ id, createdDateTime: '2026-11-30T10:00:00.1234567Z', lastUpdateDateTime: '2026-11-30T10:00:00.1234567Z' });
const Q = { filter: 'createdDateTime ge 2026-11-30T00:00:00.000Z', top: 10, count: true };

describe('graph client', () => {
  test('asks GET /v1.0/security/alerts_v2 with $filter, $top and $count, with the bearer token', async () => {
    const s = await serve((_q, res) => json(res, 200, { '@odata.count': 1, value: [alert('a')] }));
    const page = await fastClient(s.url, 'tok-1').first(Q);
    expect(page).toEqual({ alerts: [alert('a')], count: 1 });
    const url = new URL(s.url + s.seen[0]!.path);
    expect(url.pathname).toBe('/v1.0/security/alerts_v2');
    expect(url.searchParams.get('$filter')).toBe(Q.filter);
    expect(url.searchParams.get('$top')).toBe('10');
    expect(url.searchParams.get('$count')).toBe('true');
    expect(s.seen[0]!.auth).toBe('Bearer tok-1');
  });

  test('a nextLink to another origin never receives the token: the page is refused as a bad response', async () => {
    const foreign = await serve((_q, res) => json(res, 200, { value: [] }));
    const s = await serve((_q, res) => json(res, 200, { value: [alert('a')], '@odata.nextLink': `${foreign.url}/v1.0/security/alerts_v2?$skiptoken=x` }));
    const client = fastClient(s.url, 'tok-secret');
    const err = await relayErrorOrNothing(client.first(Q));
    expect(err?.code).toBe('API_BAD_RESPONSE');
    expect(err?.message).toMatch(/nextLink" points to another origin/);
    expect(s.seen).toHaveLength(3); // retried like any bad answer, then failed
    // Even asked directly, the client does not go there.
    expect((await relayErrorOrNothing(client.next(`${foreign.url}/v1.0/security/alerts_v2?$skiptoken=y`, 10)))?.code).toBe('API_BAD_RESPONSE');
    expect((await relayErrorOrNothing(client.next('not a url', 10)))?.message).toMatch(/another origin \(not a URL\)/);
    expect(foreign.seen).toEqual([]);
    // Same host name, other port or scheme: another origin too.
    const port = Number(new URL(s.url).port) + 1;
    const other = await serve((_q, res) => json(res, 200, { value: [], '@odata.nextLink': `http://127.0.0.1:${port}/v1.0/security/alerts_v2?$skiptoken=z` }));
    expect((await relayErrorOrNothing(fastClient(other.url, 't').first(Q)))?.message).toMatch(/another origin/);
  });

  test('a redirect is not followed with the token', async () => {
    const elsewhere = await serve((_q, res) => json(res, 200, { value: [] }));
    const s = await serve((_q, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/login` });
      res.end();
    });
    const err = await relayErrorOrNothing(fastClient(s.url, 't').first(Q));
    expect(err?.code).toBe('API_BAD_RESPONSE');
    expect(err?.message).toMatch(/redirect/);
    expect(elsewhere.seen).toEqual([]);
  });

  test('403 without the app role names SecurityAlert.Read.All, at once and without the token', async () => {
    const s = await serve((_q, res) => json(res, 403, { error: { code: 'Forbidden', message: "Missing role permissions on the request. API requires one of 'SecurityAlert.Read.All, SecurityAlert.ReadWrite.All'. Roles on the request ''." } }));
    const err = await relayErrorOrNothing(fastClient(s.url, 'tok-secret-403').first(Q));
    expect(err?.code).toBe('PERMISSION_DENIED');
    expect(err?.message).toMatch(/lacks the Microsoft Graph application permission SecurityAlert\.Read\.All/);
    expect(err?.message).not.toMatch(/tok-secret-403/);
    expect(s.seen).toHaveLength(1);
    // A 403 that says something else is reported as it is.
    const other = await serve((_q, res) => json(res, 403, { error: { code: 'Forbidden', message: 'Tenant is not provisioned.' } }));
    const msg = (await relayErrorOrNothing(fastClient(other.url, 't').first(Q)))?.message;
    expect(msg).toMatch(/answered 403 \(Forbidden: Tenant is not provisioned\.\)/);
    expect(msg).not.toMatch(/SecurityAlert/);
  });

  test('401 re-reads the credential once; a second 401 is "token rejected"', async () => {
    const s = await serve((q, res) => (q.headers.authorization === 'Bearer fresh' ? json(res, 200, { value: [] }) : json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } })));
    const provider = bearer('stale', () => 'fresh');
    const client = createGraphClient({ endpoint: s.url, tokenProvider: provider, env: {}, budgetScope: 'r1' });
    expect((await client.first(Q)).alerts).toEqual([]);
    expect(provider.refreshes).toBe(1);
    const stuck = bearer('stale-secret', () => 'stale-secret');
    const err = await relayErrorOrNothing(createGraphClient({ endpoint: s.url, tokenProvider: stuck, env: {}, budgetScope: 'r2' }).first(Q));
    expect(err?.code).toBe('TOKEN_REJECTED');
    expect(err?.message).toMatch(/InvalidAuthenticationToken/);
    expect(err?.message).not.toMatch(/stale-secret/);
  });

  test('bad JSON, a missing "value", an alert without id or dates: retried, then a clear API_BAD_RESPONSE', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{"value": [', /not valid JSON/],
      [{ values: [] }, /no "value" array/],
      [{ value: [{ createdDateTime: 'x' }] }, /value\[0\] has no string "id"/],
      [{ value: [{ id: 'a', createdDateTime: '2026-11-30T10:00:00Z' }] }, /no ISO-8601 "lastUpdateDateTime"/],
      [{ value: [alert('a'), alert('b')] }, /2 alerts on a page asked for at most 1/],
      [{ value: [], '@odata.count': -1 }, /@odata.count/],
    ];
    for (const [body, why] of cases) {
      const s = await serve((_q, res) => json(res, 200, body));
      const err = await relayErrorOrNothing(fastClient(s.url, 't').first({ ...Q, top: 1 }));
      expect(err?.code).toBe('API_BAD_RESPONSE');
      expect(err?.message).toMatch(why);
      expect(s.seen).toHaveLength(3);
    }
    // A glitch passes: the second answer is good.
    const s = await serve((_q, res, n) => (n === 1 ? json(res, 200, '<html>oops</html>') : json(res, 200, { value: [alert('a')] })));
    expect((await fastClient(s.url, 't').first(Q)).alerts).toHaveLength(1);
  });

  test('5xx and resets are retried with backoff; 429 and 503 wait for Retry-After, the whole app pausing', async () => {
    const clock = virtualClock(Date.parse('2026-11-30T12:00:00Z'));
    const s = await serve((_q, res, n) => {
      if (n === 1) return json(res, 500, { error: { code: 'InternalServerError' } });
      if (n === 2) return res.socket?.destroy();
      if (n === 3) return json(res, 429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '7' });
      if (n === 4) return json(res, 503, { error: { code: 'ServiceUnavailable' } }, { 'retry-after': '11' });
      json(res, 200, { value: [alert('a')] });
    });
    const retries: Array<{ kind: string; delayMs: number }> = [];
    const client = fastClient(s.url, 't', { clock, onRetry: (r) => retries.push({ kind: r.kind, delayMs: r.delayMs }) });
    const t0 = clock.now();
    expect((await client.first(Q)).alerts).toHaveLength(1);
    expect(retries.map((r) => r.kind)).toEqual(['server', 'network', 'throttled', 'server']);
    expect(retries[2]!.delayMs).toBe(7_000);
    expect(retries[3]!.delayMs).toBeGreaterThanOrEqual(11_000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(18_000);
    expect(client.bucket.nextFree()).toBeLessThanOrEqual(clock.now());
  });

  test('a 429 storm is bounded: Retry-After beyond the policy, or too many attempts, fail the run; the run signal cuts a wait short', async () => {
    const s = await serve((_q, res) => json(res, 429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '1' }));
    const clock = virtualClock(0);
    const err = await relayErrorOrNothing(fastClient(s.url, 't', { clock }).first(Q));
    expect(err?.code).toBe('API_UNAVAILABLE');
    expect(s.seen).toHaveLength(10);
    const long = await serve((_q, res) => json(res, 429, {}, { 'retry-after': '3600' }));
    expect((await relayErrorOrNothing(fastClient(long.url, 't').first(Q)))?.message).toMatch(/Retry-After 3600 s is longer than/);
    // A 30 s wait is real here: the run's signal ends it.
    const wait = await serve((_q, res) => json(res, 429, {}, { 'retry-after': '30' }));
    const stop = new AbortController();
    const p = fastClient(wait.url, 't').first(Q, { signal: stop.signal });
    setTimeout(() => stop.abort(new Error('run deadline')), 100);
    await expect(p).rejects.toThrow('run deadline');
  });

  test('an expired nextLink is NextLinkExpired; a refused first page is QueryRefused with the service message', async () => {
    const s = await serve((q, res) => json(res, 400, { error: { code: 'BadRequest', message: q.url?.includes('skiptoken') ? 'The $skiptoken is invalid or has expired.' : "Invalid filter clause: 'in' is not supported." } }));
    const client = fastClient(s.url, 't');
    const expired = await relayErrorOrNothing(client.next(`${s.url}/v1.0/security/alerts_v2?$skiptoken=abc`, 10));
    expect(expired).toBeInstanceOf(NextLinkExpired);
    const refused = await relayErrorOrNothing(client.first(Q));
    expect(refused).toBeInstanceOf(QueryRefused);
    expect(refused?.message).toMatch(/HTTP 400 \(BadRequest: Invalid filter clause/);
    expect(s.seen).toHaveLength(2);
  });

  test('a request that does not answer in time is retried, then API_TIMEOUT', async () => {
    const s = await serve(() => undefined); // never answers
    const err = await relayErrorOrNothing(fastClient(s.url, 't', { requestTimeoutMs: 50, retry: { maxAttempts: 3, baseMs: 1, capMs: 2 } }).first(Q));
    expect(err?.code).toBe('API_TIMEOUT');
    expect(s.seen).toHaveLength(3);
  });

  test('the budget: 150 requests per minute per app and tenant, shared by clients of that app, separate per app', async () => {
    const clock = virtualClock(0);
    const s = await serve((_q, res) => json(res, 200, { value: [] }));
    const a = createGraphClient({ endpoint: s.url, tokenProvider: bearer('t'), env: {}, clock, budgetScope: 'tenant-1/app-1' });
    const b = createGraphClient({ endpoint: s.url, tokenProvider: bearer('t'), env: {}, clock, budgetScope: 'tenant-1/app-1' });
    const c = createGraphClient({ endpoint: s.url, tokenProvider: bearer('t'), env: {}, clock, budgetScope: 'tenant-1/app-2' });
    expect(a.bucket).toBe(b.bucket);
    expect(a.bucket).not.toBe(c.bucket);
    expect(a.bucket.limit.requests).toBe(150);
    const times: number[] = [];
    for (let i = 0; i < 160; i++) {
      await (i % 2 ? a : b).first(Q);
      times.push(clock.now());
    }
    // No 60 s window (+ margin) holds more than 150 request starts.
    for (let i = 150; i < times.length; i++) expect(times[i]! - times[i - 150]!).toBeGreaterThanOrEqual(60_000);
  });
});
