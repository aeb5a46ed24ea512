// Retry policy of the API clients as one pure function (after got's calculate-retry-delay.ts):
// which failures are retried, how long to wait, and when to give up. No clock, no network.

/** What went wrong with one attempt. Auth failures are not here: they are never retried. */
export type FailureKind =
  | 'throttled' // 429
  | 'server' // 5xx with any body
  | 'html' // an HTML error page instead of JSON (the portal's error page)
  | 'timeout' // no complete answer within the request timeout
  | 'network' // reset, refused, DNS failure
  | 'malformed'; // a 200 whose body is not a valid page, or a page that contradicts itself

export interface RetryPolicy {
  /** Attempts in total for one page, the first included. */
  maxAttempts: number;
  /** Exponential backoff base and cap (full jitter: a uniform wait in [0, min(cap, base * 2^n)]). */
  baseMs: number;
  capMs: number;
  /** 429 without Retry-After: wait at least this (one rate slot), doubling per attempt, equal jitter. */
  throttleBaseMs: number;
  /** A Retry-After longer than this ends the retries instead of blocking the run. */
  maxRetryAfterMs: number;
  /** Attempts for an answer that is not a valid page: a glitch passes, a broken service fails the run soon. */
  maxMalformedAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseMs: 1_000,
  capMs: 60_000,
  throttleBaseMs: 2_000,
  maxRetryAfterMs: 5 * 60_000,
  maxMalformedAttempts: 3,
};

export interface RetryInput {
  /** Attempts made so far (1 after the first failure). */
  attempt: number;
  kind: FailureKind;
  /** Parsed Retry-After, in ms from now, when the answer carried one. */
  retryAfterMs?: number;
}

/** Milliseconds to wait before the next attempt, or `undefined` to stop retrying. `random` in [0, 1). */
export function retryDelay(input: RetryInput, policy: RetryPolicy, random: () => number): number | undefined {
  if (input.attempt >= policy.maxAttempts) return undefined;
  if (input.kind === 'malformed' && input.attempt >= policy.maxMalformedAttempts) return undefined;
  const exp = 2 ** Math.max(0, input.attempt - 1);
  if (input.kind === 'throttled') {
    // Retry-After is undocumented for this API (mdca-api.md): obey it when present.
    if (input.retryAfterMs !== undefined) {
      return input.retryAfterMs > policy.maxRetryAfterMs ? undefined : Math.max(0, input.retryAfterMs);
    }
    // Without it, never retry sooner than one rate slot: full jitter could fire at once into the same wall.
    const d = Math.min(policy.capMs, policy.throttleBaseMs * exp);
    return d / 2 + random() * (d / 2);
  }
  // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retries of many clients.
  const backoff = random() * Math.min(policy.capMs, policy.baseMs * exp);
  // A server error that says when to come back (Graph answers 503 with Retry-After when it throttles:
  // "Microsoft Graph throttling guidance") is not retried sooner than that.
  if (input.retryAfterMs === undefined) return backoff;
  return input.retryAfterMs > policy.maxRetryAfterMs ? undefined : Math.max(backoff, input.retryAfterMs);
}

/** `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `now`; undefined if absent or invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
