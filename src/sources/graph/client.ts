// The Microsoft Graph alerts_v2 client: one call = one page (a first page or the page a nextLink
// names), made polite (the app's budget of 150 requests per minute per tenant, shared by every client
// of that app and tenant in the process), patient (5xx, timeouts, resets and bad answers retried with
// backoff; 429 and 503 wait for Retry-After) and honest (auth failures, refused queries and answers
// that stay wrong become clear RelayErrors). The bearer token goes to the configured endpoint's origin
// only: redirects are not followed and a nextLink to another origin is refused (response.ts).
import type http from 'node:http';
import type { RequestInit } from 'node-fetch';
import { RelayError } from '../../errors.js';
import { systemClock, type Clock } from '../../ops/clock.js';
import type { RunHooks } from '../types.js';
import { proxyFor, redactProxy } from '../http/proxy.js';
import { tenantBucket, type RateLimit, type TenantBucket } from '../http/rate-bucket.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type FailureKind, type RetryPolicy } from '../http/retry-policy.js';
import { agentFor, loadFetch, transportFailure, type HttpClientOptions } from '../http/transport.js';
import { badGraphResponse, ENDPOINT, graphErrorText, parseGraphPage, type GraphPage } from './response.js';

/** Documented: 150 requests per minute per app per tenant for alert operations under /security. */
export const GRAPH_REQUESTS_PER_MINUTE = 150;
/** The application permission (app role) alerts_v2 needs, least privileged. */
export const GRAPH_ALERT_ROLE = 'SecurityAlert.Read.All';

export interface GraphClientOptions extends HttpClientOptions {
  /** `https://graph.microsoft.com` (or a national cloud; http:// only for loopback tests). */
  endpoint: string;
  /** Who the budget belongs to, e.g. `<tenant id>/<client id>`: one bucket per app and tenant. */
  budgetScope?: string;
  /** Default 150 (GRAPH_REQUESTS_PER_MINUTE). */
  requestsPerMinute?: number;
  /** Called on every retry (for logs); never receives a secret. */
  onRetry?: (info: { attempt: number; kind: FailureKind; status?: number; delayMs: number; nextLink: boolean }) => void;
}

export interface GraphQuery {
  /** OData `$filter`, already built (query.ts). */
  filter: string;
  top: number;
  /** Ask for `@odata.count` (the reader sizes its window with it). */
  count?: boolean;
}

export interface GraphClientStats {
  requests: number;
  retries: number;
  throttled: number;
  byKind: Partial<Record<FailureKind, number>>;
}

export interface GraphClient {
  readonly endpoint: string;
  readonly stats: GraphClientStats;
  readonly bucket: TenantBucket;
  readonly clock: Clock;
  /** The first page of a query. */
  first(query: GraphQuery, run?: RunHooks): Promise<GraphPage>;
  /** The page `nextLink` names. Throws NextLinkExpired when the service no longer knows the link. */
  next(nextLink: string, top: number, run?: RunHooks): Promise<GraphPage>;
}

/** The service refused a nextLink (expired or unknown $skiptoken): restart the query from its first page. */
export class NextLinkExpired extends RelayError {
  constructor(detail: string) {
    super('API_BAD_RESPONSE', 'fetch', `${ENDPOINT}: the nextLink was refused (${detail}); the query must restart from its first page`);
  }
}

/** The service refused a first page (HTTP 400 and the like): the query itself is wrong for this service. */
export class QueryRefused extends RelayError {
  constructor(readonly status: number, detail: string) {
    super('API_BAD_RESPONSE', 'fetch', `${ENDPOINT}: the service refused the query with HTTP ${status}${detail}`);
  }
}

type Outcome =
  | { ok: true; page: GraphPage }
  | { ok: false; kind: FailureKind; status?: number; retryAfterMs?: number; detail: string }
  | { refused: number; text: string };

export function createGraphClient(options: GraphClientOptions): GraphClient {
  let base: URL;
  try {
    base = new URL(options.endpoint);
  } catch {
    throw new RelayError('CONFIG_INVALID', 'config', 'the Graph endpoint is not a URL');
  }
  const alertsUrl = new URL('v1.0/security/alerts_v2', base.href.endsWith('/') ? base.href : `${base.href}/`);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const rate: RateLimit = { requests: options.requestsPerMinute ?? GRAPH_REQUESTS_PER_MINUTE, windowMs: options.rateWindowMs ?? 60_000 };
  const bucket = tenantBucket(base.href, rate, clock, options.budgetScope ?? 'default');
  const proxyUrl = proxyFor(base, options.proxy, options.env ?? process.env); // throws INVALID_PROXY early
  const proxyShown = proxyUrl ? redactProxy(proxyUrl.href) : undefined;
  const agent: http.Agent = agentFor(base, proxyUrl);
  const stats: GraphClientStats = { requests: 0, retries: 0, throttled: 0, byKind: {} };

  async function attempt(url: string, auth: string, top: number, signal?: AbortSignal): Promise<Outcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const init: RequestInit = {
      method: 'GET',
      // Without the Prefer header the service shows newer serviceSource members (Defender for Cloud, Sentinel...)
      // as unknownFutureValue, and refuses them in $filter.
      headers: { authorization: auth, accept: 'application/json', prefer: 'include-unknown-enum-members' },
      agent,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'manual', // never follow with the token: a redirect is a wrong endpoint
    };
    try {
      const { default: fetch } = await loadFetch();
      const res = await fetch(url, init);
      const text = await res.text();
      const html = /text\/html/i.test(res.headers.get('content-type') ?? '') || /^\s*</.test(text);
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), clock.now());
      if (res.status === 429) return { ok: false, kind: 'throttled', status: 429, retryAfterMs, detail: 'HTTP 429' };
      if (res.status === 407 && proxyUrl) throw new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address ${proxyShown}: the proxy requires other credentials (HTTP 407)`);
      if (res.status >= 500) return { ok: false, kind: html ? 'html' : 'server', status: res.status, retryAfterMs, detail: `HTTP ${res.status}${html ? ' (HTML error page)' : ''}` };
      if (res.status !== 200) return { refused: res.status, text };
      if (html) return { ok: false, kind: 'html', status: 200, detail: 'HTML page instead of JSON' };
      // A body that is not a page is retried like a 5xx, then fails the run: never trusted.
      const page = parseGraphPage(text, { origin: base.origin, top });
      return typeof page === 'string' ? { ok: false, kind: 'malformed', status: 200, detail: page } : { ok: true, page };
    } catch (err) {
      return { ok: false, ...transportFailure(err, { signal, timeout, timeoutMs, proxyUrl }) };
    }
  }

  /** What a non-200, non-5xx, non-429 answer means. Never retried (a 401 once, after a refresh). */
  function refusal(status: number, text: string, isNext: boolean): RelayError {
    const { code, message } = graphErrorText(text);
    const said = code || message ? ` (${[code, message].filter(Boolean).join(': ')})` : '';
    if (status === 403) {
      const role = /SecurityAlert\.Read(Write)?\.All|\broles?\b/i.test(message ?? '');
      return new RelayError(
        'PERMISSION_DENIED',
        'fetch',
        role
          ? `permission denied: the app lacks the Microsoft Graph application permission ${GRAPH_ALERT_ROLE} (grant the app role to the app registration or managed identity, then run check)${said}`
          : `permission denied: ${ENDPOINT} answered 403${said}`,
      );
    }
    if (status === 401) return new RelayError('TOKEN_REJECTED', 'fetch', `token rejected: ${ENDPOINT} answered 401${said}`);
    // An expired or unknown $skiptoken is a 400 (Graph's wording: "invalid or has expired"); some services use 404/410.
    if (isNext && (status === 400 || status === 404 || status === 410)) return new NextLinkExpired(`HTTP ${status}${said}`);
    if (status >= 300 && status < 400) return badGraphResponse(`redirect (HTTP ${status}) not followed: is the Graph endpoint right?`);
    return new QueryRefused(status, said);
  }

  async function get(url: string, top: number, isNext: boolean, run: RunHooks = {}): Promise<GraphPage> {
    const { signal } = run;
    let failures = 0;
    let refreshed = false;
    for (;;) {
      const auth = await options.tokenProvider.authorization();
      const release = await bucket.acquire(signal);
      let out: Outcome;
      try {
        stats.requests++;
        run.onRequest?.();
        out = await attempt(url, auth, top, signal);
      } finally {
        release();
      }
      if ('refused' in out) {
        // 401: the credential may have rotated or expired: re-read it once, then stop.
        if (out.refused === 401 && !refreshed) {
          refreshed = true;
          if (await options.tokenProvider.refresh()) continue;
        }
        throw refusal(out.refused, out.text, isNext);
      }
      if (out.ok) return out.page;

      failures++;
      stats.byKind[out.kind] = (stats.byKind[out.kind] ?? 0) + 1;
      if (out.kind === 'throttled') stats.throttled++;
      const delay = retryDelay({ attempt: failures, kind: out.kind, retryAfterMs: out.retryAfterMs }, policy, random);
      if (delay === undefined) {
        if (out.kind === 'malformed') throw badGraphResponse(`${out.detail} (${failures} attempts)`);
        const code = out.kind === 'timeout' ? 'API_TIMEOUT' : 'API_UNAVAILABLE';
        throw new RelayError(code, 'fetch', `${ENDPOINT}: gave up after ${failures} attempts, last: ${out.detail}${out.retryAfterMs !== undefined && out.retryAfterMs > policy.maxRetryAfterMs ? ` (Retry-After ${Math.round(out.retryAfterMs / 1000)} s is longer than the ${policy.maxRetryAfterMs / 1000} s a run waits)` : ''}`);
      }
      // Told to wait (429, or 503 with Retry-After): the whole app pauses, not just this read.
      if (out.kind === 'throttled' || out.retryAfterMs !== undefined) bucket.pauseUntil(clock.now() + delay);
      stats.retries++;
      options.onRetry?.({ attempt: failures, kind: out.kind, status: out.status, delayMs: delay, nextLink: isNext });
      await clock.sleep(delay, signal);
    }
  }

  return {
    endpoint: base.origin,
    stats,
    bucket,
    clock,
    first: (query, run) => {
      // Graph takes `$filter` with spaces as %20 and keeps `$` literal in option names.
      const qs = `$filter=${encodeURIComponent(query.filter)}&$top=${query.top}${query.count ? '&$count=true' : ''}`;
      return get(`${alertsUrl.href}?${qs}`, query.top, false, run);
    },
    next: async (nextLink, top, run) => {
      // Checked again here: a caller must not be able to send the token elsewhere by mistake either.
      const origin = URL.canParse(nextLink) ? new URL(nextLink).origin : undefined;
      if (origin !== base.origin) throw badGraphResponse(`a nextLink to another origin (${origin ?? 'not a URL'}) is not followed`);
      return get(nextLink, top, true, run);
    },
  };
}
