// Holds one data type's checkpoint for one run: takes the lease, commits delivered cursors,
// and releases. Every write is conditional on the ETag of this runner's previous write.
import os from 'node:os';
import { RelayError } from '../errors.js';
import { pidAlive } from './pid.js';
import type { Cursor } from '../mdca/source-types.js';
import type { DataType } from '../mdca/types.js';
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


export class CheckpointKeeper {
  private etag: string | undefined;
  private record: CheckpointRecord | undefined;

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
  async acquire(decide: (stored: CheckpointRecord | undefined) => Cursor): Promise<{ cursor: Cursor; stored: CheckpointRecord | undefined }> {
    const current = await this.store.readCheckpoint(this.dataType);
    const stored = current?.value;
    if (leaseIsLive(stored?.lease, this.me, this.now(), pidAlive)) {
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
    this.etag = await this.store.writeCheckpoint(this.dataType, next, current?.etag);
    this.record = next;
    return { cursor, stored };
  }

  get cursor(): Cursor | undefined {
    return this.record?.cursor;
  }

  /** After confirmed delivery only: moves the checkpoint and renews the lease. */
  async commit(cursor: Cursor, delivered: number): Promise<void> {
    const record = this.held();
    const next: CheckpointRecord = {
      ...record,
      cursor,
      lease: { ...record.lease!, until: this.now() + this.leaseMs },
      deliveredTotal: record.deliveredTotal + delivered,
      updatedAt: this.now(),
    };
    this.etag = await this.store.writeCheckpoint(this.dataType, next, this.etag);
    this.record = next;
  }

  /** Ends the run: drops the lease and records the outcome (used by the resume rule). */
  async release(outcome: 'success' | 'failure'): Promise<void> {
    if (!this.record) return;
    const next: CheckpointRecord = { ...this.record, lease: undefined, lastRunAt: this.now(), lastOutcome: outcome, updatedAt: this.now() };
    this.etag = await this.store.writeCheckpoint(this.dataType, next, this.etag);
    this.record = undefined;
  }

  private held(): CheckpointRecord {
    if (!this.record) throw new RelayError('INTERNAL', 'checkpoint', `the ${this.dataType} lease is not held`);
    return this.record;
  }
}
