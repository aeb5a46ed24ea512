// The Defender for Cloud Apps API client: one list call = one page, made polite (the tenant's
// shared request budget), patient (retries with backoff, smaller pages when large ones keep
// failing) and honest (auth and shape problems become clear RelayErrors, never silent retries).
import type http from 'node:http';
import type { RequestInit } from 'node-fetch';
import { RelayError } from '../../errors.js';
import { systemClock, type Clock } from '../../ops/clock.js';
import { proxyFor, redactProxy } from '../http/proxy.js';
import { agentFor, loadFetch, transportFailure, type HttpClientOptions } from '../http/transport.js';
import { tenantBucket, type RateLimit, type TenantBucket } from '../http/rate-bucket.js';
import { badResponse, contradiction, parsePage } from './response.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type FailureKind, type RetryPolicy } from '../http/retry-policy.js';
import type { DataType, MdcaPage, MdcaRecord } from './types.js';

export interface MdcaClientOptions extends HttpClientOptions {
  /** `https://<tenant>.<region>.portal.cloudappsecurity.com` (http:// only for loopback tests). */
  portalUrl: string;
  /** The tenant's budget (documented: 30 per minute, all endpoints together). Default 30. */
  requestsPerMinute?: number;
  /** Consecutive 5xx/HTML/timeout failures of one page before its limit is halved (default 2). */
  halveAfter?: number;
  /** Called on every retry (for logs); never receives a secret. */
  onRetry?: (info: { endpoint: string; attempt: number; kind: FailureKind; status?: number; delayMs: number; limit: number }) => void;
}

export interface ListQuery {
  filters: Record<string, Record<string, unknown>>;
  sortField?: 'date' | 'severity' | 'created';
  sortDirection?: 'asc' | 'desc';
  skip?: number;
  limit: number;
  /** Called once per HTTP request, retries included. */
  onRequest?: () => void;
}

export interface ListResult {
  page: MdcaPage<MdcaRecord>;
  /** The limit of the request that succeeded (smaller than asked when large pages kept failing). */
  limitUsed: number;
  /** HTTP requests spent, retries included. */
  requests: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  throttled: number;
  byKind: Partial<Record<FailureKind, number>>;
}

export interface MdcaClient {
  readonly portalUrl: string;
  readonly stats: ClientStats;
  readonly bucket: TenantBucket;
  readonly clock: Clock;
  list(dataType: DataType, query: ListQuery, signal?: AbortSignal): Promise<ListResult>;
}

type Attempt =
  | { ok: true; page: MdcaPage<MdcaRecord> }
  | { ok: false; kind: FailureKind; status?: number; retryAfterMs?: number; detail: string };

export function createMdcaClient(options: MdcaClientOptions): MdcaClient {
  let base: URL;
  try {
    base = new URL(options.portalUrl);
  } catch {
    throw new RelayError('CONFIG_INVALID', 'config', 'MDCA portal URL is not a URL');
  }
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const halveAfter = options.halveAfter ?? 2;
  const rate: RateLimit = { requests: options.requestsPerMinute ?? 30, windowMs: options.rateWindowMs ?? 60_000 };
  const bucket = tenantBucket(base.href, rate, clock);
  const proxyUrl = proxyFor(base, options.proxy, options.env ?? process.env); // throws INVALID_PROXY early
  const proxyShown = proxyUrl ? redactProxy(proxyUrl.href) : undefined;
  const agent: http.Agent = agentFor(base, proxyUrl);
  const stats: ClientStats = { requests: 0, retries: 0, throttled: 0, byKind: {} };

  async function attempt(endpoint: string, url: string, body: string, auth: string, asked: { limit: number; skip: number }, signal?: AbortSignal): Promise<Attempt | { auth: 401 | 403 | 407 } | { clientError: number; detail: string }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const init: RequestInit = {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
      body,
      agent,
      signal: combined,
      redirect: 'manual', // a redirect means a wrong portal URL (login page), not something to follow with a token
    };
    try {
      const { default: fetch } = await loadFetch();
      const res = await fetch(url, init);
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      const html = /text\/html/i.test(type) || /^\s*</.test(text);
      if (res.status === 401 || res.status === 403) return { auth: res.status };
      if (res.status === 407 && proxyUrl) return { auth: 407 };
      if (res.status === 429) {
        return { ok: false, kind: 'throttled', status: 429, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), clock.now()), detail: 'HTTP 429' };
      }
      if (res.status >= 500) return { ok: false, kind: html ? 'html' : 'server', status: res.status, detail: `HTTP ${res.status}${html ? ' (HTML error page)' : ''}` };
      if (res.status >= 300 && res.status < 400) {
        const to = res.headers.get('location');
        return { clientError: res.status, detail: `redirect${to ? ` to ${new URL(to, url).origin}` : ''} (is the portal URL the API URL shown under Settings > About?)` };
      }
      if (res.status !== 200) return { clientError: res.status, detail: text.slice(0, 200) };
      if (html) return { ok: false, kind: 'html', status: 200, detail: 'HTML page instead of JSON' };
      // A body that is not a page, or a page that contradicts itself, is retried like a 5xx, then fails
      // the run: never trusted, so the checkpoint cannot move on it.
      let page: MdcaPage<MdcaRecord>;
      try {
        page = parsePage(endpoint, text);
      } catch (err) {
        return { ok: false, kind: 'malformed', status: 200, detail: (err as Error).message };
      }
      const problem = contradiction(page, asked);
      return problem ? { ok: false, kind: 'malformed', status: 200, detail: `${endpoint}: ${problem}` } : { ok: true, page };
    } catch (err) {
      return { ok: false, ...transportFailure(err, { signal, timeout, timeoutMs, proxyUrl }) };
    }
  }

  async function list(dataType: DataType, query: ListQuery, signal?: AbortSignal): Promise<ListResult> {
    const endpoint = `POST /api/v1/${dataType}/`;
    const url = new URL(`api/v1/${dataType}/`, base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    let limit = query.limit;
    let failures = 0;
    let heavyFailures = 0;
    let refreshed = false;
    let requests = 0;
    for (;;) {
      const body = JSON.stringify({
        filters: query.filters,
        sortField: query.sortField ?? 'date',
        sortDirection: query.sortDirection ?? 'asc',
        skip: query.skip ?? 0,
        limit,
      });
      const auth = await options.tokenProvider.authorization();
      const release = await bucket.acquire(signal);
      let out: Awaited<ReturnType<typeof attempt>>;
      try {
        requests++;
        stats.requests++;
        query.onRequest?.();
        out = await attempt(endpoint, url, body, auth, { limit, skip: query.skip ?? 0 }, signal);
      } finally {
        release();
      }
      if ('auth' in out) {
        if (out.auth === 407) throw new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address ${proxyShown}: the proxy requires other credentials (HTTP 407)`);
        if (out.auth === 403) throw new RelayError('PERMISSION_DENIED', 'fetch', `permission denied: ${endpoint} answered 403 (the token's admin lacks access or was removed)`);
        // 401: the credential may have rotated (Key Vault, expired bearer): re-read it once, then stop.
        if (!refreshed) {
          refreshed = true;
          if (await options.tokenProvider.refresh()) continue;
        }
        throw new RelayError('TOKEN_REJECTED', 'fetch', `token rejected: ${endpoint} answered 401`);
      }
      if ('clientError' in out) {
        throw badResponse(endpoint, `the API refused the request with HTTP ${out.clientError}${out.detail ? `: ${out.detail.replace(/\s+/g, ' ')}` : ''}`);
      }
      if (out.ok) return { page: out.page, limitUsed: limit, requests };

      failures++;
      stats.byKind[out.kind] = (stats.byKind[out.kind] ?? 0) + 1;
      if (out.kind === 'throttled') stats.throttled++;
      const delay = retryDelay({ attempt: failures, kind: out.kind, retryAfterMs: out.retryAfterMs }, policy, random);
      if (delay === undefined) {
        if (out.kind === 'malformed') throw new RelayError('API_BAD_RESPONSE', 'fetch', `${out.detail} (${failures} attempts)`);
        const code = out.kind === 'timeout' ? 'API_TIMEOUT' : 'API_UNAVAILABLE';
        throw new RelayError(code, 'fetch', `${endpoint}: gave up after ${failures} attempts, last: ${out.detail}`);
      }
      if (out.kind === 'throttled') bucket.pauseUntil(clock.now() + delay); // the whole tenant waits, not just this type
      // A page that keeps failing heavily (500 on large pages, timeouts on long queries): ask for less.
      if (out.kind === 'server' || out.kind === 'html' || out.kind === 'timeout') {
        if (++heavyFailures >= halveAfter && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 2));
          heavyFailures = 0;
          failures = 0; // a new page size gets its own attempts (bounded: at most log2(limit) halvings)
        }
      }
      stats.retries++;
      options.onRetry?.({ endpoint, attempt: failures, kind: out.kind, status: out.status, delayMs: delay, limit });
      await clock.sleep(delay, signal);
    }
  }

  return { portalUrl: base.href, stats, bucket, clock, list };
}
