// The simulator behaves like the documented API: filters, paging, auth, the rate limit and its faults.
import { afterEach, describe, expect, test } from 'vitest';
import { generateActivities, generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function post(path: string, body: unknown, token = 'sim-token', scheme = 'Token') {
  const res = await fetch(`${sim!.url}${path}`, {
    method: 'POST',
    headers: { authorization: `${scheme} ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe('simulator', () => {
  test('generated fixtures are deterministic and shaped like documented alerts', () => {
    const a = generateAlerts(5, { seed: 7, now: 1_700_000_000_000 });
    const b = generateAlerts(5, { seed: 7, now: 1_700_000_000_000 });
    expect(a).toEqual(b);
    expect(generateAlerts(5, { seed: 8, now: 1_700_000_000_000 })).not.toEqual(a);
    for (const alert of a) {
      expect(alert._id).toMatch(/^[0-9a-f]{24}$/);
      expect(alert.URL).toContain(`/#/alerts/${alert._id}`);
      expect(alert.entities?.some((e) => e.type === 'policyRule')).toBe(true);
      expect(alert.entities?.some((e) => e.type === 'service' && typeof e.id === 'number')).toBe(true);
    }
    expect(generateActivities(3, { seed: 1 })[0]!.eventTypeName).toMatch(/^EVENT_CATEGORY_/);
  });

  test('pages sorted by date with skip, limit capped at max, hasNext and total', async () => {
    sim = await startSimulator({ alerts: generateAlerts(250, { seed: 1 }), rateLimit: false });
    const r = await post('/api/v1/alerts/', { sortField: 'date', sortDirection: 'asc', skip: 200, limit: 500 });
    expect(r.status).toBe(200);
    expect(r.json.max).toBe(100);
    expect(r.json.total).toBe(250);
    expect(r.json.data).toHaveLength(50);
    expect(r.json.hasNext).toBe(false);
    const first = await post('/api/v1/alerts/', { limit: 100 });
    expect(first.json.hasNext).toBe(true);
    const ts = first.json.data.map((x: { timestamp: number }) => x.timestamp);
    expect(ts).toEqual([...ts].sort((x: number, y: number) => x - y));
    const desc = await post('/api/v1/alerts/', { sortDirection: 'desc', limit: 1 });
    expect(desc.json.data[0].timestamp).toBeGreaterThanOrEqual(ts.at(-1));
  });

  test('filters by date, severity, resolution status, open, service, policy, type and id', async () => {
    const alerts = generateAlerts(300, { seed: 3 });
    sim = await startSimulator({ alerts, rateLimit: false });
    const mid = alerts[150]!.timestamp;
    const count = async (filters: unknown) => (await post('/api/v1/alerts/', { filters, limit: 1 })).json.total as number;
    expect(await count({ date: { gte: mid } })).toBe(alerts.filter((a) => a.timestamp >= mid).length);
    expect(await count({ date: { lte: mid } })).toBe(alerts.filter((a) => a.timestamp <= mid).length);
    expect(await count({ date: { range: { start: alerts[10]!.timestamp, end: mid } } })).toBe(alerts.filter((a) => a.timestamp >= alerts[10]!.timestamp && a.timestamp <= mid).length);
    expect(await count({ severity: { eq: 2 } })).toBe(alerts.filter((a) => a.severityValue === 2).length);
    expect(await count({ severity: { neq: [0, 1] } })).toBe(alerts.filter((a) => a.severityValue === 2).length);
    expect(await count({ resolutionStatus: { eq: 0 } })).toBe(alerts.filter((a) => a.resolutionStatusValue === 0).length);
    expect(await count({ alertOpen: { eq: false } })).toBe(alerts.filter((a) => a.resolutionStatusValue !== 0).length);
    expect(await count({ 'entity.service': { eq: 11522 } })).toBe(alerts.filter((a) => a.entities!.some((e) => e.type === 'service' && e.id === 11522)).length);
    expect(await count({ 'entity.policy': { eq: alerts[0]!.policy!.id } })).toBe(1);
    expect(await count({ alertType: { eq: 'ALERT_SUSPICIOUS_ACTIVITY' } })).toBe(alerts.filter((a) => a.alertType === 'ALERT_SUSPICIOUS_ACTIVITY').length);
    expect(await count({ id: { neq: [alerts[0]!._id, alerts[1]!._id] } })).toBe(298);
    const bad = await post('/api/v1/alerts/', { filters: { colour: { eq: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('colour');
  });

  test('activities filter by service, type, user and IP category; GET with query parameters works', async () => {
    const acts = generateActivities(120, { seed: 4 });
    sim = await startSimulator({ activities: acts, rateLimit: false });
    const count = async (filters: unknown) => (await post('/api/v1/activities/', { filters, limit: 1 })).json.total as number;
    expect(await count({ service: { eq: 11161 } })).toBe(acts.filter((a) => a.appId === 11161).length);
    expect(await count({ 'activity.type': { eq: 'EVENT_CATEGORY_LOGIN' } })).toBe(acts.filter((a) => a.eventTypeName === 'EVENT_CATEGORY_LOGIN').length);
    expect(await count({ 'user.username': { eq: 'bob@fabrikam.com' } })).toBe(acts.filter((a) => a.user?.userName === 'bob@fabrikam.com').length);
    expect(await count({ 'ip.category': { eq: 3 } })).toBe(acts.filter((a) => a.ipCategory === 3).length);
    const res = await fetch(`${sim.url}/api/v1/activities?limit=7&filters=${encodeURIComponent('{"service":{"eq":11161}}')}`, { headers: { authorization: 'Bearer sim-token' } });
    const body = (await res.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(Math.min(7, acts.filter((a) => a.appId === 11161).length));
  });

  test('401 without a known token, 403 for a token without permission', async () => {
    sim = await startSimulator({ forbiddenTokens: ['weak'] });
    expect((await post('/api/v1/alerts/', {}, 'nope')).status).toBe(401);
    expect((await post('/api/v1/alerts/', {}, 'weak')).status).toBe(403);
    expect((await post('/api/v1/alerts/', {}, 'sim-token', 'Bearer')).status).toBe(200);
  });

  test('the 31st request in a minute gets 429 TOO MANY REQUESTS, with Retry-After when switched on', async () => {
    let now = 1_000_000;
    sim = await startSimulator({ clock: { now: () => now }, rateLimit: { requests: 30, windowMs: 60_000, retryAfter: true } });
    for (let i = 0; i < 30; i++) expect((await post('/api/v1/alerts/', {})).status).toBe(200);
    const r = await post('/api/v1/activities/', {});
    expect(r.status).toBe(429);
    expect(r.text).toBe('TOO MANY REQUESTS');
    expect(Number(r.headers.get('retry-after'))).toBe(60);
    now += 60_000;
    expect((await post('/api/v1/alerts/', {})).status).toBe(200);
    expect(sim.stats.provoked429).toBe(1);
    expect(sim.stats.byEndpoint).toEqual({ alerts: 31, activities: 1 });
  });

  test('injected faults: 5xx JSON, HTML 500, malformed JSON, reset, large page fails, 429 storm', async () => {
    sim = await startSimulator({ alerts: generateAlerts(10, { seed: 5 }), rateLimit: false });
    sim.injectFault({ kind: 'status', status: 503 });
    const a = await post('/api/v1/alerts/', {});
    expect(a.status).toBe(503);
    expect(a.json).toBeTruthy();
    sim.injectFault({ kind: 'html500' });
    const b = await post('/api/v1/alerts/', {});
    expect([b.status, b.headers.get('content-type')]).toEqual([500, 'text/html; charset=utf-8']);
    sim.injectFault({ kind: 'malformed' });
    expect((await post('/api/v1/alerts/', {})).json).toBeUndefined();
    sim.injectFault({ kind: 'reset' });
    await expect(post('/api/v1/alerts/', {})).rejects.toThrow();
    sim.setFailLimitAbove(5);
    expect((await post('/api/v1/alerts/', { limit: 6 })).status).toBe(500);
    expect((await post('/api/v1/alerts/', { limit: 5 })).status).toBe(200);
    sim.setFailLimitAbove(undefined);
    sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 2 }, { times: 2, endpoint: 'activities' });
    expect((await post('/api/v1/alerts/', {})).status).toBe(200);
    expect((await post('/api/v1/activities/', {})).headers.get('retry-after')).toBe('2');
    expect((await post('/api/v1/activities/', {})).status).toBe(429);
    expect((await post('/api/v1/activities/', {})).status).toBe(200);
    expect(sim.stats.injected429).toBe(2);
    const started = Date.now();
    sim.injectFault({ kind: 'delay', ms: 150 });
    expect((await post('/api/v1/alerts/', {})).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test('hostile answers are opt-in rewrites of the correct page (issue 13)', async () => {
    const alerts = generateAlerts(30, { seed: 6 });
    sim = await startSimulator({ alerts, rateLimit: false });
    const q = { filters: { date: { gte: 0 } }, limit: 10 };
    const honest = await post('/api/v1/alerts/', q);
    expect([honest.json.data.length, honest.json.hasNext, honest.json.total]).toEqual([10, true, 30]);

    sim.injectFault({ kind: 'html200' });
    const html = await post('/api/v1/alerts/', q);
    expect([html.status, html.headers.get('content-type'), html.text.startsWith('<!DOCTYPE html>')]).toEqual([200, 'text/html; charset=utf-8', true]);
    sim.injectFault({ kind: 'raw', status: 200, contentType: 'application/json', body: '' });
    expect((await post('/api/v1/alerts/', q)).text).toBe('');
    sim.injectFault({ kind: 'emptyWithNext' });
    expect((await post('/api/v1/alerts/', q)).json).toMatchObject({ data: [], hasNext: true, total: 30 });
    sim.injectFault({ kind: 'overLimit', extra: 3 });
    const over = await post('/api/v1/alerts/', q);
    expect([over.json.data.length, over.json.hasNext]).toEqual([13, true]);
    sim.injectFault({ kind: 'total', value: 2 });
    expect((await post('/api/v1/alerts/', q)).json).toMatchObject({ total: 2, hasNext: true });
    sim.injectFault({ kind: 'truncate' });
    expect((await post('/api/v1/alerts/', q)).json).toMatchObject({ hasNext: false, total: 30 });
    sim.injectFault({ kind: 'duplicate', index: 4 });
    const dup = (await post('/api/v1/alerts/', q)).json.data.map((a: { _id: string }) => a._id);
    expect([dup.length, dup[5], dup[9]]).toEqual([10, dup[4], alerts[8]!._id]); // alerts[9] gives way: next page
    sim.injectFault({ kind: 'missingField', field: 'timestamp', index: 2 });
    const missing = (await post('/api/v1/alerts/', q)).json.data;
    expect([missing[2].timestamp, missing[2]._id, missing[3].timestamp]).toEqual([undefined, alerts[2]!._id, alerts[3]!.timestamp]);
    const [future] = generateAlerts(1, { seed: 60, timestamp: Date.UTC(2100, 0, 1) });
    sim.injectFault({ kind: 'inject', records: [future!] });
    expect((await post('/api/v1/alerts/', q)).json.data.at(-1)).toEqual(future);
    expect(sim.all('alerts')).toHaveLength(30); // phantom: on that page only
    sim.injectFault({ kind: 'reverse' });
    expect((await post('/api/v1/alerts/', q)).json.data[0]._id).toBe(alerts[9]!._id);

    // A queued fault can wait for a later request; clearFaults is the API recovering.
    sim.injectFault({ kind: 'emptyWithNext' }, { after: 1 });
    expect((await post('/api/v1/alerts/', q)).json.data).toHaveLength(10);
    expect((await post('/api/v1/alerts/', q)).json.data).toHaveLength(0);
    expect((await post('/api/v1/alerts/', q)).json.data).toHaveLength(10);
  });

  test('the id exclusion is honoured by default; ignored when switched (per request or for good)', async () => {
    const alerts = generateAlerts(5, { seed: 7, timestamp: 1_700_000_000_000 });
    sim = await startSimulator({ alerts, rateLimit: false });
    const q = { filters: { date: { gte: 0 }, id: { neq: [alerts[0]!._id, alerts[1]!._id] } } };
    expect((await post('/api/v1/alerts/', q)).json.total).toBe(3);
    sim.injectFault({ kind: 'ignoreIdFilter' });
    expect((await post('/api/v1/alerts/', q)).json.total).toBe(5);
    expect((await post('/api/v1/alerts/', q)).json.total).toBe(3);
    sim.setIgnoreIdExclusion(true);
    expect((await post('/api/v1/alerts/', q)).json.total).toBe(5);
    // Other id operators still apply: only the exclusion is ignored.
    expect((await post('/api/v1/alerts/', { filters: { id: { eq: alerts[4]!._id, neq: alerts[4]!._id } } })).json.total).toBe(1);
    sim.clearFaults();
    expect((await post('/api/v1/alerts/', q)).json.total).toBe(3);
  });

  test('the seed\'s six sample alerts are served when asked for', async () => {
    sim = await startSimulator({ includeSeedAlerts: true, rateLimit: false });
    const r = await post('/api/v1/alerts/', { filters: { date: { gte: 0 } } });
    expect(r.json.total).toBe(6);
    expect(r.json.data.map((a: { _id: string }) => a._id)).toContain('596a7e360c204203a335a3fb');
  });

  test('a late alert (timestamp in the past) is invisible until it arrives', async () => {
    let now = 5_000_000;
    sim = await startSimulator({ clock: { now: () => now }, rateLimit: false });
    const [late] = generateAlerts(1, { seed: 9, timestamp: 4_000_000 });
    sim.addAlerts([late!], { visibleAt: 6_000_000 });
    expect((await post('/api/v1/alerts/', { filters: { date: { gte: 0 } } })).json.total).toBe(0);
    now = 6_000_000;
    const r = await post('/api/v1/alerts/', { filters: { date: { lte: 4_000_000 } } });
    expect(r.json.data.map((x: { _id: string }) => x._id)).toEqual([late!._id]);
  });
});
