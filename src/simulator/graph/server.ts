// The Microsoft Graph security alerts_v2 simulator: a node:http server on 127.0.0.1 answering
// GET /v1.0/security/alerts_v2 (and /{id}) like the documented service (graph-security-api.md):
// bearer auth with 401/403 bodies as Graph writes them, 150 requests/min per app per tenant with
// 429 + Retry-After, the OData subset ($filter, $top, $skip, $count; no $orderby), opaque $skiptoken
// nextLinks that expire, no order guarantee (most recent first, or shuffled), late updates and
// switchable hostile answers. Control endpoints under /_sim/ (control.ts) drive it over HTTP.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { GraphAlert } from '../../sources/graph/types.js';
import { prng } from '../fixtures.js';
import { HTML_ERROR_PAGE } from '../faults.js';
import { SlidingWindowLimiter } from '../rate-limit.js';
import { controlRoute } from './control.js';
import { GraphFaultBox } from './faults.js';
import { SIM_TENANT_ID } from './from-mdca.js';
import { generateGraphAlerts } from './fixtures.js';
import { compileFilter, ENUMS, ODataError } from './odata.js';
import { LinkBook, type ResultSet } from './paging.js';
import { AlertStore } from './store.js';
import { graphTime } from './times.js';
import type { GraphFault, GraphFaultRequest, GraphRateLimit, GraphSimulator, GraphSimulatorOptions, GraphSimulatorStats } from './types.js';
import { listenLocal } from '../listen.js';

export const GRAPH_SIM_TOKEN = 'graph-sim-token';
// The security API's documented paging constraints (security-error-codes.md, "Constraints"): $top is
// capped at 1000 (larger values are clamped, not refused) and an explicit $skip above 500 is a 400.
// They are written for the legacy alerts API; integrators report the same limits on alerts_v2.
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_MAX_SKIP = 500;
export const DEFAULT_RATE_LIMIT: GraphRateLimit = { requests: 150, windowMs: 60_000 };
const LIST_PATH = /^\/v1\.0\/security\/alerts_v2(?:\/([^/]+))?\/?$/i;
/** Microsoft Graph's own application id, named in its WWW-Authenticate challenge. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const DOCUMENTED_OPTIONS = new Set(['$filter', '$top', '$skip', '$count', '$skiptoken']);
/** How ASP.NET OData names the refused options in its 400 message. */
const QUERY_OPTION_NAMES: Record<string, string> = { $orderby: 'OrderBy', $select: 'Select', $expand: 'Expand', $search: 'Search', $apply: 'Apply', $compute: 'Compute' };

function newStats(): GraphSimulatorStats {
  return { requests: 0, firstPages: 0, nextLinkPages: 0, provoked429: 0, injected429: 0, expiredLinks: 0, faults: 0, alertsServed: 0, byStatus: {} };
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function shuffled<T>(rows: T[], seed: number): T[] {
  const out = [...rows];
  const rnd = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function intOption(v: string | null, name: string): number | undefined {
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw new HttpError(400, 'BadRequest', `Invalid value '${v}' for query option '${name}': a non-negative integer is expected.`);
  return Number(v);
}

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const clock = options.clock ?? { now: () => Date.now() };
  const tokens = options.tokens ?? [GRAPH_SIM_TOKEN];
  const accepted = new Set(tokens);
  const forbidden = new Set(options.forbiddenTokens ?? []);
  const tenantId = options.tenantId ?? SIM_TENANT_ID;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxSkip = options.maxSkip ?? DEFAULT_MAX_SKIP;
  let limiter = options.rateLimit === false ? undefined : new SlidingWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, clock);
  let paging = options.paging ?? 'snapshot';
  let shuffle = options.shuffle ?? false;
  let setSeq = 0;
  const links = new LinkBook(options.nextLinkTtlMs ?? 10 * 60_000);
  const store = new AlertStore();
  const faults = new GraphFaultBox();
  faults.rule = options.faultRule;
  let stats = newStats();
  let seq = 0;
  let origin = '';
  store.put(options.alerts ?? []);

  const send = (res: http.ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const json = (res: http.ServerResponse, status: number, body: unknown, extra?: Record<string, string>) =>
    send(res, status, JSON.stringify(body), 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8', extra);
  /** Graph's error envelope: {error: {code, message, innerError: {date, request-id, client-request-id}}}. */
  const graphError = (res: http.ServerResponse, req: http.IncomingMessage, e: HttpError) => {
    const requestId = randomUUID();
    const innerError = { date: new Date(clock.now()).toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': String(req.headers['client-request-id'] ?? requestId) };
    json(res, e.status, { error: { code: e.code, message: e.message, innerError } }, { 'request-id': requestId, ...e.headers });
  };

  function rowsOf(set: ResultSet): GraphAlert[] {
    if (set.rows) return set.rows;
    const rows = store.list().filter((a) => set.predicate(a));
    return shuffle === false ? rows : shuffled(rows, set.orderSeed);
  }

  function authenticate(req: http.IncomingMessage): string {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const challenge = { 'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"` };
    if (!m) throw new HttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
    const token = m[1]!;
    if (forbidden.has(token)) {
      // The Graph gateway's wording for an app-only token without the app role (seen on other workloads;
      // the security workload's exact text is not documented).
      throw new HttpError(403, 'Forbidden', "Missing role permissions on the request. API requires one of 'SecurityAlert.Read.All, SecurityAlert.ReadWrite.All'. Roles on the request ''.");
    }
    if (!accepted.has(token)) throw new HttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', challenge);
    return token;
  }

  async function applyFault(fault: GraphFault, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    stats.faults++;
    switch (fault.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        return false;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'status':
        graphError(res, req, new HttpError(fault.status, fault.code ?? (fault.status >= 500 ? 'ServiceUnavailable' : 'BadRequest'), 'Simulated failure.', fault.status === 503 ? { 'retry-after': '1' } : {}));
        return true;
      case 'html200':
        send(res, 200, HTML_ERROR_PAGE, 'text/html; charset=utf-8');
        return true;
      case 'html500':
        send(res, 500, HTML_ERROR_PAGE, 'text/html; charset=utf-8');
        return true;
      case 'rateLimit':
        stats.injected429++;
        graphError(res, req, new HttpError(429, 'TooManyRequests', 'Too many requests.', fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}));
        return true;
      default:
        return false; // page rewrites: applied in list()
    }
  }

  const expired = () =>
    new HttpError(400, 'BadRequest', 'The $skiptoken is invalid or has expired. Restart the query from the first page.');

  async function list(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const token = authenticate(req);
    stats.requests++;
    const wait = limiter?.hit(token);
    if (wait !== undefined) {
      stats.provoked429++;
      const seconds = Math.ceil(wait / 1000);
      throw new HttpError(429, 'TooManyRequests', `Too many requests. Retry after ${seconds} seconds.`, { 'retry-after': String(seconds) });
    }
    const q = url.searchParams;
    for (const key of new Set(q.keys())) {
      if (q.getAll(key).length > 1) throw new HttpError(400, 'BadRequest', `Query option '${key}' was specified more than once, but it must be specified at most once.`);
      if (key.startsWith('$') && !DOCUMENTED_OPTIONS.has(key.toLowerCase())) {
        const name = QUERY_OPTION_NAMES[key.toLowerCase()] ?? key.slice(1);
        throw new HttpError(400, 'BadRequest', `Query option '${name}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`);
      }
    }
    const skiptoken = q.get('$skiptoken');
    let set: ResultSet;
    let offset: number;
    const now = clock.now();
    if (skiptoken !== null) {
      const link = links.resolve(skiptoken, now);
      const fr: GraphFaultRequest = { nextLink: true, offset: link?.offset ?? 0, pageSize: link?.set.pageSize ?? pageSize, filter: link?.set.filter, seq: ++seq };
      const fault = faults.take(fr);
      if (!link || fault?.kind === 'expiredLink') {
        if (fault) stats.faults++;
        stats.expiredLinks++;
        throw expired();
      }
      stats.nextLinkPages++;
      set = link.set;
      offset = link.offset;
      return page(req, res, set, offset, fault, fr);
    }
    const filter = q.get('$filter') ?? undefined;
    const top = intOption(q.get('$top'), '$top');
    if (top === 0) throw new HttpError(400, 'BadRequest', "Invalid value '0' for query option '$top': it must be at least 1.");
    const count = q.get('$count');
    if (count !== null && count !== 'true' && count !== 'false') throw new HttpError(400, 'BadRequest', `Invalid value '${count}' for query option '$count': true or false is expected.`);
    let predicate;
    try {
      predicate = filter === undefined ? () => true : compileFilter(filter, { allowIn: options.allowIn });
    } catch (err) {
      if (err instanceof ODataError) throw new HttpError(400, 'BadRequest', err.message);
      throw err;
    }
    // $top above the page cap is served as the cap, with a nextLink for the rest.
    set = { filter, predicate, count: count === 'true', pageSize: Math.min(top ?? pageSize, pageSize), orderSeed: shuffle === false ? 0 : (shuffle === true ? 7919 : shuffle.seed) + setSeq++ };
    if (paging === 'snapshot') set.rows = rowsOf(set);
    offset = intOption(q.get('$skip'), '$skip') ?? 0;
    if (offset > maxSkip) throw new HttpError(400, 'BadRequest', `Invalid value '${offset}' for query option '$skip': the maximum is ${maxSkip}. Use @odata.nextLink to page further.`);
    stats.firstPages++;
    const fr: GraphFaultRequest = { nextLink: false, offset, pageSize: set.pageSize, filter, seq: ++seq };
    return page(req, res, set, offset, faults.take(fr), fr);
  }

  async function page(req: http.IncomingMessage, res: http.ServerResponse, set: ResultSet, offset: number, fault: GraphFault | undefined, fr: GraphFaultRequest): Promise<void> {
    if (fault && fault.kind !== 'expiredLink' && (await applyFault(fault, req, res))) return;
    if (res.destroyed) return;
    const rows = rowsOf(set);
    let value = rows.slice(offset, offset + set.pageSize);
    const now = clock.now();
    let next: number | undefined = offset + value.length < rows.length ? offset + value.length : undefined;
    if (fault?.kind === 'emptyWithNext') {
      value = [];
      next = offset;
    } else if (fault?.kind === 'loop') {
      next = Math.max(0, offset - ((fault.back ?? 1) - 1) * set.pageSize);
    }
    const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#security/alerts_v2` };
    if (set.count) body['@odata.count'] = rows.length;
    if (next !== undefined) body['@odata.nextLink'] = `${origin}/v1.0/security/alerts_v2?$skiptoken=${links.issue(set, next, now)}`;
    body.value = preferUnknownMembers(req) ? value : value.map(hideEvolvableMembers);
    stats.alertsServed += value.length;
    json(res, 200, fault?.kind === 'transform' ? fault.apply(body, fr) : body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      if (url.pathname.startsWith('/_sim/')) {
        const answer = controlRoute(sim, req.method ?? 'GET', url.pathname, Buffer.concat(chunks).toString('utf8'));
        return json(res, answer.status, answer.body);
      }
      const m = LIST_PATH.exec(url.pathname);
      if (!m) throw new HttpError(400, 'BadRequest', `Resource not found for the segment '${url.pathname.split('/').filter(Boolean).pop() ?? ''}'.`);
      if (req.method !== 'GET') throw new HttpError(405, 'Request_BadRequest', `The HTTP method '${req.method ?? ''}' is not allowed here.`);
      if (m[1] === undefined) return await list(req, res, url);
      authenticate(req);
      const alert = store.get(decodeURIComponent(m[1]));
      if (!alert) throw new HttpError(404, 'NotFound', `No alert with id '${decodeURIComponent(m[1])}'.`);
      return json(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#security/alerts_v2/$entity`, ...alert });
    } catch (err) {
      if (err instanceof HttpError) return graphError(res, req, err);
      throw err;
    }
  }

  const server = await listenLocal(options.port, handle, (res, err) => json(res, 500, { error: { code: 'InternalServerError', message: String(err) } }));
  const port = server.port;
  origin = `http://127.0.0.1:${port}`;

  const sim: GraphSimulator = {
    url: origin,
    port,
    token: tokens[0] ?? GRAPH_SIM_TOKEN,
    tenantId,
    get stats() {
      return stats;
    },
    addAlerts: (alerts) => store.put(alerts),
    generate: (count, o = {}) => {
      const now = clock.now();
      const alerts = generateGraphAlerts(count, { tenantId, now, ...o }).map((a) => clampToNow(a, now));
      store.put(alerts);
      return alerts;
    },
    updateAlerts: (target, changes) => {
      let ids: string[];
      if (Array.isArray(target)) ids = target;
      else {
        const pool = [...store.list()].reverse().filter((a) => !target.serviceSources || target.serviceSources.includes(String(a.serviceSource)));
        const picked = shuffled(pool, target.seed ?? 1).slice(0, target.count);
        ids = picked.map((a) => a.id);
      }
      const now = clock.now();
      return ids.map((id) => store.update(id, changes, now));
    },
    all: () => [...store.list()],
    get: (id) => store.get(id),
    expireNextLinks: () => links.expireAll(),
    setNextLinkTtl: (ms) => {
      links.ttlMs = ms;
    },
    setPaging: (mode) => {
      paging = mode;
    },
    setShuffle: (on) => {
      shuffle = on;
    },
    setRateLimit: (limit) => {
      limiter = limit === false ? undefined : new SlidingWindowLimiter(limit, clock);
    },
    injectFault: (fault, o) => faults.push(fault, o),
    setFaultRule: (rule) => {
      faults.rule = rule;
    },
    clearFaults: () => faults.clear(),
    resetStats: () => {
      stats = newStats();
    },
    close: () => server.close(),
  };
  return sim;
}

/** Whether the client opted into evolvable enum members added after unknownFutureValue. */
function preferUnknownMembers(req: http.IncomingMessage): boolean {
  return String(req.headers.prefer ?? '').split(',').some((p) => p.trim().toLowerCase() === 'include-unknown-enum-members');
}

/**
 * Graph serves enum members added after `unknownFutureValue` (serviceSource microsoftDefenderForCloud,
 * microsoftSentinel ...) as `unknownFutureValue` unless the request says `Prefer: include-unknown-enum-members`
 * (best-practices-concept.md, "Handling future members in evolvable enumerations").
 */
function hideEvolvableMembers(a: GraphAlert): GraphAlert {
  const members = ENUMS.serviceSource!;
  const source = typeof a.serviceSource === 'string' ? members.indexOf(a.serviceSource) : -1;
  return source > members.indexOf('unknownFutureValue') ? { ...a, serviceSource: 'unknownFutureValue' } : a;
}

/** A generated alert updated "later" than now (an MDCA resolveTime an hour on) is updated now instead. */
function clampToNow(a: GraphAlert, nowMs: number): GraphAlert {
  const now = graphTime(nowMs);
  if (a.createdDateTime > now || a.lastUpdateDateTime <= now) return a; // future alerts stay future on purpose
  return { ...a, lastUpdateDateTime: now, resolvedDateTime: a.resolvedDateTime && a.resolvedDateTime > now ? now : a.resolvedDateTime };
}
