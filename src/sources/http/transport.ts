// The transport part of one API request, shared by the API clients: the connection agent (direct,
// or through the forward proxy with CONNECT refusals made explicit), node-fetch loaded on first use,
// and what a failed fetch means: a retryable network failure, a timeout, or a proxy problem that no
// retry fixes (INVALID_PROXY, the proxy named without its credentials).
import http from 'node:http';
import https from 'node:https';
import type { FetchError as FetchErrorType } from 'node-fetch';
import { RelayError } from '../../errors.js';
import { StrictProxyAgent, proxyRefusal } from './proxy-agent.js';
import { redactProxy } from './proxy.js';
import type { Clock } from '../../ops/clock.js';
import type { TokenProvider } from '../../secrets/types.js';
import type { FailureKind, RetryPolicy } from './retry-policy.js';

/** What both API clients take: the token, the proxy, the per-request timeout, the request budget, retries. */
export interface HttpClientOptions {
  tokenProvider: TokenProvider;
  /** `ADDRESS[:PORT]` or a proxy URL with optional credentials; overrides HTTPS_PROXY/HTTP_PROXY. */
  proxy?: string;
  /** Environment for HTTPS_PROXY / HTTP_PROXY / NO_PROXY (default process.env). */
  env?: Record<string, string | undefined>;
  /** Whole request, body included (default 60 000 ms). */
  requestTimeoutMs?: number;
  /** The budget per sliding window (each client documents its default). */
  requestsPerMinute?: number;
  /** Window of that budget; shrink it to scale the rate down in tests and benchmarks. Default 60 000 ms. */
  rateWindowMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
}

// node-fetch (with its stream and blob polyfills) loads on the first request, not at start-up:
// a Function's cold start only indexes entry points, and the first run pays these few ms.
let nodeFetch: Promise<typeof import('node-fetch')> | undefined;
export const loadFetch = () => (nodeFetch ??= import('node-fetch'));

const isFetchError = (err: unknown): err is FetchErrorType => err instanceof Error && err.name === 'FetchError';
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const PROXY_CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A keep-alive agent for `base`: through `proxyUrl` when there is one. */
export function agentFor(base: URL, proxyUrl: URL | undefined): http.Agent {
  if (proxyUrl) return new StrictProxyAgent(proxyUrl, { keepAlive: true });
  return base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
}

export interface TransportFailure {
  kind: Extract<FailureKind, 'timeout' | 'network'>;
  detail: string;
}

/**
 * What an exception from fetch means. Returns a retryable failure; rethrows the run's abort reason,
 * a RelayError, or anything unknown; throws INVALID_PROXY when the proxy itself is the problem.
 */
export function transportFailure(err: unknown, ctx: { signal?: AbortSignal; timeout: AbortSignal; timeoutMs: number; proxyUrl?: URL }): TransportFailure {
  if (err instanceof RelayError) throw err;
  if (ctx.signal?.aborted) throw ctx.signal.reason;
  if (ctx.timeout.aborted) return { kind: 'timeout', detail: `no answer within ${ctx.timeoutMs} ms` };
  const proxyShown = ctx.proxyUrl ? redactProxy(ctx.proxyUrl.href) : undefined;
  const code = isFetchError(err) ? err.code : (err as NodeJS.ErrnoException).code;
  const refused = proxyRefusal(code);
  if (refused !== undefined) {
    // 401/403/407: the proxy will not let us through (credentials or ACL); 5xx: it could not reach the API.
    if (refused < 500) throw new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address ${proxyShown}: the proxy refused the connection (HTTP ${refused}; check its credentials and access rules)`, { cause: err });
    return { kind: 'network', detail: `proxy answered HTTP ${refused} to CONNECT` };
  }
  if (ctx.proxyUrl && code && PROXY_CONNECT_CODES.has(code)) {
    throw new RelayError('INVALID_PROXY', 'fetch', `invalid proxy address ${proxyShown}: cannot connect (${code})`, { cause: err });
  }
  if (code && NETWORK_CODES.has(code)) return { kind: 'network', detail: code };
  if (isFetchError(err)) return { kind: 'network', detail: err.code ?? err.type };
  throw err;
}
