// Pure rules of the state stage: where a data type starts, and what the status shows.
// No clock, no I/O: every function takes `now` so tests need neither a network nor a sleep.
import type { Cursor } from '../sources/types.js';
import type { CheckpointRecord, RelayState, StatusRecord } from './types.js';

/** The original agent's thresholds: "Connection error" after 2 h, "Disconnected" after 12 h. */
export const CONNECTION_ERROR_AFTER_MS = 2 * 3_600_000;
export const DISCONNECTED_AFTER_MS = 12 * 3_600_000;

export interface StartDecision {
  cursor: Cursor;
  /** Set when the relay restarts at the look-back after being switched off (the gap is not relayed). */
  skipped?: { from: number; to: number };
  reason: 'first-run' | 'resume' | 'switched-off';
}

/**
 * - No checkpoint: start `lookback` back (the original agent sent the last 2 days).
 * - Last run failed (syslog down, token rejected, API down): resume exactly at the checkpoint,
 *   whatever its age: nothing is skipped.
 * - Last run succeeded, then no run for longer than `lookback` (the relay was switched off):
 *   start `lookback` back as the original did, and report the skipped span.
 * - Otherwise resume at the checkpoint.
 */
export function decideStart(checkpoint: CheckpointRecord | undefined, now: number, lookbackMs: number): StartDecision {
  const floor = now - lookbackMs;
  if (!checkpoint) return { cursor: { watermark: floor, sent: {} }, reason: 'first-run' };
  const { cursor, lastOutcome, lastRunAt } = checkpoint;
  const switchedOff = lastOutcome === 'success' && lastRunAt !== undefined && now - lastRunAt > lookbackMs && cursor.watermark < floor;
  if (switchedOff) return { cursor: { watermark: floor, sent: {} }, skipped: { from: cursor.watermark, to: floor }, reason: 'switched-off' };
  return { cursor, reason: 'resume' };
}

/** Created until the first successful run; then by the age of the last success. */
export function relayState(status: StatusRecord | undefined, now: number): RelayState {
  if (!status?.lastSuccessAt) return status?.lastError && now - status.createdAt > CONNECTION_ERROR_AFTER_MS ? 'Connection error' : 'Created';
  const age = now - status.lastSuccessAt;
  if (age > DISCONNECTED_AFTER_MS) return 'Disconnected';
  if (age > CONNECTION_ERROR_AFTER_MS) return 'Connection error';
  return 'Connected';
}

/**
 * A lease another runner holds and may still be using. Not live: an expired lease, a lease of a dead
 * process on this host, and a lease of an earlier run of this very process that has ended (its release
 * failed, or a write that timed out landed later): this process knows its own runs.
 */
export function leaseIsLive(lease: CheckpointRecord['lease'], me: { owner: string; host: string; pid: number }, now: number, pidAlive: (pid: number) => boolean, runActive: (owner: string) => boolean = () => true): boolean {
  if (!lease || lease.owner === me.owner) return false;
  if (lease.until <= now) return false;
  if (lease.host === me.host && !pidAlive(lease.pid)) return false;
  if (lease.host === me.host && lease.pid === me.pid && !runActive(lease.owner)) return false;
  return true;
}
