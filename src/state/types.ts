// The checkpoint and status records, and the store contract both backends implement.
//
// What may advance a checkpoint, and when (the rule every runner follows):
//  1. A runner first takes the data type's lease (a conditional write); a live lease of another
//     runner means "stop cleanly", never "send anyway".
//  2. A batch is fetched and delivered (tcp/tls: confirmed read by the receiver). Meanwhile the
//     lease is renewed every third of its length; a renewal that fails for good aborts the batch.
//  3. Only then the batch's cursor is committed, conditional on the ETag of the runner's own last
//     write. A 412/409 means another runner took over: stop without committing (after a delivery
//     that is LEASE_LOST, a failure: the other runner may send that batch again).
// Batches are committed in order, each after its own delivery (several may be in flight: the
// pipeline's delivery window). A run killed anywhere between 2 and 3 re-sends at most that window. A write that timed
// out may still land later: it only ever carries a cursor whose batch was delivered.
import type { Cursor } from '../sources/types.js';
import type { Stream as DataType } from '../sources/types.js';

export interface Lease {
  owner: string; // `${hostname}:${pid}:${runId}`
  host: string;
  pid: number;
  until: number; // epoch ms
}

export interface CheckpointRecord {
  cursor: Cursor;
  lease?: Lease;
  /** End of the last run that touched this data type. */
  lastRunAt?: number;
  lastOutcome?: 'success' | 'failure';
  /** Records delivered through this checkpoint since it was created. */
  deliveredTotal: number;
  updatedAt: number;
}

export interface Versioned<T> {
  value: T;
  etag: string;
}

export type RelayState = 'Created' | 'Connected' | 'Connection error' | 'Disconnected';

export interface RunCounts {
  fetched: number;
  sent: number;
  skippedDuplicates: number;
  requests: number;
  batches: number;
  durationMs: number;
}

export interface StatusRecord {
  relayName: string;
  createdAt: number;
  lastRunAt?: number;
  lastSuccessAt?: number; // last run that delivered (or had nothing to deliver) without error
  lastDeliveryAt?: number; // last confirmed delivery of at least one event
  lastError?: { at: number; code: string; stage: string; message: string };
  lastRun?: RunCounts & { outcome: 'success' | 'failure' | 'partial'; dataTypes: Partial<Record<DataType, { watermark: number; lagMs: number; sent: number }>> };
  /** Spans not relayed because the relay was switched off longer than the look-back (as the original agent). */
  skippedSpans?: Array<{ dataType: DataType; from: number; to: number; recordedAt: number }>;
  warnings?: Array<{ at: number; message: string }>;
  lastHeartbeatAt?: number;
  outages?: number;
  /** Multi-tenant fan-out: the tenant's queue message failed maxDequeueCount times and went to the poison queue; its next success clears this. */
  poisoned?: { at: number; attempts: number; code: string };
  /** Multi-tenant fan-out: receipt times of the tenant's API requests inside the last rate window, so the next run (on any instance) starts with the budget this one left. */
  recentRequests?: number[];
}

export interface StateStore {
  readonly description: string;
  // Every method takes the run's abort signal: an abort ends a pending call at once with the
  // signal's reason (the stores also bound each call by a timeout of their own).
  readCheckpoint(dataType: DataType, signal?: AbortSignal): Promise<Versioned<CheckpointRecord> | undefined>;
  /** Conditional write: `etag` undefined creates only if absent. Throws CHECKPOINT_CONFLICT when another writer won. */
  writeCheckpoint(dataType: DataType, value: CheckpointRecord, etag: string | undefined, signal?: AbortSignal): Promise<string>;
  readStatus(signal?: AbortSignal): Promise<StatusRecord | undefined>;
  /** Read-modify-write of the status record (last writer wins: status is informational). */
  updateStatus(update: (current: StatusRecord | undefined) => StatusRecord, signal?: AbortSignal): Promise<StatusRecord>;
}
