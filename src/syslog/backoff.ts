// Retry policy as a pure function: how long to wait before trying a host again after n failures.
import type { RetryPolicy } from './types.js';

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 250, maxDelayMs: 10_000 };

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): half the delay is fixed so a recovering receiver is not hammered, half is random so
 * several relays do not reconnect in lockstep. 0 failures means no wait.
 */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const exp = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
