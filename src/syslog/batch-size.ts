// How many events one TCP/TLS delivery session carries: a pure policy fed with what sessions showed.
//
// Why: a receiver that reads slower than (batch bytes / writeTimeoutMs) can never confirm a whole
// batch, because after our half-close nothing about its reading is visible (docs/syslog.md, "Slow
// receivers"); the same batch then fails on every run (issue 13 item 7). Smaller sessions fit its
// speed. The limit starts unlimited (one session per batch, as before), halves on every session
// that failed for lack of progress, and is kept for the next batches. It grows back only on
// evidence: a full-size session confirmed within a quarter of the timeout doubles it, so the
// doubled one should take under half; a confirmed session that took over half the timeout halves
// it before it fails. Time is counted from our half-close to the receiver's close: the blind wait
// that must stay under the timeout (the writing before it shows progress and may take longer). A
// slow receiver therefore stays at the size it can take, without a failure every few sessions; a
// receiver that was only slow for a while returns to large sessions.
export class BatchSizer {
  private limit = Number.POSITIVE_INFINITY;

  constructor(private readonly timeoutMs: number) {}

  /** Events in the next session, out of `remaining` (at least one). */
  partSize(remaining: number): number {
    return Math.max(1, Math.min(this.limit, remaining));
  }

  /** A session of `size` events failed for lack of progress: its halves are tried next. */
  tooSlow(size: number): void {
    this.limit = Math.max(1, Math.ceil(size / 2));
  }

  /** A session of `size` events was confirmed `waitMs` after our half-close. */
  confirmed(size: number, waitMs: number): void {
    if (this.limit === Number.POSITIVE_INFINITY) return;
    const ms = waitMs;
    if (ms > this.timeoutMs / 2) this.limit = Math.max(1, Math.ceil(Math.min(size, this.limit) / 2));
    else if (size >= this.limit && ms < this.timeoutMs / 4) this.limit *= 2;
  }

  /** The current limit, for status and logs (Infinity: one session per batch). */
  get current(): number {
    return this.limit;
  }
}
