// One request budget per tenant, shared by every data type and client of that tenant (Defender for
// Cloud Apps: 30 requests per minute per tenant, all endpoints together, mdca-api.md "Throttling and
// paging"; Microsoft Graph security alerts: 150 per minute per app per tenant, graph-security-api.md).
//
// It is a token bucket of `requests` tokens in which a spent token comes back `windowMs` after the
// request that spent it ENDED. The service counts arrivals in a sliding window; a request arrives
// somewhere between our send and our receipt of its answer, so counting from the receipt (and
// counting requests still in flight as "now") can never put more than `requests` arrivals in any
// window, whatever the network latency. A classic refill-rate bucket cannot promise that: it lets
// a full bucket plus a window of refills (2x the limit) through in the first window.
import type { Clock } from '../../ops/clock.js';

export interface RateLimit {
  requests: number;
  windowMs: number;
  /** Extra wait past the window, for clock drift against the server (default 0.5% of the window). */
  marginMs?: number;
}

export class TenantBucket {
  private readonly ended: number[] = []; // receipt times of finished requests, ascending
  private inFlight = 0;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  private releaseWaiters: Array<() => void> = [];
  readonly margin: number;

  constructor(readonly limit: RateLimit, private readonly clock: Clock) {
    if (!(limit.requests >= 1) || !(limit.windowMs > 0)) throw new Error('rate limit needs requests >= 1 and windowMs > 0');
    this.margin = limit.marginMs ?? Math.ceil(limit.windowMs * 0.005);
  }

  /** Waits for a token (first come, first served); call the returned function when the answer is in. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const turn = this.queue.then(async () => {
      await this.waitForToken(signal);
      this.inFlight++; // taken before the next in line looks
    });
    this.queue = turn.catch(() => undefined);
    return turn.then(() => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        this.inFlight--;
        this.ended.push(this.clock.now());
        const w = this.releaseWaiters;
        this.releaseWaiters = [];
        for (const f of w) f();
      };
    });
  }

  /** After a 429 (someone else used the budget): nobody on this tenant sends before `until`. */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Receipt times of the finished requests still inside the window: the budget's state, to hand to another process. */
  recent(): number[] {
    this.prune(this.clock.now());
    return [...this.ended];
  }

  /**
   * Counts requests another process made for this tenant (their receipt times, from `recent()` there): a tenant whose
   * runs move between Function instances keeps one budget. A time already known here counts once (multiset union),
   * so handing a process its own history back does not halve its budget.
   */
  seed(receipts: readonly number[]): void {
    const counts = new Map<number, number>();
    for (const t of this.ended) counts.set(t, (counts.get(t) ?? 0) + 1);
    const theirs = new Map<number, number>();
    for (const t of receipts) if (Number.isFinite(t)) theirs.set(t, (theirs.get(t) ?? 0) + 1);
    for (const [t, n] of theirs) counts.set(t, Math.max(n, counts.get(t) ?? 0));
    this.ended.length = 0;
    for (const t of [...counts.keys()].sort((a, b) => a - b)) for (let i = 0; i < counts.get(t)!; i++) this.ended.push(t);
    this.prune(this.clock.now());
  }

  /** Earliest time a token is free if nothing else happens (for tests and status). */
  nextFree(): number {
    const now = this.clock.now();
    this.prune(now);
    let t = Math.max(now, this.pausedUntil);
    const used = this.ended.length + this.inFlight;
    if (used >= this.limit.requests) {
      const i = used - this.limit.requests; // that many must age out
      const at = this.ended[i];
      t = at === undefined ? Infinity : Math.max(t, at + this.limit.windowMs + this.margin);
    }
    return t;
  }

  private prune(now: number): void {
    const horizon = now - this.limit.windowMs - this.margin;
    while (this.ended.length > 0 && this.ended[0]! <= horizon) this.ended.shift();
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const at = this.nextFree();
      const now = this.clock.now();
      if (at <= now) return;
      if (at === Infinity) {
        // Every token is held by a request in flight: wait for one to end.
        await new Promise<void>((resolve) => this.releaseWaiters.push(resolve));
      } else {
        await this.clock.sleep(at - now, signal);
      }
    }
  }
}

const registry = new Map<string, TenantBucket>();

/**
 * The tenant's bucket: one per API origin in this process, whatever data type or client asks. `scope`
 * separates budgets that share an origin (Graph: one per app and tenant on graph.microsoft.com).
 */
export function tenantBucket(apiUrl: string, limit: RateLimit, clock: Clock, scope = ''): TenantBucket {
  const key = `${new URL(apiUrl).origin.toLowerCase()} ${scope}`;
  let b = registry.get(key);
  if (!b) {
    b = new TenantBucket(limit, clock);
    registry.set(key, b);
  }
  return b;
}

/** Tests and benchmarks only: forget every tenant's history. */
export function resetTenantBuckets(): void {
  registry.clear();
}
