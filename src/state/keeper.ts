// Holds one data type's checkpoint for one run: takes the lease, keeps it alive while a page is in
// flight, commits delivered cursors, and releases. Every write is conditional on the ETag of this
// runner's previous write, and writes are serialized (a renewal never races a commit).
//
// Why renew on a timer and not only on commit: one page may take longer than the lease (a
// Retry-After of minutes, retries with long timeouts, a slow receiver). Without renewal a second
// runner takes over mid-page and both deliver it. With it, a runner that cannot renew (another took
// the lease, or the store is unreachable until the lease runs out) is told to stop at once.
import os from 'node:os';
import { isRelayError, RelayError } from '../errors.js';
import { pidAlive } from './pid.js';
import type { Cursor } from '../sources/types.js';
import type { Stream as DataType } from '../sources/types.js';
import { leaseIsLive } from './policy.js';
import type { CheckpointRecord, StateStore } from './types.js';

export interface RunnerIdentity {
  owner: string;
  host: string;
  pid: number;
}

export function runnerIdentity(runId: string): RunnerIdentity {
  return { owner: `${os.hostname()}:${process.pid}:${runId}`, host: os.hostname(), pid: process.pid };
}

/** Owners of the leases this process's runs hold right now (a lease of ours not in here is left over). */
const activeOwners = new Set<string>();

export class CheckpointKeeper {
  private etag: string | undefined;
  private record: CheckpointRecord | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly store: StateStore,
    readonly dataType: DataType,
    private readonly me: RunnerIdentity,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Reads the checkpoint, refuses a live lease of another runner, and takes the lease with the
   * starting cursor that `decide` picks from what is stored. Returns that cursor.
   */
  async acquire(decide: (stored: CheckpointRecord | undefined) => Cursor, signal?: AbortSignal): Promise<{ cursor: Cursor; stored: CheckpointRecord | undefined }> {
    const current = await this.store.readCheckpoint(this.dataType, signal);
    const stored = current?.value;
    if (leaseIsLive(stored?.lease, this.me, this.now(), pidAlive, (owner) => activeOwners.has(owner))) {
      throw new RelayError('CHECKPOINT_CONFLICT', 'checkpoint', `another runner (${stored!.lease!.owner}) holds the ${this.dataType} lease until ${new Date(stored!.lease!.until).toISOString()}`);
    }
    const cursor = decide(stored);
    const next: CheckpointRecord = {
      cursor,
      lease: { owner: this.me.owner, host: this.me.host, pid: this.me.pid, until: this.now() + this.leaseMs },
      lastRunAt: stored?.lastRunAt,
      lastOutcome: stored?.lastOutcome,
      deliveredTotal: stored?.deliveredTotal ?? 0,
      updatedAt: this.now(),
    };
    activeOwners.add(this.me.owner);
    try {
      this.etag = await this.store.writeCheckpoint(this.dataType, next, current?.etag, signal);
    } catch (err) {
      activeOwners.delete(this.me.owner);
      throw err;
    }
    this.record = next;
    return { cursor, stored };
  }

  get cursor(): Cursor | undefined {
    return this.record?.cursor;
  }

  /** After confirmed delivery only: moves the checkpoint and renews the lease. */
  commit(cursor: Cursor, delivered: number, signal?: AbortSignal): Promise<void> {
    return this.write((record) => ({ ...this.renewed(record), cursor, deliveredTotal: record.deliveredTotal + delivered }), signal);
  }

  /**
   * Renews the lease every third of its length until release. `onLost` is called (once) when the
   * lease is gone: another runner took it, or it could not be renewed before it ran out.
   */
  keepAlive(onLost: (err: RelayError) => void): void {
    const every = Math.max(1_000, Math.floor(this.leaseMs / 3));
    const tick = () => {
      const record = this.record;
      if (!record) return;
      this.write((r) => this.renewed(r), AbortSignal.timeout(every))
        .then(() => {
          if (this.renewing) this.renewTimer = setTimeout(tick, every).unref();
        })
        .catch((err: unknown) => {
          if (!this.renewing) return;
          const conflict = isRelayError(err, 'CHECKPOINT_CONFLICT');
          if (conflict || this.now() >= record.lease!.until - every) {
            this.stopRenewal();
            onLost(new RelayError('LEASE_LOST', 'checkpoint', conflict ? `another runner took the ${this.dataType} lease` : `the ${this.dataType} lease could not be renewed before it ran out`, { cause: err }));
          } else {
            this.renewTimer = setTimeout(tick, Math.min(every, 1_000)).unref(); // the store hiccuped: try again soon
          }
        });
    };
    this.stopRenewal();
    this.renewing = true;
    this.renewTimer = setTimeout(tick, every).unref();
  }

  /** Ends the run: drops the lease and records the outcome (used by the resume rule). */
  async release(outcome: 'success' | 'failure'): Promise<void> {
    this.stopRenewal();
    if (!this.record) return;
    try {
      await this.write((record) => ({ ...record, lease: undefined, lastRunAt: this.now(), lastOutcome: outcome, updatedAt: this.now() }));
    } finally {
      // Even when the write failed, the run is over: the next run of this process may take the lease.
      activeOwners.delete(this.me.owner);
      this.record = undefined;
    }
  }

  /** The record with its lease extended from now. */
  private renewed(record: CheckpointRecord): CheckpointRecord {
    return { ...record, lease: { ...record.lease!, until: this.now() + this.leaseMs }, updatedAt: this.now() };
  }

  private stopRenewal(): void {
    this.renewing = false;
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** One conditional write at a time, each on the ETag of the previous one. */
  private write(change: (record: CheckpointRecord) => CheckpointRecord, signal?: AbortSignal): Promise<void> {
    const run = this.writes.then(async () => {
      const next = change(this.held());
      this.etag = await this.store.writeCheckpoint(this.dataType, next, this.etag, signal);
      this.record = next;
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private held(): CheckpointRecord {
    if (!this.record) throw new RelayError('INTERNAL', 'checkpoint', `the ${this.dataType} lease is not held`);
    return this.record;
  }
}
