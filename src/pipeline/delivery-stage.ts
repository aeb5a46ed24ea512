// The delivery stage: keeps up to `window` batches on their way to the receiver at once and commits
// their cursors strictly in batch order, each only after its own batch was confirmed.
//
// Why: one batch at a time leaves the relay waiting on every confirmation round trip (over TCP/TLS a
// close and a settle check, tens of milliseconds), so the end-to-end rate was a fifth of what the API
// serves (issue 15). Overlapping deliveries hides that wait; committing in order keeps the rule of
// src/state/types.ts: the checkpoint never passes a batch that was not confirmed.
//
// The rules:
// - push() starts delivering a batch at once and returns when there is room for the next one:
//   never more than `window` batches in flight (delivering, or confirmed and waiting for the batches
//   before them). That is the backpressure: memory stays flat, whatever the source and receiver do.
// - Batch n is committed when it and every batch before it were confirmed and committed.
// - A failed batch n (its delivery or its commit) stops the stage: n and everything after it are
//   never committed, the deliveries after it are aborted, the batches before it still commit as they
//   confirm. push() and drain() then reject with n's error. The next run resumes from the last
//   committed cursor, so after a failure at most `window` batches are sent again (duplicates at the
//   receiver, never a loss).
import { isRelayError } from '../errors.js';

export interface StagedBatch<C> {
  lines: readonly string[];
  cursor: C;
}

export interface DeliveryStageDeps<C> {
  /** Most batches in flight at once (>= 1). */
  window: number;
  /** Resolves when the receiver confirmed every line (the sender's contract, src/syslog/types.ts). */
  deliver(lines: readonly string[], signal: AbortSignal): Promise<unknown>;
  /** Moves the checkpoint to `cursor`; called one at a time, in batch order. */
  commit(cursor: C, count: number, signal: AbortSignal): Promise<void>;
  /** After each commit, in order. */
  onCommitted?(batch: StagedBatch<C>): void;
  /** Aborts everything in flight (the run's stop, a lost lease). */
  signal: AbortSignal;
}

interface Slot<C> {
  /** Position in push order: a failure at `seq` stops every batch from `seq` on. */
  seq: number;
  batch: StagedBatch<C>;
  abort: AbortController;
  /** Settles when this batch was committed, or could not be; never rejects. */
  done: Promise<void>;
}

export class DeliveryStage<C> {
  /** In batch order: pushed and not yet committed. */
  private readonly inFlight: Array<Slot<C>> = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: { seq: number; error: unknown } | undefined;
  private pushed = 0;
  private peakInFlight = 0;
  private uncommittedLines = 0;

  constructor(private readonly deps: DeliveryStageDeps<C>) {
    if (!(deps.window >= 1)) throw new RangeError(`delivery window must be >= 1, got ${deps.window}`);
  }

  /** Events handed to the sender and not committed: some of them may already be at the receiver. */
  get uncommitted(): number {
    return this.uncommittedLines;
  }

  /** Most batches that were ever in flight at once (never above the window). */
  get peak(): number {
    return this.peakInFlight;
  }

  /** The failure that stopped the stage (the earliest failed batch's), if any. */
  get error(): unknown {
    return this.failure?.error;
  }

  /** Starts delivering `batch`; resolves once there is room for another. Rejects once the stage failed. */
  async push(batch: StagedBatch<C>): Promise<void> {
    this.throwIfFailed();
    const abort = new AbortController();
    const signal = AbortSignal.any([this.deps.signal, abort.signal]);
    const slot: Slot<C> = { seq: this.pushed++, batch, abort, done: Promise.resolve() };
    const delivered = batch.lines.length > 0 ? Promise.resolve().then(() => this.deps.deliver(batch.lines, signal)) : Promise.resolve();
    // A failed batch is seen at once (no new batches start), not only when the commits reach it.
    delivered.catch((err: unknown) => this.fail(slot, err));
    this.inFlight.push(slot);
    this.uncommittedLines += batch.lines.length;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight.length);
    slot.done = this.chain = this.chain.then(() => this.commitInTurn(slot, delivered, signal));
    while (this.inFlight.length >= this.deps.window) {
      await this.inFlight[0]!.done;
      this.throwIfFailed();
    }
  }

  /** Waits until every pushed batch is committed; rejects with the stage's failure. */
  async drain(): Promise<void> {
    await this.chain;
    this.throwIfFailed();
  }

  /**
   * Waits, without failing, until no batch is in flight any more: every batch before a failure
   * committed, every one after it aborted or settled. For a run that stops for another reason (the
   * source failed): what was confirmed is still committed.
   */
  async settle(): Promise<void> {
    await this.chain;
  }

  private stopsAt(slot: Slot<C>): boolean {
    return this.failure !== undefined && this.failure.seq <= slot.seq;
  }

  private async commitInTurn(slot: Slot<C>, delivered: Promise<unknown>, signal: AbortSignal): Promise<void> {
    try {
      await delivered;
      // A batch before this one, or this one, failed: never commit past it.
      if (this.stopsAt(slot)) return;
      await this.deps.commit(slot.batch.cursor, slot.batch.lines.length, signal);
    } catch (err) {
      this.fail(slot, err);
      return;
    }
    this.inFlight.shift();
    this.uncommittedLines -= slot.batch.lines.length;
    this.deps.onCommitted?.(slot.batch);
  }

  /** The earliest failed batch wins: every batch after it is aborted; the ones before still commit. */
  private fail(slot: Slot<C>, err: unknown): void {
    if (this.failure && this.failure.seq <= slot.seq) return; // aborted because of an earlier failure
    const signal = this.deps.signal;
    // Aborted by the run's stop or a lost lease: that reason is the error, not "delivery stopped".
    const error = signal.aborted && isRelayError(signal.reason) ? signal.reason : err;
    this.failure = { seq: slot.seq, error };
    for (const later of this.inFlight) if (later.seq > slot.seq) later.abort.abort(error);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
