// The de-duplication state of a Graph cursor: `sent` maps the key of each delivered alert version
// (`id@lastUpdateDateTime`, exactly as the service wrote it) to that lastUpdateDateTime in epoch ms.
//
// Why a version and not an id: alerts_v2 changes `lastUpdateDateTime` on every change, and each change
// (when updates are on) is an event of its own; the same version read twice (a window re-read after a
// crash or an expired nextLink) is the one thing never to send again.
// What it must hold: every version delivered in the open window (a re-read restarts from the window's
// first page, in no particular order), and, once the window closes, the versions that a later window
// can still return: those with lastUpdateDateTime >= the new watermark (a new alert delivered with a
// version stamped after its window, or a record stamped in the future), and those stamped in the
// overlap behind it that the next read re-reads for late arrivals, cut at one point (`floor`). See reader.ts.
// Bounded in bytes, because the checkpoint is one JSON document that must stay under 64 KB.
// Pure: no clock, no I/O.
import { createHash } from 'node:crypto';
import type { GraphAlert } from './types.js';

/** `sent` never grows past this (JSON bytes): the whole cursor then stays well under 64 KB. */
export const SENT_HARD_BYTES = 60_000;

/** Ids longer than this are stored as a hash: a hostile id cannot eat the budget. */
const MAX_ID_CHARS = 96;

/** The de-duplication key of one alert version. */
export function versionKey(alert: Pick<GraphAlert, 'id' | 'lastUpdateDateTime'>): string {
  const id = alert.id.length > MAX_ID_CHARS ? `#${createHash('sha256').update(alert.id).digest('base64url')}` : alert.id;
  return `${id}@${alert.lastUpdateDateTime}`;
}

/** The id part of a key (hashed ids stay hashed: they are compared to versionKey's output). */
export function keyId(key: string): string {
  return key.slice(0, key.lastIndexOf('@'));
}

/** Bytes one entry adds to the cursor's JSON: `"key":1234567890123,`. */
export function entryBytes(key: string): number {
  return Buffer.byteLength(JSON.stringify(key)) + 16;
}

export function sentBytes(sent: ReadonlyMap<string, number>): number {
  let n = 2;
  for (const key of sent.keys()) n += entryBytes(key);
  return n;
}

export interface Trimmed {
  sent: Map<string, number>;
  /** Versions a later window may still return, dropped for lack of room: each may be sent once more. */
  dropped: number;
  /** Where the kept knowledge starts: every delivered version stamped in [floor, watermark) is kept (floor = watermark: none). */
  floor: number;
}

/**
 * What a closed window leaves for the next one: first the versions stamped at or after `watermark` (a
 * later window can return them), the nearest first; then, with what room is left, those stamped in the
 * overlap [overlapFrom, watermark) that the next read re-reads for late arrivals, the newest first. The
 * overlap's knowledge is cut at one point (`floor`), never with holes: the next read starts there, so it
 * never meets a delivered version it has forgotten. Older keys are needed no more.
 */
export function trimForNextWindow(sent: ReadonlyMap<string, number>, watermark: number, budgetBytes: number, overlapFrom = watermark): Trimmed {
  const ahead = [...sent].filter(([, ts]) => ts >= watermark).sort((a, b) => a[1] - b[1]);
  const behind = [...sent].filter(([, ts]) => ts >= overlapFrom && ts < watermark).sort((a, b) => b[1] - a[1]);
  const out = new Map<string, number>();
  let bytes = 2;
  let dropped = 0;
  for (const [key, ts] of ahead) {
    const b = entryBytes(key);
    if (bytes + b > budgetBytes) {
      dropped++;
      continue;
    }
    out.set(key, ts);
    bytes += b;
  }
  let floor = Math.min(overlapFrom, watermark);
  for (let i = 0; i < behind.length; i++) {
    const [key, ts] = behind[i]!;
    const b = entryBytes(key);
    if (bytes + b > budgetBytes) {
      // Everything stamped at `ts` or earlier goes: the knowledge starts just after it.
      floor = ts + 1;
      for (let j = i - 1; j >= 0 && behind[j]![1] === ts; j--) out.delete(behind[j]![0]);
      break;
    }
    out.set(key, ts);
    bytes += b;
  }
  return { sent: out, dropped, floor };
}

/** The versions a cursor holds while the reader works: key -> lastUpdateDateTime ms, their JSON size, the ids they name. */
export class SentVersions {
  private readonly map = new Map<string, number>();
  private readonly ids = new Set<string>();
  private size = 2;

  constructor(entries: Iterable<[string, unknown]> = []) {
    for (const [key, ts] of entries) if (typeof ts === 'number' && Number.isFinite(ts)) this.add(key, ts);
  }

  /** JSON bytes of `toJSON()`, at most. */
  get bytes(): number {
    return this.size;
  }

  get count(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** True when some version of the alert behind `key` is held. */
  hasAlertOf(key: string): boolean {
    return this.ids.has(keyId(key));
  }

  /** Holds `key`; false when that would pass SENT_HARD_BYTES (the version is then not remembered). */
  add(key: string, updated: number): boolean {
    if (this.map.has(key)) return true;
    const b = entryBytes(key);
    if (this.size + b > SENT_HARD_BYTES) return false;
    this.map.set(key, updated);
    this.ids.add(keyId(key));
    this.size += b;
    return true;
  }

  /** The window closed at `watermark`: keep what later windows and the overlap re-read can return (trimForNextWindow). */
  closeAt(watermark: number, budgetBytes: number, overlapFrom = watermark): { dropped: number; floor: number } {
    const { sent, dropped, floor } = trimForNextWindow(this.map, watermark, budgetBytes, overlapFrom);
    this.map.clear();
    this.ids.clear();
    this.size = 2;
    for (const [key, ts] of sent) this.add(key, ts);
    return { dropped, floor };
  }

  /** Distinct alerts with a version stamped in [from, to): rows an overlap re-read returns that are already delivered (an estimate). */
  alertsIn(from: number, to: number): number {
    const ids = new Set<string>();
    for (const [key, ts] of this.map) if (ts >= from && ts < to) ids.add(keyId(key));
    return ids.size;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.map);
  }
}
