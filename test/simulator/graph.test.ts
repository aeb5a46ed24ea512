// The Graph alerts_v2 simulator behaves like the documented service: the $filter subset against an
// independent oracle, nextLink paging and its expiry, 401/403 bodies, 150/min throttling with
// Retry-After, late updates, hostile answers, and the Cloud Apps alerts it shares with the legacy simulator.
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import type { GraphAlert } from '../../src/sources/graph/types.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { loadSeedAlerts } from '../../src/simulator/seed.js';
import { startSimulator } from '../../src/simulator/server.js';
import {
  DEFAULT_PAGE_SIZE,
  generateGraphAlerts,
  graphAlertFromMdca,
  graphTime,
  SIM_SERVICE_SOURCES,
  startGraphSimulator,
  type GraphSimulator,
} from '../../src/simulator/graph/index.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const NOW = Date.parse('2026-06-01T12:00:00Z');
const LIST = '/v1.0/security/alerts_v2';
const TIME_7 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
async function graphSim(o: Parameters<typeof startGraphSimulator>[0] = {}): Promise<GraphSimulator> {
  const sim = await startGraphSimulator(o);
  open.push(sim);
  return sim;
}

async function get(sim: GraphSimulator, pathOrUrl: string, token: string | null = sim.token, headers: Record<string, string> = {}) {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  const res = await fetch(url, { headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

const query = (params: Record<string, string | number | undefined>) =>
  `${LIST}?${Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')}`;

/** Follows nextLinks to the end (bounded), returning every page body. */
async function readAll(sim: GraphSimulator, first: string, maxPages = 500): Promise<Json[]> {
  const pages: Json[] = [];
  let next: string | undefined = first;
  while (next) {
    const r = await get(sim, next);
    expect(r.status, r.text).toBe(200);
    pages.push(r.json);
    next = r.json['@odata.nextLink'];
    if (pages.length > maxPages) throw new Error('nextLink chain did not end');
  }
  return pages;
}
const idsOf = (pages: Json[]): string[] => pages.flatMap((p) => p.value.map((a: GraphAlert) => a.id));

// ---- The oracle: its own reading of the filter grammar, on an AST rather than the simulator's parser ----
type Cmp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type Ast =
  | { kind: 'date'; prop: 'createdDateTime' | 'lastUpdateDateTime'; op: Cmp; literal: string }
  | { kind: 'str'; prop: string; op: 'eq' | 'ne'; value: string }
  | { kind: 'and'; left: Ast; right: Ast }
  | { kind: 'or'; left: Ast; right: Ast };

/** 100 ns ticks since 1970 as a BigInt, from an ISO-8601 literal with 0-7 fractional digits and a zone. */
function ticks(text: string): bigint {
  const m = /^(.*?:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})$/.exec(text)!;
  return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 10_000n + BigInt((m[2] ?? '').padEnd(7, '0'));
}
function render(a: Ast): string {
  if (a.kind === 'date') return `${a.prop} ${a.op} ${a.literal}`;
  if (a.kind === 'str') return `${a.prop} ${a.op} '${a.value.replace(/'/g, "''")}'`;
  return `(${render(a.left)}) ${a.kind} (${render(a.right)})`;
}
function holds(a: Ast, alert: GraphAlert): boolean {
  switch (a.kind) {
    case 'and':
      return holds(a.left, alert) && holds(a.right, alert);
    case 'or':
      return holds(a.left, alert) || holds(a.right, alert);
    case 'str':
      return (alert[a.prop] === a.value) === (a.op === 'eq');
    case 'date': {
      const x = ticks(String(alert[a.prop]));
      const y = ticks(a.literal);
      return { eq: x === y, ne: x !== y, gt: x > y, ge: x >= y, lt: x < y, le: x <= y }[a.op];
    }
  }
}

/** A date literal near the alerts' times, in any of the forms OData accepts (0-7 digits, Z or an offset). */
function literalArb(alerts: GraphAlert[]): fc.Arbitrary<string> {
  const anchors = alerts.flatMap((a) => [a.createdDateTime, a.lastUpdateDateTime]);
  const exact = anchors.length > 0 ? fc.constantFrom(...anchors) : fc.constant('2026-06-01T00:00:00.0000000Z');
  const shifted = fc.tuple(exact, fc.integer({ min: -3_600_000, max: 3_600_000 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom('Z', '+02:00', '-05:30')).map(([base, shift, digits, zone]) => {
    const ms = Date.parse(base) + shift;
    const fraction = graphTime(ms, (shift * 7) % 10_000).slice(20, 27).slice(0, digits);
    const offsetMin = zone === 'Z' ? 0 : (zone.startsWith('+') ? 1 : -1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
    return `${local}${digits > 0 ? `.${fraction}` : ''}${zone}`;
  });
  return fc.oneof(exact, shifted);
}
function astArb(alerts: GraphAlert[]): fc.Arbitrary<Ast> {
  const leaf = fc.oneof(
    fc.record({ kind: fc.constant('date' as const), prop: fc.constantFrom('createdDateTime' as const, 'lastUpdateDateTime' as const), op: fc.constantFrom<Cmp>('eq', 'ne', 'gt', 'ge', 'lt', 'le'), literal: literalArb(alerts) }),
    fc.record({ kind: fc.constant('str' as const), prop: fc.constant('serviceSource'), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.constantFrom(...SIM_SERVICE_SOURCES) }),
    fc.record({ kind: fc.constant('str' as const), prop: fc.constant('severity'), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.constantFrom('informational', 'low', 'medium', 'high') }),
    fc.record({ kind: fc.constant('str' as const), prop: fc.constant('status'), op: fc.constant('eq' as const), value: fc.constantFrom('new', 'inProgress', 'resolved') }),
    fc.record({ kind: fc.constant('str' as const), prop: fc.constant('assignedTo'), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.constantFrom("o'brien@contoso.com", 'soc@contoso.com') }),
  );
  return fc.letrec<{ node: Ast }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }) as fc.Arbitrary<Ast>),
  })).node;
}

describe('Graph alerts_v2 simulator', () => {
  test('$filter, $top, $count and nextLink paging agree with an independent oracle', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 90 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 12 }),
        async (count, seed, shuffle, updates) => {
          const sim = await graphSim({ rateLimit: false, shuffle: shuffle ? { seed } : false, clock: { now: () => NOW } });
          sim.generate(count, { seed, now: NOW - 86_400_000 });
          const changed = sim.updateAlerts({ count: Math.min(updates, count), seed }, { status: 'inProgress', assignedTo: seed % 2 ? "o'brien@contoso.com" : 'soc@contoso.com' });
          expect(changed.every((a) => a.lastUpdateDateTime === graphTime(NOW))).toBe(true);
          const alerts = sim.all();
          const [ast, top] = fc.sample(fc.tuple(astArb(alerts), fc.integer({ min: 1, max: 40 })), { seed, numRuns: 1 })[0]!;
          const pages = await readAll(sim, query({ $filter: render(ast), $top: top, $count: 'true' }));
          const ids = idsOf(pages);
          const expected = alerts.filter((a) => holds(ast, a)).map((a) => a.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...ids].sort(), render(ast)).toEqual([...expected].sort());
          for (const p of pages) {
            expect(p.value.length).toBeLessThanOrEqual(top);
            expect(p['@odata.count']).toBe(expected.length);
          }
          expect(pages.slice(0, -1).every((p) => p.value.length === top)).toBe(true);
          if (!shuffle) {
            // Most recent first, as the service documents (not a guarantee a client may rely on).
            const created = pages.flatMap((p) => p.value.map((a: GraphAlert) => a.createdDateTime));
            expect(created).toEqual([...created].sort().reverse());
          }
          await sim.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  test('every alert carries 7-digit timestamps and per-product evidence; the same seed gives the same alerts', () => {
    const a = generateGraphAlerts(60, { seed: 5, now: NOW });
    expect(generateGraphAlerts(60, { seed: 5, now: NOW })).toEqual(a);
    expect(generateGraphAlerts(60, { seed: 6, now: NOW })).not.toEqual(a);
    const bySource = new Map<string, GraphAlert[]>();
    for (const alert of a) {
      expect(alert.createdDateTime).toMatch(TIME_7);
      expect(alert.lastUpdateDateTime).toMatch(TIME_7);
      expect(alert.lastUpdateDateTime >= alert.createdDateTime).toBe(true);
      expect(alert.alertWebUrl).toContain(alert.id);
      expect(alert.incidentWebUrl).toContain(String(alert.incidentId));
      bySource.set(String(alert.serviceSource), [...(bySource.get(String(alert.serviceSource)) ?? []), alert]);
    }
    expect([...bySource.keys()].sort()).toEqual([...SIM_SERVICE_SOURCES].sort());
    for (const n of bySource.values()) expect(n).toHaveLength(10);
    const types = (source: string) => new Set(bySource.get(source)!.flatMap((x) => x.evidence!.map((e) => e['@odata.type'].split('.').pop())));
    expect([...types('microsoftDefenderForEndpoint')]).toEqual(expect.arrayContaining(['deviceEvidence', 'processEvidence', 'fileEvidence']));
    expect([...types('microsoftDefenderForIdentity')]).toEqual(expect.arrayContaining(['userEvidence', 'ipEvidence']));
    expect([...types('microsoftDefenderForCloudApps')]).toEqual(expect.arrayContaining(['userEvidence', 'ipEvidence', 'cloudApplicationEvidence']));
    expect([...types('microsoftDefenderForOffice365')]).toEqual(expect.arrayContaining(['mailboxEvidence', 'analyzedMessageEvidence', 'urlEvidence']));
    const file = bySource.get('microsoftDefenderForEndpoint')!.flatMap((x) => x.evidence!).find((e) => e.fileDetails)!.fileDetails!;
    expect(file.sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bySource.get('microsoftDefenderForEndpoint')!.every((x) => (x.mitreTechniques ?? []).every((t) => /^T\d{4}(\.\d{3})?$/.test(t)))).toBe(true);
  });

  test('refuses what the service refuses, with a Graph error body', async () => {
    const sim = await graphSim({ rateLimit: false });
    sim.generate(5, { seed: 1 });
    const cases: Array<[Record<string, string | number>, RegExp]> = [
      [{ $orderby: 'createdDateTime desc' }, /OrderBy' is not allowed/],
      [{ $select: 'id' }, /Select' is not allowed/],
      [{ $filter: "title eq 'x'" }, /property named 'title'/],
      [{ $filter: "createdDateTime ge '2026-01-01T00:00:00Z'" }, /Edm.DateTimeOffset' and 'Edm.String/],
      [{ $filter: 'createdDateTime ge 2026-13-01T00:00:00Z' }, /not a valid DateTimeOffset/],
      [{ $filter: 'createdDateTime ge 2026-01-01T00:00:00.12345678Z' }, /not a valid DateTimeOffset/],
      [{ $filter: "severity eq 'critical'" }, /not a valid enumeration/],
      [{ $filter: "serviceSource eq 'microsoftDefenderForCloudApp'" }, /not a valid enumeration/],
      [{ $filter: "serviceSource in ('microsoftDefenderForEndpoint')" }, /'in' is not supported/],
      [{ $filter: "status eq 'new' and" }, /expression expected/],
      [{ $filter: "(status eq 'new'" }, /'\)' expected/],
      [{ $filter: "severity gt 'low'" }, /not supported for 'severity'/],
      [{ $top: 0 }, /at least 1/],
      [{ $top: 'ten' }, /non-negative integer/],
      [{ $skip: 501 }, /maximum is 500/],
      [{ $count: 'yes' }, /true or false/],
    ];
    for (const [params, message] of cases) {
      const r = await get(sim, query(params));
      expect(r.status, JSON.stringify(params)).toBe(400);
      expect(r.json.error.code).toBe('BadRequest');
      expect(r.json.error.message).toMatch(message);
      expect(r.json.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const twice = await get(sim, `${LIST}?$top=1&$top=2`);
    expect(twice.status).toBe(400);
  });

  test('$top is clamped to the page cap; $skip offsets the first page; `in` works when allowed', async () => {
    const sim = await graphSim({ rateLimit: false, pageSize: 7, allowIn: true });
    sim.generate(30, { seed: 2 });
    const r = await get(sim, query({ $top: 5000 }));
    expect(r.json.value).toHaveLength(7);
    expect(r.json['@odata.nextLink']).toMatch(new RegExp(`^${sim.url}/v1\\.0/security/alerts_v2\\?\\$skiptoken=[A-Za-z0-9_-]+$`));
    const all = idsOf(await readAll(sim, LIST));
    expect(all).toHaveLength(30);
    const skipped = await get(sim, query({ $skip: 4, $top: 3 }));
    expect(skipped.json.value.map((a: GraphAlert) => a.id)).toEqual(all.slice(4, 7));
    const both = idsOf(await readAll(sim, query({ $filter: "serviceSource in ('microsoftDefenderForEndpoint', 'microsoftAppGovernance')" })));
    expect(both.sort()).toEqual(sim.all().filter((a) => ['microsoftDefenderForEndpoint', 'microsoftAppGovernance'].includes(String(a.serviceSource))).map((a) => a.id).sort());
    expect(DEFAULT_PAGE_SIZE).toBe(1000);
  });

  test('nextLinks expire by age and on command, with a 400 that says to restart', async () => {
    let now = NOW;
    const sim = await graphSim({ rateLimit: false, pageSize: 10, nextLinkTtlMs: 60_000, clock: { now: () => now } });
    sim.generate(35, { seed: 3, now: NOW });
    const first = await get(sim, LIST);
    const link = first.json['@odata.nextLink'];
    now += 60_001;
    const old = await get(sim, link);
    expect(old.status).toBe(400);
    expect(old.json.error.message).toMatch(/\$skiptoken is invalid or has expired/);
    // Restarting works, and a link within its lifetime works ...
    const again = await get(sim, LIST);
    const fresh = await get(sim, again.json['@odata.nextLink']);
    expect(fresh.status).toBe(200);
    // ... until the simulator is told to expire every link.
    sim.expireNextLinks();
    expect((await get(sim, fresh.json['@odata.nextLink'])).status).toBe(400);
    expect((await get(sim, `${LIST}?$skiptoken=not-a-token`)).status).toBe(400);
    expect(sim.stats.expiredLinks).toBe(3);
    // The expiredLink fault hits nextLink pages only: the first page passes, the next one fails once.
    sim.injectFault({ kind: 'expiredLink' });
    const p1 = await get(sim, LIST);
    expect(p1.status).toBe(200);
    expect((await get(sim, p1.json['@odata.nextLink'])).status).toBe(400);
    expect(idsOf(await readAll(sim, LIST))).toHaveLength(35);
  });

  test('401 without or with a bad token (with the challenge), 403 naming the missing app role', async () => {
    const sim = await graphSim({ forbiddenTokens: ['no-role-token'] });
    sim.generate(3, { seed: 4 });
    const none = await get(sim, LIST, null);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('InvalidAuthenticationToken');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="", authorization_uri="https:\/\/login\.microsoftonline\.com\//);
    const bad = await get(sim, LIST, 'wrong');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('client_id="00000003-0000-0000-c000-000000000000"');
    const basic = await fetch(`${sim.url}${LIST}`, { headers: { authorization: `Token ${sim.token}` } });
    expect(basic.status).toBe(401);
    const forbidden = await get(sim, LIST, 'no-role-token');
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe('Forbidden');
    expect(forbidden.json.error.message).toContain('SecurityAlert.Read.All');
    expect((await get(sim, `${LIST}/${sim.all()[0]!.id}`, 'wrong')).status).toBe(401);
    const one = await get(sim, `${LIST}/${sim.all()[0]!.id}`);
    expect(one.json.id).toBe(sim.all()[0]!.id);
    expect(sim.stats.requests).toBe(0); // refused requests do not count against the budget
  });

  test('150 requests per minute per token, then 429 with Retry-After in seconds; lifted on demand', async () => {
    let now = NOW;
    const sim = await graphSim({ clock: { now: () => now }, tokens: ['app-a', 'app-b'] });
    sim.generate(2, { seed: 5, now: NOW });
    for (let i = 0; i < 150; i++) {
      expect((await get(sim, LIST)).status).toBe(200);
      now += 100; // 150 requests spread over 15 s
    }
    const limited = await get(sim, LIST);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('TooManyRequests');
    // The oldest request left the window 60 s after it arrived: 45 s from now.
    expect(limited.headers.get('retry-after')).toBe('45');
    expect((await get(sim, LIST, 'app-b')).status).toBe(200); // another app has its own budget
    now += 45_000;
    expect((await get(sim, LIST)).status).toBe(200);
    expect(sim.stats.provoked429).toBe(1);
    expect(sim.stats.injected429).toBe(0);
    sim.setRateLimit(false);
    for (let i = 0; i < 200; i++) expect((await get(sim, LIST)).status).toBe(200);
    expect(sim.stats.provoked429).toBe(1);
  });

  test('a 429 storm answers N requests with 429 and Retry-After, counted apart from provoked ones', async () => {
    const sim = await graphSim({ rateLimit: false });
    sim.generate(3, { seed: 6 });
    sim.injectFault({ kind: 'rateLimit', retryAfterSeconds: 2 }, { times: 4 });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(sim, LIST);
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get('retry-after')).toBe('2');
    }
    expect(statuses).toEqual([429, 429, 429, 429, 200, 200]);
    expect(sim.stats.injected429).toBe(4);
    expect(sim.stats.provoked429).toBe(0);
  });

  test('hostile pages: an empty page with a nextLink loses nothing; a loop points back to a page already served', async () => {
    const sim = await graphSim({ rateLimit: false, pageSize: 10 });
    sim.generate(25, { seed: 7 });
    const all = idsOf(await readAll(sim, LIST));
    sim.injectFault({ kind: 'emptyWithNext' }, { times: 2, match: 'next' });
    const pages = await readAll(sim, LIST);
    expect(pages.map((p) => p.value.length)).toEqual([10, 0, 0, 10, 5]);
    expect(idsOf(pages)).toEqual(all);

    sim.injectFault({ kind: 'loop', back: 1 }, { after: 1 });
    const p1 = await get(sim, LIST);
    const p2 = await get(sim, p1.json['@odata.nextLink']); // the looping page: right content, link back to itself
    const p2again = await get(sim, p2.json['@odata.nextLink']);
    expect(p2again.json.value).toEqual(p2.json.value);
    sim.injectFault({ kind: 'loop', back: 2 }, { after: 1 });
    const q1 = await get(sim, LIST);
    const q2 = await get(sim, q1.json['@odata.nextLink']);
    expect((await get(sim, q2.json['@odata.nextLink'])).json.value).toEqual(q1.json.value);
  });

  test('hostile answers: 5xx with a Graph body, HTML with 200, a reset, a slow answer, a rewrite', async () => {
    const sim = await graphSim({ rateLimit: false });
    sim.generate(4, { seed: 8 });
    sim.injectFault({ kind: 'status', status: 503 });
    const unavailable = await get(sim, LIST);
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.error.code).toBe('ServiceUnavailable');
    sim.injectFault({ kind: 'html200' });
    const html = await get(sim, LIST);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.json).toBeUndefined();
    sim.injectFault({ kind: 'reset' });
    await expect(fetch(`${sim.url}${LIST}`, { headers: { authorization: `Bearer ${sim.token}` } })).rejects.toThrow();
    sim.injectFault({ kind: 'delay', ms: 50 });
    expect((await get(sim, LIST)).json.value).toHaveLength(4);
    sim.injectFault({ kind: 'transform', apply: (body) => ({ ...body, value: 'not a list' }) });
    expect((await get(sim, LIST)).json.value).toBe('not a list');
    expect(sim.stats.faults).toBe(5);
    sim.setFaultRule((req) => (req.seq % 2 === 0 ? { kind: 'status', status: 500 } : undefined));
    expect([(await get(sim, LIST)).status, (await get(sim, LIST)).status].sort()).toEqual([200, 500]);
    sim.clearFaults();
    expect((await get(sim, LIST)).status).toBe(200);
  });

  test('future timestamps: alerts created ahead of the clock stay out of a closed window until it reaches them', async () => {
    const sim = await graphSim({ rateLimit: false, clock: { now: () => NOW } });
    sim.generate(12, { seed: 9, now: NOW });
    const future = sim.generate(6, { seed: 10, start: NOW + 3_600_000, end: NOW + 7_200_000 });
    expect(future.every((a) => a.createdDateTime > graphTime(NOW) && a.lastUpdateDateTime >= a.createdDateTime)).toBe(true);
    const window = idsOf(await readAll(sim, query({ $filter: `lastUpdateDateTime lt ${graphTime(NOW)}` })));
    expect(window).toHaveLength(12);
    expect(idsOf(await readAll(sim, LIST))).toHaveLength(18);
  });

  test('late updates move lastUpdateDateTime to now; snapshot paging is stable, live paging shifts', async () => {
    let now = NOW;
    const sim = await graphSim({ rateLimit: false, pageSize: 10, clock: { now: () => now } });
    sim.generate(30, { seed: 11, now: NOW - 86_400_000, start: NOW - 2 * 86_400_000, end: NOW - 86_400_000 });
    const before = sim.all();
    now += 1_000;
    const updated = sim.updateAlerts({ count: 5, seed: 3 }, { status: 'resolved', classification: 'truePositive', determination: 'malware', assignedTo: 'soc@contoso.com', comment: 'contained' });
    expect(updated).toHaveLength(5);
    for (const a of updated) {
      expect(a.lastUpdateDateTime).toBe(graphTime(now));
      expect(a.resolvedDateTime).toBe(graphTime(now));
      expect(a.comments!.at(-1)!.comment).toBe('contained');
      expect(a.createdDateTime).toBe(before.find((b) => b.id === a.id)!.createdDateTime);
    }
    const since = idsOf(await readAll(sim, query({ $filter: `lastUpdateDateTime ge ${graphTime(now)} and status eq 'resolved' and classification eq 'truePositive'` })));
    expect(since.sort()).toEqual(updated.map((a) => a.id).sort());

    // A window is read while an alert already served on its first page changes and leaves the window.
    const windowEnd = graphTime(now);
    const window = `lastUpdateDateTime lt ${windowEnd}`;
    for (const mode of ['snapshot', 'live'] as const) {
      sim.setPaging(mode);
      const expected = sim.all().filter((a) => a.lastUpdateDateTime < windowEnd).map((a) => a.id);
      const p1 = await get(sim, query({ $filter: window }));
      const served: string[] = p1.json.value.map((a: GraphAlert) => a.id);
      now += 1_000;
      sim.updateAlerts([served[0]!], { status: 'inProgress' });
      const got = [...served, ...idsOf(await readAll(sim, p1.json['@odata.nextLink']))];
      expect(new Set(got).size).toBe(got.length);
      const missing = expected.filter((id) => !got.includes(id));
      // Snapshot: the window as it was. Live ($skip-like): the rows after the changed one move up one,
      // so the first row of the next page is never served.
      expect(missing).toEqual(mode === 'snapshot' ? [] : [expected.find((id) => !served.includes(id))]);
    }
  });

  test('alerts added with fewer fractional digits sort and filter by their instant, not their text', async () => {
    const sim = await graphSim({ rateLimit: false });
    const [base] = generateGraphAlerts(1, { seed: 15, serviceSources: ['microsoftDefenderForIdentity'] });
    sim.addAlerts([
      { ...base!, id: 'early', createdDateTime: '2026-01-01T00:00:00.5Z', lastUpdateDateTime: '2026-01-01T00:00:00.5Z' },
      { ...base!, id: 'late', createdDateTime: '2026-01-01T00:00:01Z', lastUpdateDateTime: '2026-01-01T00:00:01Z' },
    ]);
    expect(idsOf(await readAll(sim, LIST))).toEqual(['late', 'early']);
    expect(idsOf(await readAll(sim, query({ $filter: 'createdDateTime gt 2026-01-01T00:00:00.9999999Z' })))).toEqual(['late']);
    expect(idsOf(await readAll(sim, query({ $filter: 'lastUpdateDateTime le 2026-01-01T01:00:00.5+01:00' })))).toEqual(['early']);
  });

  test('evolvable enum members are served as unknownFutureValue unless the client prefers them', async () => {
    const sim = await graphSim({ rateLimit: false });
    const [alert] = generateGraphAlerts(1, { seed: 12, serviceSources: ['microsoftDefenderForEndpoint'] });
    sim.addAlerts([{ ...alert!, serviceSource: 'microsoftSentinel' }]);
    expect((await get(sim, LIST)).json.value[0].serviceSource).toBe('unknownFutureValue');
    expect((await get(sim, LIST, sim.token, { prefer: 'include-unknown-enum-members' })).json.value[0].serviceSource).toBe('microsoftSentinel');
  });

  test('control endpoints: bulk add across six products, late updates, expiry, faults and stats over HTTP', async () => {
    const sim = await graphSim({ rateLimit: false });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Json };
    };
    const added = await call('POST', '/_sim/alerts', { generate: { count: 5000, seed: 21 } });
    expect(added.json.added).toBe(5000);
    const counts = new Map<string, number>();
    for (const a of sim.all()) counts.set(String(a.serviceSource), (counts.get(String(a.serviceSource)) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([833, 833, 833, 833, 834, 834]);
    const up = await call('POST', '/_sim/alerts/update', { count: 300, seed: 4, changes: { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' } });
    expect(up.json.updated).toBe(300);
    expect(new Set(up.json.ids).size).toBe(300);
    for (const id of up.json.ids) expect(sim.get(id)).toMatchObject({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' });
    const byId = await call('POST', '/_sim/alerts/update', { ids: [up.json.ids[0]], changes: { assignedTo: 'tier2@contoso.com' } });
    expect(byId.json.ids).toEqual([up.json.ids[0]]);
    expect(sim.get(up.json.ids[0])!.assignedTo).toBe('tier2@contoso.com');
    const p1 = await get(sim, LIST);
    expect(p1.json.value).toHaveLength(1000);
    expect((await call('POST', '/_sim/nextlinks/expire')).status).toBe(200);
    expect((await get(sim, p1.json['@odata.nextLink'])).status).toBe(400);
    await call('POST', '/_sim/faults', { fault: { kind: 'status', status: 502 }, times: 1 });
    expect((await get(sim, LIST)).status).toBe(502);
    await call('POST', '/_sim/faults', { fault: { kind: 'status', status: 502 }, times: 1 });
    await call('DELETE', '/_sim/faults');
    expect((await get(sim, LIST)).status).toBe(200);
    await call('PUT', '/_sim/settings', { rateLimit: { requests: 1, windowMs: 60_000 } });
    expect((await get(sim, LIST)).status).toBe(200);
    expect((await get(sim, LIST)).status).toBe(429);
    const stats = await call('GET', '/_sim/stats');
    expect(stats.json.provoked429).toBe(1);
    expect(stats.json.expiredLinks).toBe(1);
    expect((await call('GET', '/_sim/nothing')).status).toBe(404);
    const unknown = await call('POST', '/_sim/alerts/update', { ids: ['no-such-alert'], changes: { status: 'resolved' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('no-such-alert');
    expect((await call('POST', '/_sim/faults', { fault: { kind: 'transform' } })).status).toBe(400);
  });
});

describe('graphAlertFromMdca', () => {
  test('maps each legacy alert field by field (ids, text, severity, times, users, IPs, app)', async () => {
    const seed = await loadSeedAlerts();
    expect(seed.length).toBeGreaterThan(0);
    const severities = ['low', 'medium', 'high', 'informational'];
    for (const mdca of [...seed, ...generateAlerts(40, { seed: 13, now: NOW })]) {
      const g = graphAlertFromMdca(mdca);
      expect(g).toEqual(graphAlertFromMdca(structuredClone(mdca))); // pure
      expect(g.providerAlertId).toBe(mdca._id);
      expect(g.id).toBe(`ca${mdca._id}`);
      expect(g.serviceSource).toBe('microsoftDefenderForCloudApps');
      expect(g.title).toBe(mdca.title);
      expect(g.description).toBe(mdca.description);
      expect(g.severity).toBe(severities[mdca.severityValue ?? 0]);
      expect(g.createdDateTime).toMatch(TIME_7);
      expect(Date.parse(g.createdDateTime)).toBe(mdca.timestamp);
      expect(g.status).toBe(mdca.resolutionStatusValue ? 'resolved' : 'new');
      if (typeof mdca.resolveTime === 'number') expect(Date.parse(g.lastUpdateDateTime)).toBe(mdca.resolveTime);
      const upns = new Set(g.evidence!.filter((e) => e.userAccount).map((e) => e.userAccount!.userPrincipalName));
      const users = new Set((mdca.entities ?? []).filter((e) => e.type === 'user' || e.type === 'account').map((e) => e.pa ?? e.em ?? e.id));
      expect(upns).toEqual(users);
      const ips = g.evidence!.filter((e) => e.ipAddress).map((e) => e.ipAddress);
      expect(ips).toEqual((mdca.entities ?? []).filter((e) => e.type === 'ip').map((e) => e.id));
      const apps = g.evidence!.filter((e) => e['@odata.type'].endsWith('cloudApplicationEvidence'));
      expect(apps.map((e) => e.appId)).toEqual((mdca.entities ?? []).filter((e) => e.type === 'service').map((e) => e.id));
    }
  });

  test('the same Cloud Apps alerts exist in both simulators', async () => {
    const range = { seed: 14, now: NOW, start: NOW - 86_400_000, end: NOW - 60_000 };
    const legacy = await startSimulator({ alerts: generateAlerts(12, range), rateLimit: false });
    open.push(legacy);
    const graph = await graphSim({ rateLimit: false, clock: { now: () => NOW } });
    graph.generate(12, { ...range, serviceSources: ['microsoftDefenderForCloudApps'] });
    const res = await fetch(`${legacy.url}/api/v1/alerts/`, { method: 'POST', headers: { authorization: 'Token sim-token' }, body: '{}' });
    const mdca = ((await res.json()) as Json).data as Array<{ _id: string; title: string }>;
    const served = idsOf(await readAll(graph, LIST)).map((id) => graph.get(id)!);
    expect(served.map((a) => a.providerAlertId).sort()).toEqual(mdca.map((a) => a._id).sort());
    for (const a of served) expect(a.title).toBe(mdca.find((m) => m._id === a.providerAlertId)!.title);
  });
});
