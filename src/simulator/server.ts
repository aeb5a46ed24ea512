// The Defender for Cloud Apps API simulator: a node:http server on 127.0.0.1 that answers
// /api/v1/alerts/ and /api/v1/activities/ like the documented service (mdca-api.md), with
// token auth, the per-token rate limit and switchable faults. Used by tests, benchmarks and the demo.
import http from 'node:http';
import type { DataType, MdcaActivity, MdcaAlert } from '../sources/mdca/types.js';
import { FaultBox, HTML_ERROR_PAGE, rewritePage, rewritesPage } from './faults.js';
import { compileFilters, FilterError } from './filters.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { loadSeedAlerts } from './seed.js';
import { RecordStore } from './store.js';
import type { Fault, FaultRequest, SimPage, Simulator, SimulatorOptions, SimulatorStats } from './types.js';
import { listenLocal } from './listen.js';

export type { Simulator, SimulatorOptions, Fault } from './types.js';

type Rec = Record<string, unknown>;

const SORT_KEYS: Record<DataType, Record<string, (r: Rec) => number>> = {
  alerts: { date: (r) => Number(r.timestamp), severity: (r) => Number(r.severityValue ?? 0) },
  activities: { date: (r) => Number(r.timestamp), created: (r) => Number(r.created ?? r.timestamp) },
};

function newStats(): SimulatorStats {
  return { requests: 0, provoked429: 0, injected429: 0, faults: 0, byEndpoint: { alerts: 0, activities: 0 }, byStatus: {} };
}

class BadRequest extends Error {}

interface ListQuery {
  filters: unknown;
  sortField: string;
  sortDirection: 'asc' | 'desc';
  skip: number;
  limit: number;
  body: Rec;
}

/** The filters without `id: {neq}` (what a service that ignores the exclusion evaluates). */
function withoutIdExclusion(filters: unknown): unknown {
  if (!filters || typeof filters !== 'object' || Array.isArray(filters)) return filters;
  const f = { ...(filters as Rec) };
  if (f.id && typeof f.id === 'object') {
    const { neq: _ignored, ...rest } = f.id as Rec;
    if (Object.keys(rest).length > 0) f.id = rest;
    else delete f.id;
  }
  return f;
}

function intParam(v: unknown, name: string, dflt: number): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new BadRequest(`"${name}" must be a non-negative integer`);
  return n;
}

function parseQuery(method: string, url: URL, raw: string, maxLimit: number): ListQuery {
  let body: Rec = {};
  if (method === 'POST' && raw.trim() !== '') {
    try {
      body = JSON.parse(raw) as Rec;
    } catch {
      throw new BadRequest('request body is not JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object');
  } else if (method === 'GET') {
    for (const [k, v] of url.searchParams) body[k] = v;
    if (typeof body.filters === 'string') {
      try {
        body.filters = JSON.parse(body.filters);
      } catch {
        throw new BadRequest('"filters" is not JSON');
      }
    }
  }
  const dir = String(body.sortDirection ?? 'asc');
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest('"sortDirection" must be asc or desc');
  const limit = intParam(body.limit, 'limit', maxLimit);
  if (limit === 0) throw new BadRequest('"limit" must be at least 1');
  return {
    filters: body.filters,
    sortField: String(body.sortField ?? 'date'),
    sortDirection: dir,
    skip: intParam(body.skip, 'skip', 0),
    limit: Math.min(limit, maxLimit), // the documented cap: 100 items per response
    body,
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const tokens = new Set(options.tokens ?? ['sim-token']);
  const forbidden = new Set(options.forbiddenTokens ?? []);
  const maxLimit = options.maxLimit ?? 100;
  const limiter =
    options.rateLimit === false ? undefined : new SlidingWindowLimiter(options.rateLimit ?? { requests: 30, windowMs: 60_000 }, clock);
  const retryAfter = options.rateLimit !== false && options.rateLimit?.retryAfter === true;
  const store = new RecordStore();
  const faults = new FaultBox();
  faults.rule = options.faultRule;
  faults.failLimitAbove = options.failLimitAbove;
  faults.ignoreIdExclusion = options.ignoreIdExclusion ?? false;
  const seq: Record<DataType, number> = { alerts: 0, activities: 0 };
  let stats = newStats();

  store.add('alerts', options.alerts ?? [], -Infinity);
  store.add('activities', options.activities ?? [], -Infinity);
  if (options.includeSeedAlerts) store.add('alerts', await loadSeedAlerts(), -Infinity);

  const send = (res: http.ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const json = (res: http.ServerResponse, status: number, body: unknown, extra?: Record<string, string>) =>
    send(res, status, JSON.stringify(body), 'application/json', extra);

  /** The correct answer; `extra` serves more than the limit (overLimit), `ignoreNeq` drops the id exclusion. */
  function list(dataType: DataType, q: ListQuery, o: { extra?: number; ignoreNeq?: boolean } = {}): SimPage {
    const now = clock.now();
    const keep = compileFilters(dataType, o.ignoreNeq ? withoutIdExclusion(q.filters) : q.filters, now);
    const key = SORT_KEYS[dataType][q.sortField];
    if (!key) throw new BadRequest(`unknown sortField "${q.sortField}"`);
    const sign = q.sortDirection === 'asc' ? 1 : -1;
    const want = q.limit + (o.extra ?? 0);
    if (q.sortField === 'date' && sign > 0 && !options.shuffleTies) {
      // The common case in one pass from the first candidate timestamp (large backlogs stay fast).
      const gte = (q.filters as { date?: { gte?: unknown } } | undefined)?.date?.gte;
      const from = typeof gte === 'number' ? gte : -Infinity;
      const data: Rec[] = [];
      let total = 0;
      for (const s of store.visibleFrom(dataType, now, from)) {
        if (!keep(s.record as Rec)) continue;
        if (total >= q.skip && data.length < want) data.push(s.record as Rec);
        total++;
      }
      return { data, hasNext: q.skip + data.length < total, total, max: maxLimit, moreThanTotal: false };
    }
    // The store is already in (timestamp, insertion) order: a date sort needs no sort here.
    let rows = store
      .visible(dataType, now)
      .filter((s) => keep(s.record as Rec))
      .map((s) => ({ r: s.record as Rec, k: key(s.record as Rec), t: options.shuffleTies ? Math.random() : s.seq }));
    if (q.sortField !== 'date' || options.shuffleTies) rows.sort((a, b) => a.k - b.k || a.t - b.t);
    if (sign < 0) rows = rows.reverse();
    const page = rows.slice(q.skip, q.skip + want).map((x) => x.r);
    return { data: page, hasNext: q.skip + page.length < rows.length, total: rows.length, max: maxLimit, moreThanTotal: false };
  }

  async function applyFault(fault: Fault, res: http.ServerResponse, req: http.IncomingMessage): Promise<boolean> {
    stats.faults++;
    switch (fault.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        return false; // then answer normally (if the client is still there)
      case 'reset':
        req.socket.destroy();
        return true;
      case 'status':
        json(res, fault.status, { error: 'simulated failure', status: fault.status });
        return true;
      case 'html500':
        send(res, 500, HTML_ERROR_PAGE, 'text/html; charset=utf-8');
        return true;
      case 'malformed':
        send(res, 200, '{"data": [{"_id": "5f0c1e', 'application/json');
        return true;
      case 'shape':
        json(res, 200, { items: [], next: null });
        return true;
      case 'html200':
        send(res, 200, HTML_ERROR_PAGE, 'text/html; charset=utf-8');
        return true;
      case 'raw':
        send(res, fault.status, fault.body, fault.contentType);
        return true;
      default:
        return false; // rewrites of the correct answer and ignoreIdFilter: answered in handle()
      case 'rateLimit':
        stats.injected429++;
        send(res, 429, 'TOO MANY REQUESTS', 'text/plain', fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
        return true;
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/api\/v1\/(alerts|activities)\/?$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!m) return json(res, 404, { error: 'not found' });
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET') return json(res, 405, { error: 'method not allowed' });
    const dataType = m[1] as DataType;
    const auth = /^(?:Token|Bearer)\s+(\S+)\s*$/.exec(req.headers.authorization ?? '');
    const token = auth?.[1] ?? '';
    if (forbidden.has(token)) return json(res, 403, { detail: 'You do not have permission to perform this action.' });
    if (!tokens.has(token)) return json(res, 401, { detail: 'Invalid token.' });

    stats.requests++;
    stats.byEndpoint[dataType]++;
    seq[dataType]++;
    const wait = limiter?.hit(token);
    if (wait !== undefined) {
      stats.provoked429++;
      return send(res, 429, 'TOO MANY REQUESTS', 'text/plain', retryAfter ? { 'retry-after': String(Math.ceil(wait / 1000)) } : {});
    }
    let q: ListQuery;
    try {
      q = parseQuery(method, url, Buffer.concat(chunks).toString('utf8'), maxLimit);
      const fr: FaultRequest = { endpoint: dataType, method, limit: q.limit, skip: q.skip, body: q.body, seq: seq[dataType] };
      const fault = faults.take(fr);
      if (fault && (await applyFault(fault, res, req))) return;
      if (res.destroyed) return;
      const ignoreNeq = faults.ignoreIdExclusion || fault?.kind === 'ignoreIdFilter';
      const page = list(dataType, q, { ignoreNeq });
      if (!fault || !rewritesPage(fault)) return json(res, 200, page);
      const extra = fault.kind === 'overLimit' ? fault.extra : 0;
      return json(res, 200, rewritePage(fault, page, fr, () => list(dataType, q, { ignoreNeq, extra })));
    } catch (err) {
      if (err instanceof BadRequest || err instanceof FilterError) return json(res, 400, { error: err.message });
      throw err;
    }
  }

  const server = await listenLocal(options.port, handle, (res, err) => json(res, 500, { error: String(err) }));
  const port = server.port;

  const add = (dataType: DataType, records: Array<MdcaAlert | MdcaActivity>, o?: { visibleAt?: number }) =>
    store.add(dataType, records, o?.visibleAt ?? clock.now());

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get stats() {
      return stats;
    },
    addAlerts: (alerts, o) => add('alerts', alerts, o),
    addActivities: (activities, o) => add('activities', activities, o),
    injectFault: (fault, o) => faults.push(fault, o),
    setFaultRule: (rule) => {
      faults.rule = rule;
    },
    setFailLimitAbove: (limit) => {
      faults.failLimitAbove = limit;
    },
    setIgnoreIdExclusion: (on) => {
      faults.ignoreIdExclusion = on;
    },
    clearFaults: () => faults.clear(),
    resetStats: () => {
      stats = newStats();
    },
    all: (dataType) => store.all(dataType),
    close: () => server.close(),
  };
}
