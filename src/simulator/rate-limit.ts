// Sliding-window request limit per token, like the service's "30 requests per minute per tenant"
// (api-introduction.md, throttling): every request that arrives in the last window counts.
import type { RateLimitOptions, SimClock } from './types.js';

export class SlidingWindowLimiter {
  private readonly arrivals = new Map<string, number[]>();
  constructor(private readonly opts: RateLimitOptions, private readonly clock: SimClock) {}

  /** Records an arrival; returns undefined when allowed, else ms until a slot frees. */
  hit(key: string): number | undefined {
    const now = this.clock.now();
    const list = (this.arrivals.get(key) ?? []).filter((t) => t > now - this.opts.windowMs);
    if (list.length >= this.opts.requests) {
      this.arrivals.set(key, list);
      return Math.max(1, list[0]! + this.opts.windowMs - now);
    }
    list.push(now);
    this.arrivals.set(key, list);
    return undefined;
  }
}
