// Permits handed out in ticket order: the sender's session slots (index.ts).
//
// Why tickets rather than arrival order: a deliver() call that needs a second session (its next
// part after a halving, or a retry) should not queue behind calls made after it; the pipeline
// commits in call order, so the oldest call finishing first is what moves the checkpoint.

export interface Waiting {
  ticket: number;
  grant(): void;
  cancel(err: Error): void;
}

export class TicketGate {
  private active = 0;
  private readonly waiting: Waiting[] = [];

  /** `limit()` is read at every grant: the sender lowers it when a slow receiver needs one session at a time. */
  constructor(private readonly limit: () => number) {}

  /** Resolves when a permit is free for `ticket` (lowest ticket first); rejects with `stopped()` if `signal` aborts first. */
  acquire(ticket: number, signal: AbortSignal | undefined, stopped: () => Error): Promise<void> {
    if (this.waiting.length === 0 && this.active < this.limit()) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        ticket,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        cancel: (err) => {
          signal?.removeEventListener('abort', onAbort);
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(err);
        },
      };
      const onAbort = () => entry.cancel(stopped());
      const after = this.waiting.findIndex((e) => e.ticket > ticket);
      this.waiting.splice(after < 0 ? this.waiting.length : after, 0, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.active--;
    while (this.waiting.length > 0 && this.active < this.limit()) {
      this.active++;
      this.waiting.shift()!.grant();
    }
  }

  /** Rejects every waiting acquire with `err` (the sender is closing). */
  cancelAll(err: () => Error): void {
    for (const w of [...this.waiting]) w.cancel(err());
  }
}
